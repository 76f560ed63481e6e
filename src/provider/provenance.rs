//! Provenance and harm: how imgcopy marks the copies it makes, adopts only what carries its
//! mark (always said), and looks before a destructive call.

use super::Provider;
use crate::error::{Error, ErrorKind, Result};
use crate::model::{AdoptedBy, CopyRecord, CopyRequest, Kind};

/// A record for a copy found in its destination instead of made; `name` is the copy's,
/// `by` what tied it to `req`. Always said on stderr: adopting is never silent.
pub fn adopted(
    req: &CopyRequest,
    dest: &str,
    dest_id: &str,
    name: Option<&str>,
    by: AdoptedBy,
) -> CopyRecord {
    let mut r = CopyRecord::new(req, dest, time::OffsetDateTime::now_utc());
    r.dest_id = Some(dest_id.to_string());
    r.name = name.map(str::to_string);
    r.adopted = true;
    r.adopted_by = Some(by);
    let how = match by {
        AdoptedBy::Name => " by name only (this cloud takes no provenance mark)",
        AdoptedBy::Tag => " by its imgcopy provenance tags",
        AdoptedBy::Marker => " by the imgcopy marker in its description",
        AdoptedBy::Token => " by its client token",
    };
    tracing::warn!(
        "{}: adopted existing {dest_id}{how}, made by an earlier run (--force-new makes a new copy)",
        r.label()
    );
    r
}

/// The provenance tag key every marked copy carries: its source, `REGION/ID`.
pub const SOURCE_TAG: &str = "imgcopy:source";
/// The provenance tag key that pins what was asked for (`spec_mark`).
pub const SPEC_TAG: &str = "imgcopy:copy";

/// The source a copy of `req` was made from, as its provenance tag says it.
pub fn source_mark(req: &CopyRequest) -> String {
    format!("{}/{}", req.source_region, req.source_id)
}

/// A short hash of what makes a copy the one asked for in `dest`: the cloud's material
/// parameters (`material`: encryption, key, name…) and the `--force-new` salt. A copy is
/// adopted only when its mark equals the request's, so an unencrypted copy never stands in
/// for an encrypted one, and a forced copy is found again (never made twice) after a broken
/// connection or a kill.
pub fn spec_mark(req: &CopyRequest, dest: &str, material: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for f in [dest]
        .into_iter()
        .chain(material.iter().copied())
        .chain(req.force_new.as_deref())
    {
        h.update(f.as_bytes());
        h.update([0]);
    }
    hex::encode(h.finalize())[..16].to_string()
}

/// The marker written into a description where the cloud has no tags on copies (Huawei).
pub fn description_marker(req: &CopyRequest, spec: &str) -> String {
    format!("{SOURCE_TAG}={} {SPEC_TAG}={spec}", source_mark(req))
}

/// What a destructive call looks at first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The cloud's status word.
    pub status: String,
    /// Still being copied: the only state a cancel acts on.
    pub in_progress: bool,
    /// The source imgcopy's provenance tag names, when the target carries one.
    pub provenance: Option<String>,
    /// Its name, where the cloud names it (`--name`'s `{source_name}`).
    pub name: Option<String>,
}

/// Cancels the copy `id` in `region` only if it is still in progress and tied to imgcopy:
/// `in_report` (the run's report holds it) or a provenance mark; `force` stands in for the
/// tie, never for the state. Anything else is refused with a message and nothing changes.
/// `visible`: a copy made moments ago may not be visible to reads yet (eventual
/// consistency); it is looked for again, `pause` apart, `within` that time.
pub async fn guarded_cancel(
    provider: &dyn Provider,
    kind: Kind,
    region: &str,
    id: &str,
    tie: Tie,
    visible: Option<Visibility>,
) -> Result<Target> {
    let Tie { in_report, force } = tie;
    let cloud = provider.cloud();
    let refuse = |why: String| {
        Err(Error::new(ErrorKind::Rejected, why)
            .with_provider(cloud)
            .with_code("Refused"))
    };
    let until = visible.map(|v| (tokio::time::Instant::now() + v.within, v.pause));
    let target = loop {
        match provider.inspect(kind, region, id).await? {
            Some(t) => break t,
            None if until.is_some_and(|(u, _)| tokio::time::Instant::now() < u) => {
                tokio::time::sleep(until.map(|(_, p)| p).unwrap_or_default()).await;
            }
            None => {
                return refuse(format!(
                    "no {kind} {id} in {region}; nothing canceled (a copy made moments ago may not be visible yet: try again shortly)"
                ))
            }
        }
    };
    if !target.in_progress {
        return refuse(format!(
            "{kind} {id} in {region} is {}, not a copy in progress; imgcopy cancels only copies still being made (never a finished image or a source), so nothing was changed",
            target.status
        ));
    }
    if !(in_report || target.provenance.is_some() || force) {
        return refuse(format!(
            "{kind} {id} in {region} is in progress but cannot be tied to a copy imgcopy made (it is not in --report and carries no imgcopy provenance tag); pass the report of the run that made it, or --force to cancel it anyway"
        ));
    }
    provider.cancel(kind, region, id).await?;
    Ok(target)
}

/// What ties a cancel's target to imgcopy besides a provenance mark.
#[derive(Debug, Clone, Copy)]
pub struct Tie {
    /// The report given holds the copy.
    pub in_report: bool,
    /// `--force`: an in-progress copy imgcopy cannot tie to itself.
    pub force: bool,
}

/// How long to keep looking for a copy made moments ago, and how often.
#[derive(Debug, Clone, Copy)]
pub struct Visibility {
    pub within: std::time::Duration,
    pub pause: std::time::Duration,
}

/// `--tag` keys given twice are refused: which value was meant is unknowable.
pub fn check_unique_tag_keys(tags: &[(String, String)]) -> crate::error::Result<()> {
    let mut seen = std::collections::HashSet::new();
    match tags.iter().find(|(k, _)| !seen.insert(k.as_str())) {
        Some((k, _)) => Err(crate::error::Error::usage(
            "--tag",
            format!("the key `{k}` is given twice"),
        )),
        None => Ok(()),
    }
}
