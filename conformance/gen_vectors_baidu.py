"""Generate bce-auth-v1 signing vectors with the official bce-python-sdk signer.

Writes one JSON file per case under tests/vectors/baidu/. With --check, compares instead of
writing and exits non-zero when a committed vector differs from what the SDK computes now.
"""
import calendar
import json
import os
import sys
import time

from baidubce.auth import bce_v1_signer
from baidubce.auth.bce_credentials import BceCredentials
from baidubce import utils

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "vectors", "baidu")

AK = "AKEXAMPLE0000000"
SK = "sk-example-0123456789abcdef"
TS = "2026-11-21T14:32:31Z"

CASES = [
    {
        "name": "remote_copy_image",
        "method": "POST", "path": "/v2/image/m-abcDEF12",
        "query": [["remoteCopy", None]],
        "headers": [["Host", "127.0.0.1:18080"], ["Content-Length", "44"],
                    ["x-bce-date", TS], ["User-Agent", "bce-sdk-python/0.9.79"]],
    },
    {
        "name": "remote_copy_image_with_region_prefix",
        "method": "POST", "path": "/gz/v2/image/m-abcDEF12",
        "query": [["remoteCopy", None]],
        "headers": [["host", "127.0.0.1:18080"], ["content-length", "52"],
                    ["content-type", "application/json; charset=utf-8"], ["x-bce-date", TS]],
    },
    {
        "name": "cancel_remote_copy_no_body",
        "method": "POST", "path": "/v2/image/m-3ev9sySj",
        "query": [["cancelRemoteCopy", None]],
        "headers": [["Host", "bcc.gz.baidubce.com"], ["Content-Length", "0"], ["x-bce-date", TS]],
    },
    {
        "name": "remote_copy_snapshot_client_token",
        "method": "PUT", "path": "/v2/snapshot/remote_copy/s-AJcboed5",
        "query": [["clientToken", "be31b98c-5e41-4838-9830-9be700de5a20"]],
        "headers": [["Host", "bcc.bj.baidubce.com"], ["Content-Length", "64"], ["x-bce-date", TS]],
    },
    {
        "name": "query_unicode_spaces_star_tilde_slash",
        "method": "GET", "path": "/v2/image",
        "query": [["imageName", "镜像 copy*1~x/y"], ["a-b", "2"], ["a", "1"],
                  ["marker", "m-1=2&3"], ["flag", None], ["with space", "v"]],
        "headers": [["Host", "127.0.0.1:8080"], ["x-bce-date", TS]],
    },
    {
        "name": "header_sorting_unicode_and_empty_values",
        "method": "GET", "path": "/v2/snapshot/s-qwZ8QD1R",
        "query": [],
        "headers": [["Host", "127.0.0.1:8080"], ["x-bce-a", "1"], ["x-bce-a-b", "2"],
                    ["X-Bce-Meta-Name", "  值 with space  "], ["Content-Type", " "],
                    ["Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg=="], ["x-bce-date", TS]],
    },
    {
        "name": "explicit_headers_to_sign_still_sign_x_bce",
        "method": "GET", "path": "/v2/image/m-abc~-_.9",
        "query": [["x", "y"]],
        "headers": [["Host", "bcc.su.baidubce.com"], ["User-Agent", "ua"],
                    ["x-bce-date", TS], ["x-bce-request-id", "r-1"]],
        "headers_to_sign": ["host", "user-agent"],
    },
    {
        "name": "security_token",
        "method": "POST", "path": "/v2/image/m-abcDEF12",
        "query": [["remoteCopy", None]],
        "headers": [["Host", "bcc.bj.baidubce.com"], ["Content-Length", "30"],
                    ["x-bce-date", TS], ["x-bce-security-token", "sts-token/abc+def=="]],
    },
    {
        "name": "doc_known_answer",
        "ak": "a" * 32, "sk": "b" * 32, "ts": "2015-04-27T08:23:49Z",
        "method": "PUT", "path": "/v1/test/myfolder/readme.txt",
        "query": [["partNumber", "9"], ["uploadId", "a44cc9bab11cbd156984767aad637851"]],
        "headers": [["Host", "bj.bcebos.com"], ["Date", "Mon, 27 Apr 2015 16:23:49 +0800"],
                    ["Content-Type", "text/plain"], ["Content-Length", "8"],
                    ["Content-Md5", "NFzcPqhviddjRNnSOGo4rw=="],
                    ["x-bce-date", "2015-04-27T08:23:49Z"]],
    },
]


def b(s):
    return s.encode("utf-8") if isinstance(s, str) else s


def vector(case):
    ak, sk, ts = case.get("ak", AK), case.get("sk", SK), case.get("ts", TS)
    epoch = calendar.timegm(time.strptime(ts, "%Y-%m-%dT%H:%M:%SZ"))
    params = {b(k): (None if v is None else b(v)) for k, v in case["query"]}
    headers = {b(k): b(v) for k, v in case["headers"]}
    to_sign = [b(h) for h in case.get("headers_to_sign", [])] or None
    creds = BceCredentials(b(ak), b(sk))
    auth = bce_v1_signer.sign(creds, b(case["method"]), b(case["path"]), headers, params,
                              epoch, 1800, to_sign)
    canonical_headers = bce_v1_signer._get_canonical_headers(headers, to_sign)
    return {
        "name": case["name"],
        "generator": "bce-python-sdk 0.9.79 baidubce.auth.bce_v1_signer.sign",
        "access_key_id": ak,
        "secret_access_key": sk,
        "timestamp": ts,
        "expiration": 1800,
        "method": case["method"],
        "path": case["path"],
        "query": [[k, "" if v is None else v] for k, v in case["query"]],
        "headers": case["headers"],
        "headers_to_sign": case.get("headers_to_sign", []),
        "canonical_query": utils.get_canonical_querystring(params, True).decode(),
        "canonical_headers": canonical_headers.decode(),
        "authorization": auth.decode(),
    }


def main():
    check = "--check" in sys.argv
    os.makedirs(OUT, exist_ok=True)
    bad = 0
    for case in CASES:
        v = vector(case)
        path = os.path.join(OUT, v["name"] + ".json")
        text = json.dumps(v, indent=2, ensure_ascii=False) + "\n"
        if check:
            with open(path, encoding="utf-8") as f:
                if json.load(f) != v:
                    print("vector differs from the SDK:", path)
                    bad += 1
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
    print("baidu vectors: %d cases %s" % (len(CASES), "checked" if check else "written"))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
