#!/usr/bin/env bash
# The benchmark: imgcopy against `imgcopy emulator` with 50 ms per request, beside the official
# SDKs in a loop (the pinned versions of conformance/, installed there if missing).
#   bash bench/run.sh           the full run (100 copies per cloud, 1000 AWS copies, the scale
#                               rows for AWS and Baidu, one copy beside the AWS CLI on moto)
#   bash bench/run.sh --short   what .ci/run runs: 100 copies for Alibaba and AWS, the AWS
#                               scale rows
# Prints figures; asserts nothing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
venv="$root/conformance/.venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$root/conformance/requirements.txt"
# The AWS CLI (pinned to the conformance botocore) for the moto row of the full run only.
if [ "${1:-}" != "--short" ]; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
fi
unset HTTP_PROXY HTTPS_PROXY http_proxy https_proxy ALL_PROXY all_proxy
(cd "$root" && cargo build --quiet --release --bin imgcopy)
echo "machine: $(nproc) cores, $(uname -sr); $(date -u +%Y-%m-%d)"
python3 "$here/bench.py" "$root/target/release/imgcopy" --python "$venv/bin/python" "$@"
