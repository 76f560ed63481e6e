//! imgcopy: replicate VM images and disk snapshots across regions and clouds.

pub mod cli;
pub mod commands;
pub mod config;
#[cfg(feature = "emulator")]
pub mod emulator;
pub mod engine;
pub mod error;
pub mod exit;
pub mod http;
pub mod lock;
pub mod model;
pub mod output;
pub mod provider;
pub mod registry;
pub mod report;
pub mod sign;

use std::io::IsTerminal;

/// Parses nothing and prints nothing itself: runs an invocation, returns the exit code.
pub async fn run(inv: commands::Invocation, env: commands::Environment) -> i32 {
    init_logging(inv.globals.verbose, inv.globals.quiet, &env);
    commands::run(inv, env).await
}

fn init_logging(verbose: u8, quiet: bool, env: &commands::Environment) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::new(format!(
        "{},hyper=warn,reqwest=warn,h2=warn,rustls=warn",
        env.vars
            .get("IMGCOPY_LOG")
            .map(String::as_str)
            .unwrap_or(level)
    ));
    let fmt = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(env.stderr_is_terminal)
        .with_target(false);
    // By default warnings and errors read like imgcopy's own lines (`imgcopy: warning: …`);
    // with -v and more, the timestamped log.
    let _ = if verbose == 0 {
        fmt.event_format(Plain).try_init()
    } else {
        fmt.try_init()
    };
}

/// `imgcopy: LEVEL: message key=value…`: the style of imgcopy's own stderr lines.
struct Plain;

impl<S, N> tracing_subscriber::fmt::FormatEvent<S, N> for Plain
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    N: for<'a> tracing_subscriber::fmt::FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &tracing_subscriber::fmt::FmtContext<'_, S, N>,
        mut writer: tracing_subscriber::fmt::format::Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        let level = match *event.metadata().level() {
            tracing::Level::ERROR => "error",
            tracing::Level::WARN => "warning",
            tracing::Level::INFO => "info",
            tracing::Level::DEBUG => "debug",
            tracing::Level::TRACE => "trace",
        };
        write!(writer, "imgcopy: {level}: ")?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// The environment of this process, read once at the top.
pub fn process_environment() -> commands::Environment {
    commands::Environment {
        // A variable that is not UTF-8 is none of imgcopy's: skipped, never a panic.
        vars: std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect(),
        stdout_is_terminal: std::io::stdout().is_terminal(),
        stderr_is_terminal: std::io::stderr().is_terminal(),
        config: Default::default(),
    }
}
