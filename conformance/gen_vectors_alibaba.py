"""Generate Alibaba signing vectors with the official SDKs: the RPC HMAC-SHA1 signature of
aliyun-python-sdk-core, and ACS3-HMAC-SHA256 of alibabacloud-tea-openapi.

Writes one JSON file per case under tests/vectors/alibaba/; --check compares instead.
"""
import json
import os
import sys
from types import SimpleNamespace

from aliyunsdkcore.auth.algorithm import sha_hmac1
from aliyunsdkcore.auth.composer import rpc_signature_composer as rpc
from alibabacloud_tea_openapi.utils import Utils

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "vectors", "alibaba")
AK = "AKEXAMPLE0000000"
SK = "sk-example-0123456789abcdef"
TS = "2026-11-21T14:32:32Z"

COMMON = [["Format", "JSON"], ["AccessKeyId", AK], ["SignatureMethod", "HMAC-SHA1"],
          ["SignatureType", ""], ["SignatureVersion", "1.0"], ["Timestamp", TS],
          ["Version", "2014-05-26"]]

RPC_CASES = [
    {"name": "rpc_copy_image_unicode_tags", "method": "POST", "params": COMMON + [
        ["Action", "CopyImage"], ["RegionId", "cn-hangzhou"], ["ImageId", "m-bp1abc"],
        ["DestinationRegionId", "cn-beijing"], ["DestinationImageName", "镜像 copy*1~x"],
        ["DestinationDescription", "a+b=c&d/e"], ["Tag.1.Value", "prod"], ["Tag.1.Key", "env"],
        ["Tag.2.Key", "k2"], ["Tag.2.Value", ""], ["ClientToken", "imgcopy-0123abcd"],
        ["Encrypted", "True"], ["SignatureNonce", "1d1b00ce5e0a4ac4bd1c6b4c3e8f9a01"]]},
    {"name": "rpc_describe_images_all_statuses", "method": "POST", "params": COMMON + [
        ["Action", "DescribeImages"], ["RegionId", "cn-shanghai"],
        ["ImageId", "m-1,m-2,m-3"], ["Status", "Creating,Waiting,Available,UnAvailable,CreateFailed"],
        ["PageSize", "100"], ["SignatureNonce", "2e2c11df6f1b5bd5ce2d7c5d4f9f0b12"]]},
    {"name": "rpc_cancel_with_security_token", "method": "GET", "params": COMMON + [
        ["Action", "CancelCopyImage"], ["RegionId", "cn-beijing"], ["ImageId", "m-2ze0"],
        ["SecurityToken", "sts/abc+def=="], ["SignatureNonce", "3f3d22e07f2c6ce6df3e8d6e5fa01c23"]]},
]

ACS3_HEADERS = {
    "host": "127.0.0.1:18080", "x-acs-version": "2014-05-26", "x-acs-action": "CopyImage",
    "user-agent": "AlibabaCloud (Linux) Python/3.11.7 Core/0.3.3 TeaDSL/1",
    "x-acs-date": TS, "x-acs-signature-nonce": "3156853299f313e23d1673dc12e1703d",
    "accept": "application/json",
    "x-acs-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "x-acs-credentials-provider": "static_ak",
}

ACS3_CASES = [
    {"name": "acs3_copy_image", "method": "POST", "path": "/",
     "query": {"DestinationImageName": "镜像 copy*1~x", "DestinationRegionId": "cn-beijing",
               "ImageId": "m-bp1abc", "RegionId": "cn-hangzhou", "Tag.1.Key": "env",
               "Tag.1.Value": "prod"},
     "headers": ACS3_HEADERS},
    {"name": "acs3_describe_images_repeated_header_case", "method": "POST", "path": "/",
     "query": {"RegionId": "cn-shanghai", "ImageId": "m-1,m-2", "Status": "Creating,Available"},
     "headers": dict(ACS3_HEADERS, **{"x-acs-action": "DescribeImages", "X-Acs-Extra": "  padded  "})},
]


def rpc_vector(case):
    params = dict(case["params"])
    sts = getattr(rpc, "__compose_string_to_sign")(case["method"], params)
    sig = getattr(rpc, "__get_signature")(sts, SK, sha_hmac1)
    return {"name": case["name"], "kind": "rpc",
            "generator": "aliyun-python-sdk-core 2.16.1 rpc_signature_composer",
            "access_key_id": AK, "secret_access_key": SK, "method": case["method"],
            "params": case["params"], "string_to_sign": sts, "signature": sig}


def acs3_vector(case):
    req = SimpleNamespace(pathname=case["path"], query=case["query"], headers=case["headers"],
                          method=case["method"])
    payload = case["headers"]["x-acs-content-sha256"]
    auth = Utils.get_authorization(req, "ACS3-HMAC-SHA256", payload, AK, SK)
    return {"name": case["name"], "kind": "acs3",
            "generator": "alibabacloud-tea-openapi 0.4.6 Utils.get_authorization",
            "access_key_id": AK, "secret_access_key": SK, "method": case["method"],
            "path": case["path"], "query": [[k, v] for k, v in case["query"].items()],
            "headers": [[k, v] for k, v in case["headers"].items()],
            "payload_hash": payload, "authorization": auth}


def main():
    check = "--check" in sys.argv
    os.makedirs(OUT, exist_ok=True)
    bad = 0
    vectors = [rpc_vector(c) for c in RPC_CASES] + [acs3_vector(c) for c in ACS3_CASES]
    for v in vectors:
        path = os.path.join(OUT, v["name"] + ".json")
        if check:
            with open(path, encoding="utf-8") as f:
                if json.load(f) != v:
                    print("vector differs from the SDK:", path)
                    bad += 1
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(json.dumps(v, indent=2, ensure_ascii=False) + "\n")
    print("alibaba vectors: %d cases %s" % (len(vectors), "checked" if check else "written"))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
