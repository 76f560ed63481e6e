//! Alibaba Cloud ECS in the emulator: CopyImage with ClientToken idempotency and per-region
//! queueing, CancelCopyImage, DescribeImages; RPC (HMAC-SHA1) and ACS3 signatures.

use super::state::{Resource, World};
use rules::REGIONS;
pub mod auth;
pub mod rules;
mod snapshot;
use super::cloud::EmulatedCloud;
use super::{EmuRequest, EmuResponse, Route};
use crate::model::Cloud;
use crate::sign::aliyun as sig;
use auth::*;
use serde_json::json;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

const P: Cloud = Cloud::Alibaba;

/// The ECS API version every request names.
const ECS_VERSION: &str = "2014-05-26";

/// The region of a request whose RegionId is missing.
pub const DEFAULT_REGION: &str = "cn-hangzhou";

/// Copy tasks running at once per destination region; the rest wait (the CopyImage document:
/// "a single region can have only one image copy task running at a time").
pub const RUNNING_PER_REGION: usize = 1;

/// A region that takes no image copies (`RegionNotSupportCopy`).
pub const NO_COPY_REGION: &str = "cn-fuzhou";

/// KMS keys the emulated account has.
pub const KMS_KEYS: &[&str] = &["e522b26d-abf6-4e0d-b5da-04b7a1b2c33c"];

/// Custom images allowed per region (`QuotaExceed.Image` beyond).
pub const IMAGE_QUOTA: usize = 100;

const CLOCK_SKEW_SECS: i64 = 15 * 60;

fn image(id: &str, name: &str) -> Resource {
    Resource {
        provider: P,
        kind: "image".into(),
        region: DEFAULT_REGION.into(),
        id: id.into(),
        name: name.into(),
        status: "Available".into(),
        image_type: "self".into(),
        copyable: true,
        copy_outcome: "Available".into(),
        source_id: None,
        source_region: None,
        created_at: 0.0,
        start_at: None,
        ready_at: None,
        client_token: None,
        attrs: Default::default(),
    }
}

/// The documented demo images (see the README's emulator section).
pub fn seed(w: &mut World) {
    w.resources.extend([
        image("m-demo0001", "golden-ubuntu-2204"),
        Resource {
            copy_outcome: "CreateFailed".into(),
            ..image("m-demo0002", "golden-copy-fails")
        },
        Resource {
            image_type: "system".into(),
            ..image("m-sys00001", "ubuntu_22_04_x64_20G_alibase")
        },
        Resource {
            status: "Creating".into(),
            ..image("m-pending1", "golden-in-progress")
        },
        Resource {
            region: "cn-shanghai".into(),
            ..image("m-taken001", "taken-name")
        },
    ]);
}

/// RPC parameters: the query plus a form-encoded body. ACS3 requests name the action and
/// version in `x-acs-action` / `x-acs-version` headers instead.
pub fn params(req: &EmuRequest) -> Vec<(String, String)> {
    let mut p = req.query.clone();
    let form = req
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    if form {
        p.extend(super::parse_query(&String::from_utf8_lossy(&req.body)));
    }
    for (param, header) in [("Action", "x-acs-action"), ("Version", "x-acs-version")] {
        if param_missing(&p, param) {
            if let Some(v) = req.header(header) {
                p.push((param.to_string(), v.to_string()));
            }
        }
    }
    p
}

fn param_missing(p: &[(String, String)], key: &str) -> bool {
    !p.iter().any(|(k, _)| k == key)
}

fn param<'a>(p: &'a [(String, String)], key: &str) -> Option<&'a str> {
    p.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

pub fn route(req: &EmuRequest) -> Option<Route> {
    if req.path != "/" {
        return None;
    }
    let p = params(req);
    // ECS's API version: another cloud's query API (EC2's has its own) is not ours.
    if param(&p, "Version") != Some(ECS_VERSION) {
        return None;
    }
    let action = match param(&p, "Action")? {
        "CopyImage" => "CopyImage",
        "CancelCopyImage" => "CancelCopyImage",
        "DescribeImages" => "DescribeImages",
        "CopySnapshot" => "CopySnapshot",
        "DescribeSnapshots" => "DescribeSnapshots",
        _ => "Unsupported",
    };
    Some(Route {
        provider: P,
        action,
    })
}

/// The region a request is about (its RegionId).
pub fn region_of(req: &EmuRequest) -> String {
    param(&params(req), "RegionId")
        .unwrap_or(DEFAULT_REGION)
        .to_string()
}

/// How many ids the `ImageId` parameter names.
pub fn image_ids(req: &EmuRequest) -> usize {
    param(&params(req), "ImageId")
        .map(|v| v.split(',').filter(|s| !s.trim().is_empty()).count())
        .unwrap_or(0)
}

/// The Alibaba error shape.
pub fn error(status: u16, code: &str, message: &str) -> EmuResponse {
    EmuResponse::json(
        status,
        &json!({
            "RequestId": uuid::Uuid::new_v4().to_string().to_uppercase(),
            "HostId": "ecs.aliyuncs.com",
            "Code": code,
            "Message": message,
            "Recommend": format!("https://api.aliyun.com/troubleshoot?q={code}"),
        }),
    )
}

fn ok(mut v: serde_json::Value) -> EmuResponse {
    v["RequestId"] = json!(uuid::Uuid::new_v4().to_string().to_uppercase());
    EmuResponse::json(200, &v)
}

pub fn handle(w: &mut World, req: &EmuRequest, action: &str) -> EmuResponse {
    let ak = match verify(w, req, OffsetDateTime::now_utc()) {
        Ok(ak) => ak,
        Err(resp) => return resp,
    };
    if !w.within_rate(&ak) {
        return error(
            400,
            "Throttling.User",
            "Request was denied due to user flow control.",
        );
    }
    let p = params(req);
    let region = param(&p, "RegionId").unwrap_or("").to_string();
    if region.is_empty() {
        return error(400, "MissingParameter", "The input parameter \"RegionId\" that is mandatory for processing this request is not supplied.");
    }
    match action {
        "CopyImage" => copy_image(w, &p, &region),
        "CancelCopyImage" => cancel(w, &p, &region),
        "DescribeImages" => describe(w, &p, &region),
        "CopySnapshot" => snapshot::copy_snapshot(w, &p, &region),
        "DescribeSnapshots" => snapshot::describe_snapshots(w, &p, &region),
        _ => error(
            400,
            "InvalidAction.NotFound",
            "Specified api is not found, please check your url and method.",
        ),
    }
}

/// The request's `Tag.N.Key` / `Tag.N.Value` (N from 1 to 20), as `tag:KEY` attributes.
fn tags_of(p: &[(String, String)]) -> std::collections::BTreeMap<String, String> {
    (1..=20)
        .map_while(|n| {
            let key = param(p, &format!("Tag.{n}.Key"))?;
            let value = param(p, &format!("Tag.{n}.Value")).unwrap_or("");
            Some((format!("tag:{key}"), value.to_string()))
        })
        .collect()
}

/// A resource's tags as ECS lists them (`{"Tag": [{"TagKey", "TagValue"}]}`).
fn tags_json(r: &Resource) -> serde_json::Value {
    let tags: Vec<_> = r
        .attrs
        .iter()
        .filter_map(|(k, v)| Some(json!({ "TagKey": k.strip_prefix("tag:")?, "TagValue": v })))
        .collect();
    json!({ "Tag": tags })
}

fn valid_name(n: &str) -> bool {
    rules::name_ok(n)
}

/// `CopyImage`: checked (`check_copy`), then made queued behind the destination's running
/// copies; the same ClientToken in the same region returns the first copy.
fn copy_image(w: &mut World, p: &[(String, String)], region: &str) -> EmuResponse {
    let token = param(p, "ClientToken").unwrap_or("").to_string();
    if !token.is_empty() && REGIONS.contains(&region) {
        if let Some(r) = w
            .with_token(P, &token)
            .find(|r| r.source_region.as_deref() == Some(region))
        {
            return ok(json!({ "ImageId": r.id }));
        }
    }
    match check_copy(w, p, region) {
        Ok((src, dest)) => make_copy(w, p, region, src, dest, token),
        Err(resp) => resp,
    }
}

/// The parameters' and the source's checks, in the order ECS reports them: the source
/// image and the destination region when they pass.
fn check_copy(
    w: &World,
    p: &[(String, String)],
    region: &str,
) -> Result<(Resource, String), EmuResponse> {
    if !REGIONS.contains(&region) {
        return Err(error(
            400,
            "SourceRegion.NotFound",
            "The source region not found",
        ));
    }
    check_copy_params(p)?;
    let dest = param(p, "DestinationRegionId").unwrap_or("").to_string();
    let image_id = param(p, "ImageId").unwrap_or("");
    let Some(i) = w.find(P, "image", region, image_id) else {
        return Err(error(
            404,
            "InvalidImageId.NotFound",
            "The specified ImageId does not exist.",
        ));
    };
    let now = w.now();
    let src = w.resources[i].clone();
    if src.image_type != "self" {
        return Err(error(
            403,
            "OperationDenied",
            "Only custom images can be copied.",
        ));
    }
    if src.is_copying(now) {
        return Err(error(
            403,
            "OperationDenied.ImageCopying",
            "The Image are coping.",
        ));
    }
    if src.status_at(now) != "Available" {
        return Err(error(
            400,
            "IncorrectImageStatus",
            "The image not available.",
        ));
    }
    if dest == region {
        return Err(error(
            403,
            "IncorrectDestinationRegion",
            "The destination region is not equal the target region.",
        ));
    }
    if dest == NO_COPY_REGION {
        return Err(error(
            403,
            "RegionNotSupportCopy",
            "The region not support copy.",
        ));
    }
    check_destination(w, p, &dest)?;
    Ok((src, dest))
}

/// Name, description, destination region and encryption parameters.
fn check_copy_params(p: &[(String, String)]) -> Result<(), EmuResponse> {
    if param(p, "DestinationImageName").is_some_and(|n| !valid_name(n)) {
        return Err(error(
            400,
            "InvalidImageName.Malformed",
            "The specified destination Image name is wrongly formed.",
        ));
    }
    if param(p, "DestinationDescription").is_some_and(|d| !rules::description_ok(d)) {
        return Err(error(
            400,
            "InvalidDescription.Malformed",
            "The specified destination description is wrongly formed.",
        ));
    }
    let dest = param(p, "DestinationRegionId").unwrap_or("");
    if dest.is_empty() || !REGIONS.contains(&dest) {
        return Err(error(
            400,
            "DestinationRegion.NotFound",
            "The destination region not found",
        ));
    }
    let encrypted = param(p, "Encrypted").is_some_and(|e| e.eq_ignore_ascii_case("true"));
    if let Some(k) = param(p, "KMSKeyId").filter(|k| !k.is_empty()) {
        if !encrypted {
            return Err(error(
                400,
                "InvalidParameter.EncryptedIllegal",
                "The specified parameter Encrypted must be true when kmsKeyId is not empty.",
            ));
        }
        if !KMS_KEYS.contains(&k) {
            return Err(error(
                404,
                "InvalidParameter.KMSKeyId.NotFound",
                "The specified KMSKeyId does not exist.",
            ));
        }
    }
    Ok(())
}

/// A named copy's name is free in the destination, and the destination's image quota is not
/// reached.
fn check_destination(w: &World, p: &[(String, String)], dest: &str) -> Result<(), EmuResponse> {
    let in_dest = || {
        w.resources
            .iter()
            .filter(|r| r.provider == P && r.region == dest)
    };
    if let Some(name) = param(p, "DestinationImageName") {
        if in_dest().any(|r| r.name == name) {
            return Err(error(
                400,
                "InvalidImageName.Duplicated",
                "The destination image is exist.",
            ));
        }
    }
    if in_dest().count() >= IMAGE_QUOTA {
        return Err(error(403, "QuotaExceed.Image", "The Image Quota exceeds."));
    }
    Ok(())
}

/// Makes the copy, queued behind the copies already running or waiting in the destination.
fn make_copy(
    w: &mut World,
    p: &[(String, String)],
    region: &str,
    src: Resource,
    dest: String,
    token: String,
) -> EmuResponse {
    let now = w.now();
    let mut busy: Vec<f64> = w
        .resources
        .iter()
        .filter(|r| r.provider == P && r.region == dest)
        .filter_map(|r| r.ready_at.filter(|t| *t > now))
        .collect();
    let start_at = if busy.len() < RUNNING_PER_REGION {
        now
    } else {
        busy.sort_by(f64::total_cmp);
        busy[busy.len() - RUNNING_PER_REGION]
    };
    let copy = Resource {
        region: dest,
        id: super::state::new_id("m-").to_lowercase(),
        name: param(p, "DestinationImageName")
            .unwrap_or(&src.name)
            .to_string(),
        status: "Available".into(),
        source_id: Some(src.id.clone()),
        source_region: Some(region.to_string()),
        created_at: now,
        start_at: Some(start_at),
        ready_at: Some(start_at + w.copy_seconds),
        client_token: (!token.is_empty()).then_some(token),
        attrs: tags_of(p),
        ..src
    };
    let id = copy.id.clone();
    w.add(copy);
    ok(json!({ "ImageId": id }))
}

fn cancel(w: &mut World, p: &[(String, String)], region: &str) -> EmuResponse {
    let image_id = param(p, "ImageId").unwrap_or("");
    let Some(i) = w.find(P, "image", region, image_id) else {
        return error(
            404,
            "InvalidImageId.NotFound",
            "The specified ImageId does not exist.",
        );
    };
    let now = w.now();
    let r = &w.resources[i];
    if r.ready_at.is_none_or(|t| now >= t) {
        return error(
            403,
            "IncorrectImageStatus",
            "The image is not being copied.",
        );
    }
    let freed = r.ready_at.unwrap_or(now) - r.start_at.unwrap_or(now).max(now);
    let after = r.start_at.unwrap_or(now);
    w.remove(i);
    // The copies queued behind it move up.
    for q in w.resources.iter_mut().filter(|q| {
        q.provider == P && q.region == region && q.start_at.is_some_and(|s| s > now && s >= after)
    }) {
        let s = q.start_at.unwrap_or(now);
        let shift = freed.min(s - now).max(0.0);
        q.start_at = Some(s - shift);
        q.ready_at = q.ready_at.map(|t| t - shift);
    }
    ok(json!({}))
}

fn describe(w: &World, p: &[(String, String)], region: &str) -> EmuResponse {
    let now = w.now();
    let ids: Vec<&str> = param(p, "ImageId")
        .map(|s| {
            s.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if ids.len() > 100 {
        return error(400, "InvalidParameter", "ImageId takes at most 100 ids.");
    }
    // Without Status, only Available images are listed.
    let statuses: Vec<&str> = param(p, "Status")
        .map(|s| s.split(',').map(str::trim).collect())
        .unwrap_or_else(|| vec!["Available"]);
    let page_size: usize = param(p, "PageSize")
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let page: usize = param(p, "PageNumber")
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
        .max(1);
    if !(1..=100).contains(&page_size) {
        return error(
            400,
            "InvalidParameter",
            "PageSize must be between 1 and 100.",
        );
    }
    let matching: Vec<&Resource> = w
        .resources
        .iter()
        .filter(|r| r.provider == P && r.kind == "image" && r.region == region)
        .filter(|r| w.visible(r))
        .filter(|r| ids.is_empty() || ids.contains(&r.id.as_str()))
        .filter(|r| statuses.contains(&r.status_at(now).as_str()))
        .filter(|r| param(p, "ImageName").is_none_or(|n| r.name == n))
        .collect();
    let images: Vec<_> = matching
        .iter()
        .skip((page - 1) * page_size)
        .take(page_size)
        .map(|r| {
            let status = r.status_at(now);
            let progress = if status == "Available" {
                100
            } else {
                r.progress_at(now)
            };
            json!({
                "ImageId": r.id, "ImageName": r.name, "Status": status,
                "Progress": format!("{progress}%"), "ImageOwnerAlias": r.image_type,
                "CreationTime": "2026-01-01T00:00:00Z", "OSType": "linux", "Size": 20,
                "Tags": tags_json(r),
            })
        })
        .collect();
    ok(json!({
        "TotalCount": matching.len(), "PageNumber": page, "PageSize": page_size,
        "RegionId": region, "Images": { "Image": images },
    }))
}

/// Alibaba ECS as the emulator's registry lists it.
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
        region_of(req)
    }

    fn ids(&self, req: &EmuRequest) -> usize {
        image_ids(req)
    }

    fn error(&self, status: u16, code: &str, message: &str) -> EmuResponse {
        error(status, code, message)
    }

    fn throttle(&self) -> (u16, &'static str) {
        (400, "Throttling.User")
    }

    fn seed(&self, w: &mut World) {
        seed(w);
        snapshot::seed(w);
    }

    fn status_of(&self, r: &Resource, now: f64) -> String {
        if r.kind == "snapshot" {
            snapshot::status_of(r, now)
        } else {
            r.status_at(now)
        }
    }

    fn clone_id(&self, kind: &str, n: usize) -> String {
        if kind == "image" {
            format!("m-clone{n:06}")
        } else {
            format!("s-clone{n:06}")
        }
    }
}

#[cfg(test)]
mod tests;
