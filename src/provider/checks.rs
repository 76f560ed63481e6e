//! Checks every cloud's request validation shares, and the derived client token.

use crate::error::{Error, Result};
use crate::model::CopyRequest;

/// A region of the cloud's list (`known`), or, with `any_wellformed` (another endpoint is in
/// use: a partner cloud, a new region, an emulator), any well-formed region name:
/// lower-case letters and digits in dash-separated parts, at most 32 characters.
pub fn check_region_in(
    flag: &str,
    region: &str,
    cloud: &str,
    known: &[&str],
    any_wellformed: bool,
) -> Result<()> {
    let wellformed = !region.is_empty()
        && region.len() <= 32
        && region.split('-').all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        });
    if known.contains(&region) || (any_wellformed && wellformed) {
        return Ok(());
    }
    Err(Error::usage(
        flag,
        if any_wellformed {
            format!("`{region}` is not a region name")
        } else {
            format!(
                "unknown {cloud} region `{region}` (known: {}; with --endpoint any region name is accepted)",
                known.join(", ")
            )
        },
    ))
}

/// The destination list (`--dest`): not empty, each region passes `check`, none repeated.
pub fn check_dests(dests: &[String], check: impl Fn(&str) -> Result<()>) -> Result<()> {
    if dests.is_empty() {
        return Err(Error::usage(
            "--dest",
            "give at least one destination region",
        ));
    }
    for (i, d) in dests.iter().enumerate() {
        check(d)?;
        if dests[..i].contains(d) {
            return Err(Error::usage("--dest", format!("`{d}` is listed twice")));
        }
    }
    Ok(())
}

/// A client token derived from every field that defines a copy, so running the same command
/// again is the same request to the server: `imgcopy-` and 48 hex characters (≤ 64 ASCII).
/// With `--force-new` the request's salt makes it a new request; a later attempt at a copy
/// into `dest` that failed (`CopyRequest::attempts`) is a new request too.
pub fn derived_token(req: &CopyRequest, dest: &str, fields: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let attempt = match req.attempt(dest) {
        0 => None,
        n => Some(format!("attempt-{n}")),
    };
    for f in fields
        .iter()
        .copied()
        .chain(req.force_new.as_deref())
        .chain(attempt.as_deref())
    {
        h.update(f.as_bytes());
        h.update([0]);
    }
    format!("imgcopy-{}", &hex::encode(h.finalize())[..48])
}
