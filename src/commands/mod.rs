//! The subcommands: turn parsed arguments into a validated plan, run it, print the result.

mod cancel;
mod context;
mod copy;
mod copy_plan;
mod doctor;
#[cfg(feature = "emulator")]
mod emulator;
mod progress;
mod sandbox;
mod status;

use crate::config::EnvMap;
use crate::error::{Error, Result};
use crate::model::{Cloud, CloudOptions, Kind};
pub use crate::report::Format as OutputFormat;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Options every subcommand shares.
#[derive(Debug, Clone)]
pub struct Globals {
    pub output: Option<OutputFormat>,
    pub report: Option<PathBuf>,
    pub concurrency: usize,
    pub timeout: Duration,
    pub poll_interval: Option<Duration>,
    pub endpoint: Option<String>,
    pub profile: Option<String>,
    pub dry_run: bool,
    pub wait: bool,
    pub sandbox: bool,
    pub verbose: u8,
    pub quiet: bool,
    /// Huawei project ids: `ID` or `REGION=ID`.
    pub project_id: Vec<String>,
    /// `--rate-limit`: requests per second per region, for every cloud or one.
    pub rate_limits: Vec<(Option<Cloud>, f64)>,
    pub request_timeout: Duration,
    pub max_attempts: u32,
    pub cancel_on_interrupt: bool,
    pub cancel_on_timeout: bool,
    /// `--missing-grace`: how long a copy may be missing before it is failed.
    pub missing_grace: Duration,
    /// `--add-to-report`: add this command's copies to a report of another command.
    pub add_to_report: bool,
}

#[derive(Debug, Clone)]
pub struct CopySpec {
    pub cloud: Cloud,
    pub kind: Kind,
    pub ids: Vec<String>,
    /// `--region`; `None` means find it.
    pub region: Option<String>,
    /// Empty only for a Huawei in-region copy (the source region, once known).
    pub dest: Vec<String>,
    pub name: Option<String>,
    pub client_token: Option<String>,
    pub description: Option<String>,
    pub options: CloudOptions,
    pub force_new: bool,
}

#[derive(Debug, Clone)]
pub struct EmulatorSpec {
    pub listen: SocketAddr,
    pub access_key: String,
    pub secret_key: String,
    pub speed: f64,
    pub copy_seconds: f64,
    /// `--visibility-lag`: virtual seconds new copies stay out of reads.
    pub visibility_lag: Option<f64>,
}

#[derive(Debug, Clone)]
pub enum Action {
    Copy(Box<CopySpec>),
    Cancel {
        cloud: Cloud,
        kind: Kind,
        id: String,
        /// `--region`; `None` means find it.
        region: Option<String>,
        /// Cancel an in-progress copy imgcopy cannot tie to itself.
        force: bool,
    },
    /// `status`: a report's copies, or (`Some`) copies followed by their destination ids.
    Status(Option<ById>),
    #[cfg(feature = "emulator")]
    Emulator(EmulatorSpec),
    /// Prints generated text (completions, the man page).
    Print(String),
    /// `doctor`: these clouds (every configured one when empty), in these regions.
    Doctor {
        clouds: Vec<Cloud>,
        regions: Vec<String>,
    },
}

/// Copies to follow by their destination ids (`status --cloud … --id … --region …`).
#[derive(Debug, Clone)]
pub struct ById {
    pub cloud: Cloud,
    pub kind: Kind,
    pub ids: Vec<String>,
    pub region: String,
}

#[derive(Debug, Clone)]
pub struct Invocation {
    pub globals: Globals,
    pub action: Action,
}

/// What the process was started with, besides its arguments.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    pub vars: EnvMap,
    pub stdout_is_terminal: bool,
    pub stderr_is_terminal: bool,
    /// The config file once read (by `context::Settings::load`, once per process).
    pub config: std::sync::OnceLock<Result<Option<crate::config::ConfigFile>>>,
}

impl Globals {
    pub fn output(&self, env: &Environment) -> OutputFormat {
        self.output.unwrap_or(if env.stdout_is_terminal {
            OutputFormat::Table
        } else {
            OutputFormat::Json
        })
    }

    fn check(&self) -> Result<()> {
        if !(1..=256).contains(&self.concurrency) {
            return Err(Error::usage("--concurrency", "must be between 1 and 256"));
        }
        if self.sandbox && self.endpoint.is_some() {
            return Err(Error::usage(
                "--endpoint",
                "cannot be combined with --sandbox (the sandbox brings its own endpoint)",
            ));
        }
        if self.sandbox && self.profile.is_some() {
            return Err(Error::usage(
                "--profile",
                "cannot be combined with --sandbox (the sandbox brings its own credentials)",
            ));
        }
        Ok(())
    }
}

/// The `--id` values, trimmed: none empty, none twice. `@FILE` stands for the ids in FILE
/// (separated by commas, spaces or lines; `#` starts a comment line), for lists longer than a
/// command line takes.
fn distinct_ids(ids: &[String]) -> Result<Vec<String>> {
    let mut listed = Vec::with_capacity(ids.len());
    for id in ids {
        match id.trim().strip_prefix('@') {
            Some(path) => {
                let text = crate::config::read_capped(std::path::Path::new(path), 16 << 20)
                    .map_err(|e| Error::usage("--id", format!("cannot read @{path}: {e}")))?;
                listed.extend(
                    text.lines()
                        .filter(|l| !l.trim_start().starts_with('#'))
                        .flat_map(|l| l.split([',', ' ', '\t']))
                        .filter(|w| !w.trim().is_empty())
                        .map(|w| w.trim().to_string()),
                );
            }
            None => listed.push(id.clone()),
        }
    }
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(listed.len());
    for id in &listed {
        let id = id.trim().to_string();
        if id.is_empty() {
            return Err(Error::usage(
                "--id",
                "an empty id (two commas in a row, or a comma at an end)",
            ));
        }
        if !seen.insert(id.clone()) {
            return Err(Error::usage("--id", format!("`{id}` is listed twice")));
        }
        out.push(id);
    }
    Ok(out)
}

/// Options that mean nothing for `action` are refused rather than ignored.
fn check_meaningful(g: &Globals, action: &Action) -> Result<()> {
    let (command, given): (&str, Vec<(bool, &str)>) = match action {
        #[cfg(feature = "emulator")]
        Action::Emulator(_) => (
            "emulator",
            vec![
                (g.dry_run, "--dry-run"),
                (g.wait, "--wait"),
                (g.report.is_some(), "--report"),
                (g.sandbox, "--sandbox"),
                (g.endpoint.is_some(), "--endpoint"),
                (g.profile.is_some(), "--profile"),
                (g.add_to_report, "--add-to-report"),
            ],
        ),
        Action::Doctor { .. } => (
            "doctor",
            vec![
                (g.dry_run, "--dry-run"),
                (g.wait, "--wait"),
                (g.report.is_some(), "--report"),
                (g.add_to_report, "--add-to-report"),
            ],
        ),
        Action::Cancel { .. } => (
            "cancel",
            vec![(g.wait, "--wait"), (g.add_to_report, "--add-to-report")],
        ),
        Action::Status(_) => ("status", vec![(g.add_to_report, "--add-to-report")]),
        Action::Copy(_) | Action::Print(_) => ("copy", Vec::new()),
    };
    match given.into_iter().find(|(set, _)| *set) {
        Some((_, flag)) => Err(Error::usage(
            flag,
            format!("means nothing for `{command}`; leave it out"),
        )),
        None => Ok(()),
    }
}

/// Runs one invocation and returns the process exit code. Errors are printed here.
pub async fn run(inv: Invocation, env: Environment) -> i32 {
    let checked = inv
        .globals
        .check()
        .and_then(|_| check_meaningful(&inv.globals, &inv.action));
    let result = match checked {
        Err(e) => Err(e),
        Ok(()) => match &inv.action {
            Action::Copy(spec) => copy::run(&inv.globals, spec, &env).await,
            Action::Cancel {
                cloud,
                kind,
                id,
                region,
                force,
            } => {
                cancel::run(
                    &inv.globals,
                    *cloud,
                    *kind,
                    id,
                    region.as_deref(),
                    *force,
                    &env,
                )
                .await
            }
            Action::Status(None) => status::run(&inv.globals, &env).await,
            Action::Status(Some(by_id)) => status::run_by_id(&inv.globals, by_id, &env).await,
            #[cfg(feature = "emulator")]
            Action::Emulator(spec) => emulator::run(spec).await,
            Action::Doctor { clouds, regions } => {
                doctor::run(&inv.globals, clouds, regions, &env).await
            }
            Action::Print(text) => {
                crate::out!("{text}");
                Ok(0)
            }
        },
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            crate::errln!("imgcopy: error: {e}");
            e.exit_code()
        }
    }
}

/// The command that resumes a run with the report at `path` (quoted for a POSIX shell when
/// it needs to be), or a placeholder without one.
pub fn resume_command(path: Option<&std::path::Path>, wait: bool) -> String {
    let report = match path {
        Some(p) => {
            let p = p.display().to_string();
            let plain = p
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "/._-+=:,@%".contains(c));
            if plain && !p.is_empty() {
                p
            } else {
                format!("'{}'", p.replace('\'', "'\\''"))
            }
        }
        None => "FILE".to_string(),
    };
    format!(
        "imgcopy status --report {report}{}",
        if wait { " --wait" } else { "" }
    )
}

/// Becomes true on Ctrl-C (SIGINT) or SIGTERM: the run stops starting copies, gives the
/// calls under way `engine::INTERRUPT_GRACE`, writes its report and exits 130. A second
/// signal exits 130 at once: every change is already in the report's journal.
fn interrupt_channel(report: Option<std::path::PathBuf>) -> tokio::sync::watch::Receiver<bool> {
    let (tx, rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let Ok(mut term) = signal(SignalKind::terminate()) else {
                return;
            };
            let Ok(mut int) = signal(SignalKind::interrupt()) else {
                return;
            };
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
            let _ = tx.send(true);
            crate::errln!(
                "imgcopy: interrupted: starting nothing new; the calls under way get {}s, then the report is written (interrupt again to stop now)",
                crate::engine::INTERRUPT_GRACE.as_secs()
            );
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
            match &report {
                Some(_) => crate::errln!(
                    "imgcopy: interrupted again: exiting now; every change is in the report's journal: `{}` resumes",
                    resume_command(report.as_deref(), true)
                ),
                None => crate::errln!("imgcopy: interrupted again: exiting now"),
            }
            std::process::exit(crate::exit::INTERRUPTED);
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            let _ = tx.send(true);
        }
    });
    rx
}

/// Writes the final report and prints it in the chosen format; returns the exit code, which
/// covers the copies of `scope` (the run's own requests; every record when `None`).
fn finish(
    g: &Globals,
    env: &Environment,
    report: &mut crate::model::Report,
    scope: Option<&[crate::model::CopyRequest]>,
    stop: &crate::engine::Stop,
    auth_error: bool,
) -> Result<i32> {
    use crate::engine::Stop;
    report.refresh_summary(time::OffsetDateTime::now_utc());
    if let Some(p) = &g.report {
        crate::report::store(p, report)?;
    }
    let by_source = scope.map(crate::model::BySource::new);
    let asked: Vec<&crate::model::CopyRecord> = report
        .records
        .iter()
        .filter(|r| match (scope, &by_source) {
            (Some(reqs), Some(by)) => by.covers(reqs, r),
            _ => true,
        })
        .collect();
    let code = crate::engine::exit_code(&asked, g.wait, stop, auth_error);
    match g.output(env) {
        OutputFormat::Json => crate::report::print_json(report),
        OutputFormat::Ndjson => crate::outln!("{}", crate::report::summary_event(report, code)),
        OutputFormat::Table => crate::out!("{}", crate::report::to_table(report)),
    }
    if !g.quiet {
        match stop {
            Stop::Interrupted => {
                let open: Vec<String> = report
                    .records
                    .iter()
                    .filter(|r| r.state.in_flight())
                    .map(|r| format!("  {} {}", r.label(), r.dest_id.as_deref().unwrap_or("-")))
                    .collect();
                if open.is_empty() {
                    crate::errln!("imgcopy: interrupted; no copies in flight");
                } else {
                    let copies = if open.len() == 1 { "copy" } else { "copies" };
                    crate::errln!(
                        "imgcopy: interrupted; {} {copies} still in flight:",
                        open.len()
                    );
                    for l in open {
                        crate::errln!("{l}");
                    }
                    if g.report.is_some() {
                        crate::errln!(
                            "imgcopy: `{}` follows them",
                            resume_command(g.report.as_deref(), true)
                        );
                    }
                }
            }
            Stop::Deadline => crate::errln!(
                "imgcopy: deadline reached with copies in progress; resume with `{}`",
                resume_command(g.report.as_deref(), true)
            ),
            Stop::Done => {}
        }
        let queued = asked
            .iter()
            .filter(|r| r.state == crate::model::CopyState::Queued)
            .count();
        if queued > 0 && *stop != Stop::Interrupted {
            crate::errln!(
                "imgcopy: {queued} {} for the cloud's limit on copies at once and {} not started; `{}` (or --wait now) starts them as slots free",
                if queued == 1 { "copy waits" } else { "copies wait" },
                if queued == 1 { "was" } else { "were" },
                resume_command(g.report.as_deref(), true)
            );
        }
        if (matches!(stop, Stop::Interrupted | Stop::Deadline)) && g.report.is_none() {
            crate::errln!("imgcopy: hint: pass --report FILE to keep a journal that `imgcopy status` can resume from");
        }
    }
    Ok(code)
}

/// Which command drives the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Run {
    /// Submits again what failed or was canceled in an earlier run with the same report.
    Copy,
    /// Only submits what a killed run never recorded; without --wait, looks once.
    Status,
}

/// Runs the engine over `report`: starts what of `requests` the report does not follow yet,
/// then waits with `--wait` (or, for `status`, looks once); cancels in-flight copies when
/// `--on-interrupt`/`--on-timeout cancel` say so; writes and prints the result; returns the
/// exit code.
async fn drive(
    g: &Globals,
    env: &Environment,
    ctx: &context::Context,
    report: &mut crate::model::Report,
    requests: &[crate::model::CopyRequest],
    run: Run,
) -> Result<i32> {
    use crate::engine::{Engine, Stop, WaitOptions};
    report
        .credential_source
        .extend(ctx.credential_source.clone());
    let ndjson = g.output(env) == OutputFormat::Ndjson;
    // A terminal that cannot move its cursor (TERM=dumb) gets lines, not bars.
    let bars = env.stderr_is_terminal && env.vars.get("TERM").map(String::as_str) != Some("dumb");
    let mut progress =
        progress::Progress::new(bars, g.quiet, ndjson, expected_per_region(report, requests));
    let mut journal = crate::report::FileJournal::new(g.report.clone());
    let mut engine = Engine {
        providers: &ctx.providers,
        observer: &mut progress,
        journal: &mut journal,
        concurrency: g.concurrency,
        interrupt: interrupt_channel(g.report.clone()),
        auth_error: None,
        missing_grace: g.missing_grace,
        look_again: ctx.poll_initial,
        journal_error: false,
    };
    if !requests.is_empty() {
        engine.submit_all(report, requests, run == Run::Copy).await;
    }
    let stop = if engine.interrupted_now() {
        Stop::Interrupted
    } else if engine.auth_error.is_some() {
        Stop::Done
    } else if g.wait {
        let opts = WaitOptions {
            timeout: g.timeout,
            poll_initial: ctx.poll_initial,
            poll_max: ctx.poll_max,
        };
        engine.wait(report, &opts).await
    } else {
        if run == Run::Status {
            engine.refresh(report).await;
        }
        Stop::Done
    };
    let cancel = match stop {
        Stop::Interrupted => g.cancel_on_interrupt,
        Stop::Deadline => g.cancel_on_timeout,
        Stop::Done => false,
    };
    if cancel {
        engine.cancel_in_flight(report).await;
    }
    let auth = engine.auth_error.is_some();
    progress.finish();
    let scope = (run == Run::Copy).then_some(requests);
    finish(g, env, report, scope, &stop, auth)
}

/// How many copies a run follows into each region (by `progress::region_name`): those of
/// its requests, and those of the report.
fn expected_per_region(
    report: &crate::model::Report,
    requests: &[crate::model::CopyRequest],
) -> std::collections::BTreeMap<String, usize> {
    let mut copies = std::collections::HashSet::new();
    for r in requests {
        for d in &r.dest_regions {
            copies.insert(r.key_for(d));
        }
    }
    for r in &report.records {
        copies.insert(r.key());
    }
    let mut expected = std::collections::BTreeMap::new();
    for (cloud, kind, _, _, dest) in copies {
        *expected
            .entry(progress::region_name(cloud, kind, dest))
            .or_default() += 1;
    }
    expected
}

/// Locks what a run would touch: its report (which also probes that the report can be
/// written, before anything is sent) and, on this machine, the run's requests, so that two
/// identical runs at once do not both copy. Held until the run ends.
fn lock_run(
    g: &Globals,
    env: &Environment,
    requests: &[crate::model::CopyRequest],
    endpoint: Option<&str>,
) -> Result<crate::lock::RunLock> {
    let mut lock = crate::lock::RunLock::new();
    if let Some(p) = &g.report {
        lock.report(p)?;
    }
    if !g.sandbox && !requests.is_empty() {
        lock.request(
            crate::lock::state_dir(&env.vars),
            &request_digest(requests, endpoint),
        )?;
    }
    Ok(lock)
}

/// A digest of what a run copies (any order, any `--force-new` salt) and where it sends it.
fn request_digest(requests: &[crate::model::CopyRequest], endpoint: Option<&str>) -> String {
    use sha2::{Digest, Sha256};
    let mut items: Vec<String> = requests
        .iter()
        .map(|r| {
            let mut dests = r.dest_regions.clone();
            dests.sort();
            format!(
                "{}|{}|{}|{}|{}",
                r.cloud,
                r.kind,
                r.source_region,
                r.source_id,
                dests.join(",")
            )
        })
        .collect();
    items.sort();
    let mut h = Sha256::new();
    h.update(endpoint.unwrap_or("").as_bytes());
    for i in &items {
        h.update([0]);
        h.update(i.as_bytes());
    }
    format!("run-{}", &hex::encode(h.finalize())[..32])
}

#[cfg(test)]
mod tests;
