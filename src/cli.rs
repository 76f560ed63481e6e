//! Command-line syntax (clap types stay in this module).

use crate::commands::{Action, CopySpec, Globals, Invocation, OutputFormat};
use crate::model::{Cloud, CloudOptions, Kind};
use crate::provider::alibaba::options::AlibabaOptions;
use crate::provider::aws::options::AwsOptions;
use crate::provider::huawei::options::HuaweiOptions;
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
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

#[derive(Subcommand, Debug)]
enum BaiduCommand {
    /// Copy a custom image to other regions (one call covers every destination)
    #[command(
        mut_arg("id", |a| a.help("Source image ids (m-…), comma-separated or repeated, or @FILE (each copied to every destination); with several, --name must contain `{id}`")),
        mut_arg("name", |a| a.help("Name of the copies; placeholders {id} {region} {date} {source_name} [default: the cloud names them]")),
        after_long_help = "Examples:\n  imgcopy baidu image --id m-xxx --dest bj,gz --wait\n  imgcopy baidu image --id m-a,m-b --region bj --dest gz,su --name 'golden-{id}' --report r.json"
    )]
    Image(CopyArgs),
    /// Copy a disk snapshot to other regions
    #[command(
        mut_arg("id", |a| a.help("Source snapshot ids (s-…), comma-separated or repeated, or @FILE (each copied to every destination); with several, --name must contain `{id}`")),
        mut_arg("name", |a| a.help("Name of the copies; placeholders {id} {region} {date} {source_name} [default: copy-of-{id}]")),
        after_long_help = "Examples:\n  imgcopy baidu snapshot --id s-xxx --region bj --dest gz --name backup --wait"
    )]
    Snapshot(SnapshotArgs),
    /// Cancel an image copy in progress, by the destination image's id
    Cancel(CancelArgs),
}

#[derive(Subcommand, Debug)]
enum AlibabaCommand {
    /// Copy a custom image to other regions (one CopyImage per destination, with a ClientToken)
    #[command(
        mut_arg("id", |a| a.help("Source image ids (m-…), comma-separated or repeated, or @FILE (each copied to every destination); with several, --name must contain `{id}`")),
        mut_arg("name", |a| a.help("Name of the copies; placeholders {id} {region} {date} {source_name} [default: the cloud names them]")),
        after_long_help = "Examples:\n  imgcopy alibaba image --id m-xxx --region cn-hangzhou --dest cn-shanghai,cn-beijing --wait\n  imgcopy alibaba image --id m-xxx --dest cn-shanghai --encrypted --kms-key-id KEY --tag team=infra"
    )]
    Image(AlibabaImageArgs),
    /// Cancel an image copy in progress (CancelCopyImage), by the copy's id and region
    Cancel(CancelArgs),
}

#[derive(Args, Debug)]
struct AlibabaImageArgs {
    #[command(flatten)]
    copy: CopyArgs,
    /// Description of the copies (2 to 256 characters)
    #[arg(long)]
    description: Option<String>,
    /// Encrypt the copies
    #[arg(long)]
    encrypted: bool,
    /// KMS key for the encrypted copies (needs --encrypted)
    #[arg(long)]
    kms_key_id: Option<String>,
    /// Tag of the copies, KEY=VALUE (repeatable, at most 20)
    #[arg(long, value_name = "KEY=VALUE", value_parser = tag_pair)]
    tag: Vec<String>,
    /// Resource group of the copies
    #[arg(long)]
    resource_group_id: Option<String>,
}

#[derive(Subcommand, Debug)]
enum AwsCommand {
    /// Copy an AMI to other regions (CopyImage in each destination, with a ClientToken)
    #[command(
        mut_arg("id", |a| a.help("Source AMI ids (ami-…), comma-separated or repeated, or @FILE (each copied to every destination); with several, --name must contain `{id}`")),
        mut_arg("copy_tags", |a| a.help("Copy the source AMI's tags")),
        mut_arg("name", |a| a.help("Name of the copies (EC2 needs one); placeholders {id} {region} {date} {source_name}")),
        after_long_help = "Examples:\n  imgcopy aws image --id ami-xxx --region us-east-1 --dest eu-west-1,ap-southeast-1 --name golden --wait\n  imgcopy aws image --id ami-xxx --dest eu-west-1 --encrypted --kms-key eu-west-1=alias/golden --copy-tags"
    )]
    Image(AwsCopyArgs),
    /// Copy an EBS snapshot to other regions (CopySnapshot in each destination)
    #[command(
        mut_arg("id", |a| a.help("Source snapshot ids (snap-…), comma-separated or repeated, or @FILE (each copied to every destination)")),
        // Snapshots have no name and no tags to copy: refused if given, so not shown.
        mut_arg("name", |a| a.hide(true)),
        mut_arg("copy_tags", |a| a.hide(true)),
        after_long_help = "Examples:\n  imgcopy aws snapshot --id snap-xxx --region us-east-1 --dest us-west-2 --description nightly --wait"
    )]
    Snapshot(AwsCopyArgs),
    /// Stop an AMI copy in progress by deregistering it (its id and region)
    Cancel(CancelArgs),
}

#[derive(Args, Debug)]
struct AwsCopyArgs {
    #[command(flatten)]
    copy: CopyArgs,
    /// Description of the copies
    #[arg(long)]
    description: Option<String>,
    /// Encrypt the copies
    #[arg(long)]
    encrypted: bool,
    /// KMS key for every destination (needs --encrypted)
    #[arg(long)]
    kms_key_id: Option<String>,
    /// KMS key for one destination, REGION=KEY (repeatable; needs --encrypted)
    #[arg(long, value_name = "REGION=KEY")]
    kms_key: Vec<String>,
    /// Copy the source AMI's tags (images only)
    #[arg(long)]
    copy_tags: bool,
    /// Tag of the copies, KEY=VALUE (repeatable)
    #[arg(long, value_name = "KEY=VALUE", value_parser = tag_pair)]
    tag: Vec<String>,
}

#[derive(Subcommand, Debug)]
enum HuaweiCommand {
    /// Copy an image within its region, or with --dest to other regions (one job each)
    #[command(
        after_long_help = "Examples:\n  imgcopy huawei image --id UUID --region cn-north-4 --name golden-copy --wait\n  imgcopy huawei image --id UUID --region cn-north-4 --dest cn-east-3 --agency ims_admin_agency --name golden --wait"
    )]
    Image(HuaweiImageArgs),
}

#[derive(Args, Debug)]
struct HuaweiImageArgs {
    /// Source image ids (UUIDs), comma-separated or repeated, or @FILE; with several,
    /// --name must contain `{id}`
    #[arg(long, value_delimiter = ',', num_args = 1.., required = true)]
    id: Vec<String>,
    /// Source region, e.g. cn-north-4 [default: found: the profile's region if the image is
    /// there, else a look-up in every region]
    #[arg(long)]
    region: Option<String>,
    /// Destination regions for a cross-region copy; leave out for an in-region copy
    #[arg(long, value_delimiter = ',', num_args = 1..)]
    dest: Vec<String>,
    /// Name of the copies (IMS needs one); placeholders {id} {region} {date} {source_name}
    #[arg(long)]
    name: String,
    /// Make a new copy even when one from an earlier run is found in a destination
    /// (see "Safe re-runs" in the README)
    #[arg(long)]
    force_new: bool,
    /// Description of the copies (at most 900 characters: IMS takes 1024 and imgcopy adds its
    /// provenance marker; no line breaks or < >)
    #[arg(long)]
    description: Option<String>,
    /// KMS key to encrypt an in-region copy with
    #[arg(long)]
    cmk_id: Option<String>,
    /// Enterprise project of an in-region copy
    #[arg(long)]
    enterprise_project_id: Option<String>,
    /// IAM agency IMS uses in the destination (cross-region copies)
    #[arg(long)]
    agency: Option<String>,
    /// Destination project name: NAME for every destination or REGION=NAME [default: the region name]
    #[arg(long, value_name = "[REGION=]NAME")]
    project_name: Vec<String>,
    /// CBR vault in the destination (needed for full-ECS images)
    #[arg(long)]
    vault_id: Option<String>,
}

#[derive(Args, Debug)]
struct CopyArgs {
    /// Source image or snapshot ids, comma-separated or repeated, or @FILE (each copied to every
    /// destination); with several, a --name must contain `{id}`
    #[arg(long, value_delimiter = ',', num_args = 1.., required = true)]
    id: Vec<String>,
    /// Source region [default: found: the cloud's default-region setting if the source is
    /// there, else a look-up in every region]
    #[arg(long)]
    region: Option<String>,
    /// Destination regions, comma-separated or repeated
    #[arg(long, value_delimiter = ',', num_args = 1.., required = true)]
    dest: Vec<String>,
    /// Name of the copies
    #[arg(long)]
    name: Option<String>,
    /// Make a new copy even when one from an earlier run is found in a destination
    /// (see "Safe re-runs" in the README)
    #[arg(long)]
    force_new: bool,
}

#[derive(Args, Debug)]
struct SnapshotArgs {
    #[command(flatten)]
    copy: CopyArgs,
    /// Idempotency token [default: derived from the request, so a re-run is the same request]
    #[arg(long)]
    client_token: Option<String>,
}

#[derive(Args, Debug)]
struct CancelArgs {
    /// The destination copy's image id
    #[arg(long)]
    id: String,
    /// The region the copy is in (its destination; `--region` means the source only for
    /// copies) [default: found by looking in every region]
    #[arg(long, visible_alias = "dest-region")]
    region: Option<String>,
    /// Cancel a copy in progress that imgcopy cannot tie to itself (not in --report, no
    /// provenance tag); never acts on a finished image or a source
    #[arg(long)]
    force: bool,
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

fn copy_spec(kind: Kind, a: CopyArgs, client_token: Option<String>) -> CopySpec {
    CopySpec {
        cloud: Cloud::Baidu,
        kind,
        ids: a.id,
        region: a.region,
        dest: a.dest,
        name: a.name,
        client_token,
        description: None,
        options: CloudOptions::None,
        force_new: a.force_new,
    }
}

/// `KEY=VALUE` pairs (`tag_pair` has checked each has its `=`).
fn pairs(items: Vec<String>) -> Vec<(String, String)> {
    items
        .into_iter()
        .map(|t| match t.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (t, String::new()),
        })
        .collect()
}

/// A `--tag`: `KEY=VALUE`, or `KEY=` for an empty value (a bare `KEY` is more likely a
/// mistake than an empty value).
fn tag_pair(s: &str) -> Result<String, String> {
    if s.contains('=') {
        Ok(s.to_string())
    } else {
        Err(format!(
            "`{s}` is not KEY=VALUE (write `{s}=` for an empty value)"
        ))
    }
}

fn aws_spec(kind: Kind, a: AwsCopyArgs) -> CopySpec {
    CopySpec {
        cloud: Cloud::Aws,
        description: a.description,
        options: CloudOptions::Aws(AwsOptions {
            encrypted: a.encrypted,
            kms_key_id: a.kms_key_id,
            kms_keys: pairs(a.kms_key).into_iter().collect(),
            copy_tags: a.copy_tags,
            tags: pairs(a.tag),
        }),
        ..copy_spec(kind, a.copy, None)
    }
}

fn alibaba_spec(a: AlibabaImageArgs) -> CopySpec {
    let tags = pairs(a.tag);
    CopySpec {
        cloud: Cloud::Alibaba,
        description: a.description,
        options: CloudOptions::Alibaba(AlibabaOptions {
            encrypted: a.encrypted,
            kms_key_id: a.kms_key_id,
            tags,
            resource_group_id: a.resource_group_id,
        }),
        ..copy_spec(Kind::Image, a.copy, None)
    }
}

fn huawei_spec(a: HuaweiImageArgs) -> CopySpec {
    let mut options = HuaweiOptions {
        cmk_id: a.cmk_id,
        enterprise_project_id: a.enterprise_project_id,
        agency: a.agency,
        vault_id: a.vault_id,
        ..HuaweiOptions::default()
    };
    for p in a.project_name {
        match p.split_once('=') {
            Some((region, name)) => {
                options
                    .project_names
                    .insert(region.trim().into(), name.trim().into());
            }
            None => options.project_name = Some(p),
        }
    }
    // No --dest: an in-region copy (the destination is the source region, once known).
    let dest = a.dest;
    CopySpec {
        cloud: Cloud::Huawei,
        kind: Kind::Image,
        ids: a.id,
        region: a.region,
        dest,
        name: Some(a.name),
        client_token: None,
        description: a.description,
        options: CloudOptions::Huawei(options),
        force_new: a.force_new,
    }
}

impl Cli {
    pub fn into_invocation(self) -> Invocation {
        let g = self.global;
        let action = match self.command {
            Command::Baidu { command } => match command {
                BaiduCommand::Image(a) => Action::Copy(Box::new(copy_spec(Kind::Image, a, None))),
                BaiduCommand::Snapshot(a) => {
                    Action::Copy(Box::new(copy_spec(Kind::Snapshot, a.copy, a.client_token)))
                }
                BaiduCommand::Cancel(a) => Action::Cancel {
                    cloud: Cloud::Baidu,
                    kind: Kind::Image,
                    id: a.id,
                    region: a.region,
                    force: a.force,
                },
            },
            Command::Huawei { command } => match command {
                HuaweiCommand::Image(a) => Action::Copy(Box::new(huawei_spec(a))),
            },
            Command::Alibaba { command } => match command {
                AlibabaCommand::Image(a) => Action::Copy(Box::new(alibaba_spec(a))),
                AlibabaCommand::Cancel(a) => Action::Cancel {
                    cloud: Cloud::Alibaba,
                    kind: Kind::Image,
                    id: a.id,
                    region: a.region,
                    force: a.force,
                },
            },
            Command::Aws { command } => match command {
                AwsCommand::Image(a) => Action::Copy(Box::new(aws_spec(Kind::Image, a))),
                AwsCommand::Snapshot(a) => Action::Copy(Box::new(aws_spec(Kind::Snapshot, a))),
                AwsCommand::Cancel(a) => Action::Cancel {
                    cloud: Cloud::Aws,
                    kind: Kind::Image,
                    id: a.id,
                    region: a.region,
                    force: a.force,
                },
            },
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
