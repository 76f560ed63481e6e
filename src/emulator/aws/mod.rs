//! AWS EC2 in the emulator: the query API subset imgcopy uses, SigV4-verified, with copies
//! moving pending → available (AMIs) or pending → completed (snapshots) over virtual time.

use super::state::{Resource, World};
use rules::REGIONS;
pub mod auth;
pub mod rules;
use super::cloud::EmulatedCloud;
use super::{EmuRequest, EmuResponse, Route};
use crate::model::Cloud;
use crate::sign::aws as sigv4;
use auth::*;
use std::fmt::Write as _;
use time::OffsetDateTime;

const P: Cloud = Cloud::Aws;
const XMLNS: &str = "http://ec2.amazonaws.com/doc/2016-11-15/";
const CLOCK_SKEW_SECS: i64 = 15 * 60;

/// Snapshot copies in progress per destination region (`ResourceLimitExceeded` beyond).
pub const SNAPSHOT_COPY_LIMIT: usize = 5;

fn hex17() -> String {
    let u = uuid::Uuid::new_v4().simple().to_string();
    u[..17].to_string()
}

fn resource(kind: &str, id: &str, name: &str) -> Resource {
    Resource {
        provider: P,
        kind: kind.into(),
        region: "us-east-1".into(),
        id: id.into(),
        name: name.into(),
        status: if kind == "image" {
            "available"
        } else {
            "completed"
        }
        .into(),
        image_type: "self".into(),
        copyable: true,
        copy_outcome: if kind == "image" {
            "available"
        } else {
            "completed"
        }
        .into(),
        source_id: None,
        source_region: None,
        created_at: 0.0,
        start_at: None,
        ready_at: None,
        client_token: None,
        attrs: Default::default(),
    }
}

/// The documented demo AMIs and snapshots (all in us-east-1).
pub fn seed(w: &mut World) {
    w.resources.extend([
        resource("image", "ami-0abc00000000000a1", "golden-al2023"),
        Resource {
            copy_outcome: "failed".into(),
            ..resource("image", "ami-0abc00000000000a2", "golden-copy-fails")
        },
        resource("snapshot", "snap-0abc00000000000a1", "golden-al2023-root"),
        Resource {
            attrs: [("encrypted".to_string(), "true".to_string())].into(),
            ..resource(
                "snapshot",
                "snap-0abc00000000000a3",
                "golden-encrypted-root",
            )
        },
        Resource {
            copy_outcome: "error".into(),
            ..resource("snapshot", "snap-0abc00000000000a2", "copy-fails")
        },
    ]);
}

fn params(req: &EmuRequest) -> Vec<(String, String)> {
    let mut p = req.query.clone();
    p.extend(super::parse_query(&String::from_utf8_lossy(&req.body)));
    p
}

fn param<'a>(p: &'a [(String, String)], key: &str) -> Option<&'a str> {
    p.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// Values of `Prefix.1`, `Prefix.2`, … in order.
fn list(p: &[(String, String)], prefix: &str) -> Vec<String> {
    (1..)
        .map_while(|i| param(p, &format!("{prefix}.{i}")).map(str::to_string))
        .collect()
}

/// Tags of `TagSpecification.1` (or of `Tag.N` for CreateTags).
fn tags(p: &[(String, String)], prefix: &str) -> Vec<(String, String)> {
    (1..)
        .map_while(|i| {
            let k = param(p, &format!("{prefix}.{i}.Key"))?;
            Some((
                k.to_string(),
                param(p, &format!("{prefix}.{i}.Value"))
                    .unwrap_or("")
                    .to_string(),
            ))
        })
        .collect()
}

pub fn route(req: &EmuRequest) -> Option<Route> {
    let signed = req
        .header("authorization")
        .is_some_and(|a| a.starts_with(sigv4::ALGORITHM));
    if req.path != "/" || !signed {
        return None;
    }
    let action = match param(&params(req), "Action")? {
        "CopyImage" => "CopyImage",
        "CopySnapshot" => "CopySnapshot",
        "DescribeImages" => "DescribeImages",
        "DescribeSnapshots" => "DescribeSnapshots",
        "CreateTags" => "CreateTags",
        "DeregisterImage" => "DeregisterImage",
        _ => "Unsupported",
    };
    Some(Route {
        provider: P,
        action,
    })
}

/// How many ids a describe call named.
pub fn ids(req: &EmuRequest) -> usize {
    let p = params(req);
    list(&p, "ImageId").len() + list(&p, "SnapshotId").len()
}

/// The region a request was signed for.
pub fn region_of(req: &EmuRequest) -> String {
    req.header("authorization")
        .and_then(parse_authorization)
        .map(|a| a.region)
        .unwrap_or_else(|| "us-east-1".into())
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The EC2 error shape.
pub fn error(status: u16, code: &str, message: &str) -> EmuResponse {
    EmuResponse {
        status,
        headers: vec![("content-type".into(), "text/xml;charset=UTF-8".into())],
        body: format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>{}</Code><Message>{}</Message></Error></Errors><RequestID>{}</RequestID></Response>"#,
            escape(code),
            escape(message),
            uuid::Uuid::new_v4()
        )
        .into_bytes(),
    }
}

fn ok(action: &str, inner: &str) -> EmuResponse {
    EmuResponse {
        status: 200,
        headers: vec![("content-type".into(), "text/xml;charset=UTF-8".into())],
        body: format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><{action}Response xmlns="{XMLNS}"><requestId>{}</requestId>{inner}</{action}Response>"#,
            uuid::Uuid::new_v4()
        )
        .into_bytes(),
    }
}

/// The EC2 state word of a resource at `now`.
pub fn status_of(r: &Resource, now: f64) -> String {
    if r.is_copying(now) {
        "pending".into()
    } else {
        r.status_at(now)
    }
}

pub fn handle(w: &mut World, req: &EmuRequest, action: &str) -> EmuResponse {
    if let Err(resp) = verify(w, req, OffsetDateTime::now_utc()) {
        return resp;
    }
    let region = region_of(req);
    if !REGIONS.contains(&region.as_str()) {
        return error(
            401,
            "AuthFailure",
            "The credential scope names an unknown region.",
        );
    }
    let p = params(req);
    match action {
        "CopyImage" => copy(w, &p, &region, "image"),
        "CopySnapshot" => copy(w, &p, &region, "snapshot"),
        "DescribeImages" => describe(w, &p, &region, "image"),
        "DescribeSnapshots" => describe(w, &p, &region, "snapshot"),
        "CreateTags" => create_tags(w, &p, &region),
        "DeregisterImage" => deregister(w, &p, &region),
        _ => error(
            400,
            "InvalidAction",
            "The action is not valid for this web service.",
        ),
    }
}

fn not_found(kind: &str, id: &str) -> EmuResponse {
    match kind {
        "image" => error(
            400,
            "InvalidAMIID.NotFound",
            &format!("The image id '[{id}]' does not exist"),
        ),
        _ => error(
            400,
            "InvalidSnapshot.NotFound",
            &format!("The snapshot '{id}' does not exist."),
        ),
    }
}

fn malformed(kind: &str, id: &str) -> Option<EmuResponse> {
    match kind {
        "image" if !rules::id_ok("ami-", id) => Some(error(
            400,
            "InvalidAMIID.Malformed",
            &format!("Invalid id: \"{id}\" (expecting \"ami-...\")"),
        )),
        "snapshot" if !rules::id_ok("snap-", id) => Some(error(
            400,
            "InvalidSnapshotID.Malformed",
            &format!("Invalid id: \"{id}\" (expecting \"snap-...\")"),
        )),
        _ => None,
    }
}

/// The reply to CopyImage / CopySnapshot naming the copy.
fn copied(kind: &str, id: &str) -> EmuResponse {
    if kind == "image" {
        ok("CopyImage", &format!("<imageId>{id}</imageId>"))
    } else {
        ok("CopySnapshot", &format!("<snapshotId>{id}</snapshotId>"))
    }
}

/// CopyImage / CopySnapshot into `dest`: checked (`check_copy`), then made; the same
/// ClientToken returns the first copy.
fn copy(w: &mut World, p: &[(String, String)], dest: &str, kind: &str) -> EmuResponse {
    match check_copy(w, p, dest, kind) {
        Ok(Checked::Again(id)) => copied(kind, &id),
        Ok(Checked::New(i, source_region)) => {
            let id = make_copy(w, p, dest, i, &source_region);
            copied(kind, &id)
        }
        Err(resp) => resp,
    }
}

/// What the checks of a copy call found.
enum Checked {
    /// The copy this ClientToken made before.
    Again(String),
    /// A new copy of the resource at this index, from this region.
    New(usize, String),
}

fn check_copy(
    w: &World,
    p: &[(String, String)],
    dest: &str,
    kind: &str,
) -> Result<Checked, EmuResponse> {
    let id_key = if kind == "image" {
        "SourceImageId"
    } else {
        "SourceSnapshotId"
    };
    let Some(source_region) = param(p, "SourceRegion").filter(|r| REGIONS.contains(r)) else {
        return Err(error(
            400,
            "InvalidParameterValue",
            "SourceRegion is missing or not a region.",
        ));
    };
    let source_id = param(p, id_key).unwrap_or("");
    if let Some(resp) = malformed(kind, source_id) {
        return Err(resp);
    }
    if kind == "image" && param(p, "Name").unwrap_or("").is_empty() {
        return Err(error(
            400,
            "MissingParameter",
            "The request must contain the parameter Name",
        ));
    }
    let token = param(p, "ClientToken").unwrap_or("");
    if let Some(r) = w
        .with_token(P, token)
        .find(|r| !token.is_empty() && r.region == dest)
    {
        if r.source_id.as_deref() != Some(source_id) {
            return Err(error(
                400,
                "IdempotentParameterMismatch",
                "The client token was used with different parameters.",
            ));
        }
        return Ok(Checked::Again(r.id.clone()));
    }
    let Some(i) = w.find(P, kind, source_region, source_id) else {
        return Err(not_found(kind, source_id));
    };
    if kind == "snapshot" {
        check_presigned_url(w, p, i, source_region)?;
        let now = w.now();
        let running = w
            .resources
            .iter()
            .filter(|r| {
                r.provider == P && r.kind == "snapshot" && r.region == dest && r.is_copying(now)
            })
            .count();
        if running >= SNAPSHOT_COPY_LIMIT {
            return Err(error(400, "ResourceLimitExceeded", &format!("Too many snapshot copies in progress. The limit is {SNAPSHOT_COPY_LIMIT} for this destination region.")));
        }
    }
    Ok(Checked::New(i, source_region.to_string()))
}

/// Makes the copy of `w.resources[i]` in `dest` with the call's tags and description; its id.
fn make_copy(
    w: &mut World,
    p: &[(String, String)],
    dest: &str,
    i: usize,
    source_region: &str,
) -> String {
    let now = w.now();
    let src = w.resources[i].clone();
    let prefix = if src.kind == "image" { "ami-" } else { "snap-" };
    let mut attrs = std::collections::BTreeMap::new();
    for (k, v) in tags(p, "TagSpecification.1.Tag") {
        attrs.insert(format!("tag:{k}"), v);
    }
    if param(p, "CopyImageTags") == Some("true") {
        for (k, v) in src.attrs.iter().filter(|(k, _)| k.starts_with("tag:")) {
            attrs.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    if let Some(d) = param(p, "Description") {
        attrs.insert("description".into(), d.to_string());
    }
    let name = param(p, "Name").filter(|n| !n.is_empty());
    let token = param(p, "ClientToken").filter(|t| !t.is_empty());
    let copy = Resource {
        region: dest.to_string(),
        id: format!("{prefix}{}", hex17()),
        name: name.map_or_else(|| src.name.clone(), str::to_string),
        source_id: Some(src.id.clone()),
        source_region: Some(source_region.to_string()),
        created_at: now,
        ready_at: Some(now + w.copy_seconds),
        client_token: token.map(str::to_string),
        attrs,
        ..src
    };
    let id = copy.id.clone();
    w.add(copy);
    id
}

fn tag_set(r: &Resource) -> String {
    let mut s = String::from("<tagSet>");
    for (k, v) in r
        .attrs
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("tag:")?, v)))
    {
        let _ = write!(
            s,
            "<item><key>{}</key><value>{}</value></item>",
            escape(k),
            escape(v)
        );
    }
    s.push_str("</tagSet>");
    s
}

fn describe(w: &World, p: &[(String, String)], region: &str, kind: &str) -> EmuResponse {
    let now = w.now();
    let ids = list(
        p,
        if kind == "image" {
            "ImageId"
        } else {
            "SnapshotId"
        },
    );
    for id in &ids {
        if w.find_visible(P, kind, region, id).is_none() {
            return not_found(kind, id);
        }
    }
    // Filters: tag:KEY with values.
    let filters: Vec<(String, Vec<String>)> = (1..)
        .map_while(|i| {
            let name = param(p, &format!("Filter.{i}.Name"))?.to_string();
            Some((name, list(p, &format!("Filter.{i}.Value"))))
        })
        .collect();
    let mut items = String::new();
    for r in w
        .resources
        .iter()
        .filter(|r| r.provider == P && r.kind == kind && r.region == region)
        .filter(|r| w.visible(r))
    {
        if !ids.is_empty() && !ids.contains(&r.id) {
            continue;
        }
        let keep = filters
            .iter()
            .all(|(name, values)| match name.strip_prefix("tag:") {
                Some(key) => r
                    .attrs
                    .get(&format!("tag:{key}"))
                    .is_some_and(|v| values.contains(v)),
                None => true,
            });
        if !keep {
            continue;
        }
        items.push_str(&item(r, now));
    }
    let (action, set) = if kind == "image" {
        ("DescribeImages", "imagesSet")
    } else {
        ("DescribeSnapshots", "snapshotSet")
    };
    ok(action, &format!("<{set}>{items}</{set}>"))
}

/// One image or snapshot as DescribeImages / DescribeSnapshots list it.
fn item(r: &Resource, now: f64) -> String {
    let mut out = String::new();
    let state = status_of(r, now);
    let description = escape(r.attrs.get("description").map(String::as_str).unwrap_or(""));
    if r.kind == "image" {
        let reason = if state == "failed" {
            "<stateReason><code>Client.CopyFailed</code><message>The copy of the image failed.</message></stateReason>"
        } else {
            ""
        };
        let _ = write!(
            out,
            "<item><imageId>{}</imageId><imageState>{state}</imageState><name>{}</name><description>{description}</description><imageOwnerId>123456789012</imageOwnerId>{reason}{}</item>",
            r.id, escape(&r.name), tag_set(r)
        );
    } else {
        let progress = if state == "pending" {
            r.progress_at(now)
        } else {
            100
        };
        // A failed snapshot says why in `statusMessage` (EC2's name for StateMessage).
        let message = if state == "error" {
            "<statusMessage>The snapshot copy failed: the source snapshot could not be read.</statusMessage>"
        } else {
            ""
        };
        let _ = write!(
            out,
            "<item><snapshotId>{}</snapshotId><status>{state}</status>{message}<progress>{progress}%</progress><description>{description}</description><ownerId>123456789012</ownerId>{}</item>",
            r.id, tag_set(r)
        );
    }
    out
}

fn create_tags(w: &mut World, p: &[(String, String)], region: &str) -> EmuResponse {
    let ids = list(p, "ResourceId");
    let new = tags(p, "Tag");
    for id in &ids {
        let Some(r) = w
            .resources
            .iter_mut()
            .find(|r| r.provider == P && r.region == region && &r.id == id)
        else {
            let kind = if id.starts_with("ami-") {
                "image"
            } else {
                "snapshot"
            };
            return not_found(kind, id);
        };
        for (k, v) in &new {
            r.attrs.insert(format!("tag:{k}"), v.clone());
        }
    }
    ok("CreateTags", "<return>true</return>")
}

fn deregister(w: &mut World, p: &[(String, String)], region: &str) -> EmuResponse {
    let id = param(p, "ImageId").unwrap_or("");
    let Some(i) = w.find(P, "image", region, id) else {
        return not_found("image", id);
    };
    w.remove(i);
    ok("DeregisterImage", "<return>true</return>")
}

/// AWS EC2 as the emulator's registry lists it.
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
        ids(req)
    }

    fn status_of(&self, r: &Resource, now: f64) -> String {
        status_of(r, now)
    }

    fn error(&self, status: u16, code: &str, message: &str) -> EmuResponse {
        error(status, code, message)
    }

    fn throttle(&self) -> (u16, &'static str) {
        (503, "RequestLimitExceeded")
    }

    fn seed(&self, w: &mut World) {
        seed(w)
    }

    fn clone_id(&self, kind: &str, n: usize) -> String {
        if kind == "image" {
            format!("ami-1{n:016x}")
        } else {
            format!("snap-1{n:016x}")
        }
    }
}

#[cfg(test)]
mod tests;
