//! `imgcopy <cloud> image|snapshot`: validate, submit, optionally wait, report.

use super::{context, CopySpec, Environment, Globals, OutputFormat};
use crate::error::{Error, Result};
use crate::model::{Cloud, CopyRequest, Report};
use crate::provider;

/// One request per source id: with several, `{id}` in `--name` becomes each source's id
/// (copies of different sources must not share a name), and a client token cannot be shared.
fn requests(spec: &CopySpec) -> Result<Vec<CopyRequest>> {
    let several = spec.ids.len() > 1;
    if several {
        if spec.name.as_deref().is_some_and(|n| !n.contains("{id}")) {
            return Err(Error::usage(
                "--name",
                "with several --id, the name must contain `{id}` (each source's copies need their own name)",
            ));
        }
        if spec.client_token.is_some() {
            return Err(Error::usage(
                "--client-token",
                "one token cannot serve several --id",
            ));
        }
    }
    let salt = spec
        .force_new
        .then(|| uuid::Uuid::new_v4().simple().to_string());
    let mut out: Vec<CopyRequest> = Vec::new();
    for id in &spec.ids {
        let id = id.trim().to_string();
        if out.iter().any(|r| r.source_id == id) {
            return Err(Error::usage("--id", format!("`{id}` is listed twice")));
        }
        out.push(CopyRequest {
            cloud: spec.cloud,
            kind: spec.kind,
            name: spec.name.as_ref().map(|n| n.replace("{id}", &id)),
            source_id: id,
            source_region: spec.region.trim().to_string(),
            dest_regions: spec.dest.iter().map(|d| d.trim().to_string()).collect(),
            client_token: spec.client_token.clone(),
            description: spec.description.clone(),
            options: spec.options.clone(),
            force_new: salt.clone(),
        });
    }
    Ok(out)
}

pub async fn run(g: &Globals, spec: &CopySpec, env: &Environment) -> Result<i32> {
    let mut reqs = requests(spec)?;
    for req in &reqs {
        provider::validate(req, context::custom_endpoint(g, env, req.cloud)?)?;
    }
    if g.dry_run {
        return dry_run(g, env, &reqs);
    }
    let cloud = spec.cloud;
    let spans_regions = reqs[0]
        .dest_regions
        .iter()
        .any(|d| *d != reqs[0].source_region);
    if let Some(e) = g.endpoint.as_deref().filter(|e| !e.contains("{region}")) {
        // Alibaba (RegionId) and AWS (the signature's scope) name the region in the request.
        let region_in_request = matches!(cloud, Cloud::Alibaba | Cloud::Aws);
        if spans_regions && !g.quiet && !region_in_request {
            crate::errln!(
                "imgcopy: warning: --endpoint {e} has no {{region}}: requests for every region go to that one URL"
            );
        }
    }
    // Before anything is sent: the report can be written and no other run holds it.
    let _lock = super::lock_run(g, env, &reqs, g.endpoint.as_deref())?;
    let earlier = earlier_report(g)?;
    if let Some(e) = &earlier {
        check_same_command(g, e, &reqs)?;
    }
    let ctx = context::build(g, env, &[cloud], None).await?;
    let mut report = earlier.unwrap_or_else(|| {
        let mut r = Report::new(
            time::OffsetDateTime::now_utc(),
            ctx.sandbox.is_some(),
            ctx.endpoint.clone(),
        );
        r.profile = g.profile.clone();
        r
    });
    // A re-run with the journal of an earlier run: the same request (its --force-new salt
    // included) resumes, so nothing it started is started twice.
    for req in reqs.iter_mut().filter(|r| r.force_new.is_some()) {
        if let Some(same) = report.requests.iter().find(|r| same_request(r, req)) {
            req.force_new = same.force_new.clone();
        }
    }
    let code = super::drive(g, env, &ctx, &mut report, &reqs, super::Run::Copy).await;
    ctx.shutdown().await;
    code
}

/// The report of an earlier run in `--report FILE`, to resume from. A file that is not a
/// report is refused rather than overwritten; a sandbox run never resumes (its emulator is
/// gone) and never overwrites the journal of a real run.
fn earlier_report(g: &Globals) -> Result<Option<Report>> {
    let Some(path) = g.report.as_deref().filter(|p| p.exists()) else {
        return Ok(None);
    };
    let earlier = crate::report::read(path)?;
    match (g.sandbox, earlier.sandbox) {
        (false, false) => Ok(Some(earlier)),
        (true, false) => Err(Error::usage(
            "--report",
            format!(
                "{} is the journal of a real run; give --sandbox another file",
                path.display()
            ),
        )),
        // A sandbox journal is worth nothing once its emulator has stopped.
        (_, true) => Ok(None),
    }
}

/// A report belongs to the command that made it: running that command again resumes it;
/// another command is refused (its records would decide this run's exit code, and a status
/// of the report would follow both), unless `--add-to-report` says to add to it.
fn check_same_command(g: &Globals, earlier: &Report, reqs: &[CopyRequest]) -> Result<()> {
    let unsalted = |r: &CopyRequest| CopyRequest {
        force_new: None,
        ..r.clone()
    };
    let theirs: Vec<CopyRequest> = earlier.requests.iter().map(unsalted).collect();
    // This command again (or one of the commands added to the report) resumes.
    let same = reqs.iter().all(|r| theirs.contains(&unsalted(r)));
    let empty = earlier.requests.is_empty() && earlier.records.is_empty();
    if same || empty || g.add_to_report {
        return Ok(());
    }
    let path = g.report.as_deref().unwrap_or(std::path::Path::new("?"));
    Err(Error::usage(
        "--report",
        format!(
            "{} is the report of another command ({}); give this command its own file, or pass --add-to-report to add its copies to that one",
            path.display(),
            earlier
                .requests
                .iter()
                .map(|r| format!("{} {} {} {}→{}", r.cloud, r.kind, r.source_id, r.source_region, r.dest_regions.join(",")))
                .collect::<Vec<_>>()
                .join("; ")
        ),
    ))
}

/// The same copy asked for again, whatever its `--force-new` salt.
fn same_request(a: &CopyRequest, b: &CopyRequest) -> bool {
    a.force_new.is_some()
        && CopyRequest {
            force_new: None,
            ..a.clone()
        } == CopyRequest {
            force_new: None,
            ..b.clone()
        }
}

fn dry_run(g: &Globals, env: &Environment, reqs: &[CopyRequest]) -> Result<i32> {
    let file = if g.sandbox {
        None
    } else {
        context::load_config(env)?
    };
    let endpoint = if g.sandbox {
        crate::config::Endpoint::parse("http://127.0.0.1:0/{region}", "--sandbox")?
    } else {
        context::endpoint(g, reqs[0].cloud, None, file.as_ref())?
    };
    let mut calls = Vec::new();
    for req in reqs {
        calls.extend(provider::plan(req, &endpoint)?);
    }
    match g.output(env) {
        OutputFormat::Json | OutputFormat::Ndjson => {
            crate::outln!(
                "{}",
                serde_json::json!({ "dry_run": true, "requests": calls })
            );
        }
        OutputFormat::Table => {
            for c in &calls {
                crate::outln!("{} {}", c.method, c.url);
                crate::outln!("Authorization: <signed at send time; redacted>");
                if let Some(b) = &c.body {
                    crate::outln!("{b}");
                }
                crate::outln!();
            }
            crate::outln!(
                "dry run: {} request(s) validated, nothing sent",
                calls.len()
            );
        }
    }
    Ok(0)
}
