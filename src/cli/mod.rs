//! Command-line syntax (clap types stay in this module).

use crate::commands::{Action, Globals, Invocation, OutputFormat};
mod clouds;

use crate::model::{Cloud, Kind};
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use clouds::{AlibabaCommand, AwsCommand, BaiduCommand, HuaweiCommand, TencentCommand};
#[cfg(feature = "emulator")]
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(
    name = "imgcopy",
    args_override_self = true,
    version,
    about = "Replicate VM images and disk snapshots across regions and clouds",
    after_help = crate::exit::help()
)]
pub struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

/// Options every command takes, shown under their own heading in each command's help.
#[derive(Args, Debug)]
#[command(next_help_heading = "Global options")]
struct GlobalArgs {
    /// Output format [default: table on a terminal, json otherwise]
    #[arg(long, global = true, value_enum)]
    output: Option<OutputArg>,
    /// Write the JSON report to FILE (atomically; changes go to .FILE.journal beside it until
    /// they are folded in); `status` reads it
    #[arg(long, global = true, value_name = "FILE")]
    report: Option<PathBuf>,
    /// How many requests may be in flight at once
    #[arg(long, global = true, default_value_t = 16, value_name = "N")]
    concurrency: usize,
    /// Give up waiting after this long, e.g. 90s, 30m, 6h (at most 30 days)
    #[arg(long, global = true, value_parser = duration_up_to::<{ 30 * DAY }>, default_value = "6h", value_name = "DURATION")]
    timeout: Duration,
    /// First pause between status checks while waiting (it grows by half each round to 2
    /// minutes; at most 1 hour) [default: 10s; 500ms with --sandbox]
    #[arg(long, global = true, value_parser = duration_up_to::<HOUR>, value_name = "DURATION")]
    poll_interval: Option<Duration>,
    /// Endpoint URL; `{region}` is replaced by each request's region
    #[arg(long, global = true, value_name = "URL")]
    endpoint: Option<String>,
    /// Profile in the config file to take credentials and endpoints from
    #[arg(long, global = true, value_name = "NAME")]
    profile: Option<String>,
    /// Validate and print the requests that would be sent; send nothing
    #[arg(long, global = true)]
    dry_run: bool,
    /// Wait until every copy is available or has failed
    #[arg(long, global = true)]
    wait: bool,
    /// Run against the built-in emulator (no cloud account needed, nothing real is copied)
    #[arg(long, global = true)]
    sandbox: bool,
    /// More logging on stderr (-v, -vv, -vvv)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Only errors on stderr
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Huawei project id, for every region (ID) or one region (REGION=ID); repeatable
    #[arg(long, global = true, value_name = "[REGION=]ID")]
    project_id: Vec<String>,
    /// Requests per second per region, for every cloud (RPS) or one (CLOUD=RPS); 0 turns
    /// pacing off [default: 20 for each cloud; halved while the cloud throttles]
    #[arg(long, global = true, value_name = "[CLOUD=]RPS", value_parser = parse_rate)]
    rate_limit: Vec<(Option<Cloud>, f64)>,
    /// How many times one request is tried when it meets throttling, a server error or a
    /// broken connection (requests that could make a second copy are looked up, not re-sent)
    #[arg(long, global = true, default_value_t = 5, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=20))]
    max_attempts: u32,
    /// Give up on one HTTP exchange after this long (a slow or stalled reply; at most 1 hour)
    #[arg(long, global = true, value_parser = duration_up_to::<HOUR>, default_value = "60s", value_name = "DURATION")]
    request_timeout: Duration,
    /// On Ctrl-C or SIGTERM, cancel the copies in flight where the cloud can, or leave them
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "leave",
        value_name = "WHAT"
    )]
    on_interrupt: OnStop,
    /// When --timeout passes, cancel the copies in flight where the cloud can, or leave them
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "leave",
        value_name = "WHAT"
    )]
    on_timeout: OnStop,
    /// How long a copy the cloud says does not exist keeps its state before it is failed
    /// (from its submission and from the first look that missed it; clouds are eventually
    /// consistent, and a look in the wrong account proves nothing; at most 7 days)
    #[arg(long, global = true, value_parser = duration_up_to::<{ 7 * DAY }>, default_value = "5m", value_name = "DURATION")]
    missing_grace: Duration,
    /// Add this command's copies to a --report that holds another command's (by default a
    /// report belongs to one command, and another is refused)
    #[arg(long, global = true)]
    add_to_report: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnStop {
    Leave,
    Cancel,
}

/// `RPS` or `CLOUD=RPS`.
fn parse_rate(s: &str) -> Result<(Option<Cloud>, f64), String> {
    let (cloud, rps) = match s.split_once('=') {
        Some((c, r)) => (Some(c.trim().parse::<Cloud>()?), r),
        None => (None, s),
    };
    // 0 turns pacing off; otherwise at least one request a minute, so a wait is bounded.
    match rps.trim().parse::<f64>() {
        Ok(v) if v == 0.0 || (v.is_finite() && (1.0 / 60.0..=10_000.0).contains(&v)) => {
            Ok((cloud, v))
        }
        _ => Err(format!(
            "`{rps}` is not a rate: give requests per second, 0 (no pacing) or from 0.017 (one a minute) to 10000"
        )),
    }
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum OutputArg {
    Table,
    Json,
    Ndjson,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Baidu Cloud BCC
    #[command(aliases = ["bce"])]
    Baidu {
        #[command(subcommand)]
        command: BaiduCommand,
    },
    /// Huawei Cloud IMS
    #[command(aliases = ["hw", "huaweicloud"])]
    Huawei {
        #[command(subcommand)]
        command: HuaweiCommand,
    },
    /// Alibaba Cloud ECS
    #[command(aliases = ["aliyun", "ali"])]
    Alibaba {
        #[command(subcommand)]
        command: AlibabaCommand,
    },
    /// Tencent Cloud CVM
    #[command(aliases = ["tc", "tencentcloud", "qcloud"])]
    Tencent {
        #[command(subcommand)]
        command: TencentCommand,
    },
    /// AWS EC2
    #[command(aliases = ["ec2", "amazon"])]
    Aws {
        #[command(subcommand)]
        command: AwsCommand,
    },
    /// Check (and with --wait, wait for) the copies recorded in a report
    #[command(
        override_usage = "imgcopy status --report FILE [--wait] [OPTIONS]\n       imgcopy status --cloud CLOUD [--kind KIND] --id ID[,ID…] --region REGION [--wait] [OPTIONS]",
        after_long_help = "Examples:\n  imgcopy status --report r.json\n  imgcopy status --report r.json --wait --timeout 2h\n  imgcopy status --report r.json --dry-run\n  imgcopy status --cloud aws --id ami-0123456789abcdef0 --region eu-west-1 --wait"
    )]
    Status(StatusArgs),
    /// Run the local emulator of the clouds' copy APIs
    #[cfg(feature = "emulator")]
    Emulator(EmulatorArgs),
    /// Check each cloud's credentials, endpoint and clock, and say what a copy needs
    #[command(
        after_long_help = "Exit codes: 0 every check passed, 3 credentials missing or refused, 1 otherwise (an endpoint that does not answer, a clock more than 5 minutes off).\n\nExamples:\n  imgcopy doctor\n  imgcopy doctor aws alibaba --region eu-west-1,cn-shanghai --output json"
    )]
    Doctor(DoctorArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish)
    #[command(
        after_help = "Install, e.g.:\n  imgcopy completions bash > ~/.local/share/bash-completion/completions/imgcopy\n  imgcopy completions zsh > \"${fpath[1]}/_imgcopy\"\n  imgcopy completions fish > ~/.config/fish/completions/imgcopy.fish"
    )]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `imgcopy man > ~/.local/share/man/man1/imgcopy.1`
    Man,
}

#[derive(Args, Debug)]
struct DoctorArgs {
    /// The clouds to check [default: every cloud with credentials configured]
    #[arg(value_enum)]
    clouds: Vec<Cloud>,
    /// Regions to look in, comma-separated or repeated [default: one per cloud]
    #[arg(long, value_delimiter = ',', num_args = 1..)]
    region: Vec<String>,
}

/// `status` by destination id: copies another tool, the console or a lost report started.
#[derive(Args, Debug)]
struct StatusArgs {
    /// Follow copies by their destination id, without a report: the cloud they are in
    #[arg(long, value_enum, requires_all = ["id", "region"])]
    cloud: Option<Cloud>,
    /// What the ids are (with --cloud)
    #[arg(long, value_enum, default_value = "image", requires = "cloud")]
    kind: KindArg,
    /// Destination ids of the copies, comma-separated or repeated (with --cloud)
    #[arg(long, value_delimiter = ',', num_args = 1.., requires = "cloud")]
    id: Vec<String>,
    /// The region the copies are in (with --cloud)
    #[arg(long, requires = "cloud")]
    region: Option<String>,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum KindArg {
    Image,
    Snapshot,
}

#[cfg(feature = "emulator")]
#[derive(Args, Debug)]
struct EmulatorArgs {
    /// Address to listen on (loopback)
    #[arg(long, default_value = "127.0.0.1:8080", value_parser = listen_addr)]
    listen: SocketAddr,
    /// Access key id the emulator accepts
    #[arg(long, default_value = crate::emulator::SANDBOX_ACCESS_KEY)]
    access_key: String,
    /// Secret key the emulator accepts (a test credential, not a cloud secret)
    #[arg(long, default_value = crate::emulator::SANDBOX_SECRET_KEY)]
    secret_key: String,
    /// Virtual seconds per real second (0.001 to 1000000)
    #[arg(long, default_value_t = 60.0, value_parser = number_in::<1, 1_000_000_000>)]
    speed: f64,
    /// Virtual seconds a copy takes (0 to 10000000)
    #[arg(long, default_value_t = 300.0, value_parser = number_in::<0, 10_000_000_000>)]
    copy_seconds: f64,
    /// Virtual seconds a new copy stays out of detail, list and describe replies, as the real
    /// services are eventually consistent (0 to 86400) [default: 2]
    #[arg(long, value_parser = number_in::<0, 86_400_000>)]
    visibility_lag: Option<f64>,
}

/// An `IP:PORT` to listen on; `localhost:PORT` is answered with the address to write.
#[cfg(feature = "emulator")]
fn listen_addr(s: &str) -> Result<SocketAddr, String> {
    s.parse::<SocketAddr>()
        .map_err(|_| match s.strip_prefix("localhost:") {
            Some(port) => format!("give an IP address: 127.0.0.1:{port} (or [::1]:{port})"),
            None => "give IP:PORT, e.g. 127.0.0.1:8080".to_string(),
        })
}

/// A finite number from `MIN_MILLI / 1000` to `MAX_MILLI / 1000`.
#[cfg(feature = "emulator")]
fn number_in<const MIN_MILLI: u64, const MAX_MILLI: u64>(s: &str) -> Result<f64, String> {
    let (min, max) = (MIN_MILLI as f64 / 1000.0, MAX_MILLI as f64 / 1000.0);
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && (min..=max).contains(&v) => Ok(v),
        _ => Err(format!("give a number from {min} to {max}")),
    }
}

const HOUR: u64 = 3600;
const DAY: u64 = 24 * HOUR;

/// A duration longer than zero and at most `MAX` seconds (every duration has a documented
/// range, so no deadline arithmetic can overflow).
fn duration_up_to<const MAX: u64>(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s)
        .map_err(|e| format!("{e} (write durations like 90s, 30m, 6h)"))?;
    if d.is_zero() {
        return Err("must be longer than zero".into());
    }
    if d > Duration::from_secs(MAX) {
        return Err(format!(
            "must be at most {}",
            humantime::format_duration(Duration::from_secs(MAX))
        ));
    }
    Ok(d)
}

impl Cli {
    pub fn into_invocation(self) -> Invocation {
        let g = self.global;
        let action = match self.command {
            Command::Baidu { command } => command.into_action(),
            Command::Huawei { command } => command.into_action(),
            Command::Alibaba { command } => command.into_action(),
            Command::Aws { command } => command.into_action(),
            Command::Tencent { command } => command.into_action(),
            Command::Status(a) => Action::Status(a.cloud.map(|c| crate::commands::ById {
                cloud: c,
                kind: match a.kind {
                    KindArg::Image => Kind::Image,
                    KindArg::Snapshot => Kind::Snapshot,
                },
                ids: a.id,
                region: a.region.unwrap_or_default(),
            })),
            Command::Doctor(a) => Action::Doctor {
                clouds: a.clouds,
                regions: a.region,
            },
            Command::Completions { shell } => {
                let mut out = Vec::new();
                clap_complete::generate(shell, &mut Cli::command(), "imgcopy", &mut out);
                Action::Print(String::from_utf8_lossy(&out).into_owned())
            }
            Command::Man => {
                let mut out = Vec::new();
                clap_mangen::Man::new(Cli::command())
                    .render(&mut out)
                    .expect("rendering into memory does not fail");
                Action::Print(String::from_utf8_lossy(&out).into_owned())
            }
            #[cfg(feature = "emulator")]
            Command::Emulator(a) => Action::Emulator(crate::commands::EmulatorSpec {
                listen: a.listen,
                access_key: a.access_key,
                secret_key: a.secret_key,
                speed: a.speed,
                copy_seconds: a.copy_seconds,
                visibility_lag: a.visibility_lag,
            }),
        };
        Invocation {
            globals: Globals {
                output: g.output.map(|o| match o {
                    OutputArg::Table => OutputFormat::Table,
                    OutputArg::Json => OutputFormat::Json,
                    OutputArg::Ndjson => OutputFormat::Ndjson,
                }),
                report: g.report,
                concurrency: g.concurrency,
                timeout: g.timeout,
                poll_interval: g.poll_interval,
                endpoint: g.endpoint,
                profile: g.profile,
                dry_run: g.dry_run,
                wait: g.wait,
                sandbox: g.sandbox,
                verbose: g.verbose,
                quiet: g.quiet,
                project_id: g.project_id,
                rate_limits: g.rate_limit,
                request_timeout: g.request_timeout,
                max_attempts: g.max_attempts,
                cancel_on_interrupt: g.on_interrupt == OnStop::Cancel,
                cancel_on_timeout: g.on_timeout == OnStop::Cancel,
                missing_grace: g.missing_grace,
                add_to_report: g.add_to_report,
            },
            action,
        }
    }
}
