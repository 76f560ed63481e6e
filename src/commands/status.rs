//! `imgcopy status --report FILE [--wait]`: pick up the copies an earlier run recorded.

use super::{context, finish, interrupt_channel, Environment, Globals, OutputFormat};
use crate::engine::{Engine, Stop, WaitOptions};
use crate::error::{Error, Result};
use crate::report::{self, FileJournal};

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
    let format = g.output(env);
    let mut progress = super::progress::Progress::new(
        env.stderr_is_terminal,
        g.quiet,
        format == OutputFormat::Ndjson,
    );
    let mut journal = FileJournal {
        path: Some(path.clone()),
    };
    let mut engine = Engine {
        providers: &ctx.providers,
        observer: &mut progress,
        journal: &mut journal,
        concurrency: g.concurrency,
        interrupt: interrupt_channel(),
        auth_error: None,
    };
    let stop = if g.wait {
        let opts = WaitOptions {
            timeout: g.timeout,
            poll_initial: ctx.poll_initial,
            poll_max: ctx.poll_max,
        };
        engine.wait(&mut rep, &opts).await
    } else {
        engine.refresh(&mut rep).await;
        Stop::Done
    };
    let auth = engine.auth_error.is_some();
    progress.finish();
    let mut globals = g.clone();
    globals.report = Some(path);
    let code = finish(&globals, env, &mut rep, g.wait, &stop, auth)?;
    ctx.shutdown().await;
    Ok(code)
}
