"""Drive `imgcopy emulator` with the official Baidu BccClient (bce-python-sdk).

Usage: drive_baidu.py http://127.0.0.1:PORT ACCESS_KEY SECRET_KEY
Requests carry no region prefix, so they land in the emulator's default region (bj).
"""
import json
import sys
import urllib.request

from baidubce.auth.bce_credentials import BceCredentials
from baidubce.bce_client_configuration import BceClientConfiguration
from baidubce.exception import BceHttpClientError
from baidubce.retry.retry_policy import NoRetryPolicy
from baidubce.services.bcc.bcc_client import BccClient
from baidubce.services.bcc.bcc_model import DestRegionInfoModel

endpoint, ak, sk = sys.argv[1], sys.argv[2], sys.argv[3]
failures = []
passed = 0


def client(secret):
    return BccClient(BceClientConfiguration(credentials=BceCredentials(ak, secret),
                                            endpoint=endpoint, retry_policy=NoRetryPolicy()))


def check(name, cond, detail=""):
    global passed
    if cond:
        passed += 1
        print("ok   ", name)
    else:
        failures.append(name)
        print("FAIL ", name, detail)


def state():
    with urllib.request.urlopen(endpoint + "/_emulator/state") as r:
        return json.load(r)


bcc = client(sk)

# remote_copy_image: one call, a result per destination (bj→bj is an in-region copy).
r = bcc.remote_copy_image("m-demo0001", "sdk-copy", ["bj", "gz"])
results = {x.region: x for x in r.result}
check("remote_copy_image returns a result per region", set(results) == {"bj", "gz"}, r.result)
check("remote_copy_image succeeded", all(x.code == "success" and x.image_id.startswith("m-")
                                         for x in results.values()))
copy_id = results["bj"].image_id

img = bcc.get_image(copy_id)
check("get_image shows the copy in progress", img.image.status == "Creating", img.image.status)

# cancel (the SDK's spelling) while the copy is in progress.
bcc.cancle_remote_copy_image(copy_id)
ids = {x["id"] for x in state()["resources"]}
check("cancel removed the copy", copy_id not in ids)
try:
    bcc.cancle_remote_copy_image(copy_id)
    check("cancel of a gone copy fails", False)
except BceHttpClientError as e:
    check("cancel of a gone copy is NoSuchObject", e.last_error.code == "NoSuchObject",
          e.last_error.code)

# snapshot remote copy with a client token, twice: the same answer, one copy.
infos = [DestRegionInfoModel("gz", "sdk-snap")]
a = bcc.create_remote_copy_snapshot("s-demo0001", infos, client_token="sdk-token-1")
b = bcc.create_remote_copy_snapshot("s-demo0001", infos, client_token="sdk-token-1")
check("create_remote_copy_snapshot returns the new snapshot",
      a.result[0].snapshot_id.startswith("s-") and a.result[0].region == "gz")
check("same clientToken gives the same snapshot", a.result[0].snapshot_id == b.result[0].snapshot_id)
copies = [x for x in state()["resources"] if x.get("source_id") == "s-demo0001"]
check("same clientToken made one copy", len(copies) == 1, copies)

# documented errors reach the SDK in its own exception shape.
for name, call, code in [
    ("unknown image", lambda: bcc.remote_copy_image("m-nosuch01", "x", ["gz"]), "NoSuchObject"),
    ("public image", lambda: bcc.remote_copy_image("m-pub00001", "x", ["gz"]), "Image.ImageNotSupportCopy"),
    ("image not available", lambda: bcc.remote_copy_image("m-pending1", "x", ["gz"]), "Image.ImageStatusForbidden"),
    ("local snapshot", lambda: bcc.create_remote_copy_snapshot("s-local001", infos, client_token="t2"), "snapshot.CannotCopy"),
]:
    try:
        call()
        check(name + " is rejected", False)
    except BceHttpClientError as e:
        check(name + " -> " + code, e.last_error.code == code, e.last_error.code)

# a wrong secret is a signature error.
try:
    client(sk + "-wrong").remote_copy_image("m-demo0001", "x", ["gz"])
    check("wrong secret is rejected", False)
except BceHttpClientError as e:
    check("wrong secret -> SignatureDoesNotMatch",
          e.last_error.code == "SignatureDoesNotMatch" and e.last_error.status_code == 400,
          (e.last_error.code, e.last_error.status_code))

print("baidu sdk: %d passed, %d failed" % (passed, len(failures)))
sys.exit(1 if failures else 0)
