"""Generate TC3-HMAC-SHA256 signing vectors with the official tencentcloud-sdk-python-common
signer, through the CVM client's own request building (AbstractClient
._build_req_with_tc3_signature) at a fixed time.

Writes one JSON file per case under tests/vectors/tencent/; --check compares instead.
"""
import json
import os
import sys

import tencentcloud.common.abstract_client as abstract_client
from tencentcloud.common import credential
from tencentcloud.common.http.request import RequestInternal
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.cvm.v20170312 import cvm_client

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "vectors", "tencent")
SECRET_ID = "AKIDEXAMPLE0000000000000000000000000"
SECRET_KEY = "secret-example-0123456789abcdef"
TIMESTAMP = 1795271551  # 2026-11-21T14:32:31Z

CASES = [
    {
        "name": "sync_images",
        "host": "cvm.tencentcloudapi.com", "region": "ap-guangzhou", "action": "SyncImages",
        "params": {"ImageIds": ["img-8toqc6s3"], "DestinationRegions": ["ap-shanghai", "ap-beijing"],
                   "ImageName": "golden-1", "ImageSetRequired": True},
    },
    {
        "name": "describe_images_loopback_with_token",
        "host": "127.0.0.1:18080", "region": "ap-shanghai", "action": "DescribeImages",
        "params": {"ImageIds": ["img-1aaaaaaa", "img-2bbbbbbb"], "Limit": 100},
        "token": "tmp-token/abc+def==",
    },
    {
        "name": "unicode_name_and_date_boundary",
        "host": "cvm.intl.tencentcloudapi.com", "region": "ap-singapore", "action": "SyncImages",
        "params": {"ImageIds": ["img-8toqc6s3"], "DestinationRegions": ["ap-tokyo"],
                   "ImageName": "镜像 copy*1~x/y", "DryRun": True},
        "timestamp": 1795305599,  # 23:59:59 UTC: the scope's date is the UTC one
    },
    {
        "name": "doc_example_request",
        "host": "cvm.tencentcloudapi.com", "region": "ap-guangzhou", "action": "DescribeInstances",
        "params": {"Limit": 1, "Filters": [{"Values": ["未命名"], "Name": "instance-name"}]},
        "secret_id": "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
        "secret_key": "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
        "timestamp": 1551113065,
    },
]


def vector(case):
    ts = case.get("timestamp", TIMESTAMP)
    abstract_client.time.time = lambda: ts
    sid = case.get("secret_id", SECRET_ID)
    skey = case.get("secret_key", SECRET_KEY)
    cred = credential.Credential(sid, skey, case.get("token"))
    profile = ClientProfile(httpProfile=HttpProfile(endpoint=case["host"]))
    client = cvm_client.CvmClient(cred, case["region"], profile)
    req = RequestInternal(case["host"], "POST", "/")
    client._build_req_with_tc3_signature(case["action"], dict(case["params"]), req)
    return {
        "name": case["name"],
        "generator": "tencentcloud-sdk-python-common 3.1.195 AbstractClient._build_req_with_tc3_signature",
        "secret_id": sid,
        "secret_key": skey,
        "timestamp": ts,
        "host": case["host"],
        "body": req.data,
        "headers": [[k, v] for k, v in req.header.items() if k != "Authorization"],
        "authorization": req.header["Authorization"],
    }


def main():
    check = "--check" in sys.argv
    os.makedirs(OUT, exist_ok=True)
    bad = 0
    for case in CASES:
        v = vector(case)
        path = os.path.join(OUT, v["name"] + ".json")
        if check:
            with open(path, encoding="utf-8") as f:
                if json.load(f) != v:
                    print("vector differs from the SDK:", path)
                    bad += 1
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(json.dumps(v, indent=2, ensure_ascii=False) + "\n")
    print("tencent vectors: %d cases %s" % (len(CASES), "checked" if check else "written"))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
