//! Baidu BCC in the emulator: remote copy of images and snapshots, cancel, and detail calls.

use super::state::{new_id, timestamp, Resource, TokenEntry, World};
pub mod auth;
pub mod rules;
use super::cloud::EmulatedCloud;
use super::{EmuRequest, EmuResponse, Route};
use crate::model::Cloud;
use crate::sign::bce;
use auth::*;
use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;

/// The region of a request that names none (no `/{region}` prefix), as `bcc.bj.baidubce.com`.
pub const DEFAULT_REGION: &str = "bj";

/// A region that exists but takes no image copies, to exercise partial success.
pub const NO_COPY_REGION: &str = "bd";

/// How far a request's timestamp may run ahead of the emulator's clock.
const CLOCK_SKEW_SECS: i64 = 15 * 60;

const P: Cloud = Cloud::Baidu;

fn image(region: &str, id: &str, name: &str) -> Resource {
    Resource {
        provider: P,
        kind: "image".into(),
        region: region.into(),
        id: id.into(),
        name: name.into(),
        status: "Available".into(),
        image_type: "Custom".into(),
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

/// The documented demo resources (see the README's emulator section).
pub fn seed(w: &mut World) {
    let snap = |id: &str, name: &str| Resource {
        kind: "snapshot".into(),
        image_type: String::new(),
        ..image("bj", id, name)
    };
    w.resources.extend([
        image("bj", "m-demo0001", "golden-ubuntu-2204"),
        Resource {
            copy_outcome: "CreateFailed".into(),
            ..image("bj", "m-demo0002", "golden-centos-7")
        },
        Resource {
            image_type: "System".into(),
            ..image("bj", "m-pub00001", "ubuntu-22.04-public")
        },
        Resource {
            status: "Creating".into(),
            ..image("bj", "m-pending1", "golden-in-progress")
        },
        Resource {
            copyable: false,
            ..image("bj", "m-rawfmt01", "golden-raw-format")
        },
        snap("s-demo0001", "data-disk-snap"),
        Resource {
            status: "Creating".into(),
            ..snap("s-pending1", "snap-in-progress")
        },
        Resource {
            copyable: false,
            ..snap("s-local001", "local-disk-snap")
        },
    ]);
}

/// Which Baidu call a request is, if any.
pub fn route(req: &EmuRequest) -> Option<Route> {
    let segs: Vec<&str> = req.path.trim_matches('/').split('/').collect();
    let action = match (req.method.as_str(), segs.as_slice()) {
        ("POST", ["v2", "image", _]) if req.has_query("remoteCopy") => "RemoteCopyImage",
        ("POST", ["v2", "image", _]) if req.has_query("cancelRemoteCopy") => {
            "CancelRemoteCopyImage"
        }
        ("GET", ["v2", "image", _]) => "GetImageDetail",
        ("GET", ["v2", "image"]) => "ListImages",
        ("PUT" | "POST", ["v2", "snapshot", "remote_copy", _]) => "RemoteCopySnapshot",
        ("GET", ["v2", "snapshot", _]) => "GetSnapshotDetail",
        _ => return None,
    };
    Some(Route {
        provider: P,
        action,
    })
}

/// A Baidu-shaped error reply.
pub fn error(status: u16, code: &str, message: &str) -> EmuResponse {
    let id = uuid::Uuid::new_v4().to_string();
    let mut r = EmuResponse::json(
        status,
        &json!({ "code": code, "message": message, "requestId": id }),
    );
    r.headers.push(("x-bce-request-id".into(), id));
    r
}

fn ok(value: serde_json::Value) -> EmuResponse {
    let mut r = EmuResponse::json(200, &value);
    r.headers
        .push(("x-bce-request-id".into(), uuid::Uuid::new_v4().to_string()));
    r
}

pub fn handle(w: &mut World, req: &EmuRequest, action: &str) -> EmuResponse {
    if let Err(resp) = verify(w, req, OffsetDateTime::now_utc()) {
        return resp;
    }
    let region = req.region.clone().unwrap_or_else(|| DEFAULT_REGION.into());
    let id = req.path.rsplit('/').next().unwrap_or("").to_string();
    match action {
        "RemoteCopyImage" => remote_copy_image(w, req, &region, &id),
        "CancelRemoteCopyImage" => cancel(w, &region, &id),
        "GetImageDetail" => detail(w, "image", &region, &id),
        "ListImages" => list_images(w, req, &region),
        "RemoteCopySnapshot" => remote_copy_snapshot(w, req, &region, &id),
        "GetSnapshotDetail" => detail(w, "snapshot", &region, &id),
        _ => error(404, "NotFound", "no such API"),
    }
}

fn not_found() -> EmuResponse {
    error(
        404,
        "NoSuchObject",
        "The specified object is not found or resource do not exist.",
    )
}

fn dest_supported(region: &str) -> bool {
    rules::REGIONS.contains(&region) && region != NO_COPY_REGION
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ImageCopyBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    dest_region: Vec<String>,
}

fn remote_copy_image(w: &mut World, req: &EmuRequest, region: &str, id: &str) -> EmuResponse {
    let Ok(body) = serde_json::from_slice::<ImageCopyBody>(&req.body) else {
        return error(
            400,
            "MalformedJSON",
            "The JSON you provided was not well-formed.",
        );
    };
    if body.dest_region.is_empty() {
        return error(400, "InvalidParameter", "destRegion must not be empty.");
    }
    let Some(i) = w.find(P, "image", region, id) else {
        return not_found();
    };
    let now = w.now();
    let src = w.resources[i].clone();
    if src.image_type != "Custom" {
        return error(409, "Image.ImageNotSupportCopy", "Image not support copy.");
    }
    if src.status_at(now) != "Available" {
        return error(
            409,
            "Image.ImageStatusForbidden",
            "Image status is not Available.",
        );
    }
    if !src.copyable {
        return error(
            409,
            "Image.ImageStorageFormatInvalid",
            "Image storage format is invalid.",
        );
    }
    if !body.dest_region.iter().any(|r| dest_supported(r)) {
        return error(
            409,
            "Image.RegionNotSupportCopy",
            "Region not support copy.",
        );
    }
    let mut results = Vec::new();
    for dest in &body.dest_region {
        if !dest_supported(dest) {
            results.push(json!({"region": dest, "imageId": "", "errMsg": "Region not support copy.", "code": "Image.RegionNotSupportCopy"}));
            continue;
        }
        let copy = Resource {
            region: dest.clone(),
            id: new_id("m-"),
            name: body.name.clone().unwrap_or_else(|| src.name.clone()),
            status: "Available".into(),
            source_id: Some(src.id.clone()),
            source_region: Some(region.to_string()),
            created_at: now,
            ready_at: Some(now + w.copy_seconds),
            copy_outcome: src.copy_outcome.clone(),
            ..src.clone()
        };
        results.push(
            json!({"region": dest, "imageId": copy.id, "errMsg": "success", "code": "success"}),
        );
        w.add(copy);
    }
    ok(json!({ "result": results }))
}

fn cancel(w: &mut World, region: &str, id: &str) -> EmuResponse {
    let Some(i) = w.find(P, "image", region, id) else {
        return not_found();
    };
    if !w.resources[i].is_copying(w.now()) {
        return error(
            409,
            "Image.ImageStatusForbidden",
            "Image status is not dest_copying.",
        );
    }
    w.remove(i);
    ok(json!({}))
}

fn detail(w: &World, kind: &str, region: &str, id: &str) -> EmuResponse {
    let Some(i) = w.find_visible(P, kind, region, id) else {
        return not_found();
    };
    let r = &w.resources[i];
    match kind {
        "image" => ok(json!({ "image": image_model(r, w.now()) })),
        _ => ok(json!({ "snapshot": {
            "id": r.id, "name": r.name, "status": r.status_at(w.now()), "sizeInGB": 20,
            "createMethod": "manual", "createTime": timestamp(r.created_at), "desc": "",
        }})),
    }
}

fn image_model(r: &Resource, now: f64) -> serde_json::Value {
    json!({
        "id": r.id, "name": r.name, "type": r.image_type, "status": r.status_at(now),
        "osType": "linux", "createTime": timestamp(r.created_at), "desc": "",
    })
}

/// `GET /v2/image?imageType=&marker=&maxKeys=`: the region's images from `marker` on (the
/// BCE list convention: `nextMarker` is the first id of the next page).
fn list_images(w: &World, req: &EmuRequest, region: &str) -> EmuResponse {
    let now = w.now();
    let max_keys = req
        .query_value("maxKeys")
        .and_then(|m| m.parse::<usize>().ok())
        .unwrap_or(1000)
        .clamp(1, 1000);
    let want_type = req
        .query_value("imageType")
        .filter(|t| !t.is_empty() && *t != "All");
    let all: Vec<&Resource> = w
        .resources
        .iter()
        .filter(|r| r.provider == P && r.kind == "image" && r.region == region)
        .filter(|r| w.visible(r))
        .filter(|r| want_type.is_none_or(|t| r.image_type.eq_ignore_ascii_case(t)))
        .collect();
    let marker = req.query_value("marker").filter(|m| !m.is_empty());
    let start = marker
        .and_then(|m| all.iter().position(|r| r.id == m))
        .unwrap_or(0);
    let page: Vec<_> = all[start..].iter().take(max_keys).collect();
    let truncated = start + page.len() < all.len();
    ok(json!({
        "marker": marker.unwrap_or(""),
        "isTruncated": truncated,
        "nextMarker": all.get(start + page.len()).map(|r| r.id.clone()),
        "maxKeys": max_keys,
        "images": page.iter().map(|r| image_model(r, now)).collect::<Vec<_>>(),
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SnapshotCopyBody {
    #[serde(default)]
    dest_region_infos: Vec<DestInfo>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DestInfo {
    #[serde(default)]
    name: Option<String>,
    dest_region: String,
}

fn remote_copy_snapshot(w: &mut World, req: &EmuRequest, region: &str, id: &str) -> EmuResponse {
    let token = req.query_value("clientToken").unwrap_or("").to_string();
    if token.is_empty() || token.len() > 64 || !token.is_ascii() {
        return error(
            409,
            "OperationDenied",
            "clientToken is required: an ASCII string of at most 64 characters.",
        );
    }
    let Ok(body) = serde_json::from_slice::<SnapshotCopyBody>(&req.body) else {
        return error(
            400,
            "MalformedJSON",
            "The JSON you provided was not well-formed.",
        );
    };
    // clientToken idempotence: the same token and request gets the first answer again.
    let fingerprint = format!("{region}|{id}|{}", String::from_utf8_lossy(&req.body));
    if let Some(prev) = w.tokens.get(&token) {
        return if prev.fingerprint == fingerprint {
            ok(prev.response.clone())
        } else {
            error(
                403,
                "IdempotentParameterMismatch",
                "The request uses the same client token as a previous, but non-identical request.",
            )
        };
    }
    let src = match snapshot_to_copy(w, &body, region, id) {
        Ok(src) => src,
        Err(resp) => return resp,
    };
    let now = w.now();
    let mut results = Vec::new();
    for d in &body.dest_region_infos {
        let copy = Resource {
            region: d.dest_region.clone(),
            id: new_id("s-"),
            name: d.name.clone().unwrap_or_else(|| src.name.clone()),
            source_id: Some(src.id.clone()),
            source_region: Some(region.to_string()),
            created_at: now,
            ready_at: Some(now + w.copy_seconds),
            client_token: Some(token.clone()),
            ..src.clone()
        };
        results.push(json!({"region": d.dest_region, "snapshotId": copy.id}));
        w.add(copy);
    }
    let response = json!({ "result": results });
    w.tokens.insert(
        token,
        TokenEntry {
            fingerprint,
            response: response.clone(),
        },
    );
    ok(response)
}

/// The source snapshot of a remote copy, when it and the destinations pass the checks.
fn snapshot_to_copy(
    w: &World,
    body: &SnapshotCopyBody,
    region: &str,
    id: &str,
) -> Result<Resource, EmuResponse> {
    let Some(i) = w.find(P, "snapshot", region, id) else {
        return Err(not_found());
    };
    let src = w.resources[i].clone();
    if src.status_at(w.now()) != "Available" {
        return Err(error(
            409,
            "OperationDenied",
            "Operation not available: the snapshot is not Available.",
        ));
    }
    if !src.copyable {
        return Err(error(
            403,
            "snapshot.CannotCopy",
            "snapshot not support copy",
        ));
    }
    if body.dest_region_infos.is_empty() {
        return Err(error(
            409,
            "OperationDenied",
            "destRegionInfos must not be empty.",
        ));
    }
    if let Some(bad) = body
        .dest_region_infos
        .iter()
        .find(|d| d.dest_region == region || !rules::REGIONS.contains(&d.dest_region.as_str()))
    {
        return Err(error(
            409,
            "OperationDenied",
            &format!(
                "Operation not available: destination region {} is invalid.",
                bad.dest_region
            ),
        ));
    }
    Ok(src)
}

/// Baidu BCC as the emulator's registry lists it.
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

    fn error(&self, status: u16, code: &str, message: &str) -> EmuResponse {
        error(status, code, message)
    }

    fn throttle(&self) -> (u16, &'static str) {
        (429, "RequestLimitExceeded")
    }

    fn seed(&self, w: &mut World) {
        seed(w)
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
mod tests {
    use super::*;
    use crate::config::{Credentials, Secret};
    use crate::sign::{SignContext, SignableRequest};
    use std::collections::HashMap;

    fn world() -> World {
        World::new(
            1.0,
            1.0,
            HashMap::from([("ak".to_string(), "sk".to_string())]),
        )
    }

    fn signed(secret: &str, now: OffsetDateTime) -> EmuRequest {
        let headers = vec![
            ("host".to_string(), "127.0.0.1:9".to_string()),
            ("content-length".to_string(), "0".to_string()),
        ];
        let query = vec![("cancelRemoteCopy".to_string(), String::new())];
        let out = bce::sign(
            &SignableRequest {
                method: "POST",
                path: "/gz/v2/image/m-1",
                query: &query,
                headers: &headers,
                body: b"",
            },
            &Credentials {
                access_key_id: "ak".into(),
                secret_access_key: Secret::new(secret),
                session_token: None,
            },
            &SignContext {
                now,
                nonce: String::new(),
            },
        );
        EmuRequest {
            method: "POST".into(),
            raw_path: "/gz/v2/image/m-1".into(),
            path: "/v2/image/m-1".into(),
            region: Some("gz".into()),
            query,
            headers: headers.into_iter().chain(out.headers).collect(),
            body: Default::default(),
        }
    }

    fn code(r: Result<(), EmuResponse>) -> String {
        match r {
            Ok(()) => "ok".into(),
            Err(resp) => {
                let v: serde_json::Value = serde_json::from_slice(&resp.body).unwrap();
                format!("{} {}", resp.status, v["code"].as_str().unwrap())
            }
        }
    }

    #[test]
    fn verifies_signatures_from_the_wire() {
        let w = world();
        let now = OffsetDateTime::now_utc();
        assert_eq!(code(verify(&w, &signed("sk", now), now)), "ok");
        assert_eq!(
            code(verify(&w, &signed("other", now), now)),
            "400 SignatureDoesNotMatch"
        );
        let old = now - time::Duration::hours(1);
        assert_eq!(
            code(verify(&w, &signed("sk", old), now)),
            "400 RequestExpired"
        );
        let future = now + time::Duration::hours(1);
        assert_eq!(
            code(verify(&w, &signed("sk", future), now)),
            "400 RequestExpired"
        );
        let mut r = signed("sk", now);
        r.headers.retain(|(k, _)| k != "authorization");
        assert_eq!(code(verify(&w, &r, now)), "403 AccessDenied");
        let mut r = signed("sk", now);
        for (k, v) in r.headers.iter_mut() {
            if k == "authorization" {
                *v = v.replacen("/ak/", "/nobody/", 1);
            }
        }
        assert_eq!(code(verify(&w, &r, now)), "403 InvalidAccessKeyId");
        let mut r = signed("sk", now);
        for (k, v) in r.headers.iter_mut() {
            if k == "authorization" {
                *v = "bce-auth-v1/garbage".into();
            }
        }
        assert_eq!(code(verify(&w, &r, now)), "400 InvalidHTTPAuthHeader");
        // What was signed cannot change on the way: another path fails.
        let mut r = signed("sk", now);
        r.raw_path = "/gz/v2/image/m-2".into();
        assert_eq!(code(verify(&w, &r, now)), "400 SignatureDoesNotMatch");
    }
}
