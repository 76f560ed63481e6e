"""Generate SDK-HMAC-SHA256 signing vectors with the official huaweicloudsdkcore Signer.

Writes one JSON file per case under tests/vectors/huawei/; --check compares instead.
"""
import json
import os
import sys

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "vectors", "huawei")
AK = "AKEXAMPLE0000000"
SK = "sk-example-0123456789abcdef"
DATE = "20261121T143231Z"
PROJECT = "0123456789abcdef0123456789abcdef"
IMG = "6f1f3b3c-0000-4000-8000-000000000001"

CASES = [
    {
        "name": "copy_in_region",
        "method": "POST", "host": "127.0.0.1:18080", "path": "/v1/cloudimages/%s/copy" % IMG,
        "query": [],
        "headers": {"Content-Type": "application/json;charset=utf-8", "X-Project-Id": PROJECT,
                    "User-Agent": "huaweicloud-usdk-python/3.0"},
        "body": '{"description": "copied by imgcopy", "name": "copy-1"}',
    },
    {
        "name": "cross_region_copy_with_region_prefix",
        "method": "POST", "host": "127.0.0.1:18080",
        "path": "/cn-north-4/v1/cloudimages/%s/cross_region_copy" % IMG,
        "query": [],
        "headers": {"content-type": "application/json;charset=utf-8", "X-Project-Id": PROJECT},
        "body": '{"name":"c","region":"cn-east-3","project_name":"cn-east-3","agency_name":"ims_admin_agency"}',
    },
    {
        "name": "show_job_get_without_body",
        "method": "GET", "host": "ims.cn-north-4.myhuaweicloud.com",
        "path": "/v1/%s/jobs/ff8080814dbd65d7014dbe0d84db0013" % PROJECT,
        "query": [],
        "headers": {"Content-Type": "application/json", "X-Project-Id": PROJECT},
        "body": "",
    },
    {
        "name": "query_sorting_repeats_unicode_and_reserved",
        "method": "GET", "host": "127.0.0.1:8080", "path": "/v2/cloudimages",
        "query": [["name", "镜像 copy*1~x/y"], ["a-b", "2"], ["a", "1"], ["a", "0"],
                  ["empty", ""], ["id", IMG]],
        "headers": {"X-Project-Id": PROJECT},
        "body": "",
    },
    {
        "name": "underscore_headers_unsigned_and_security_token",
        "method": "POST", "host": "127.0.0.1:8080", "path": "/v1/cloudimages/%s/copy" % IMG,
        "query": [],
        "headers": {"Content-Type": "application/json", "X_Odd_Header": "skip-me",
                    "X-Security-Token": "sts-token/abc+def==", "X-Project-Id": PROJECT},
        "body": '{"name": "\\u955c\\u50cf"}',
    },
    {
        "name": "non_json_body_is_unsigned_payload",
        "method": "PUT", "host": "127.0.0.1:8080", "path": "/v1/objects/a b",
        "query": [],
        "headers": {"Content-Type": "application/octet-stream"},
        "body": "raw bytes",
    },
    {
        "name": "doc_known_answer",
        "method": "GET", "host": "service.region.example.com",
        "path": "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs",
        "query": [["limit", "2"], ["marker", "13551d6b-755d-4757-b956-536f674975c0"]],
        "headers": {"Content-Type": "application/json"},
        "body": "",
        "date": "20191115T033655Z",
    },
]


def vector(case):
    headers = dict(case["headers"])
    headers["X-Sdk-Date"] = case.get("date", DATE)
    headers["Host"] = case["host"]
    req = SdkRequest(method=case["method"], schema="http", host=case["host"],
                     resource_path=case["path"],
                     query_params=[tuple(q) for q in case["query"]],
                     header_params=headers, body=case["body"])
    signer = Signer(BasicCredentials(AK, SK))
    signer.sign(req)
    auth = req.header_params["Authorization"]
    signed_headers = auth.split("SignedHeaders=")[1].split(",")[0].split(";")
    canonical = signer._process_canonical_request(req, signed_headers)
    return {
        "name": case["name"],
        "generator": "huaweicloudsdkcore 3.1.219 signer.Signer.sign",
        "access_key_id": AK,
        "secret_access_key": SK,
        "method": case["method"],
        "path": case["path"],
        "query": case["query"],
        "headers": [[k, v] for k, v in req.header_params.items() if k != "Authorization"],
        "body": case["body"],
        "canonical_request": canonical,
        "wire_uri": req.uri,
        "authorization": auth,
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
    print("huawei vectors: %d cases %s" % (len(CASES), "checked" if check else "written"))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
