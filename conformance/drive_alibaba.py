"""Drive `imgcopy emulator` with both official Alibaba ECS clients: the old AcsClient
(aliyun-python-sdk-core + aliyun-python-sdk-ecs, RPC HMAC-SHA1) and the new Client
(alibabacloud-ecs20140526 + tea-openapi, ACS3-HMAC-SHA256 by default, and its V2 RPC mode).

Usage: drive_alibaba.py http://127.0.0.1:PORT ACCESS_KEY SECRET_KEY
"""
import json
import sys
import urllib.request

from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkecs.request.v20140526.CancelCopyImageRequest import CancelCopyImageRequest
from aliyunsdkecs.request.v20140526.CopyImageRequest import CopyImageRequest
from aliyunsdkecs.request.v20140526.CopySnapshotRequest import CopySnapshotRequest
from aliyunsdkecs.request.v20140526.DescribeSnapshotsRequest import DescribeSnapshotsRequest
from aliyunsdkecs.request.v20140526.DescribeImagesRequest import DescribeImagesRequest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_tea_openapi import models as open_api_models
from alibabacloud_tea_util.models import RuntimeOptions
from Tea.exceptions import TeaException

endpoint, ak, sk = sys.argv[1], sys.argv[2], sys.argv[3]
host = endpoint.split("://", 1)[1]
failures = []
passed = 0


def check(name, cond, detail=""):
    global passed
    if cond:
        passed += 1
        print("ok   ", name)
    else:
        failures.append(name)
        print("FAIL ", name, detail)


def copies_of(source):
    with urllib.request.urlopen(endpoint + "/_emulator/state") as r:
        return [x for x in json.load(r)["resources"]
                if x.get("provider") == "alibaba" and x.get("source_id") == source]


# --- the old SDK: RPC HMAC-SHA1 ---------------------------------------------------------
old = AcsClient(ak, sk, "cn-hangzhou", auto_retry=False)


def old_call(req, client=old):
    req.set_endpoint(host)
    req.set_protocol_type("http")
    return json.loads(client.do_action_with_exception(req))


def copy_req(dest, token, name="sdk-copy"):
    r = CopyImageRequest()
    r.set_ImageId("m-demo0001")
    r.set_DestinationRegionId(dest)
    r.set_DestinationImageName(name)
    r.set_Tags([{"Key": "env", "Value": "prod"}])
    r.set_ClientToken(token)
    return r


a = old_call(copy_req("cn-shanghai", "old-token-1"))
b = old_call(copy_req("cn-shanghai", "old-token-1"))
check("old SDK CopyImage returns the copy", a["ImageId"].startswith("m-"), a)
check("same ClientToken gives the same copy", a["ImageId"] == b["ImageId"], (a, b))
check("same ClientToken made one copy", len(copies_of("m-demo0001")) == 1)

d = DescribeImagesRequest()
d.set_ImageId(a["ImageId"])
d.set_Status("Creating,Waiting,Available")
d.set_PageSize(100)
d.add_query_param("RegionId", "cn-shanghai")
listed = old_call(d)["Images"]["Image"]
check("old SDK DescribeImages shows the copy in progress",
      len(listed) == 1 and listed[0]["Status"] in ("Creating", "Waiting") and listed[0]["Progress"].endswith("%"),
      listed)

c = CancelCopyImageRequest()
c.set_ImageId(a["ImageId"])
c.add_query_param("RegionId", "cn-shanghai")
old_call(c)
check("old SDK CancelCopyImage removed the copy", len(copies_of("m-demo0001")) == 0)

for name, req, code in [
    ("unknown image", (lambda r: (r.set_ImageId("m-nosuch01"), r)[1])(copy_req("cn-beijing", "t2")), "InvalidImageId.NotFound"),
    ("same region", copy_req("cn-hangzhou", "t3"), "IncorrectDestinationRegion"),
    ("KMS key without Encrypted", (lambda r: (r.set_KMSKeyId("e522b26d-abf6-4e0d-b5da-04b7a1b2c33c"), r)[1])(copy_req("cn-beijing", "t4")), "InvalidParameter.EncryptedIllegal"),
    ("duplicate name", copy_req("cn-shanghai", "t5", name="taken-name"), "InvalidImageName.Duplicated"),
]:
    try:
        old_call(req)
        check(name + " is rejected", False)
    except ServerException as e:
        check("old SDK: %s -> %s" % (name, code), e.get_error_code() == code, (e.get_error_code(), e.get_error_msg()))

try:
    old_call(copy_req("cn-beijing", "t6"), AcsClient(ak, sk + "-wrong", "cn-hangzhou", auto_retry=False))
    check("old SDK wrong secret is rejected", False)
except ServerException as e:
    # The SDK compares the server's string to sign with its own and then says the secret is wrong.
    check("old SDK wrong secret -> signature error",
          e.get_http_status() == 400 and e.get_error_code() in ("SignatureDoesNotMatch", "InvalidAccessKeySecret"),
          (e.get_error_code(), e.get_error_msg()))

# Snapshots with the old SDK: CopySnapshot (ClientToken, retention, tags), DescribeSnapshots.
def snap_req(token):
    r = CopySnapshotRequest()
    r.set_SnapshotId("s-demo0001")
    r.set_DestinationRegionId("cn-shanghai")
    r.set_DestinationSnapshotName("sdk-snapshot-copy")
    r.set_RetentionDays(7)
    r.set_Tags([{"Key": "env", "Value": "prod"}])
    r.set_ClientToken(token)
    return r


s1 = old_call(snap_req("snap-t1"))
s2 = old_call(snap_req("snap-t1"))
check("old SDK CopySnapshot returns the copy", s1.get("SnapshotId", "").startswith("s-"), s1)
check("the same ClientToken returns the same snapshot", s1 == {**s2, "RequestId": s1["RequestId"]}, (s1, s2))
d = DescribeSnapshotsRequest()
d.set_SnapshotIds(json.dumps([s1["SnapshotId"]]))
old_sh = AcsClient(ak, sk, "cn-shanghai", auto_retry=False)
listed = old_call(d, old_sh)["Snapshots"]["Snapshot"]
check("old SDK DescribeSnapshots shows it progressing with retention and tags",
      len(listed) == 1 and listed[0]["Status"] == "progressing" and listed[0]["RetentionDays"] == 7
      and {"TagKey": "env", "TagValue": "prod"} in listed[0]["Tags"]["Tag"], listed)

# --- the new SDK: ACS3-HMAC-SHA256, and its V2 RPC mode ----------------------------------
def new_client(secret, algorithm=None):
    cfg = open_api_models.Config(access_key_id=ak, access_key_secret=secret, region_id="cn-hangzhou",
                                 endpoint=host, protocol="http")
    if algorithm:
        cfg.signature_algorithm = algorithm
    return EcsClient(cfg)


rt = RuntimeOptions(autoretry=False)
for label, client in [("new SDK (ACS3)", new_client(sk)), ("new SDK (V2 RPC)", new_client(sk, "v2"))]:
    r = client.copy_image_with_options(ecs_models.CopyImageRequest(
        region_id="cn-hangzhou", image_id="m-demo0001", destination_region_id="cn-beijing",
        destination_image_name="new sdk copy".replace(" ", "-"),
        destination_description="copied with spaces + plus",
        tag=[ecs_models.CopyImageRequestTag(key="env", value="prod")]), rt)
    image_id = r.body.image_id
    check(label + " CopyImage returns the copy", bool(image_id) and image_id.startswith("m-"), r.body)
    listed = client.describe_images_with_options(ecs_models.DescribeImagesRequest(
        region_id="cn-beijing", image_id=image_id, status="Creating,Waiting,Available", page_size=100), rt)
    check(label + " DescribeImages lists it", [i.image_id for i in listed.body.images.image] == [image_id])
    client.cancel_copy_image_with_options(ecs_models.CancelCopyImageRequest(
        region_id="cn-beijing", image_id=image_id), rt)
    check(label + " CancelCopyImage removed it", all(c["id"] != image_id for c in copies_of("m-demo0001")))

    r = client.copy_snapshot_with_options(ecs_models.CopySnapshotRequest(
        region_id="cn-hangzhou", snapshot_id="s-demo0001", destination_region_id="cn-beijing",
        destination_snapshot_name="new-sdk-snapshot", retention_days=3), rt)
    snap_id = r.body.snapshot_id
    check(label + " CopySnapshot returns the copy", bool(snap_id) and snap_id.startswith("s-"), r.body)
    listed = client.describe_snapshots_with_options(ecs_models.DescribeSnapshotsRequest(
        region_id="cn-beijing", snapshot_ids=json.dumps([snap_id])), rt)
    check(label + " DescribeSnapshots lists it", [x.snapshot_id for x in listed.body.snapshots.snapshot] == [snap_id])

try:
    new_client(sk + "-wrong").describe_images_with_options(
        ecs_models.DescribeImagesRequest(region_id="cn-hangzhou"), rt)
    check("new SDK wrong secret is rejected", False)
except TeaException as e:
    check("new SDK wrong secret -> SignatureDoesNotMatch", e.code == "SignatureDoesNotMatch", (e.code, e.message))

print("alibaba sdks: %d passed, %d failed" % (passed, len(failures)))
sys.exit(1 if failures else 0)
