//! Pure builders of Huawei IMS requests and the documented input rules.

use super::driver::Huawei;
use super::options::HuaweiOptions;
use super::wire;
use crate::error::{Error, Result};
use crate::http::Safety;
use crate::model::CopyRequest;
use crate::provider::driver::CloudDriver;
use crate::provider::ApiCall;

/// IMS regions: huaweicloudsdkims 3.1.219's `v2/region/ims_region.py` (with `--endpoint`,
/// any well-formed region name is accepted, for Huawei-based clouds and new regions).
pub const REGIONS: &[&str] = &[
    "af-south-1",
    "cn-north-4",
    "cn-north-1",
    "cn-east-2",
    "cn-east-3",
    "cn-south-1",
    "cn-southwest-2",
    "ap-southeast-2",
    "ap-southeast-1",
    "ap-southeast-3",
    "cn-north-2",
    "cn-south-2",
    "cn-north-9",
    "la-south-2",
    "sa-brazil-1",
    "la-north-2",
    "na-mexico-1",
    "ap-southeast-4",
    "cn-south-4",
    "tr-west-1",
    "me-east-1",
    "ae-ad-1",
    "cn-east-4",
    "eu-west-101",
    "cn-east-5",
    "eu-west-0",
    "my-kualalumpur-1",
    "af-north-1",
    "ru-moscow-1",
    "ap-southeast-5",
    "cn-north-12",
    "cn-north-11",
    "cn-southwest-3",
];

/// IMS copies at most five private images across regions at once per tenant (the IMS
/// cross-region copy constraints); imgcopy holds the rest until a slot frees.
pub const CROSS_REGION_SLOTS: usize = 5;

/// Refusals that mean the tenant's cross-region slots are taken (by this run or another
/// tool): wait and submit again. The docs state the limit without naming a code; this is the
/// code the emulator answers with, and the one to extend when a real one is seen.
pub const CROSS_REGION_LIMIT_CODES: &[&str] = &["IMS.CrossRegionQuota"];

/// Header that names the project of a request.
pub const PROJECT_HEADER: &str = "X-Project-Id";

pub fn options(req: &CopyRequest) -> HuaweiOptions {
    match &req.options {
        crate::model::CloudOptions::Huawei(o) => o.clone(),
        _ => HuaweiOptions::default(),
    }
}

/// In-region when no destination other than the source region is asked for.
pub fn is_in_region(req: &CopyRequest) -> bool {
    req.dest_regions.iter().all(|d| *d == req.source_region)
}

fn project_header(project_id: &str) -> Vec<(String, String)> {
    vec![(PROJECT_HEADER.to_string(), project_id.to_string())]
}

/// The provenance marker a copy into `dest` carries in its description (IMS copies take no
/// tags and no client token): the source and what was asked for (`provider::spec_mark`).
pub fn marker(req: &CopyRequest, dest: &str) -> String {
    let o = options(req);
    let spec = crate::provider::spec_mark(
        req,
        dest,
        &[
            "huawei",
            req.name.as_deref().unwrap_or(""),
            o.cmk_id.as_deref().unwrap_or(""),
        ],
    );
    crate::provider::description_marker(req, &spec)
}

/// The copy's description: the user's, then the marker.
pub fn description(req: &CopyRequest, dest: &str) -> String {
    match &req.description {
        Some(d) => format!("{d} {}", marker(req, dest)),
        None => marker(req, dest),
    }
}

/// Room the marker leaves for `--description` in IMS's 1024 characters.
pub const DESCRIPTION_MAX: usize = 900;

/// `POST /v1/cloudimages/{image_id}/copy`; no client token exists.
pub fn copy_in_region(req: &CopyRequest, project_id: &str) -> ApiCall {
    let o = options(req);
    let description = description(req, &req.source_region);
    let body = wire::CopyInRegionBody {
        name: req.name.as_deref().unwrap_or_default(),
        description: Some(&description),
        cmk_id: o.cmk_id.as_deref(),
        enterprise_project_id: o.enterprise_project_id.as_deref(),
    };
    ApiCall {
        method: "POST",
        region: req.source_region.clone(),
        path: format!("/v1/cloudimages/{}/copy", req.source_id),
        query: Vec::new(),
        headers: project_header(project_id),
        body: Some(serde_json::to_string(&body).expect("plain struct serialises")),
        safety: Safety::NotIdempotent,
    }
}

/// The destination project: `--project-name REGION=NAME`, else `--project-name NAME`, else
/// the region name (a Huawei account's default project in a region is named after it).
pub fn project_name(o: &HuaweiOptions, dest: &str) -> String {
    o.project_names
        .get(dest)
        .or(o.project_name.as_ref())
        .cloned()
        .unwrap_or_else(|| dest.to_string())
}

/// `POST /v1/cloudimages/{image_id}/cross_region_copy`, one call per destination.
pub fn cross_region_copy(req: &CopyRequest, dest: &str, project_id: &str) -> ApiCall {
    let o = options(req);
    let project = project_name(&o, dest);
    let description = description(req, dest);
    let body = wire::CrossRegionBody {
        name: req.name.as_deref().unwrap_or_default(),
        description: Some(&description),
        region: dest,
        project_name: &project,
        agency_name: o.agency.as_deref().unwrap_or_default(),
        vault_id: o.vault_id.as_deref(),
    };
    ApiCall {
        method: "POST",
        region: req.source_region.clone(),
        path: format!("/v1/cloudimages/{}/cross_region_copy", req.source_id),
        query: Vec::new(),
        headers: project_header(project_id),
        body: Some(serde_json::to_string(&body).expect("plain struct serialises")),
        safety: Safety::NotIdempotent,
    }
}

/// `GET /v1/{project_id}/jobs/{job_id}` in the region the job was submitted to.
pub fn show_job(region: &str, project_id: &str, job_id: &str) -> ApiCall {
    ApiCall {
        method: "GET",
        region: region.to_string(),
        path: format!("/v1/{project_id}/jobs/{job_id}"),
        query: Vec::new(),
        headers: project_header(project_id),
        body: None,
        safety: Safety::Idempotent,
    }
}

/// `GET /v1/cloudimages/job/{job_id}` (ShowJobProgress): the newer job query, which
/// huaweicloudsdkims 3.1.219 keeps beside the deprecated `show_job`; the same reply shape.
pub fn show_job_progress(region: &str, project_id: &str, job_id: &str) -> ApiCall {
    ApiCall {
        path: format!("/v1/cloudimages/job/{job_id}"),
        ..show_job(region, project_id, job_id)
    }
}

/// `GET /v2/cloudimages?id=…`: the source image's attributes, for preflight.
pub fn list_image(region: &str, project_id: &str, image_id: &str) -> ApiCall {
    ApiCall {
        method: "GET",
        region: region.to_string(),
        path: "/v2/cloudimages".to_string(),
        query: vec![("id".to_string(), image_id.to_string())],
        headers: project_header(project_id),
        body: None,
        safety: Safety::Idempotent,
    }
}

/// `GET /v2/cloudimages?__imagetype=private&name=…`: the private images of that name.
pub fn list_images_named(region: &str, project_id: &str, name: &str) -> ApiCall {
    ApiCall {
        query: vec![
            ("__imagetype".to_string(), "private".to_string()),
            ("name".to_string(), name.to_string()),
        ],
        ..list_image(region, project_id, "")
    }
}

/// Images per page of a listing (IMS's default and most).
pub const LIST_PAGE: usize = 500;

/// `GET /v2/cloudimages?__imagetype=private&limit=500[&marker=ID]`: one page of the
/// region's private images, newest first (IMS sorts by `created_at`, descending, by
/// default); `marker` is the last id of the page before.
pub fn list_private_images(region: &str, project_id: &str, marker: Option<&str>) -> ApiCall {
    let mut query = vec![
        ("__imagetype".to_string(), "private".to_string()),
        ("limit".to_string(), LIST_PAGE.to_string()),
    ];
    if let Some(m) = marker {
        query.push(("marker".to_string(), m.to_string()));
    }
    ApiCall {
        query,
        ..list_image(region, project_id, "")
    }
}

pub fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

pub fn check_uuid(flag: &str, v: &str, what: &str) -> Result<()> {
    if is_uuid(v) {
        Ok(())
    } else {
        Err(Error::usage(
            flag,
            format!("`{v}` is not {what} (a UUID such as 465076de-dc36-4aec-80f5-ef9d8009428f)"),
        ))
    }
}

fn is_cjk(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// IMS image name: 1–128 characters of letters, digits, Chinese characters, `_`, `-`, `.`
/// and spaces, not starting or ending with a space.
pub fn check_name(name: &str) -> Result<()> {
    let n = name.chars().count();
    if n == 0 || n > 128 {
        return Err(Error::usage(
            "--name",
            format!("must be 1 to 128 characters long (it has {n})"),
        ));
    }
    if name.starts_with(' ') || name.ends_with(' ') {
        return Err(Error::usage("--name", "must not start or end with a space"));
    }
    if let Some(bad) = name
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || is_cjk(c) || "_-. ".contains(c)))
    {
        return Err(Error::usage(
            "--name",
            format!("`{bad}` is not allowed (letters, digits, Chinese characters, _ - . and spaces only)"),
        ));
    }
    Ok(())
}

/// At most 900 characters (IMS takes 1024; imgcopy's provenance marker follows), no line
/// breaks or angle brackets.
pub fn check_description(d: &str) -> Result<()> {
    let n = d.chars().count();
    if n > DESCRIPTION_MAX {
        return Err(Error::usage(
            "--description",
            format!("must be at most {DESCRIPTION_MAX} characters (it has {n}; IMS takes 1024 and imgcopy adds its provenance marker)"),
        ));
    }
    if d.contains(['\r', '\n', '<', '>']) {
        return Err(Error::usage(
            "--description",
            "must not contain line breaks or angle brackets (< >)",
        ));
    }
    Ok(())
}

fn check_label(flag: &str, v: &str, max: usize, extra: &str) -> Result<()> {
    let n = v.chars().count();
    if n == 0
        || n > max
        || !v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || extra.contains(c))
    {
        return Err(Error::usage(
            flag,
            format!("must be 1 to {max} letters, digits or `{extra}`"),
        ));
    }
    Ok(())
}

fn only_cross_region(flag: &str) -> Error {
    Error::usage(flag, "is only for cross-region copies (give --dest)")
}

fn only_in_region(flag: &str) -> Error {
    Error::usage(flag, "is only for in-region copies (leave out --dest)")
}

/// Every documented rule of the two copy calls, checked before anything is sent.
/// `any_region` accepts any well-formed region name (another endpoint is in use).
pub fn validate(req: &CopyRequest, any_region: bool) -> Result<()> {
    check_uuid("--id", &req.source_id, "an image id")?;
    Huawei.check_region("--region", &req.source_region, any_region)?;
    match &req.name {
        Some(n) => check_name(n)?,
        None => return Err(Error::usage("--name", "Huawei copies need a name")),
    }
    if let Some(d) = &req.description {
        check_description(d)?;
    }
    let o = options(req);
    if let Some(k) = &o.cmk_id {
        check_uuid("--cmk-id", k, "a KMS key id")?;
    }
    if let Some(e) = &o.enterprise_project_id {
        if e != "0" {
            check_uuid(
                "--enterprise-project-id",
                e,
                "an enterprise project id (or 0)",
            )?;
        }
    }
    if let Some(v) = &o.vault_id {
        check_uuid("--vault-id", v, "a vault id")?;
    }
    if is_in_region(req) {
        if o.agency.is_some() {
            return Err(only_cross_region("--agency"));
        }
        if o.project_name.is_some() || !o.project_names.is_empty() {
            return Err(only_cross_region("--project-name"));
        }
        if o.vault_id.is_some() {
            return Err(only_cross_region("--vault-id"));
        }
        return Ok(());
    }
    crate::provider::check_dests(&req.dest_regions, |d| {
        Huawei.check_region("--dest", d, any_region)?;
        if d == req.source_region {
            return Err(Error::usage(
                "--dest",
                format!("`{d}` is the source region; a cross-region copy goes to other regions (leave out --dest for an in-region copy)"),
            ));
        }
        Ok(())
    })?;
    if o.cmk_id.is_some() {
        return Err(only_in_region("--cmk-id"));
    }
    if o.enterprise_project_id.is_some() {
        return Err(only_in_region("--enterprise-project-id"));
    }
    match &o.agency {
        Some(a) => check_label("--agency", a, 64, "-_. ")?,
        None => {
            return Err(Error::usage(
                "--agency",
                "a cross-region copy needs the IAM agency that IMS acts through in the destination",
            ))
        }
    }
    for (r, p) in o.project_names.iter() {
        if !req.dest_regions.contains(r) {
            return Err(Error::usage(
                "--project-name",
                format!("`{r}` is not a destination (--dest)"),
            ));
        }
        check_label("--project-name", p, 64, "-_")?;
    }
    if let Some(p) = &o.project_name {
        check_label("--project-name", p, 64, "-_")?;
    }
    Ok(())
}

#[cfg(test)]
#[path = "api_tests.rs"]
mod tests;
