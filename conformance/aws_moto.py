"""Run imgcopy against moto (the pinned local AWS endpoint) with SigV4 checking on, and check
the results with boto3, not with imgcopy.

Usage: aws_moto.py PATH_TO_IMGCOPY
Starts moto_server on a free 127.0.0.1 port and stops it by its process id.
"""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import boto3
from botocore.exceptions import ClientError

imgcopy = sys.argv[1]
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


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


port = free_port()
endpoint = "http://127.0.0.1:%d" % port
env = dict(os.environ, MOTO_EC2_LOAD_DEFAULT_AMIS="false")
moto_bin = os.path.join(os.path.dirname(sys.executable), "moto_server")
server = subprocess.Popen([moto_bin, "-H", "127.0.0.1", "-p", str(port)], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(100):
        try:
            urllib.request.urlopen(endpoint + "/moto-api/").read()
            break
        except OSError:
            time.sleep(0.1)

    def client(service, region, ak, sk):
        return boto3.client(service, region_name=region, endpoint_url=endpoint,
                            aws_access_key_id=ak, aws_secret_access_key=sk)

    # An IAM user with EC2 rights, then signature checking on for every later call.
    iam = client("iam", "us-east-1", "bootstrap", "bootstrap")
    iam.create_user(UserName="replicator")
    iam.put_user_policy(UserName="replicator", PolicyName="ec2-all", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="replicator")["AccessKey"]
    ak, sk = key["AccessKeyId"], key["SecretAccessKey"]
    req = urllib.request.Request(endpoint + "/moto-api/reset-auth", data=b"0", method="POST",
                                 headers={"Content-Type": "text/plain"})
    urllib.request.urlopen(req).read()

    src = client("ec2", "us-east-1", ak, sk)
    ami = src.register_image(Name="golden-src", Description="source", RootDeviceName="/dev/sda1",
                             BlockDeviceMappings=[{"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": 8}}])["ImageId"]
    snap = src.describe_images(ImageIds=[ami])["Images"][0]["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
    try:
        client("ec2", "us-east-1", ak, sk + "x").describe_images(ImageIds=[ami])
        check("moto checks signatures", False)
    except ClientError as e:
        check("moto checks signatures (AuthFailure)", e.response["Error"]["Code"] == "AuthFailure")

    def run(args, secret=sk):
        e = dict(os.environ, AWS_ACCESS_KEY_ID=ak, AWS_SECRET_ACCESS_KEY=secret,
                 XDG_CONFIG_HOME="/nonexistent")
        e.pop("IMGCOPY_CONFIG", None)
        e.pop("AWS_PROFILE", None)
        p = subprocess.run([imgcopy, "--endpoint", endpoint, "--output", "json",
                            "--poll-interval", "200ms"] + args, env=e, capture_output=True, text=True)
        try:
            report = json.loads(p.stdout)
        except ValueError:
            report = None
        return p.returncode, report, p.stderr

    dests = ["eu-west-1", "ap-southeast-1"]
    code, report, err = run(["aws", "image", "--id", ami, "--region", "us-east-1", "--dest", ",".join(dests),
                             "--name", "golden-copy", "--description", "copied by imgcopy", "--wait"])
    check("image copy to two regions exits 0", code == 0, err)
    for d in dests:
        images = client("ec2", d, ak, sk).describe_images(Owners=["self"])["Images"]
        names = [i["Name"] for i in images]
        rec = [r for r in (report or {}).get("records", []) if r["dest_region"] == d]
        check("the AMI copy exists in %s (boto3)" % d,
              "golden-copy" in names and rec and rec[0]["dest_id"] in [i["ImageId"] for i in images],
              (names, rec))

    code, report, err = run(["aws", "snapshot", "--id", snap, "--region", "us-east-1", "--dest", ",".join(dests),
                             "--description", "snapshot copy", "--wait"])
    check("snapshot copy to two regions exits 0", code == 0, err)
    for d in dests:
        snaps = client("ec2", d, ak, sk).describe_snapshots(OwnerIds=["self"])["Snapshots"]
        tagged = [s for s in snaps if {"Key": "imgcopy:source", "Value": "us-east-1/" + snap} in s.get("Tags", [])]
        check("the snapshot copy exists in %s with its provenance tag (boto3)" % d, len(tagged) == 1, snaps)

    code, report, err = run(["aws", "snapshot", "--id", snap, "--region", "us-east-1", "--dest", ",".join(dests),
                             "--description", "snapshot copy", "--wait"])
    counts = [len([s for s in client("ec2", d, ak, sk).describe_snapshots(OwnerIds=["self"])["Snapshots"]
                   if {"Key": "imgcopy:source", "Value": "us-east-1/" + snap} in s.get("Tags", [])]) for d in dests]
    check("re-running the snapshot copy makes no second copy", code == 0 and counts == [1, 1], (code, counts, err))

    code, report, err = run(["aws", "image", "--id", ami, "--region", "us-east-1", "--dest", "eu-west-1",
                             "--name", "golden-copy-2"], secret="wrong-secret")
    check("a wrong secret exits 3", code == 3, (code, err))
    code, report, err = run(["aws", "image", "--id", "ami-0123456789abcdef0", "--region", "us-east-1",
                             "--dest", "eu-west-1", "--name", "nothing-here"])
    codes = [r["error"]["code"] for r in (report or {}).get("records", []) if r.get("error")]
    check("a missing AMI exits 1 with InvalidAMIID.NotFound in the report",
          code == 1 and codes == ["InvalidAMIID.NotFound"], (code, codes, err))
finally:
    server.terminate()
    server.wait(timeout=10)

print("aws against moto: %d passed, %d failed" % (passed, len(failures)))
sys.exit(1 if failures else 0)
