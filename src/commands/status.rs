//! `imgcopy status --report FILE [--wait]`: pick up the copies an earlier run recorded.

use super::{context, Environment, Globals};
use crate::error::{Error, Result};
use crate::report;

pub async fn run(g: &Globals, env: &Environment) -> Result<i32> {
    let Some(path) = g.report.clone() else {
        return Err(Error::usage(
            "--report",
            "status needs the report file of an earlier run",
        ));
    };
    let mut rep = report::read(&path)?;
    if rep.sandbox {
        return Err(Error::usage(
            "--report",
            "this report was made with --sandbox; its copies lived in an emulator that has stopped",
        ));
    }
    if g.sandbox {
        return Err(Error::usage(
            "--sandbox",
            "status follows real copies; it cannot run in a fresh sandbox",
        ));
    }
    let mut clouds: Vec<_> = rep
        .records
        .iter()
        .map(|r| r.provider)
        .chain(rep.requests.iter().map(|r| r.cloud))
        .collect();
    clouds.sort();
    clouds.dedup();
    let ctx = context::build(g, env, &clouds, rep.endpoint.as_deref()).await?;
    let mut globals = g.clone();
    globals.report = Some(path);
    // A run killed while submitting left requests the report has no record of: they are
    // submitted now (found again, never duplicated); copies that failed stay failed.
    let requests = rep.requests.clone();
    let code = super::drive(&globals, env, &ctx, &mut rep, &requests, super::Run::Status).await;
    ctx.shutdown().await;
    code
}
