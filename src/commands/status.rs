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
    let mut clouds: Vec<_> = rep.records.iter().map(|r| r.provider).collect();
    clouds.sort();
    clouds.dedup();
    let ctx = context::build(g, env, &clouds, rep.endpoint.as_deref()).await?;
    let mut globals = g.clone();
    globals.report = Some(path);
    let code = super::drive(&globals, env, &ctx, &mut rep, &[]).await;
    ctx.shutdown().await;
    code
}
