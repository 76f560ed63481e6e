//! Alibaba ECS snapshots in the emulator: CopySnapshot (ClientToken idempotence, tags,
//! retention) and DescribeSnapshots by `SnapshotIds` (a JSON array), the copies
//! `progressing` over virtual time, then `accomplished` (or `failed`).

use super::*;
use serde_json::Value;

fn snapshot(id: &str, name: &str, outcome: &str) -> Resource {
    Resource {
        kind: "snapshot".into(),
        status: "accomplished".into(),
        copy_outcome: outcome.into(),
        ..image(id, name)
    }
}

/// The demo snapshots (see the README's emulator section).
pub fn seed(w: &mut World) {
    w.resources.extend([
        snapshot("s-demo0001", "golden-data-disk", "accomplished"),
        snapshot("s-demo0002", "golden-snapshot-fails", "failed"),
        Resource {
            status: "progressing".into(),
            ..snapshot("s-pending1", "snapshot-in-progress", "accomplished")
        },
    ]);
}

/// A snapshot's status at virtual time `now`.
pub fn status_of(r: &Resource, now: f64) -> String {
    match r.ready_at {
        Some(t) if now < t => "progressing".into(),
        Some(_) => r.copy_outcome.clone(),
        None => r.status.clone(),
    }
}

fn not_found() -> EmuResponse {
    error(
        404,
        "InvalidSnapshotId.NotFound",
        "The specified SnapshotId does not exist.",
    )
}

/// CopySnapshot into `DestinationRegionId`: an accomplished snapshot of the source region;
/// the same ClientToken in the same region returns the first copy.
pub fn copy_snapshot(w: &mut World, p: &[(String, String)], region: &str) -> EmuResponse {
    let token = param(p, "ClientToken").unwrap_or("").to_string();
    if let Some(r) = w.with_token(P, &token).find(|r| {
        !token.is_empty() && r.kind == "snapshot" && r.source_region.as_deref() == Some(region)
    }) {
        return ok(json!({ "SnapshotId": r.id }));
    }
    let dest = match check_copy_params(p, region) {
        Ok(dest) => dest,
        Err(resp) => return resp,
    };
    let id = param(p, "SnapshotId").unwrap_or("");
    let Some(i) = w.find(P, "snapshot", region, id) else {
        return not_found();
    };
    let now = w.now();
    let src = w.resources[i].clone();
    if status_of(&src, now) != "accomplished" {
        return error(
            403,
            "IncorrectSnapshotStatus",
            "The snapshot is not accomplished.",
        );
    }
    let mut attrs = tags_of(p);
    if let Some(d) = param(p, "RetentionDays") {
        attrs.insert("retention_days".into(), d.to_string());
    }
    let copy = Resource {
        region: dest,
        id: super::super::state::new_id("s-").to_lowercase(),
        name: param(p, "DestinationSnapshotName")
            .unwrap_or(&src.name)
            .to_string(),
        source_id: Some(src.id.clone()),
        source_region: Some(region.to_string()),
        created_at: now,
        ready_at: Some(now + w.copy_seconds),
        client_token: (!token.is_empty()).then_some(token),
        attrs,
        ..src
    };
    let id = copy.id.clone();
    w.add(copy);
    ok(json!({ "SnapshotId": id }))
}

/// The destination, when it and the name and retention pass.
fn check_copy_params(p: &[(String, String)], region: &str) -> Result<String, EmuResponse> {
    let dest = param(p, "DestinationRegionId").unwrap_or("").to_string();
    if dest.is_empty() || !REGIONS.contains(&dest.as_str()) {
        return Err(error(
            400,
            "InvalidDestinationRegionId.NotFound",
            "The destination region not found",
        ));
    }
    if dest == region {
        return Err(error(
            400,
            "InvalidParameter.DestinationRegionId",
            "The destination region must differ from the source region.",
        ));
    }
    if param(p, "DestinationSnapshotName").is_some_and(|n| !valid_name(n) || n.starts_with("auto"))
    {
        return Err(error(
            400,
            "InvalidDestinationSnapshotName.Malformed",
            "The specified destination snapshot name is wrongly formed.",
        ));
    }
    if param(p, "RetentionDays").is_some_and(|d| {
        d.parse::<u32>()
            .ok()
            .is_none_or(|d| !(1..=65536).contains(&d))
    }) {
        return Err(error(
            400,
            "InvalidRetentionDays.Malformed",
            "The specified RetentionDays is wrongly formed.",
        ));
    }
    Ok(dest)
}

/// DescribeSnapshots: `SnapshotIds` a JSON array of at most 100 ids (unknown ones left out).
pub fn describe_snapshots(w: &World, p: &[(String, String)], region: &str) -> EmuResponse {
    let ids: Vec<String> = match param(p, "SnapshotIds") {
        None => Vec::new(),
        Some(s) => match serde_json::from_str::<Vec<String>>(s) {
            Ok(ids) => ids,
            Err(_) => {
                return error(
                    400,
                    "InvalidSnapshotIds.Malformed",
                    "The specified SnapshotIds is wrongly formed.",
                )
            }
        },
    };
    if ids.len() > 100 {
        return error(
            400,
            "InvalidParameter",
            "SnapshotIds takes at most 100 ids.",
        );
    }
    let now = w.now();
    let found: Vec<Value> = w
        .resources
        .iter()
        .filter(|r| r.provider == P && r.kind == "snapshot" && r.region == region)
        .filter(|r| w.visible(r))
        .filter(|r| ids.is_empty() || ids.contains(&r.id))
        .map(|r| {
            let status = status_of(r, now);
            let progress = if status == "progressing" {
                r.progress_at(now)
            } else {
                100
            };
            json!({
                "SnapshotId": r.id, "SnapshotName": r.name, "Status": status,
                "Progress": format!("{progress}%"), "SourceSnapshotId": r.source_id,
                "SourceRegionId": r.source_region, "CreationTime": "2026-01-01T00:00:00Z",
                "RetentionDays": r.attrs.get("retention_days").and_then(|d| d.parse::<u32>().ok()),
                "Tags": tags_json(r),
            })
        })
        .collect();
    ok(json!({ "TotalCount": found.len(), "Snapshots": { "Snapshot": found } }))
}
