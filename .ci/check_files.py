"""What can be checked here of the files that run elsewhere (GitHub's runners, Docker): the
workflow files parse as YAML with the keys GitHub needs, and the Dockerfile builds the binary
with the release profile `cargo build --release` used here."""
import pathlib
import sys

import yaml

root = pathlib.Path(__file__).resolve().parent.parent
failures = []
for path in sorted([*root.glob(".github/workflows/*.yml"), *root.glob("docs/examples/*.yml")]):
    doc = yaml.safe_load(path.read_text())
    # YAML reads the key `on` as True.
    on = doc.get("on", doc.get(True))
    if not isinstance(doc, dict) or not doc.get("name") or on is None or not doc.get("jobs"):
        failures.append(f"{path.relative_to(root)}: needs name, on and jobs")
        continue
    for job, spec in doc["jobs"].items():
        if "runs-on" not in spec or not spec.get("steps"):
            failures.append(f"{path.relative_to(root)}: job {job} needs runs-on and steps")
    print("ok   ", path.relative_to(root))
docker = (root / "Dockerfile").read_text()
for needed in ["cargo build --release --locked --bin imgcopy", "FROM scratch", "USER 65532"]:
    if needed not in docker:
        failures.append(f"Dockerfile: missing `{needed}`")
print("ok   ", "Dockerfile" if not any(f.startswith("Dockerfile") for f in failures) else "Dockerfile FAIL")
for f in failures:
    print("FAIL ", f)
sys.exit(1 if failures else 0)
