//! `imgcopy <cloud> cancel`: stop a copy in progress, and mark it in the report if one is given.

use super::{context, Environment, Globals};
use crate::error::Result;
use crate::model::{Cloud, CopyState, Kind};
use crate::report;

pub async fn run(
    g: &Globals,
    cloud: Cloud,
    kind: Kind,
    id: &str,
    region: &str,
    env: &Environment,
) -> Result<i32> {
    crate::provider::validate_cancel(cloud, kind, id, region)?;
    if g.dry_run {
        println!("dry run: would cancel {cloud} {kind} copy {id} in {region}; nothing sent");
        return Ok(0);
    }
    let ctx = context::build(g, env, &[cloud], None).await?;
    let result = ctx.providers[&cloud].cancel(kind, region, id).await;
    ctx.shutdown().await;
    result?;
    if let Some(path) = &g.report {
        let mut rep = report::read(path)?;
        let now = time::OffsetDateTime::now_utc();
        for r in rep.records.iter_mut().filter(|r| {
            r.provider == cloud && r.dest_region == region && r.dest_id.as_deref() == Some(id)
        }) {
            r.state = CopyState::Canceled;
            r.updated_at = now;
            r.finished_at = Some(now);
        }
        rep.refresh_summary(now);
        report::write_atomic(path, &rep)?;
    }
    if !g.quiet {
        eprintln!("imgcopy: canceled {cloud} {kind} copy {id} in {region}");
    }
    Ok(0)
}
