//! `imgcopy <cloud> image|snapshot`: validate, submit, optionally wait, report.

use super::{context, CopySpec, Environment, Globals};
use crate::error::{Error, Result};
use crate::model::{Cloud, CopyRequest, Report};

/// The placeholders `--name` takes: the source id, the destination region, today's date (UTC,
/// `YYYYMMDD`, when the command runs), the source's own name (read from the cloud).
const PLACEHOLDERS: [&str; 4] = ["{id}", "{region}", "{date}", "{source_name}"];

/// What `{source_name}` stands for while the source has not been read (checks, dry runs).
const SOURCE_NAME_STAND_IN: &str = "source-name";

/// `req` as the rules see it before its source is read: `{source_name}` stood in for.
fn with_stand_in(req: &CopyRequest) -> CopyRequest {
    CopyRequest {
        name: req
            .name
            .as_ref()
            .map(|n| n.replace("{source_name}", SOURCE_NAME_STAND_IN)),
        ..req.clone()
    }
}

/// Every `{…}` in `name` is a known placeholder.
fn check_placeholders(name: &str) -> Result<()> {
    match crate::config::placeholders(name)
        .into_iter()
        .find(|p| !PLACEHOLDERS.contains(p))
    {
        Some(found) => Err(Error::usage(
            "--name",
            format!(
                "unknown placeholder `{found}`; the known ones are {}",
                PLACEHOLDERS.join(" ")
            ),
        )),
        None => Ok(()),
    }
}

/// A request whose name has `{region}`: one request per destination, each with its name.
fn per_region(req: CopyRequest) -> Vec<CopyRequest> {
    match &req.name {
        Some(n) if n.contains("{region}") => req
            .dest_regions
            .iter()
            .map(|d| CopyRequest {
                name: Some(n.replace("{region}", d)),
                dest_regions: vec![d.clone()],
                ..req.clone()
            })
            .collect(),
        _ => vec![req],
    }
}

/// One request per source id: with several, `{id}` in `--name` becomes each source's id
/// (copies of different sources must not share a name), and a client token cannot be shared.
/// `{date}` is today's; `{region}` is left for `per_region`, once the destinations are settled.
fn requests(spec: &CopySpec) -> Result<Vec<CopyRequest>> {
    if let Some(n) = &spec.name {
        check_placeholders(n)?;
    }
    let date = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!("[year][month][day]"))
        .expect("a date formats");
    let ids = super::distinct_ids(&spec.ids)?;
    if ids.len() > 1 {
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
    for id in ids {
        out.push(CopyRequest {
            cloud: spec.cloud,
            kind: spec.kind,
            name: spec
                .name
                .as_ref()
                .map(|n| n.replace("{id}", &id).replace("{date}", &date)),
            source_id: id,
            source_region: spec
                .region
                .as_deref()
                .map(|r| r.trim().to_string())
                .unwrap_or_default(),
            dest_regions: spec.dest.iter().map(|d| d.trim().to_string()).collect(),
            client_token: spec.client_token.clone(),
            description: spec.description.clone(),
            options: spec.options.clone(),
            force_new: salt.clone(),
            attempts: Default::default(),
        });
    }
    Ok(out)
}

/// `{source_name}` in the requests' names becomes each source's own name, read from the
/// cloud (one read call per source); the names are then checked again by the cloud's rules.
async fn name_after_sources(
    ctx: &context::Context,
    reqs: &mut [CopyRequest],
    custom: bool,
) -> Result<()> {
    let wanted: Vec<usize> = (0..reqs.len())
        .filter(|&i| {
            reqs[i]
                .name
                .as_deref()
                .is_some_and(|n| n.contains("{source_name}"))
        })
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let looks = wanted.iter().map(|&i| {
        let r = &reqs[i];
        let provider = ctx.providers[&r.cloud].clone();
        let (kind, region, id) = (r.kind, r.source_region.clone(), r.source_id.clone());
        async move { provider.inspect(kind, &region, &id).await }
    });
    let found = futures::future::join_all(looks).await;
    for (i, seen) in wanted.into_iter().zip(found) {
        let req = &mut reqs[i];
        let name = match seen? {
            Some(t) => t.name.filter(|n| !n.is_empty()).ok_or_else(|| {
                Error::usage(
                    "--name",
                    format!(
                        "{{source_name}}: {} {} in {} has no name",
                        req.kind, req.source_id, req.source_region
                    ),
                )
            })?,
            None => {
                return Err(Error::usage(
                    "--name",
                    format!(
                        "{{source_name}}: no {} {} in {}",
                        req.kind, req.source_id, req.source_region
                    ),
                ))
            }
        };
        req.name = req.name.as_ref().map(|n| n.replace("{source_name}", &name));
        if !req.dest_regions.is_empty() {
            req.cloud.driver().validate(req, custom)?;
        }
    }
    Ok(())
}

/// A request whose source region is known: the destination that is the source region
/// split off as a `source` record (the source is already there) unless the cloud makes a
/// real copy there (`provider::same_region_copy`); an empty destination list (Huawei's
/// in-region form) becomes the source region. The rest is validated.
fn settle_region(req: &mut CopyRequest, custom: bool) -> Result<Option<crate::model::CopyRecord>> {
    if req.dest_regions.is_empty() {
        req.dest_regions = vec![req.source_region.clone()];
    }
    let mut source = None;
    if !req.cloud.driver().same_region_copy(req) && req.dest_regions.contains(&req.source_region) {
        req.dest_regions.retain(|d| *d != req.source_region);
        source = Some(crate::model::CopyRecord::source(
            req,
            time::OffsetDateTime::now_utc(),
        ));
    }
    for probe in per_region(with_stand_in(req)) {
        if !probe.dest_regions.is_empty() {
            probe.cloud.driver().validate(&probe, custom)?;
        }
    }
    Ok(source)
}

/// Checks what can be checked of a request before its source region is known: every rule,
/// with a stand-in source region that is none of the destinations.
fn prevalidate(req: &CopyRequest, custom: bool) -> Result<()> {
    let Some(stand_in) = req
        .cloud
        .driver()
        .regions()
        .iter()
        .find(|r| !req.dest_regions.iter().any(|d| d == *r))
    else {
        return Ok(());
    };
    let mut probe = with_stand_in(req);
    probe.source_region = stand_in.to_string();
    if probe.dest_regions.is_empty() {
        probe.dest_regions = vec![probe.source_region.clone()];
    }
    per_region(probe)
        .iter()
        .try_for_each(|p| p.cloud.driver().validate(p, custom))
}

pub async fn run(g: &Globals, spec: &CopySpec, env: &Environment) -> Result<i32> {
    let settings = context::Settings::load(g, env)?;
    let custom = settings.custom_endpoint(spec.cloud);
    let (reqs, sources) = prepare(spec, custom)?;
    if g.dry_run {
        let shown: Vec<CopyRequest> = reqs.iter().map(with_stand_in).collect();
        return super::copy_plan::dry_run(&settings, &shown, spec.region.is_some());
    }
    // Before anything is sent: the report can be written and no other run holds it.
    let _lock = super::lock_run(g, env, &reqs, g.endpoint.as_deref())?;
    let earlier = earlier_report(g)?;
    let ctx = context::build(&settings, &[spec.cloud], None).await?;
    let run = Prepared {
        earlier,
        reqs,
        sources,
        custom,
    };
    let code = copy_with(&settings, &ctx, spec, run).await;
    ctx.shutdown().await;
    code
}

/// What is known before anything is sent.
struct Prepared {
    /// The report of an earlier run of the same command (a re-run resumes it).
    earlier: Option<Report>,
    reqs: Vec<CopyRequest>,
    /// `source` records: destinations that are the source region itself.
    sources: Vec<crate::model::CopyRecord>,
    /// Another endpoint than the cloud's own is in use.
    custom: bool,
}

/// The requests of the command line, checked; with `--region`, split per region with the
/// source region's `source` records (without, the checks that need no region).
fn prepare(
    spec: &CopySpec,
    custom: bool,
) -> Result<(Vec<CopyRequest>, Vec<crate::model::CopyRecord>)> {
    let mut reqs = requests(spec)?;
    let mut sources = Vec::new();
    if spec.region.is_none() {
        for req in &reqs {
            prevalidate(req, custom)?;
        }
        return Ok((reqs, sources));
    }
    for req in reqs.iter_mut() {
        sources.extend(settle_region(req, custom)?);
    }
    Ok((reqs.into_iter().flat_map(per_region).collect(), sources))
}

/// Finds the sources (without `--region`), names the copies, builds the report (an earlier
/// run's, resumed) and drives the copies.
async fn copy_with(
    s: &context::Settings<'_>,
    ctx: &context::Context,
    spec: &CopySpec,
    run: Prepared,
) -> Result<i32> {
    let g = s.globals;
    let Prepared {
        earlier,
        mut reqs,
        mut sources,
        custom,
    } = run;
    let located = if spec.region.is_some() {
        reqs.iter()
            .map(|r| crate::model::SourceLocation {
                cloud: spec.cloud,
                kind: r.kind,
                source_id: r.source_id.clone(),
                region: r.source_region.clone(),
                found_by: "--region".into(),
                looked_in: Vec::new(),
            })
            .collect()
    } else {
        let found = locate_sources(s, ctx, earlier.as_ref(), &reqs).await?;
        for (req, loc) in reqs.iter_mut().zip(&found) {
            req.source_region = loc.region.clone();
            sources.extend(settle_region(req, custom)?);
        }
        reqs = reqs.into_iter().flat_map(per_region).collect();
        found
    };
    name_after_sources(ctx, &mut reqs, custom).await?;
    warn_single_endpoint(g, &reqs);
    if let Some(e) = &earlier {
        check_same_command(g, e, &reqs)?;
    }
    let mut report = earlier.unwrap_or_else(|| {
        let mut r = Report::new(
            time::OffsetDateTime::now_utc(),
            ctx.sandbox.is_some(),
            ctx.endpoint.clone(),
        );
        r.profile = g.profile.clone();
        r
    });
    let mut known: std::collections::HashSet<(Cloud, crate::model::Kind, String)> = report
        .sources
        .iter()
        .map(|s| (s.cloud, s.kind, s.source_id.clone()))
        .collect();
    for loc in located {
        if known.insert((loc.cloud, loc.kind, loc.source_id.clone())) {
            report.sources.push(loc);
        }
    }
    // With --region, a source region named as a destination is looked at once: the record
    // says the source is there only on the cloud's word.
    if spec.region.is_some() {
        for rec in sources.iter_mut() {
            confirm_source(ctx, rec).await?;
        }
    }
    record_sources(g, &mut report, sources);
    resume_attempts(&report, &mut reqs);
    super::drive(g, s.env, ctx, &mut report, &reqs, super::Run::Copy).await
}

/// The `source` records into the report, each said (a missing source as a failure).
fn record_sources(g: &Globals, report: &mut Report, sources: Vec<crate::model::CopyRecord>) {
    for rec in sources {
        if rec.state != crate::model::CopyState::Source {
            report_source_missing(g, &rec);
        } else if !g.quiet {
            crate::errln!(
                "imgcopy: {}: the source is already in {}; nothing to copy there",
                rec.label(),
                rec.dest_region
            );
        }
        report.put(rec);
    }
}

/// A re-run with the journal of an earlier run: the same request (its --force-new salt and
/// attempt numbers included) resumes, so nothing it started is started twice; a destination
/// whose copy failed in the cloud gets its next attempt (a new token).
fn resume_attempts(report: &Report, reqs: &mut [CopyRequest]) {
    let earlier = crate::model::BySource::new(&report.requests);
    for req in reqs.iter_mut() {
        if let Some(same) = earlier
            .same_copies(&report.requests, req)
            .map(|i| &report.requests[i])
        {
            if req.force_new.is_some() {
                req.force_new = same.force_new.clone();
            }
            req.attempts = same.attempts.clone();
        }
        // Only when the failed copy is the current attempt's (its token): an attempt
        // journaled but never recorded (a killed run) is resumed, not skipped.
        for d in req.dest_regions.clone() {
            let token = req.cloud.driver().token_for(req, &d);
            let failed_copy = report.find(&req.key_for(&d)).is_some_and(|r| {
                r.state == crate::model::CopyState::Failed
                    && r.dest_id.is_some()
                    && token.is_some()
                    && r.client_token == token
            });
            if failed_copy {
                *req.attempts.entry(d).or_default() += 1;
            }
        }
    }
}

/// Looks at the source a `source` record names: missing, the record fails
/// (`SourceNotFound`); an unanswered look fails it with the cloud's error. A credentials
/// error ends the run.
async fn confirm_source(ctx: &context::Context, rec: &mut crate::model::CopyRecord) -> Result<()> {
    let provider = &ctx.providers[&rec.provider];
    let err = match provider
        .inspect(rec.kind, &rec.source_region, &rec.source_id)
        .await
    {
        Ok(Some(_)) => return Ok(()),
        Ok(None) => crate::model::RecordError {
            code: "SourceNotFound".into(),
            message: format!("no {} {} in {}", rec.kind, rec.source_id, rec.source_region),
            request_id: None,
            resubmit_may_pass: false,
        },
        Err(e) if e.kind() == crate::error::ErrorKind::Auth => return Err(e),
        Err(e) => crate::model::RecordError::from(&e),
    };
    rec.state = crate::model::CopyState::Failed;
    rec.dest_id = None;
    rec.error = Some(err);
    Ok(())
}

fn report_source_missing(g: &Globals, rec: &crate::model::CopyRecord) {
    if !g.quiet {
        if let Some(e) = &rec.error {
            crate::errln!("imgcopy: {}: {}: {}", rec.label(), e.code, e.message);
        }
    }
}

/// The warning for a multi-region copy through one URL (clouds whose requests do not name
/// their region).
fn warn_single_endpoint(g: &Globals, reqs: &[CopyRequest]) {
    let Some(first) = reqs.first() else { return };
    let spans_regions = first.dest_regions.iter().any(|d| *d != first.source_region);
    if let Some(e) = g.endpoint.as_deref().filter(|e| !e.contains("{region}")) {
        let region_in_request = first.cloud.driver().region_in_request();
        if spans_regions && !g.quiet && !region_in_request {
            crate::errln!(
                "imgcopy: warning: --endpoint {e} has no {{region}}: requests for every region go to that one URL"
            );
        }
    }
}

/// The source region of each request, without `--region`: the earlier report's (a re-run),
/// else the cloud's default-region setting if the source is there, else a look-up in every
/// region. Read calls only.
async fn locate_sources(
    s: &context::Settings<'_>,
    ctx: &context::Context,
    earlier: Option<&Report>,
    reqs: &[CopyRequest],
) -> Result<Vec<crate::model::SourceLocation>> {
    let Some(first) = reqs.first() else {
        return Ok(Vec::new());
    };
    let cloud = first.cloud;
    let provider = ctx.providers[&cloud].clone();
    let g = s.globals;
    let default = s.default_region(cloud);
    // Where an earlier run found each source, by source: a look-up, not a scan per request.
    let found_before: std::collections::HashMap<(Cloud, crate::model::Kind, &str), _> = earlier
        .map(|e| {
            e.sources
                .iter()
                .map(|s| ((s.cloud, s.kind, s.source_id.as_str()), s))
                .collect()
        })
        .unwrap_or_default();
    let mut out = Vec::new();
    for req in reqs {
        let known = found_before.get(&(cloud, req.kind, req.source_id.as_str()));
        let loc = match known {
            Some(s) => (*s).clone(),
            None => {
                crate::engine::locate::locate(
                    provider.as_ref(),
                    req.kind,
                    &req.source_id,
                    default.clone(),
                    cloud.driver().regions(),
                    g.concurrency,
                )
                .await?
            }
        };
        out.push(loc);
    }
    Ok(out)
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
    // This command again (or one of the commands added to the report) resumes.
    let by = crate::model::BySource::new(&earlier.requests);
    let same = reqs
        .iter()
        .all(|r| by.same_copies(&earlier.requests, r).is_some());
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
