"""Drive `imgcopy emulator`'s Tencent Cloud CVM routes with the official
tencentcloud-sdk-python-cvm client (TC3-HMAC-SHA256 over JSON POSTs).

Usage: drive_tencent.py http://127.0.0.1:PORT SECRET_ID SECRET_KEY
"""
import json
import sys
from urllib.parse import urlparse

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.cvm.v20170312 import cvm_client, models

endpoint, sid, skey = sys.argv[1], sys.argv[2], sys.argv[3]
host = urlparse(endpoint).netloc
failures = []
passed = 0
SRC = "img-demo0001"


def check(name, cond, detail=""):
    global passed
    if cond:
        passed += 1
        print("ok   ", name)
    else:
        failures.append(name)
        print("FAIL ", name, detail)


def client(region, secret=skey):
    hp = HttpProfile(endpoint=host, protocol="http")
    return cvm_client.CvmClient(credential.Credential(sid, secret), region, ClientProfile(httpProfile=hp))


def call(c, action, params):
    req = getattr(models, action + "Request")()
    req.from_json_string(json.dumps(params))
    return json.loads(getattr(c, action)(req).to_json_string())


gz = client("ap-guangzhou")
r = call(gz, "SyncImages", {"ImageIds": [SRC], "DestinationRegions": ["ap-shanghai", "ap-beijing"],
                            "ImageName": "sdk-copy", "ImageSetRequired": True})
regions = sorted(i["Region"] for i in r["ImageSet"])
check("SyncImages names a copy per destination", regions == ["ap-beijing", "ap-shanghai"], r)
sh_id = [i["ImageId"] for i in r["ImageSet"] if i["Region"] == "ap-shanghai"][0]
sh = client("ap-shanghai")
d = call(sh, "DescribeImages", {"ImageIds": [sh_id]})
img = d["ImageSet"][0] if d["ImageSet"] else {}
check("DescribeImages shows the copy syncing with a percent",
      img.get("ImageState") == "SYNCING" and isinstance(img.get("SyncPercent"), int) and img.get("ImageName") == "sdk-copy",
      d)
d = call(sh, "DescribeImages", {"Filters": [{"Name": "image-name", "Values": ["sdk-copy"]},
                                            {"Name": "image-type", "Values": ["PRIVATE_IMAGE"]}]})
check("a name filter finds the copy", [i["ImageId"] for i in d["ImageSet"]] == [sh_id], d)
r = call(gz, "SyncImages", {"ImageIds": [SRC], "DestinationRegions": ["ap-tokyo"]})
check("without ImageSetRequired the reply names no copy", r["ImageSet"] == [], r)

for name, c, params, code in [
    ("unknown image", gz, {"ImageIds": ["img-nothere1"], "DestinationRegions": ["ap-shanghai"]}, "InvalidImageId.NotFound"),
    ("malformed image id", gz, {"ImageIds": ["m-123"], "DestinationRegions": ["ap-shanghai"]}, "InvalidImageId.Malformed"),
    ("the source region as a plain destination", gz, {"ImageIds": [SRC], "DestinationRegions": ["ap-guangzhou"]},
     "InvalidParameterValue.InvalidRegion"),
    ("a region that takes no sync", gz, {"ImageIds": [SRC], "DestinationRegions": ["ap-shanghai-fsi"]},
     "InvalidRegion.Unavailable"),
    ("a public image", gz, {"ImageIds": ["img-pub00001"], "DestinationRegions": ["ap-shanghai"]},
     "InvalidParameterValue.InvalidImageId"),
    ("a dry run", gz, {"ImageIds": [SRC], "DestinationRegions": ["ap-shanghai"], "DryRun": True}, "DryRunOperation"),
    ("a wrong secret", client("ap-guangzhou", "wrong-secret"),
     {"ImageIds": [SRC], "DestinationRegions": ["ap-shanghai"]}, "AuthFailure.SignatureFailure"),
]:
    try:
        call(c, "SyncImages", params)
        check(name + " is refused", False, "no error")
    except TencentCloudSDKException as e:
        check("%s is refused (%s)" % (name, code), e.get_code() == code, e.get_code())

print("tencent: %d checks passed" % passed)
sys.exit(1 if failures else 0)
