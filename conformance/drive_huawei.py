"""Drive `imgcopy emulator` with the official Huawei ImsClient (huaweicloudsdkims).

Usage: drive_huawei.py http://127.0.0.1:PORT ACCESS_KEY SECRET_KEY
Requests carry no region prefix, so they land in the emulator's default region (cn-north-4).
"""
import json
import sys
import time
import urllib.request

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkims.v2 import (ImsClient, CopyImageInRegionRequest, CopyImageInRegionRequestBody,
                                  CopyImageCrossRegionRequest, CopyImageCrossRegionRequestBody,
                                  ShowJobRequest, ShowJobProgressRequest)

endpoint, ak, sk = sys.argv[1], sys.argv[2], sys.argv[3]
PROJECT = "0123456789abcdef0123456789abcdef"
IMG = "6f1f3b3c-0000-4000-8000-000000000001"
failures = []
passed = 0


def client(secret):
    return (ImsClient.new_builder()
            .with_http_config(HttpConfig.get_default_config())
            .with_credentials(BasicCredentials(ak, secret, PROJECT))
            .with_endpoint(endpoint)
            .build())


def check(name, cond, detail=""):
    global passed
    if cond:
        passed += 1
        print("ok   ", name)
    else:
        failures.append(name)
        print("FAIL ", name, detail)


def advance(seconds):
    req = urllib.request.Request(endpoint + "/_emulator/clock?advance=%d" % seconds, method="POST")
    urllib.request.urlopen(req).read()


ims = client(sk)

r = ims.copy_image_in_region(CopyImageInRegionRequest(
    image_id=IMG, body=CopyImageInRegionRequestBody(name="sdk-copy", description="copied by the SDK")))
check("copy_image_in_region returns a job id", bool(r.job_id), r)
job = ims.show_job(ShowJobRequest(job_id=r.job_id))
check("show_job sees the job in progress", job.status in ("INIT", "RUNNING"), job.status)

x = ims.copy_image_cross_region(CopyImageCrossRegionRequest(
    image_id=IMG, body=CopyImageCrossRegionRequestBody(
        name="sdk-cross", region="cn-east-3", project_name="cn-east-3",
        agency_name="ims_admin_agency")))
check("copy_image_cross_region returns a job id", bool(x.job_id), x)

advance(3600)
done = ims.show_job(ShowJobRequest(job_id=r.job_id))
check("show_job: SUCCESS with the new image id",
      done.status == "SUCCESS" and bool(done.entities.image_id), (done.status, done.entities))
done_in_region_id = done.entities.image_id
done = ims.show_job(ShowJobRequest(job_id=x.job_id))
check("cross-region job succeeds", done.status == "SUCCESS", done.status)
# The newer job query (imgcopy's fallback when the old one answers 404): the same job.
progress = ims.show_job_progress(ShowJobProgressRequest(job_id=r.job_id))
check("show_job_progress: SUCCESS with the new image id",
      progress.status == "SUCCESS" and progress.entities.image_id == done_in_region_id,
      (progress.status, progress.entities))

# documented errors reach the SDK in its own exception shape (both body shapes).
for name, call, status, code in [
    ("unknown image", lambda: ims.copy_image_in_region(CopyImageInRegionRequest(
        image_id="6f1f3b3c-0000-4000-8000-0000000000ff", body=CopyImageInRegionRequestBody(name="x"))),
     404, "IMG.0027"),
    ("image not active", lambda: ims.copy_image_in_region(CopyImageInRegionRequest(
        image_id="6f1f3b3c-0000-4000-8000-000000000005", body=CopyImageInRegionRequestBody(name="x"))),
     400, "IMG.0046"),
    ("name too long", lambda: ims.copy_image_in_region(CopyImageInRegionRequest(
        image_id=IMG, body=CopyImageInRegionRequestBody(name="n" * 129))), 400, "IMG.0002"),
    ("unknown agency", lambda: ims.copy_image_cross_region(CopyImageCrossRegionRequest(
        image_id=IMG, body=CopyImageCrossRegionRequestBody(
            name="x", region="cn-east-3", project_name="cn-east-3", agency_name="nobody"))),
     400, "IMS.AgencyNotFound"),
    ("unknown job", lambda: ims.show_job(ShowJobRequest(job_id="0" * 32)), 404, "IMS.0404"),
]:
    try:
        call()
        check(name + " is rejected", False)
    except ClientRequestException as e:
        check("%s -> %d %s" % (name, status, code), e.status_code == status and e.error_code == code,
              (e.status_code, e.error_code, e.error_msg))

try:
    client(sk + "-wrong").show_job(ShowJobRequest(job_id=r.job_id))
    check("wrong secret is rejected", False)
except ClientRequestException as e:
    check("wrong secret -> 401 APIGW.0301", e.status_code == 401 and e.error_code == "APIGW.0301",
          (e.status_code, e.error_code))

print("huawei sdk: %d passed, %d failed" % (passed, len(failures)))
sys.exit(1 if failures else 0)
