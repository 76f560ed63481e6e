//! Finding the region a source (or a copy to cancel) lives in when `--region` is not given:
//! read calls only, under the run's pacing and in-flight cap, at most one per region, and no
//! new look-up once one has found it.

use crate::error::{Error, ErrorKind, Result};
use crate::model::{Kind, SourceLocation};
use crate::provider::Provider;
use futures::StreamExt;
use std::sync::atomic::{AtomicBool, Ordering};

/// Where `id` is: the `default` region first (a region setting and its name), used only if
/// the id is there; else every region of `regions`, `concurrency` look-ups at once. Found in
/// no region: an error listing the regions looked in (exit 1). Found in more than one (ids
/// that are not unique across regions): a usage error asking for `--region`.
pub async fn locate(
    provider: &dyn Provider,
    kind: Kind,
    id: &str,
    default: Option<(String, String)>,
    regions: &[&str],
    concurrency: usize,
) -> Result<SourceLocation> {
    let cloud = provider.cloud();
    let found = |region: &str, found_by: &str, looked_in: Vec<String>| SourceLocation {
        cloud,
        kind,
        source_id: id.to_string(),
        region: region.to_string(),
        found_by: found_by.to_string(),
        looked_in,
    };
    if let Some((region, why)) = &default {
        if in_default(provider, kind, id, region, why).await? {
            return Ok(found(region, why, Vec::new()));
        }
    }
    let candidates: Vec<&str> = regions
        .iter()
        .copied()
        .filter(|r| default.as_ref().is_none_or(|(d, _)| d != r))
        .collect();
    let outcomes = look_everywhere(provider, kind, id, candidates, concurrency).await;
    let mut looked_in: Vec<String> = default.iter().map(|(d, _)| d.clone()).collect();
    let mut hits = Vec::new();
    let mut failures = Vec::new();
    for (region, outcome) in outcomes {
        match outcome {
            None => {}
            Some(Ok(true)) => {
                looked_in.push(region.to_string());
                hits.push(region.to_string());
            }
            Some(Ok(false)) => looked_in.push(region.to_string()),
            Some(Err(e)) => failures.push((region.to_string(), e)),
        }
    }
    looked_in.sort();
    hits.sort();
    match hits.as_slice() {
        [one] => {
            tracing::info!("{cloud} {kind} {id}: found in {one} by looking in every region");
            Ok(found(one, "lookup", looked_in))
        }
        [] => Err(nowhere(cloud, kind, id, &looked_in, &failures)),
        many => Err(Error::usage(
            "--region",
            format!(
                "{cloud} {kind} {id} exists in {}; say which one is the source with --region",
                many.join(" and ")
            ),
        )),
    }
}

/// Whether `id` is in the default region (`why` names the setting); a look that fails for
/// any reason but credentials only means looking everywhere.
async fn in_default(
    provider: &dyn Provider,
    kind: Kind,
    id: &str,
    region: &str,
    why: &str,
) -> Result<bool> {
    let cloud = provider.cloud();
    match provider.inspect(kind, region, id).await {
        Ok(Some(_)) => {
            tracing::info!("{cloud} {kind} {id}: in {region} (the default region, from {why})");
            Ok(true)
        }
        Ok(None) => {
            tracing::info!(
                "{cloud} {kind} {id}: not in {region} (the default region, from {why}); looking in every region"
            );
            Ok(false)
        }
        Err(e) if e.kind() == ErrorKind::Auth => Err(e),
        Err(e) => {
            tracing::info!(
                "{cloud} {kind} {id}: could not look in {region} (from {why}): {e}; looking in every region"
            );
            Ok(false)
        }
    }
}

/// One look per region, `concurrency` at once; once found, no new look-up starts (those
/// under way finish). `None` for a region not looked in.
async fn look_everywhere<'r>(
    provider: &dyn Provider,
    kind: Kind,
    id: &str,
    regions: Vec<&'r str>,
    concurrency: usize,
) -> Vec<(&'r str, Option<Result<bool>>)> {
    let hit = AtomicBool::new(false);
    futures::stream::iter(regions)
        .map(|region| {
            let hit = &hit;
            async move {
                if hit.load(Ordering::SeqCst) {
                    return (region, None);
                }
                let r = provider
                    .inspect(kind, region, id)
                    .await
                    .map(|t| t.is_some());
                if matches!(r, Ok(true)) {
                    hit.store(true, Ordering::SeqCst);
                }
                (region, Some(r))
            }
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await
}

/// The error for a source found in no region: the regions looked in and those that could not
/// be looked in (a key refused everywhere is a credentials problem, not a missing source).
fn nowhere(
    cloud: crate::model::Cloud,
    kind: Kind,
    id: &str,
    looked_in: &[String],
    failures: &[(String, Error)],
) -> Error {
    if looked_in.is_empty() {
        if let Some((_, e)) = failures.iter().find(|(_, e)| e.kind() == ErrorKind::Auth) {
            return e.clone();
        }
    }
    let mut msg = format!(
        "no {kind} {id} in any {cloud} region; looked in {}",
        if looked_in.is_empty() {
            "none".to_string()
        } else {
            looked_in.join(", ")
        }
    );
    if !failures.is_empty() {
        let failed: Vec<String> = failures.iter().map(|(r, e)| format!("{r} ({e})")).collect();
        msg.push_str(&format!("; could not look in {}", failed.join(", ")));
    }
    msg.push_str("; give --region if it is elsewhere");
    Error::new(ErrorKind::NotFound, msg)
        .with_provider(cloud)
        .with_code("SourceNotFound")
}
