//! Tencent Cloud CVM in the emulator: SyncImages (one or more images into one or more
//! regions, the copies syncing over virtual time) and DescribeImages by ids or filters;
//! TC3-HMAC-SHA256 signatures; errors in the `{"Response":{"Error":…}}` shape, with HTTP 200.

pub mod auth;
pub mod rules;
use super::cloud::EmulatedCloud;
use super::state::{timestamp, Resource, World};
use super::{EmuRequest, EmuResponse, Route};
use crate::model::Cloud;
use auth::*;
use rules::REGIONS;
use serde_json::{json, Value};
use time::OffsetDateTime;

const P: Cloud = Cloud::Tencent;
const VERSION: &str = "2017-03-12";
const SERVICE: &str = "cvm";
/// How far a request's timestamp may be from the emulator's clock (five minutes).
const CLOCK_SKEW_SECS: i64 = 5 * 60;

/// The region of a request without `X-TC-Region`.
pub const DEFAULT_REGION: &str = "ap-guangzhou";
/// A region that takes no synced images (`InvalidRegion.Unavailable`).
pub const NO_SYNC_REGION: &str = "ap-shanghai-fsi";
/// KMS keys the emulated account has.
pub const KMS_KEYS: &[&str] = &["kms-tencent-0001"];

fn image(id: &str, name: &str) -> Resource {
    Resource {
        provider: P,
        kind: "image".into(),
        region: DEFAULT_REGION.into(),
        id: id.into(),
        name: name.into(),
        status: "NORMAL".into(),
        image_type: "PRIVATE_IMAGE".into(),
        copyable: true,
        copy_outcome: "NORMAL".into(),
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
        image("img-demo0001", "golden-ubuntu-2204"),
        Resource {
            copy_outcome: "CREATEFAILED".into(),
            ..image("img-fail0001", "golden-copy-fails")
        },
        Resource {
            image_type: "PUBLIC_IMAGE".into(),
            ..image("img-pub00001", "TencentOS Server 3.1")
        },
        Resource {
            status: "CREATING".into(),
            ..image("img-pend0001", "golden-in-progress")
        },
    ]);
}

pub fn route(req: &EmuRequest) -> Option<Route> {
    let action = req.header("x-tc-action")?;
    if req.path != "/" {
        return None;
    }
    let action = match action {
        "SyncImages" => "SyncImages",
        "DescribeImages" => "DescribeImages",
        _ => "Unsupported",
    };
    Some(Route {
        provider: P,
        action,
    })
}

pub fn region_of(req: &EmuRequest) -> String {
    req.header("x-tc-region")
        .map(str::to_string)
        .or_else(|| req.region.clone())
        .unwrap_or_else(|| DEFAULT_REGION.into())
}

/// A reply as CVM sends it: `Content-Type: application/json` exactly (the official SDK looks
/// for an `Error` only in a reply of that type) and the request id in a header too.
fn reply(status: u16, mut response: Value) -> EmuResponse {
    let id = uuid::Uuid::new_v4().to_string();
    response["RequestId"] = json!(id);
    let mut r = EmuResponse::json(status, &json!({ "Response": response }));
    r.headers = vec![
        ("content-type".into(), "application/json".into()),
        ("x-tc-requestid".into(), id),
    ];
    r
}

pub fn error(status: u16, code: &str, message: &str) -> EmuResponse {
    reply(status, json!({"Error": {"Code": code, "Message": message}}))
}

fn ok(v: Value) -> EmuResponse {
    reply(200, v)
}

/// A request error: Tencent Cloud answers those with HTTP 200.
fn bad(code: &str, message: &str) -> EmuResponse {
    error(200, code, message)
}

pub fn status_of(r: &Resource, now: f64) -> String {
    match r.ready_at {
        Some(t) if now < t => "SYNCING".into(),
        Some(_) => r.copy_outcome.clone(),
        None => r.status.clone(),
    }
}

pub fn handle(w: &mut World, req: &EmuRequest, action: &str) -> EmuResponse {
    let id = match verify(w, req, OffsetDateTime::now_utc()) {
        Ok(id) => id,
        Err(resp) => return resp,
    };
    if !w.within_rate(&id) {
        return bad(
            "RequestLimitExceeded",
            "Your current request times exceeds the limit.",
        );
    }
    if req.header("x-tc-version") != Some(VERSION) {
        return bad("InvalidParameterValue", "X-TC-Version must be 2017-03-12.");
    }
    let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
        return bad("InvalidParameter", "The request body is not JSON.");
    };
    let region = region_of(req);
    if !REGIONS.contains(&region.as_str()) {
        return bad("InvalidRegion.NotFound", "The region does not exist.");
    }
    match action {
        "SyncImages" => sync_images(w, &body, &region),
        "DescribeImages" => describe_images(w, &body, &region),
        _ => bad("InvalidAction", "The action is not supported."),
    }
}

fn strings(body: &Value, key: &str) -> Option<Vec<String>> {
    body.get(key)?
        .as_array()?
        .iter()
        .map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// SyncImages: every source NORMAL and private, every destination a region that takes
/// images and (unless encrypting, which stays in the source region) not the source's.
fn sync_images(w: &mut World, body: &Value, region: &str) -> EmuResponse {
    let (sources, dests) = match check_sync(w, body, region) {
        Ok(found) => found,
        Err(resp) => return resp,
    };
    if body.get("DryRun").and_then(Value::as_bool) == Some(true) {
        return bad("DryRunOperation", "The request would have succeeded.");
    }
    let name = body.get("ImageName").and_then(Value::as_str);
    let now = w.now();
    let mut set = Vec::new();
    for i in sources {
        let src = w.resources[i].clone();
        for d in &dests {
            let copy = Resource {
                region: d.clone(),
                id: new_image_id(),
                name: name.map_or_else(|| src.name.clone(), str::to_string),
                image_type: "PRIVATE_IMAGE".into(),
                source_id: Some(src.id.clone()),
                source_region: Some(region.to_string()),
                created_at: now,
                ready_at: Some(now + w.copy_seconds),
                ..src.clone()
            };
            set.push(json!({"ImageId": copy.id, "Region": d}));
            w.add(copy);
        }
    }
    let required = body.get("ImageSetRequired").and_then(Value::as_bool) == Some(true);
    ok(json!({ "ImageSet": if required { set } else { Vec::new() } }))
}

fn new_image_id() -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    let s: String = (0..8)
        .map(|_| {
            let n = rng.gen_range(0..36u8);
            char::from(if n < 10 { b'0' + n } else { b'a' + n - 10 })
        })
        .collect();
    format!("img-{s}")
}

/// The sources (as indexes) and destinations of a SyncImages that passes its checks.
fn check_sync(
    w: &World,
    body: &Value,
    region: &str,
) -> Result<(Vec<usize>, Vec<String>), EmuResponse> {
    let ids = strings(body, "ImageIds")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            bad(
                "MissingParameter",
                "The request is missing a required parameter `ImageIds`.",
            )
        })?;
    let dests = strings(body, "DestinationRegions")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            bad(
                "MissingParameter",
                "The request is missing a required parameter `DestinationRegions`.",
            )
        })?;
    if let Some(n) = body.get("ImageName").and_then(Value::as_str) {
        if n.is_empty() || n.chars().count() > 60 {
            return Err(bad(
                "InvalidParameterValue",
                "ImageName must be 1 to 60 characters.",
            ));
        }
    }
    let encrypt = body.get("Encrypt").and_then(Value::as_bool) == Some(true);
    if let Some(k) = body.get("KmsKeyId").and_then(Value::as_str) {
        if !encrypt || !KMS_KEYS.contains(&k) {
            return Err(bad(
                "InvalidParameter.InvalidKmsKeyId",
                "The KMS key id is invalid.",
            ));
        }
    }
    for d in &dests {
        if !REGIONS.contains(&d.as_str()) {
            return Err(bad(
                "InvalidRegion.NotFound",
                "The destination region does not exist.",
            ));
        }
        if d == NO_SYNC_REGION {
            return Err(bad(
                "InvalidRegion.Unavailable",
                "The region does not support image sync.",
            ));
        }
        if (d == region) != encrypt {
            return Err(bad(
                "InvalidParameterValue.InvalidRegion",
                "A custom image syncs to other regions; an encrypted copy only to its own.",
            ));
        }
    }
    let sources = ids
        .iter()
        .map(|id| source(w, id, region))
        .collect::<Result<Vec<usize>, EmuResponse>>()?;
    Ok((sources, dests))
}

/// A source of SyncImages: a well-formed id of a private image in `region`, NORMAL.
fn source(w: &World, id: &str, region: &str) -> Result<usize, EmuResponse> {
    if !rules::id_ok(id) {
        return Err(bad(
            "InvalidImageId.Malformed",
            "The image id is malformed.",
        ));
    }
    let Some(i) = w.find(P, "image", region, id) else {
        return Err(bad("InvalidImageId.NotFound", "The image does not exist."));
    };
    let src = &w.resources[i];
    if src.image_type != "PRIVATE_IMAGE" {
        return Err(bad(
            "InvalidParameterValue.InvalidImageId",
            "Only custom images can be synced.",
        ));
    }
    if status_of(src, w.now()) != "NORMAL" {
        return Err(bad(
            "InvalidImageId.IncorrectState",
            "The image state is not NORMAL.",
        ));
    }
    Ok(i)
}

/// DescribeImages by `ImageIds` (unknown ids are left out) or by `Filters` (`image-id`,
/// `image-name`, `image-type`), at most `Limit` (≤ 100) images.
fn describe_images(w: &World, body: &Value, region: &str) -> EmuResponse {
    let ids = strings(body, "ImageIds");
    let filters: Vec<(String, Vec<String>)> = body
        .get("Filters")
        .and_then(Value::as_array)
        .map(|fs| {
            fs.iter()
                .filter_map(|f| Some((f.get("Name")?.as_str()?.to_string(), strings(f, "Values")?)))
                .collect()
        })
        .unwrap_or_default();
    if ids.is_some() && !filters.is_empty() {
        return bad(
            "InvalidParameter.InvalidParameterCoexistImageIdsFilters",
            "ImageIds and Filters cannot be given together.",
        );
    }
    if ids.iter().flatten().any(|id| !rules::id_ok(id)) {
        return bad("InvalidImageId.Malformed", "The image id is malformed.");
    }
    let limit = body.get("Limit").and_then(Value::as_u64).unwrap_or(20);
    if limit > 100 {
        return bad(
            "InvalidParameterValue.LimitExceeded",
            "Limit is at most 100.",
        );
    }
    let now = w.now();
    let keep = |r: &&Resource| {
        r.provider == P
            && r.region == region
            && w.visible(r)
            && ids.as_ref().is_none_or(|ids| ids.contains(&r.id))
            && filters.iter().all(|(name, values)| match name.as_str() {
                "image-id" => values.contains(&r.id),
                "image-name" => values.contains(&r.name),
                "image-type" => values.contains(&r.image_type),
                _ => true,
            })
    };
    let found: Vec<&Resource> = w.resources.iter().filter(keep).collect();
    let set: Vec<Value> = found
        .iter()
        .take(limit as usize)
        .map(|r| describe(r, now))
        .collect();
    ok(json!({ "TotalCount": found.len(), "ImageSet": set }))
}

fn describe(r: &Resource, now: f64) -> Value {
    let state = status_of(r, now);
    json!({
        "ImageId": r.id,
        "ImageName": r.name,
        "ImageState": state,
        "ImageType": r.image_type,
        "CreatedTime": timestamp(r.created_at),
        "SyncPercent": if state == "SYNCING" { json!(r.progress_at(now)) } else { Value::Null },
        "OsName": "TencentOS Server 3.1 (TK4)",
        "ImageDescription": "",
        "ImageSize": 20,
        "Architecture": "x86_64",
        "Platform": "TencentOS",
        "ImageCreator": null,
        "ImageSource": "CREATE_IMAGE",
        "IsSupportCloudinit": true,
        "SnapshotSet": null,
        "Tags": [],
        "LicenseType": "TencentCloud",
    })
}

/// Tencent Cloud CVM as the emulator's registry lists it.
pub struct Emulated;

impl EmulatedCloud for Emulated {
    fn regions(&self) -> &'static [&'static str] {
        REGIONS
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
        serde_json::from_slice::<Value>(&req.body)
            .ok()
            .and_then(|b| b.get("ImageIds")?.as_array().map(Vec::len))
            .unwrap_or(1)
    }

    fn error(&self, status: u16, code: &str, message: &str) -> EmuResponse {
        error(status, code, message)
    }

    fn throttle(&self) -> (u16, &'static str) {
        (200, "RequestLimitExceeded")
    }

    fn status_of(&self, r: &Resource, now: f64) -> String {
        status_of(r, now)
    }

    fn seed(&self, w: &mut World) {
        seed(w)
    }

    fn clone_id(&self, _kind: &str, n: usize) -> String {
        format!("img-c{n:07x}")
    }
}
