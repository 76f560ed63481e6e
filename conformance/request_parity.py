"""Request-shape parity for Baidu, Huawei and Alibaba: every call imgcopy makes (copy,
describe/list, job, cancel) has the method, path, query parameter names and body keys with
their JSON types that the official SDK sends for the same call with the same inputs.
Signatures are checked elsewhere (the vectors); this compares shapes.

Usage: request_parity.py http://127.0.0.1:PORT PATH_TO_IMGCOPY
Both sides talk to `imgcopy emulator` (started with --visibility-lag 0), whose request log
records each request's shape; the script compares the two logs call by call.
"""
import json
import os
import tempfile
import subprocess
import sys
import urllib.request

from aliyunsdkcore.client import AcsClient
from aliyunsdkecs.request.v20140526.CancelCopyImageRequest import CancelCopyImageRequest
from aliyunsdkecs.request.v20140526.CopyImageRequest import CopyImageRequest
from aliyunsdkecs.request.v20140526.DescribeImagesRequest import DescribeImagesRequest
from baidubce.auth.bce_credentials import BceCredentials
from baidubce.bce_client_configuration import BceClientConfiguration
from baidubce.retry.retry_policy import NoRetryPolicy
from baidubce.services.bcc.bcc_client import BccClient
from baidubce.services.bcc.bcc_model import DestRegionInfoModel
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkims.v2 import (CopyImageCrossRegionRequest, CopyImageCrossRegionRequestBody,
                                  ImsClient, ListImagesRequest, ShowJobRequest)

base, imgcopy = sys.argv[1], sys.argv[2]
AK, SK = "imgcopy-sandbox-ak", "imgcopy-sandbox-sk"
PROJECT = "0123456789abcdef0123456789abcdef"
HW_IMG = "6f1f3b3c-0000-4000-8000-000000000001"
failures = []
passed = 0

# Parameters every RPC request carries that differ only in value (the signature's own).
RPC_COMMON = {"Signature", "SignatureNonce", "Timestamp", "SignatureMethod", "SignatureVersion",
              "SignatureType", "AccessKeyId", "Format", "Version", "Action", "RegionId"}


def check(name, cond, detail=""):
    global passed
    if cond:
        passed += 1
        print("ok   ", name)
    else:
        failures.append(name)
        print("FAIL ", name, detail)


def log():
    with urllib.request.urlopen(base + "/_emulator/requests") as r:
        return json.load(r)


def since(n):
    return log()[n:]


def run_imgcopy(*args):
    env = {"PATH": "/usr/bin:/bin", "XDG_CONFIG_HOME": "/nonexistent",
           "BCE_ACCESS_KEY_ID": AK, "BCE_SECRET_ACCESS_KEY": SK,
           "HUAWEICLOUD_SDK_AK": AK, "HUAWEICLOUD_SDK_SK": SK, "HUAWEICLOUD_SDK_PROJECT_ID": PROJECT,
           "ALIBABA_CLOUD_ACCESS_KEY_ID": AK, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SK}
    out = subprocess.run([imgcopy, "--endpoint", base + "/{region}", "--output", "json", *args],
                         env=env, capture_output=True, text=True, timeout=120)
    return out.returncode, out.stdout, out.stderr


def shape(entry, ignore=()):
    return (entry["method"], entry["action"],
            tuple(k for k in entry["query_keys"] if k not in ignore),
            tuple(k for k in entry["body_keys"] if k.split(":")[0] not in ignore))


def compare(cloud, ours, theirs, ignore=()):
    for e in ours:
        # The SDK's call of the same action, on the same path where it made one.
        same = [t for t in theirs if t["action"] == e["action"]]
        sdk = next((t for t in same if t["route"] == e["route"]), same[0] if same else None)
        if sdk is None:
            check("%s %s: the SDK call was made" % (cloud, e["action"]), False, [x["action"] for x in theirs])
            continue
        check("%s %s: method, query and body shape as the SDK's" % (cloud, e["action"]),
              shape(e, ignore) == shape(sdk, ignore), (shape(e, ignore), shape(sdk, ignore)))
        check("%s %s: the same path" % (cloud, e["action"]), e["route"] == sdk["route"],
              (e["route"], sdk["route"]))


# ---- Baidu: image copy (source detail, destination listing, remoteCopy), snapshot copy,
# image detail and cancel.
# The SDK takes a host as its endpoint: its calls land in the emulator's default region (bj).
bcc = BccClient(BceClientConfiguration(credentials=BceCredentials(AK, SK), endpoint=base,
                                       retry_policy=NoRetryPolicy()))
n = len(log())
code, out, err = run_imgcopy("baidu", "image", "--id", "m-demo0001", "--region", "bj", "--dest", "gz",
                             "--name", "parity-image")
check("imgcopy baidu image ran", code == 0, err)
copy_id = json.loads(out)["records"][0]["dest_id"] if code == 0 else "m-none"
code, out, err = run_imgcopy("baidu", "snapshot", "--id", "s-demo0001", "--region", "bj", "--dest", "gz",
                             "--name", "parity-snap")
check("imgcopy baidu snapshot ran", code == 0, err)
code, out, err = run_imgcopy("baidu", "cancel", "--id", copy_id, "--region", "gz", "--force")
check("imgcopy baidu cancel ran", code == 0, err)
ours = since(n)
n = len(log())
bcc.get_image("m-demo0001")
bcc.list_images(image_type="Custom", max_keys=1000)
bcc.remote_copy_image("m-demo0001", "parity-image", ["gz"])
bcc.create_remote_copy_snapshot("s-demo0001", [DestRegionInfoModel("gz", "parity-snap")],
                                client_token="imgcopy-parity")
sdk_copy = bcc.remote_copy_image("m-demo0001", "parity-image-2", ["bj"]).result[0].image_id
bcc.get_image(sdk_copy)
bcc.cancle_remote_copy_image(sdk_copy)
theirs = since(n)
# The snapshot's client token is a query parameter on both sides; ids differ in paths.
for e in ours + theirs:
    e["route"] = e["route"].replace(copy_id, "{id}").replace(sdk_copy, "{id}")
compare("baidu", ours, theirs)

# ---- Huawei: preflight and name listings, cross-region copy, job query.
ims = (ImsClient.new_builder().with_http_config(HttpConfig.get_default_config())
       .with_credentials(BasicCredentials(AK, SK, PROJECT)).with_endpoint(base).build())
n = len(log())
# Waits a moment (one job query at least), then stops at the deadline: exit 4.
code, out, err = run_imgcopy("--wait", "--timeout", "1s", "--poll-interval", "50ms", "huawei", "image",
                             "--id", HW_IMG, "--region", "cn-north-4", "--dest", "cn-east-3",
                             "--agency", "ims_admin_agency", "--name", "parity", "--description", "d")
check("imgcopy huawei image ran", code in (0, 4), err)
ours = since(n)
n = len(log())
ims.list_images(ListImagesRequest(id=HW_IMG))
ims.list_images(ListImagesRequest(imagetype="private", name="parity"))
job = ims.copy_image_cross_region(CopyImageCrossRegionRequest(
    image_id=HW_IMG, body=CopyImageCrossRegionRequestBody(
        name="parity", description="d", region="cn-east-3", project_name="cn-east-3",
        agency_name="ims_admin_agency")))
ims.show_job(ShowJobRequest(job_id=job.job_id))
theirs = since(n)
for e in ours + theirs:
    e["route"] = e["route"].replace(PROJECT, "{project}")
    if e["action"] == "ShowJob":
        e["route"] = e["route"].rsplit("/", 1)[0] + "/{job}"
# The two ListImages calls differ in their query (by id, by name): compare each with its twin.
ours_lists = [e for e in ours if e["action"] == "ListImages"]
theirs_lists = [e for e in theirs if e["action"] == "ListImages"]
for o, t in zip(ours_lists, theirs_lists):
    check("huawei ListImages %s: the SDK's query keys" % ",".join(o["query_keys"]),
          o["query_keys"] == t["query_keys"] and o["method"] == t["method"], (o, t))
compare("huawei", [e for e in ours if e["action"] != "ListImages"],
        [e for e in theirs if e["action"] != "ListImages"])

# Many copies into one region are looked at in one paged listing per round: its query is the
# SDK's ListImagesRequest with the same fields (a later page adds `marker`).
req = urllib.request.Request(base + "/_emulator/clone?provider=huawei&id=%s&count=10" % HW_IMG,
                             data=b"", method="POST")
with urllib.request.urlopen(req) as r:
    many = json.load(r)["ids"]
n = len(log())
code, out, err = run_imgcopy("--wait", "--timeout", "2s", "--poll-interval", "50ms", "huawei", "image",
                             "--id", ",".join(many), "--region", "cn-north-4", "--name", "parity-{id}")
check("imgcopy huawei image (10 copies) ran", code in (0, 4), err)
paged = [e for e in since(n) if e["action"] == "ListImages" and "limit" in e["query_keys"]]
check("huawei: 10 copies into one region were looked at in a listing", len(paged) > 0)
n = len(log())
first = ims.list_images(ListImagesRequest(imagetype="private", limit=500))
ims.list_images(ListImagesRequest(imagetype="private", limit=500, marker=first.images[-1].id))
sdk_pages = since(n)
for o in paged[:1]:
    check("huawei ListImages (a page of the private images): the SDK's query keys",
          o["query_keys"] == sdk_pages[0]["query_keys"] and o["method"] == sdk_pages[0]["method"],
          (o, sdk_pages[0]))
    check("huawei ListImages (a page of the private images): the SDK's path",
          o["route"].replace(PROJECT, "{project}") == sdk_pages[0]["route"].replace(PROJECT, "{project}"),
          (o["route"], sdk_pages[0]["route"]))
check("huawei ListImages with marker: the keys imgcopy sends on a later page",
      sorted(sdk_pages[1]["query_keys"]) == sorted(["__imagetype", "limit", "marker"]), sdk_pages[1])

# ---- Alibaba: CopyImage (with tags, token, name), DescribeImages, CancelCopyImage.
host = base.split("://", 1)[1]
acs = AcsClient(AK, SK, "cn-hangzhou", auto_retry=False)


def rpc(req):
    req.set_endpoint(host)
    req.set_protocol_type("http")
    return json.loads(acs.do_action_with_exception(req))


n = len(log())
code, out, err = run_imgcopy("alibaba", "image", "--id", "m-demo0001", "--region", "cn-hangzhou",
                             "--dest", "cn-shanghai", "--name", "parity-ali", "--description", "dd",
                             "--tag", "env=prod")
check("imgcopy alibaba image ran", code == 0, err)
ali_copy = json.loads(out)["records"][0]["dest_id"] if code == 0 else "m-none"
code, out, err = run_imgcopy("alibaba", "cancel", "--id", ali_copy, "--region", "cn-shanghai")
check("imgcopy alibaba cancel ran", code == 0, err)
ours = since(n)
n = len(log())
c = CopyImageRequest()
c.set_ImageId("m-demo0001")
c.set_DestinationRegionId("cn-shanghai")
c.set_DestinationImageName("parity-ali-2")
c.set_DestinationDescription("dd")
c.set_Tags([{"Key": "env", "Value": "prod"}, {"Key": "imgcopy:source", "Value": "x"},
            {"Key": "imgcopy:copy", "Value": "y"}])
c.set_ClientToken("imgcopy-parity-token")
sdk_ali = rpc(c)["ImageId"]
d = DescribeImagesRequest()
d.set_ImageId(sdk_ali)
d.set_Status("Creating,Waiting,Available,UnAvailable,CreateFailed,Deprecated")
d.set_PageSize(100)
d.set_endpoint(host)
d.set_protocol_type("http")
acs_shanghai = AcsClient(AK, SK, "cn-shanghai", auto_retry=False)
json.loads(acs_shanghai.do_action_with_exception(d))
x = CancelCopyImageRequest()
x.set_ImageId(sdk_ali)
x.set_endpoint(host)
x.set_protocol_type("http")
json.loads(acs_shanghai.do_action_with_exception(x))
theirs = since(n)
compare("alibaba", ours, theirs, ignore=RPC_COMMON)

# Alibaba snapshots: imgcopy's CopySnapshot and DescribeSnapshots against the SDK's.
from aliyunsdkecs.request.v20140526.CopySnapshotRequest import CopySnapshotRequest
from aliyunsdkecs.request.v20140526.DescribeSnapshotsRequest import DescribeSnapshotsRequest

n = len(log())
report = os.path.join(tempfile.mkdtemp(), "snap.json")
code, out, err = run_imgcopy("--report", report, "alibaba", "snapshot", "--id", "s-demo0001",
                             "--region", "cn-hangzhou", "--dest", "cn-shanghai", "--name", "parity-snap",
                             "--description", "dd", "--retention-days", "7", "--tag", "env=prod")
check("imgcopy alibaba snapshot ran", code == 0, err)
# One look at the copy (the copy itself takes minutes at this emulator's speed).
code, out, err = run_imgcopy("status", "--report", report)
check("imgcopy status looked at the snapshot copy", code in (0, 4), err)
ours = since(n)
n = len(log())
c = CopySnapshotRequest()
c.set_SnapshotId("s-demo0001")
c.set_DestinationRegionId("cn-shanghai")
c.set_DestinationSnapshotName("parity-snap-2")
c.set_DestinationSnapshotDescription("dd")
c.set_RetentionDays(7)
c.set_Tags([{"Key": "env", "Value": "prod"}, {"Key": "imgcopy:source", "Value": "x"},
            {"Key": "imgcopy:copy", "Value": "y"}])
c.set_ClientToken("imgcopy-parity-snapshot")
sdk_snap = rpc(c)["SnapshotId"]
d = DescribeSnapshotsRequest()
d.set_SnapshotIds(json.dumps([sdk_snap]))
d.set_PageSize(100)
d.set_endpoint(host)
d.set_protocol_type("http")
json.loads(acs_shanghai.do_action_with_exception(d))
theirs = since(n)
compare("alibaba snapshot", ours, theirs, ignore=RPC_COMMON)

print("request parity: %d passed, %d failed" % (passed, len(failures)))
sys.exit(1 if failures else 0)
