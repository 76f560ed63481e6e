//! `imgcopy status --report FILE [--wait]`: pick up the copies an earlier run recorded.

use super::{context, Environment, Globals, OutputFormat};
use crate::error::{Error, Result};
use crate::model::{CopyState, Report};
use crate::report;

pub async fn run(g: &Globals, env: &Environment) -> Result<i32> {
    let Some(path) = g.report.clone() else {
        return Err(Error::usage(
            "--report",
            "status needs the report file of an earlier run",
        ));
    };
    if g.sandbox {
        return Err(Error::usage(
            "--sandbox",
            "status follows real copies; it cannot run in a fresh sandbox",
        ));
    }
    let peek = report::read(&path)?;
    if peek.sandbox {
        return Err(Error::usage(
            "--report",
            "this report was made with --sandbox; its copies lived in an emulator that has stopped",
        ));
    }
    check_report_input(g, env, &peek, &path)?;
    if g.dry_run {
        return dry_run(g, env, &peek);
    }
    let _lock = super::lock_run(
        g,
        env,
        &peek.requests,
        g.endpoint.as_deref().or(peek.endpoint.as_deref()),
    )?;
    // Read again under the lock: the run that held it may have written it since.
    let mut rep = report::read(&path)?;
    let mut globals = g.clone();
    globals.report = Some(path);
    // The account the copies were made in: a look elsewhere would find nothing.
    match (&g.profile, &rep.profile) {
        (None, Some(p)) => globals.profile = Some(p.clone()),
        (Some(given), Some(recorded)) if given != recorded && !g.quiet => crate::errln!(
            "imgcopy: note: using --profile {given}; the copies were made with profile {recorded}"
        ),
        _ => {}
    }
    if let (Some(given), Some(recorded)) = (&g.endpoint, &rep.endpoint) {
        if given != recorded && !g.quiet {
            crate::errln!(
                "imgcopy: note: using --endpoint {given}; the copies were made through {recorded}"
            );
        }
    }
    revive_missing(&mut rep);
    let mut clouds: Vec<_> = rep
        .records
        .iter()
        .map(|r| r.provider)
        .chain(rep.requests.iter().map(|r| r.cloud))
        .collect();
    clouds.sort();
    clouds.dedup();
    let settings = context::Settings::load(&globals, env)?;
    let ctx = context::build(&settings, &clouds, rep.endpoint.as_deref()).await?;
    // A run killed while submitting left requests the report has no record of: they are
    // submitted now (found again, never duplicated); copies that failed stay failed.
    let requests = rep.requests.clone();
    let code = super::drive(&globals, env, &ctx, &mut rep, &requests, super::Run::Status).await;
    ctx.shutdown().await;
    code
}

/// `status --cloud C --kind K --id ID… --region R`: follows copies by their destination ids,
/// without a report (copies another tool, the console or a lost report started). The
/// records name no source (`source_id` and `source_region` are empty). `--report` writes
/// what was seen to a new file; one that exists belongs to another run and is refused.
pub async fn run_by_id(g: &Globals, spec: &super::ById, env: &Environment) -> Result<i32> {
    if g.sandbox {
        return Err(Error::usage(
            "--sandbox",
            "status follows real copies; it cannot run in a fresh sandbox",
        ));
    }
    if let Some(p) = &g.report {
        if p.exists() {
            return Err(Error::usage(
                "--report",
                format!(
                    "{} exists; `status --id` writes a new report (or use `status --report {}` alone)",
                    p.display(),
                    p.display()
                ),
            ));
        }
    }
    let region = spec.region.trim().to_string();
    let settings = context::Settings::load(g, env)?;
    let custom = settings.custom_endpoint(spec.cloud);
    let now = time::OffsetDateTime::now_utc();
    let mut rep = Report::new(now, false, g.endpoint.clone());
    rep.profile = g.profile.clone();
    for id in super::distinct_ids(&spec.ids)? {
        let id = id.as_str();
        let rec = followed(spec, id, &region, now);
        // Checked as a report's record would be (its source stands in for the missing one).
        let probe = crate::model::CopyRecord {
            source_id: id.to_string(),
            source_region: region.clone(),
            ..rec.clone()
        };
        crate::provider::driver::validate_record(&probe, custom)
            .map_err(|e| Error::usage("--id/--region", e.message()))?;
        rep.records.push(rec);
    }
    if g.dry_run {
        for r in &rep.records {
            crate::outln!(
                "would look at {} {} {} in {}",
                r.provider,
                r.kind,
                r.dest_id.as_deref().unwrap_or("-"),
                r.dest_region
            );
        }
        return Ok(0);
    }
    let _lock = super::lock_run(g, env, &[], g.endpoint.as_deref())?;
    let ctx = context::build(&settings, &[spec.cloud], None).await?;
    let code = super::drive(g, env, &ctx, &mut rep, &[], super::Run::Status).await;
    ctx.shutdown().await;
    code
}

/// The record of a copy followed by its id alone.
fn followed(
    spec: &super::ById,
    id: &str,
    region: &str,
    now: time::OffsetDateTime,
) -> crate::model::CopyRecord {
    let req = crate::model::CopyRequest {
        cloud: spec.cloud,
        kind: spec.kind,
        source_id: String::new(),
        source_region: String::new(),
        dest_regions: vec![region.to_string()],
        name: None,
        client_token: None,
        description: None,
        options: Default::default(),
        force_new: None,
        attempts: Default::default(),
    };
    let mut r = crate::model::CopyRecord::new(&req, region, now);
    r.dest_id = Some(id.to_string());
    r
}

/// A report is input: every request and record is checked as strictly as the command line
/// would check it, and an endpoint it names is used only when it is loopback or given again
/// with `--endpoint` (a signed request with a session token must not go where an edited file
/// says). Nothing is sent before this passes.
fn check_report_input(
    g: &Globals,
    env: &Environment,
    rep: &Report,
    path: &std::path::Path,
) -> Result<()> {
    let bad = |e: Error| {
        Error::usage(
            "--report",
            format!(
                "{} holds a value imgcopy refuses: {}",
                path.display(),
                e.message()
            ),
        )
    };
    if let Some(e) = &rep.endpoint {
        let given = g.endpoint.as_deref() == Some(e.as_str());
        if !given && !crate::config::is_loopback_endpoint(e) && g.endpoint.is_none() {
            return Err(Error::usage(
                "--endpoint",
                format!(
                    "the report names the endpoint {e}; an endpoint in a report is used only when given again: pass --endpoint {e}"
                ),
            ));
        }
        crate::config::Endpoint::parse(e, "the report's endpoint").map_err(bad)?;
    }
    let settings = context::Settings::load(g, env)?;
    for req in rep.requests.iter().filter(|r| !r.dest_regions.is_empty()) {
        let custom = settings.custom_endpoint(req.cloud) || rep.endpoint.is_some();
        req.cloud.driver().validate(req, custom).map_err(bad)?;
    }
    for rec in &rep.records {
        let custom = settings.custom_endpoint(rec.provider) || rep.endpoint.is_some();
        crate::provider::driver::validate_record(rec, custom).map_err(bad)?;
    }
    Ok(())
}

/// Copies failed only because the cloud said it did not know them are looked at once more:
/// the earlier look may have been in another account or endpoint. Still missing, they fail
/// again at once (their grace has passed); found, they are followed.
fn revive_missing(rep: &mut Report) {
    for r in rep
        .records
        .iter_mut()
        .filter(|r| r.state == CopyState::Failed && r.missing_since.is_some())
        .filter(|r| r.dest_id.is_some() || r.job_id.is_some())
    {
        r.state = CopyState::Submitted;
        r.finished_at = None;
    }
}

/// What `status` would do, without a request: the copies it would look at and the journaled
/// copies it would start.
fn dry_run(g: &Globals, env: &Environment, rep: &Report) -> Result<i32> {
    let look: Vec<serde_json::Value> = rep
        .records
        .iter()
        .filter(|r| {
            r.state.in_flight() || (r.state == CopyState::Failed && r.missing_since.is_some())
        })
        .map(|r| {
            serde_json::json!({
                "provider": r.provider, "kind": r.kind, "region": r.dest_region,
                "dest_id": r.dest_id, "job_id": r.job_id, "state": r.state,
            })
        })
        .collect();
    let start: Vec<serde_json::Value> = rep
        .requests
        .iter()
        .flat_map(|q| {
            // What the real run would submit (its first round, copies that failed stay failed).
            crate::engine::outstanding(rep, q, Some(false))
                .into_iter()
                .map(move |d| {
                    serde_json::json!({
                        "provider": q.cloud, "kind": q.kind, "source_id": q.source_id,
                        "source_region": q.source_region, "dest_region": d,
                    })
                })
        })
        .collect();
    match g.output(env) {
        OutputFormat::Table => {
            for l in &look {
                crate::outln!(
                    "would look at {} {} {} in {} ({})",
                    l["provider"].as_str().unwrap_or_default(),
                    l["kind"].as_str().unwrap_or_default(),
                    l["dest_id"]
                        .as_str()
                        .or(l["job_id"].as_str())
                        .unwrap_or("-"),
                    l["region"].as_str().unwrap_or_default(),
                    l["state"].as_str().unwrap_or_default()
                );
            }
            for s in &start {
                crate::outln!(
                    "would start (after looking for it first) {} {} {} {}→{}",
                    s["provider"].as_str().unwrap_or_default(),
                    s["kind"].as_str().unwrap_or_default(),
                    s["source_id"].as_str().unwrap_or_default(),
                    s["source_region"].as_str().unwrap_or_default(),
                    s["dest_region"].as_str().unwrap_or_default()
                );
            }
            crate::outln!(
                "dry run: {} to look at, {} to start; nothing sent",
                look.len(),
                start.len()
            );
        }
        _ => crate::outln!(
            "{}",
            serde_json::json!({ "dry_run": true, "look_at": look, "would_start": start })
        ),
    }
    Ok(0)
}
