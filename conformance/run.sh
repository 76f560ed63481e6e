#!/usr/bin/env bash
# Conformance against the vendors' official Python SDKs and moto (pinned in requirements.txt):
#  1. the committed signing vectors equal what the SDK signers compute now;
#  2. the official clients work against `imgcopy emulator` (and fail on a wrong secret);
#  3. imgcopy's AWS copies land in moto with SigV4 checking on (checked with boto3);
#  4. request shapes: every call imgcopy makes (copy, describe/list, job, cancel) has the
#     method, path, query names and body keys/types the official SDK sends for it (Baidu,
#     Huawei, Alibaba through the emulator's log; EC2's CopySnapshot/CopyImage parameters
#     equal botocore's, PresignedUrl included).
# Needs only Python 3 with pip and the Rust toolchain; installs the rest into conformance/.venv.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
venv="$here/.venv"
py="$venv/bin/python"

if [ ! -x "$py" ]; then
  python3 -m venv "$venv"
fi
"$py" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
# The SDKs read proxy variables themselves; the emulator is on loopback.
unset HTTP_PROXY HTTPS_PROXY http_proxy https_proxy ALL_PROXY all_proxy

for cloud in baidu huawei alibaba tencent; do
  if [ "${1:-}" = "--regenerate" ]; then
    "$py" "$here/gen_vectors_$cloud.py"
  fi
  "$py" "$here/gen_vectors_$cloud.py" --check
done

(cd "$root" && cargo build --quiet --bin imgcopy)
bin="$root/target/debug/imgcopy"
log="$(mktemp)"
# The SDK drivers check signatures and shapes one call after another, so new copies are
# visible at once here; imgcopy's own tests run with the default visibility lag.
"$bin" emulator --listen 127.0.0.1:0 --speed 1 --visibility-lag 0 >"$log" 2>&1 &
emu=$!
trap 'kill "$emu" 2>/dev/null || true; wait "$emu" 2>/dev/null || true; rm -f "$log"' EXIT
base=""
for _ in $(seq 1 100); do
  base="$(sed -n 's/^imgcopy emulator listening on \(http:[^ ]*\).*/\1/p' "$log")"
  [ -n "$base" ] && break
  sleep 0.1
done
if [ -z "$base" ]; then
  echo "the emulator did not start:"; cat "$log"; exit 1
fi
echo "emulator at $base (pid $emu)"
for cloud in baidu huawei alibaba aws tencent; do
  "$py" "$here/drive_$cloud.py" "$base" imgcopy-sandbox-ak imgcopy-sandbox-sk
done
"$py" "$here/request_parity.py" "$base" "$bin"
"$py" "$here/aws_moto.py" "$bin"
"$py" "$here/aws_params.py" "$bin"
echo "conformance: all checks passed"
