//! `imgcopy <cloud> cancel`: stop a copy in progress that imgcopy can tie to itself, and mark
//! it in the report if one is given. It looks first: a finished image, a source or a copy of
//! unknown origin is never touched.

use super::{context, Environment, Globals, OutputFormat};
use crate::error::Result;
use crate::model::{Cloud, CopyState, Kind};
use crate::report;

pub async fn run(
    g: &Globals,
    cloud: Cloud,
    kind: Kind,
    id: &str,
    region: Option<&str>,
    force: bool,
    env: &Environment,
) -> Result<i32> {
    // Without --region, the id is checked against any region of the cloud's list, then found.
    let stand_in = cloud
        .driver()
        .regions()
        .first()
        .copied()
        .unwrap_or_default();
    let settings = context::Settings::load(g, env)?;
    let custom = settings.custom_endpoint(cloud);
    cloud
        .driver()
        .validate_cancel(kind, id, region.unwrap_or(stand_in), custom)?;
    if g.dry_run {
        crate::outln!(
            "dry run: would look at {cloud} {kind} {id} in {}, and cancel it only if it is a copy in progress imgcopy made; nothing sent",
            region.unwrap_or("every region until it is found")
        );
        return Ok(0);
    }
    let _lock = super::lock_run(g, env, &[], None)?;
    let mut rep = match &g.report {
        Some(path) => Some(report::read(path)?),
        None => None,
    };
    let ctx = context::build(&settings, &[cloud], None).await?;
    let region = match region {
        Some(r) => r.to_string(),
        None => match find_region(g, &ctx, cloud, kind, id, rep.as_ref()).await {
            Ok(r) => r,
            Err(e) => {
                ctx.shutdown().await;
                return Err(e);
            }
        },
    };
    let region = region.as_str();
    let mine = |r: &crate::model::CopyRecord| {
        r.provider == cloud && r.dest_region == region && r.dest_id.as_deref() == Some(id)
    };
    let in_report = rep.as_ref().is_some_and(|r| r.records.iter().any(mine));
    // A copy the report knows, made within the grace, may not be visible yet.
    let fresh = rep.as_ref().and_then(|r| {
        let rec = r.records.iter().find(|r| mine(r))?;
        rec.grace_left(g.missing_grace, time::OffsetDateTime::now_utc())
    });
    let result = crate::provider::guarded_cancel(
        ctx.providers[&cloud].as_ref(),
        kind,
        region,
        id,
        crate::provider::Tie { in_report, force },
        fresh.map(|within| crate::provider::Visibility {
            within,
            pause: ctx.poll_initial,
        }),
    )
    .await;
    ctx.shutdown().await;
    let target = result?;
    if let (Some(path), Some(rep)) = (&g.report, rep.as_mut()) {
        mark_canceled(path, rep, mine)?;
    }
    say(g, env, &target, (cloud, kind, id, region), in_report);
    Ok(0)
}

/// The report's records of the canceled copy, marked so and stored.
fn mark_canceled(
    path: &std::path::Path,
    rep: &mut crate::model::Report,
    mine: impl Fn(&crate::model::CopyRecord) -> bool,
) -> Result<()> {
    let now = time::OffsetDateTime::now_utc();
    for r in rep.records.iter_mut().filter(|r| mine(r)) {
        r.state = CopyState::Canceled;
        r.updated_at = now;
        r.finished_at = Some(now);
    }
    rep.refresh_summary(now);
    report::store(path, rep)
}

/// Says what was canceled, and what tied it to imgcopy.
fn say(
    g: &Globals,
    env: &Environment,
    target: &crate::provider::Target,
    (cloud, kind, id, region): (Cloud, Kind, &str, &str),
    in_report: bool,
) {
    let tie = if in_report {
        "report"
    } else if target.provenance.is_some() {
        "tag"
    } else {
        "force"
    };
    if matches!(g.output(env), OutputFormat::Json | OutputFormat::Ndjson) {
        let result = serde_json::json!({
            "canceled": true, "cloud": cloud, "kind": kind, "id": id, "region": region,
            "status_before": target.status, "tied_by": tie,
        });
        crate::outln!(
            "{}",
            serde_json::to_string_pretty(&result).expect("the result serialises")
        );
    }
    if !g.quiet {
        let tie = match tie {
            "report" => "it is in the report",
            "tag" => "it carries imgcopy's provenance tag",
            _ => "--force",
        };
        crate::errln!(
            "imgcopy: canceled {cloud} {kind} copy {id} in {region} (it was {}; {tie})",
            target.status
        );
    }
}

/// The region of the copy `id`: the report's record of it, else a look-up in every region.
async fn find_region(
    g: &Globals,
    ctx: &context::Context,
    cloud: Cloud,
    kind: Kind,
    id: &str,
    rep: Option<&crate::model::Report>,
) -> Result<String> {
    if let Some(r) = rep.and_then(|rep| {
        rep.records
            .iter()
            .find(|r| r.provider == cloud && r.dest_id.as_deref() == Some(id))
    }) {
        return Ok(r.dest_region.clone());
    }
    let found = crate::engine::locate::locate(
        ctx.providers[&cloud].as_ref(),
        kind,
        id,
        None,
        cloud.driver().regions(),
        g.concurrency,
    )
    .await;
    Ok(found?.region)
}
