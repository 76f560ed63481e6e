"""Drive `imgcopy emulator`'s EC2 routes with boto3 (SigV4, signed per region).

Usage: drive_aws.py http://127.0.0.1:PORT ACCESS_KEY SECRET_KEY
"""
import sys

import boto3
from botocore.exceptions import ClientError

endpoint, ak, sk = sys.argv[1], sys.argv[2], sys.argv[3]
failures = []
passed = 0
AMI = "ami-0abc00000000000a1"
SNAP = "snap-0abc00000000000a1"


def check(name, cond, detail=""):
    global passed
    if cond:
        passed += 1
        print("ok   ", name)
    else:
        failures.append(name)
        print("FAIL ", name, detail)


def ec2(region, secret=sk):
    return boto3.client("ec2", region_name=region, endpoint_url=endpoint,
                        aws_access_key_id=ak, aws_secret_access_key=secret)


eu = ec2("eu-west-1")
a = eu.copy_image(SourceRegion="us-east-1", SourceImageId=AMI, Name="boto3 copy", ClientToken="tok-1")
b = eu.copy_image(SourceRegion="us-east-1", SourceImageId=AMI, Name="boto3 copy", ClientToken="tok-1")
check("CopyImage returns an AMI id", a["ImageId"].startswith("ami-"), a)
check("the same ClientToken returns the same AMI", a["ImageId"] == b["ImageId"], (a, b))
img = eu.describe_images(ImageIds=[a["ImageId"]])["Images"][0]
check("DescribeImages shows the copy pending", img["State"] == "pending" and img["Name"] == "boto3 copy", img)

s = eu.copy_snapshot(SourceRegion="us-east-1", SourceSnapshotId=SNAP, Description="boto3 snapshot copy",
                     TagSpecifications=[{"ResourceType": "snapshot", "Tags": [{"Key": "origin", "Value": "use1"}]}])
check("CopySnapshot returns a snapshot id", s["SnapshotId"].startswith("snap-"), s)
snap = eu.describe_snapshots(SnapshotIds=[s["SnapshotId"]])["Snapshots"][0]
check("DescribeSnapshots shows progress and tags",
      snap["State"] == "pending" and snap["Progress"].endswith("%") and {"Key": "origin", "Value": "use1"} in snap["Tags"],
      snap)
found = eu.describe_snapshots(OwnerIds=["self"], Filters=[{"Name": "tag:origin", "Values": ["use1"]}])["Snapshots"]
check("a tag filter finds the copy", [x["SnapshotId"] for x in found] == [s["SnapshotId"]], found)

eu.create_tags(Resources=[a["ImageId"]], Tags=[{"Key": "team", "Value": "platform"}])
img = eu.describe_images(ImageIds=[a["ImageId"]])["Images"][0]
check("CreateTags tags the AMI", {"Key": "team", "Value": "platform"} in img.get("Tags", []), img)
eu.deregister_image(ImageId=a["ImageId"])
try:
    eu.describe_images(ImageIds=[a["ImageId"]])
    check("a deregistered AMI is gone", False)
except ClientError as e:
    check("a deregistered AMI is gone (InvalidAMIID.NotFound)", e.response["Error"]["Code"] == "InvalidAMIID.NotFound")

for name, call, code in [
    ("missing AMI", lambda: eu.copy_image(SourceRegion="us-east-1", SourceImageId="ami-0123456789abcdef0", Name="xyz"), "InvalidAMIID.NotFound"),
    ("malformed AMI id", lambda: eu.copy_image(SourceRegion="us-east-1", SourceImageId="bogus", Name="xyz"), "InvalidAMIID.Malformed"),
    ("missing snapshot", lambda: eu.copy_snapshot(SourceRegion="us-east-1", SourceSnapshotId="snap-0123456789abcdef0"), "InvalidSnapshot.NotFound"),
]:
    try:
        call()
        check(name + " is rejected", False)
    except ClientError as e:
        check("%s -> %s" % (name, code), e.response["Error"]["Code"] == code, e.response["Error"])

try:
    ec2("eu-west-1", sk + "-wrong").describe_images(ImageIds=[AMI])
    check("wrong secret is rejected", False)
except ClientError as e:
    check("wrong secret -> AuthFailure", e.response["Error"]["Code"] == "AuthFailure", e.response["Error"])

print("aws boto3 against the emulator: %d passed, %d failed" % (passed, len(failures)))
sys.exit(1 if failures else 0)
