//! Huawei Cloud IMS in the emulator: in-region and cross-region copy jobs, the job query and
//! the image list that preflight reads.

use super::rules::is_uuid;
use super::state::{timestamp, Job, Resource, World};
use rules::REGIONS;
pub mod auth;
pub mod rules;
use super::cloud::EmulatedCloud;
use super::{EmuRequest, EmuResponse, Route};
use crate::model::Cloud;
use crate::sign::huawei as sig;
use auth::*;
use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;

const P: Cloud = Cloud::Huawei;

/// The region of a request without a `/{region}` prefix.
pub const DEFAULT_REGION: &str = "cn-north-4";

/// Agencies the emulated account has (others are refused).
pub const AGENCIES: &[&str] = &["ims_admin_agency", "imgcopy_agency"];

/// The per-tenant limit of cross-region copies running at once.
pub const CROSS_REGION_LIMIT: usize = 5;

const CLOCK_SKEW_SECS: i64 = 15 * 60;

fn image(id_suffix: &str, name: &str) -> Resource {
    Resource {
        provider: P,
        kind: "image".into(),
        region: DEFAULT_REGION.into(),
        id: format!("6f1f3b3c-0000-4000-8000-{id_suffix}"),
        name: name.into(),
        status: "active".into(),
        image_type: "private".into(),
        copyable: true,
        copy_outcome: "active".into(),
        source_id: None,
        source_region: None,
        created_at: 0.0,
        start_at: None,
        ready_at: None,
        client_token: None,
        attrs: [
            ("disk_format".to_string(), "zvhd2".to_string()),
            ("__whole_image".to_string(), "false".to_string()),
        ]
        .into(),
    }
}

fn with(mut r: Resource, k: &str, v: &str) -> Resource {
    r.attrs.insert(k.into(), v.into());
    r
}

/// The documented demo images (see the README's emulator section).
pub fn seed(w: &mut World) {
    w.resources.extend([
        image("000000000001", "golden-ubuntu-2204"),
        with(
            image("000000000002", "golden-whole-ecs"),
            "__whole_image",
            "true",
        ),
        with(
            image("000000000003", "golden-from-iso"),
            "disk_format",
            "iso",
        ),
        with(
            image("000000000004", "golden-encrypted"),
            "__system__cmkid",
            "bd66288c-9081-460a-8227-4cbd0c814cb4",
        ),
        Resource {
            status: "queued".into(),
            ..image("000000000005", "golden-queued")
        },
        Resource {
            copy_outcome: "killed".into(),
            ..image("000000000006", "golden-copy-fails")
        },
    ]);
}

pub fn route(req: &EmuRequest) -> Option<Route> {
    let segs: Vec<&str> = req.path.trim_matches('/').split('/').collect();
    let action = match (req.method.as_str(), segs.as_slice()) {
        ("POST", ["v1", "cloudimages", _, "copy"]) => "CopyImageInRegion",
        ("POST", ["v1", "cloudimages", _, "cross_region_copy"]) => "CopyImageCrossRegion",
        ("GET", ["v1", _, "jobs", _]) => "ShowJob",
        ("GET", ["v1", "cloudimages", "job", _]) => "ShowJobProgress",
        ("GET", ["v2", "cloudimages"]) => "ListImages",
        _ => return None,
    };
    Some(Route {
        provider: P,
        action,
    })
}

/// The IMS shape: `{"error":{"code","message"}}`.
pub fn ims_error(status: u16, code: &str, message: &str) -> EmuResponse {
    with_request_id(EmuResponse::json(
        status,
        &json!({"error": {"code": code, "message": message}}),
    ))
}

/// The API gateway shape: `{"error_code","error_msg","request_id"}`.
pub fn apig_error(status: u16, code: &str, message: &str) -> EmuResponse {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let mut r = EmuResponse::json(
        status,
        &json!({"error_code": code, "error_msg": message, "request_id": id}),
    );
    r.headers.push(("x-request-id".into(), id));
    r
}

fn with_request_id(mut r: EmuResponse) -> EmuResponse {
    r.headers.push((
        "x-request-id".into(),
        uuid::Uuid::new_v4().simple().to_string(),
    ));
    r
}

fn ok(v: serde_json::Value) -> EmuResponse {
    with_request_id(EmuResponse::json(200, &v))
}

/// The Glance-style status of a Huawei image at `now`.
pub fn status_of(r: &Resource, now: f64) -> String {
    if r.is_copying(now) {
        if r.progress_at(now) < 10 {
            "queued"
        } else {
            "saving"
        }
        .to_string()
    } else {
        r.status_at(now)
    }
}

pub fn handle(w: &mut World, req: &EmuRequest, action: &str) -> EmuResponse {
    let ak = match verify(w, req, OffsetDateTime::now_utc()) {
        Ok(ak) => ak,
        Err(resp) => return resp,
    };
    let Some(project) = req.header(rules::PROJECT_HEADER).map(str::to_string) else {
        return auth_error("X-Project-Id is missing");
    };
    let region = req.region.clone().unwrap_or_else(|| DEFAULT_REGION.into());
    let segs: Vec<String> = req
        .path
        .trim_matches('/')
        .split('/')
        .map(str::to_string)
        .collect();
    match action {
        "CopyImageInRegion" => match copy_call(w, req, &region, &segs[2], &project, &ak) {
            Ok(call) => copy_in_region(w, call),
            Err(resp) => resp,
        },
        "CopyImageCrossRegion" => match copy_call(w, req, &region, &segs[2], &project, &ak) {
            Ok(call) => copy_cross_region(w, call),
            Err(resp) => resp,
        },
        "ShowJob" => show_job(w, &region, &segs[1], &segs[3]),
        // The newer job query: the project comes from the header, the id from the path.
        "ShowJobProgress" => show_job(w, &region, &project, &segs[3]),
        "ListImages" => list_images(w, req, &region),
        _ => ims_error(404, "IMS.0001", "no such API"),
    }
}

#[derive(Deserialize)]
struct CopyBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    project_name: Option<String>,
    #[serde(default)]
    agency_name: Option<String>,
    #[serde(default)]
    vault_id: Option<String>,
    #[serde(default)]
    cmk_id: Option<String>,
}

fn bad(code: &str, message: &str) -> EmuResponse {
    ims_error(400, code, message)
}

/// What a copy call asks of one source: the call's names for it and the checked body.
struct CopyCall<'a> {
    region: &'a str,
    project: &'a str,
    ak: &'a str,
    body: CopyBody,
    src: Resource,
}

/// The checks both copy calls make: a well-formed body with a valid name and description, of
/// an active source image in `region` that is not an ISO.
fn copy_call<'a>(
    w: &World,
    req: &EmuRequest,
    region: &'a str,
    image_id: &str,
    project: &'a str,
    ak: &'a str,
) -> Result<CopyCall<'a>, EmuResponse> {
    let Ok(body) = serde_json::from_slice::<CopyBody>(&req.body) else {
        return Err(bad("IMS.0001", "The request message format is invalid."));
    };
    check_name_and_description(&body)?;
    let Some(i) = w.find(P, "image", region, image_id) else {
        return Err(ims_error(404, "IMG.0027", "The image does not exist."));
    };
    let src = w.resources[i].clone();
    if status_of(&src, w.now()) != "active" {
        return Err(bad("IMG.0046", "The image is unavailable."));
    }
    if attr(&src, "disk_format") == "iso" {
        return Err(bad(
            "IMS.IsoImageNotSupported",
            "Private images created from ISO files cannot be replicated.",
        ));
    }
    Ok(CopyCall {
        region,
        project,
        ak,
        body,
        src,
    })
}

fn attr<'r>(r: &'r Resource, k: &str) -> &'r str {
    r.attrs.get(k).map(String::as_str).unwrap_or("")
}

fn check_name_and_description(body: &CopyBody) -> Result<(), EmuResponse> {
    let Some(name) = body.name.as_deref().filter(|n| !n.is_empty()) else {
        return Err(bad(
            "IMS.0001",
            "The request message format is invalid: name is required.",
        ));
    };
    if name.chars().count() > 128 {
        return Err(bad(
            "IMG.0002",
            "The image name contains more than 128 characters.",
        ));
    }
    if !rules::name_ok(name) {
        return Err(bad("IMG.0003", "The image name format is invalid."));
    }
    if let Some(d) = &body.description {
        if d.chars().count() > 1024 {
            return Err(bad(
                "IMG.0004",
                "The description contains more than 1024 characters.",
            ));
        }
        if d.contains(['\r', '\n', '<', '>']) {
            return Err(bad(
                "IMS.0001",
                "The description must not contain carriage returns or angle brackets.",
            ));
        }
    }
    Ok(())
}

/// `POST /v1/cloudimages/{id}/copy`: a copy in the source's region (a full-ECS image cannot;
/// a `cmk_id` encrypts the copy).
fn copy_in_region(w: &mut World, call: CopyCall<'_>) -> EmuResponse {
    if attr(&call.src, "__whole_image") == "true" {
        return bad(
            "IMS.WholeImageNotSupported",
            "Full-ECS images cannot be replicated within a region.",
        );
    }
    if call.body.cmk_id.as_deref().is_some_and(|k| !is_uuid(k)) {
        return bad("IMS.0001", "cmk_id is invalid.");
    }
    let dest = call.region.to_string();
    make_copy(w, call, dest, "imsCopyImageInRegionJob")
}

/// `POST /v1/cloudimages/{id}/cross_region_copy`: another region, a project there, an agency,
/// no encrypted source, a vault for a full-ECS image, at most five at a time per tenant.
fn copy_cross_region(w: &mut World, call: CopyCall<'_>) -> EmuResponse {
    match check_cross_region(w, &call) {
        Ok(dest) => make_copy(w, call, dest, "imsCrossRegionCopyJob"),
        Err(resp) => resp,
    }
}

fn check_cross_region(w: &World, call: &CopyCall<'_>) -> Result<String, EmuResponse> {
    let body = &call.body;
    let Some(dest) = body.region.as_deref().filter(|r| !r.is_empty()) else {
        return Err(bad(
            "IMS.0001",
            "The request message format is invalid: region is required.",
        ));
    };
    if dest == call.region {
        return Err(bad(
            "IMS.SameRegion",
            "The destination region cannot be the same as the source region.",
        ));
    }
    if !REGIONS.contains(&dest) {
        return Err(bad("IMS.0001", "The destination region is invalid."));
    }
    let project_name = body.project_name.as_deref().unwrap_or("");
    if !(project_name == dest || project_name.starts_with(&format!("{dest}_"))) {
        return Err(bad(
            "IMS.ProjectNotFound",
            "The destination project does not exist in the destination region.",
        ));
    }
    if !AGENCIES.contains(&body.agency_name.as_deref().unwrap_or("")) {
        return Err(bad("IMS.AgencyNotFound", "The agency does not exist."));
    }
    if !attr(&call.src, "__system__cmkid").is_empty() {
        return Err(bad(
            "IMS.EncryptedCrossRegion",
            "Encrypted images cannot be replicated across regions.",
        ));
    }
    let whole = attr(&call.src, "__whole_image") == "true";
    if whole && !body.vault_id.as_deref().is_some_and(is_uuid) {
        return Err(bad(
            "IMS.0001",
            "vault_id is required to replicate a full-ECS image.",
        ));
    }
    let now = w.now();
    let running = w
        .jobs
        .iter()
        .filter(|j| {
            j.access_key == call.ak && j.job_type == "imsCrossRegionCopyJob" && j.ready_at > now
        })
        .count();
    if running >= CROSS_REGION_LIMIT {
        return Err(bad(
            "IMS.CrossRegionQuota",
            "A maximum of five private images can be replicated across regions at a time.",
        ));
    }
    Ok(dest.to_string())
}

/// Makes the copy in `dest` and the job that follows it; answers with the job id.
fn make_copy(w: &mut World, call: CopyCall<'_>, dest: String, job_type: &str) -> EmuResponse {
    let CopyCall {
        region,
        project,
        ak,
        body,
        src,
    } = call;
    let cross = job_type == "imsCrossRegionCopyJob";
    let name = body.name.clone().unwrap_or_default();
    let now = w.now();
    let ready_at = now + w.copy_seconds;
    let failure = (src.copy_outcome != "active").then(|| {
        (
            "IMG.0046".to_string(),
            "The image copy failed: the image is unavailable.".to_string(),
        )
    });
    let mut attrs = src.attrs.clone();
    attrs.remove("__system__cmkid");
    if let Some(k) = body.cmk_id.as_deref().filter(|_| !cross) {
        attrs.insert("__system__cmkid".into(), k.into());
    }
    attrs.remove("description");
    if let Some(d) = body.description.as_deref() {
        attrs.insert("description".into(), d.into());
    }
    let copy = Resource {
        region: dest.clone(),
        id: uuid::Uuid::new_v4().to_string(),
        name: name.clone(),
        source_id: Some(src.id.clone()),
        source_region: Some(region.to_string()),
        created_at: now,
        ready_at: Some(ready_at),
        attrs,
        ..src.clone()
    };
    let job = Job {
        provider: P,
        id: uuid::Uuid::new_v4().simple().to_string(),
        project_id: project.to_string(),
        region: region.to_string(),
        job_type: job_type.into(),
        source_id: src.id.clone(),
        dest_region: dest,
        image_id: copy.id.clone(),
        image_name: name,
        access_key: ak.to_string(),
        created_at: now,
        ready_at,
        failure,
    };
    let id = job.id.clone();
    w.add(copy);
    w.jobs.push(job);
    ok(json!({ "job_id": id }))
}

fn show_job(w: &World, region: &str, project: &str, job_id: &str) -> EmuResponse {
    let Some(job) = w
        .jobs
        .iter()
        .find(|j| j.id == job_id && j.project_id == project && j.region == region)
    else {
        return apig_error(404, "IMS.0404", "The job does not exist.");
    };
    let now = w.now();
    let status = job.status_at(now);
    let mut entities =
        json!({ "image_name": job.image_name, "process_percent": job.progress_at(now) });
    if status == "SUCCESS" {
        entities["image_id"] = json!(job.image_id);
    }
    let (error_code, fail_reason) = match (&job.failure, status) {
        (Some((c, r)), "FAIL") => (json!(c), json!(r)),
        _ => (json!(null), json!(null)),
    };
    ok(json!({
        "status": status, "job_id": job.id, "job_type": job.job_type,
        "begin_time": "2026-01-01T00:00:00Z",
        "end_time": if matches!(status, "SUCCESS" | "FAIL") { json!("2026-01-01T00:05:00Z") } else { json!(null) },
        "entities": entities, "error_code": error_code, "fail_reason": fail_reason,
    }))
}

fn list_images(w: &World, req: &EmuRequest, region: &str) -> EmuResponse {
    let now = w.now();
    let want = req.query_value("id").filter(|v| !v.is_empty());
    let named = req.query_value("name");
    let private = req.query_value("__imagetype") == Some("private");
    // Paging (the API reference): `limit` (default and most 500), `marker` the id the page
    // before ended with; newest first (`sort_key` created_at, `sort_dir` desc by default).
    let limit = match req.query_value("limit").map(str::parse::<usize>) {
        None => 500,
        Some(Ok(n)) if (1..=1000).contains(&n) => n,
        Some(_) => return apig_error(400, "IMS.0001", "limit must be an integer from 1 to 1000."),
    };
    // By id or name: the index, not a scan of every resource.
    let candidates: Vec<&Resource> = match (want, named) {
        (Some(id), _) => w
            .find(P, "image", region, id)
            .map(|i| &w.resources[i])
            .into_iter()
            .collect(),
        (None, Some(n)) => w.named(P, region, n).collect(),
        (None, None) => w.resources.iter().collect(),
    };
    let mut listed: Vec<&Resource> = candidates
        .into_iter()
        .filter(|r| r.provider == P && r.region == region && want.is_none_or(|id| r.id == id))
        .filter(|r| w.visible(r))
        .filter(|r| named.is_none_or(|n| r.name == n))
        .filter(|r| !private || r.image_type != "public")
        .collect();
    listed.sort_by(|a, b| b.created_at.total_cmp(&a.created_at).then(a.id.cmp(&b.id)));
    let start = match req.query_value("marker") {
        None => 0,
        Some(m) => match listed.iter().position(|r| r.id == m) {
            Some(i) => i + 1,
            None => return apig_error(400, "IMS.0001", "The marker image does not exist."),
        },
    };
    let images: Vec<_> = listed
        .into_iter()
        .skip(start)
        .take(limit)
        .map(|r| {
            let mut v = json!({
                "id": r.id, "name": r.name, "status": status_of(r, now), "__imagetype": r.image_type,
                "visibility": "private", "created_at": timestamp(r.created_at),
            });
            for (k, val) in &r.attrs {
                v[k] = json!(val);
            }
            v
        })
        .collect();
    ok(json!({ "images": images }))
}

/// Huawei IMS as the emulator's registry lists it.
pub struct Emulated;

impl EmulatedCloud for Emulated {
    fn regions(&self) -> &'static [&'static str] {
        rules::REGIONS
    }

    fn route(&self, req: &EmuRequest) -> Option<Route> {
        route(req)
    }

    fn handle(&self, w: &mut World, req: &EmuRequest, action: &str) -> EmuResponse {
        handle(w, req, action)
    }

    fn region_of(&self, req: &EmuRequest) -> String {
        req.region.clone().unwrap_or_else(|| DEFAULT_REGION.into())
    }

    fn status_of(&self, r: &Resource, now: f64) -> String {
        status_of(r, now)
    }

    fn error(&self, status: u16, code: &str, message: &str) -> EmuResponse {
        apig_error(status, code, message)
    }

    fn throttle(&self) -> (u16, &'static str) {
        (429, "APIGW.0308")
    }

    fn seed(&self, w: &mut World) {
        seed(w)
    }

    fn clone_id(&self, _kind: &str, n: usize) -> String {
        format!("6f1f3b3c-0000-4000-9000-{n:012x}")
    }
}

#[cfg(test)]
mod tests;
