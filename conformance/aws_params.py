"""Request-shape parity for EC2: the form parameters of imgcopy's CopySnapshot and CopyImage
equal what boto3/botocore send for the same inputs, and the PresignedUrl imgcopy adds to
CopySnapshot (as botocore does) carries a signature that botocore's own SigV4QueryAuth
computes the same way.

Usage: aws_params.py PATH_TO_IMGCOPY
imgcopy's requests are captured by a small loopback server that answers like EC2; boto3's
are captured before they are sent (a `before-send` hook), so nothing leaves the machine.
"""
import http.server
import subprocess
import sys
import threading
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import boto3
from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.credentials import Credentials

imgcopy = sys.argv[1]
AK, SK = "AKIDPARITYTEST", "parity-secret-key"
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


REPLIES = {
    "CopySnapshot": "<CopySnapshotResponse><requestId>r</requestId><snapshotId>snap-0fedcba9876543210</snapshotId></CopySnapshotResponse>",
    "CopyImage": "<CopyImageResponse><requestId>r</requestId><imageId>ami-0fedcba9876543210</imageId></CopyImageResponse>",
    "DescribeSnapshots": "<DescribeSnapshotsResponse><requestId>r</requestId><snapshotSet/></DescribeSnapshotsResponse>",
}
captured = {}


class Capture(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0"))).decode()
        params = dict(parse_qsl(body, keep_blank_values=True))
        action = params.get("Action", "")
        captured[action] = params
        reply = REPLIES.get(action, "<Response/>").encode()
        self.send_response(200)
        self.send_header("content-type", "text/xml")
        self.send_header("content-length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Capture)
threading.Thread(target=server.serve_forever, daemon=True).start()
base = "http://127.0.0.1:%d" % server.server_address[1]


def run_imgcopy(*args):
    env = {"PATH": "/usr/bin:/bin", "AWS_ACCESS_KEY_ID": AK, "AWS_SECRET_ACCESS_KEY": SK,
           "XDG_CONFIG_HOME": "/nonexistent"}
    out = subprocess.run([imgcopy, "--endpoint", base + "/{region}", "--output", "json", *args],
                         env=env, capture_output=True, text=True, timeout=60)
    return out.returncode, out.stderr


def boto3_params(operation, **kwargs):
    """The form parameters boto3 sends for `operation`, captured before sending."""
    client = boto3.client("ec2", region_name="eu-west-1", endpoint_url=base + "/eu-west-1",
                          aws_access_key_id=AK, aws_secret_access_key=SK)
    seen = {}

    def before_send(request, **_):
        seen.update(parse_qsl(request.body.decode() if isinstance(request.body, bytes)
                              else request.body, keep_blank_values=True))
        body = REPLIES[operation].encode()
        return AWSResponse(request.url, 200, {"content-type": "text/xml"},
                           type("Raw", (), {"stream": lambda self, **k: iter([body]),
                                            "read": lambda self, *a: body})())

    client.meta.events.register("before-send.ec2.*", before_send)
    getattr(client, {"CopySnapshot": "copy_snapshot", "CopyImage": "copy_image"}[operation])(**kwargs)
    return seen


def tag_specs(params):
    """TagSpecifications as boto3 takes them, from the form parameters."""
    tags, i = [], 1
    while "TagSpecification.1.Tag.%d.Key" % i in params:
        tags.append({"Key": params["TagSpecification.1.Tag.%d.Key" % i],
                     "Value": params["TagSpecification.1.Tag.%d.Value" % i]})
        i += 1
    return [{"ResourceType": params["TagSpecification.1.ResourceType"], "Tags": tags}] if tags else []


# CopySnapshot, encrypted with a key: the case the API reference says needs PresignedUrl.
code, err = run_imgcopy("aws", "snapshot", "--id", "snap-0123456789abcdef0", "--region", "us-east-1",
                        "--dest", "eu-west-1", "--description", "parity copy", "--encrypted",
                        "--kms-key-id", "alias/parity")
check("imgcopy CopySnapshot ran", code == 0 and "CopySnapshot" in captured, err)
ours = captured.get("CopySnapshot", {})
theirs = boto3_params("CopySnapshot", SourceRegion="us-east-1", SourceSnapshotId="snap-0123456789abcdef0",
                      Description="parity copy", Encrypted=True, KmsKeyId="alias/parity",
                      TagSpecifications=tag_specs(ours))
check("CopySnapshot: the same parameter names as botocore", set(ours) == set(theirs),
      sorted(set(ours) ^ set(theirs)))
same = {k for k in ours if k in theirs and k != "PresignedUrl" and ours[k] == theirs[k]}
check("CopySnapshot: the same values (PresignedUrl aside)",
      same == set(ours) - {"PresignedUrl"}, {k: (ours.get(k), theirs.get(k)) for k in set(ours) - same})
check("CopySnapshot carries DestinationRegion", ours.get("DestinationRegion") == "eu-west-1", ours)

# The PresignedUrl: a GET to the source region with the same parameters, SigV4 in the query.
url = ours.get("PresignedUrl", "")
parts = urlsplit(url)
q = parse_qsl(parts.query, keep_blank_values=True)
qd = dict(q)
check("PresignedUrl goes to the source region", parts.path.startswith("/us-east-1"), url)
op = [(k, v) for k, v in q if not k.startswith("X-Amz-")]
check("PresignedUrl carries the call's parameters",
      dict(op) == {k: v for k, v in ours.items() if k != "PresignedUrl"}, op)
check("PresignedUrl is presigned for an hour in the source region",
      qd.get("X-Amz-Expires") == "3600" and "/us-east-1/ec2/aws4_request" in qd.get("X-Amz-Credential", ""), qd)
auth = SigV4QueryAuth(Credentials(AK, SK), "ec2", "us-east-1", expires=3600)
req = AWSRequest(method="GET", url=urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(op), "")),
                 headers={})
req.context["timestamp"] = qd.get("X-Amz-Date", "")
auth._modify_request_before_signing(req)
expected = auth.signature(auth.string_to_sign(req, auth.canonical_request(req)), req)
check("PresignedUrl's signature is the one botocore computes", expected == qd.get("X-Amz-Signature"),
      (expected, qd.get("X-Amz-Signature")))

# CopyImage: the same parameters as botocore (the derived ClientToken is imgcopy's own).
code, err = run_imgcopy("aws", "image", "--id", "ami-0123456789abcdef0", "--region", "us-east-1",
                        "--dest", "eu-west-1", "--name", "parity image", "--description", "d",
                        "--encrypted", "--kms-key-id", "alias/parity", "--copy-tags")
check("imgcopy CopyImage ran", code == 0 and "CopyImage" in captured, err)
ours = captured.get("CopyImage", {})
theirs = boto3_params("CopyImage", SourceRegion="us-east-1", SourceImageId="ami-0123456789abcdef0",
                      Name="parity image", Description="d", Encrypted=True, KmsKeyId="alias/parity",
                      CopyImageTags=True, ClientToken=ours.get("ClientToken", ""),
                      TagSpecifications=tag_specs(ours))
check("CopyImage: the same parameters as botocore", ours == theirs,
      {k: (ours.get(k), theirs.get(k)) for k in set(ours) | set(theirs) if ours.get(k) != theirs.get(k)})

server.shutdown()
print("aws request parity: %d passed, %d failed" % (passed, len(failures)))
sys.exit(1 if failures else 0)
