"""The scripted alternative: copy images with a vendor's official Python SDK in a loop, as
users script it today (one CopyImage per source and destination, then one status call per copy
per round until every copy is available). Run by bench/bench.py against `imgcopy emulator`.

Usage: sdk_loop.py alibaba|aws|tencent ENDPOINT AK SK SOURCE_REGION POLL_SECONDS SOURCES DESTS
(SOURCES and DESTS comma-separated). Prints one JSON line: {"copies": N, "seconds": S}.
"""
import json
import sys
import time

cloud, endpoint, ak, sk, src_region, poll = sys.argv[1:7]
sources, dests = sys.argv[7].split(","), sys.argv[8].split(",")
poll = float(poll)
start = time.monotonic()
copies = []  # (dest, id)

if cloud == "alibaba":
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkecs.request.v20140526.CopyImageRequest import CopyImageRequest
    from aliyunsdkecs.request.v20140526.DescribeImagesRequest import DescribeImagesRequest

    host = endpoint.split("://", 1)[1]
    clients = {r: AcsClient(ak, sk, r) for r in [src_region] + dests}

    def call(region, req):
        req.set_endpoint(host)
        req.set_protocol_type("http")
        return json.loads(clients[region].do_action_with_exception(req))

    for s in sources:
        for d in dests:
            req = CopyImageRequest()
            req.set_ImageId(s)
            req.set_DestinationRegionId(d)
            req.set_DestinationImageName("loop-" + s)
            copies.append((d, call(src_region, req)["ImageId"]))

    def done(dest, image_id):
        req = DescribeImagesRequest()
        req.set_ImageId(image_id)
        req.set_Status("Creating,Waiting,Available,CreateFailed,UnAvailable")
        images = call(dest, req)["Images"]["Image"]
        return bool(images) and images[0]["Status"] == "Available"
elif cloud == "tencent":
    from tencentcloud.common import credential
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile
    from tencentcloud.cvm.v20170312 import cvm_client, models

    host = endpoint.split("://", 1)[1]
    profile = ClientProfile(httpProfile=HttpProfile(endpoint=host, protocol="http"))
    clients = {r: cvm_client.CvmClient(credential.Credential(ak, sk), r, profile)
               for r in [src_region] + dests}
    for s in sources:
        req = models.SyncImagesRequest()
        req.ImageIds, req.DestinationRegions = [s], dests
        req.ImageName, req.ImageSetRequired = "loop-" + s, True
        for i in clients[src_region].SyncImages(req).ImageSet:
            copies.append((i.Region, i.ImageId))

    def done(dest, image_id):
        req = models.DescribeImagesRequest()
        req.ImageIds = [image_id]
        images = clients[dest].DescribeImages(req).ImageSet
        return bool(images) and images[0].ImageState == "NORMAL"
else:
    import boto3

    clients = {r: boto3.client("ec2", region_name=r, endpoint_url=endpoint,
                               aws_access_key_id=ak, aws_secret_access_key=sk)
               for r in dests}
    for s in sources:
        for d in dests:
            r = clients[d].copy_image(SourceRegion=src_region, SourceImageId=s, Name="loop-" + s)
            copies.append((d, r["ImageId"]))

    def done(dest, image_id):
        return clients[dest].describe_images(ImageIds=[image_id])["Images"][0]["State"] == "available"

pending = list(copies)
while pending:
    pending = [(d, i) for d, i in pending if not done(d, i)]
    if pending:
        time.sleep(poll)
print(json.dumps({"copies": len(copies), "seconds": time.monotonic() - start}))
