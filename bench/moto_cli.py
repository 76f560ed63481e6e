"""One AMI copy made and waited for against moto (the pinned local EC2 endpoint): imgcopy
beside the AWS CLI (`aws ec2 copy-image` then `aws ec2 wait image-available`), the way a CI
script does it today. Prints a table of figures; asserts nothing.

Usage: moto_cli.py PATH_TO_IMGCOPY  (run with the Python of conformance/.venv, which has
moto, boto3 and, installed by bench/run.sh, awscli)
"""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import boto3

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench import measured  # noqa: E402

imgcopy = sys.argv[1]
bindir = os.path.dirname(sys.executable)
AK, SK = "bench-ak", "bench-sk"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


port = free_port()
endpoint = "http://127.0.0.1:%d" % port
server = subprocess.Popen([os.path.join(bindir, "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                          env=dict(os.environ, MOTO_EC2_LOAD_DEFAULT_AMIS="false"),
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(100):
        try:
            urllib.request.urlopen(endpoint + "/moto-api/").read()
            break
        except OSError:
            time.sleep(0.1)
    ec2 = boto3.client("ec2", region_name="us-east-1", endpoint_url=endpoint,
                       aws_access_key_id=AK, aws_secret_access_key=SK)
    ami = ec2.register_image(Name="golden-src", RootDeviceName="/dev/sda1",
                             BlockDeviceMappings=[{"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": 8}}])["ImageId"]
    env = {"PATH": os.environ.get("PATH", ""), "AWS_ACCESS_KEY_ID": AK, "AWS_SECRET_ACCESS_KEY": SK,
           "XDG_CONFIG_HOME": "/nonexistent", "AWS_CONFIG_FILE": "/nonexistent",
           "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "NO_PROXY": "*"}

    rows = []
    code, wall, cpu, rss, _ = measured([imgcopy, "--endpoint", endpoint, "--output", "json", "--wait",
                                        "aws", "image", "--id", ami, "--region", "us-east-1",
                                        "--dest", "eu-west-1", "--name", "bench-imgcopy"], env)
    rows.append(("imgcopy `aws image --wait`", 1, code, wall, cpu, rss))

    aws = os.path.join(bindir, "aws")
    common = ["--endpoint-url", endpoint, "--region", "eu-west-1", "--output", "json"]
    code1, wall1, cpu1, rss1, out = measured([aws, "ec2", "copy-image", "--source-image-id", ami,
                                              "--source-region", "us-east-1", "--name", "bench-cli",
                                              *common], env)
    new_id = json.loads(out)["ImageId"] if code1 == 0 else "ami-none"
    code2, wall2, cpu2, rss2, _ = measured([aws, "ec2", "wait", "image-available", "--image-ids", new_id,
                                            *common], env)
    rows.append(("AWS CLI `copy-image` + `wait image-available`", 2, max(code1, code2),
                 wall1 + wall2, cpu1 + cpu2, max(rss1, rss2)))
finally:
    server.terminate()
    server.wait(timeout=10)

print("\n## One AMI copy against moto, waited for (moto makes it available at once)\n")
print("| tool | processes | exit | wall s | CPU s | peak RSS MiB |")
print("|---|---|---|---|---|---|")
for name, procs, code, wall, cpu, rss in rows:
    print(f"| {name} | {procs} | {code} | {wall:.2f} | {cpu:.2f} | {rss:.1f} |")
