//! Each cloud's subcommands (`imgcopy <cloud> image|snapshot|cancel`), their flags, and the
//! copy or cancel they ask for.

use crate::commands::{Action, CopySpec};
use crate::model::{Cloud, CloudOptions, Kind};
use crate::provider::alibaba::options::AlibabaOptions;
use crate::provider::aws::options::AwsOptions;
use crate::provider::huawei::options::HuaweiOptions;
use crate::provider::tencent::options::TencentOptions;
use clap::{Args, Subcommand};

#[derive(Subcommand, Debug)]
pub(super) enum BaiduCommand {
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
pub(super) enum AlibabaCommand {
    /// Copy a custom image to other regions (one CopyImage per destination, with a ClientToken)
    #[command(
        mut_arg("id", |a| a.help("Source image ids (m-…), comma-separated or repeated, or @FILE (each copied to every destination); with several, --name must contain `{id}`")),
        mut_arg("name", |a| a.help("Name of the copies; placeholders {id} {region} {date} {source_name} [default: the cloud names them]")),
        after_long_help = "Examples:\n  imgcopy alibaba image --id m-xxx --region cn-hangzhou --dest cn-shanghai,cn-beijing --wait\n  imgcopy alibaba image --id m-xxx --dest cn-shanghai --encrypted --kms-key-id KEY --tag team=infra"
    )]
    Image(AlibabaImageArgs),
    /// Copy a disk snapshot to other regions (one CopySnapshot per destination, with a
    /// ClientToken)
    #[command(
        mut_arg("id", |a| a.help("Source snapshot ids (s-…), comma-separated or repeated, or @FILE (each copied to every destination); with several, --name must contain `{id}`")),
        mut_arg("name", |a| a.help("Name of the copies (2 to 128 characters); placeholders {id} {region} {date} {source_name} [default: the cloud names them]")),
        after_long_help = "Examples:\n  imgcopy alibaba snapshot --id s-xxx --region cn-hangzhou --dest cn-shanghai --retention-days 30 --wait"
    )]
    Snapshot(AlibabaSnapshotArgs),
    /// Cancel an image copy in progress (CancelCopyImage), by the copy's id and region
    Cancel(CancelArgs),
}

#[derive(Args, Debug)]
pub(super) struct AlibabaImageArgs {
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

#[derive(Args, Debug)]
pub(super) struct AlibabaSnapshotArgs {
    #[command(flatten)]
    image: AlibabaImageArgs,
    /// Days the copies are kept (1 to 65536) [default: kept until deleted]
    #[arg(long)]
    retention_days: Option<u32>,
}

#[derive(Subcommand, Debug)]
pub(super) enum TencentCommand {
    /// Copy a custom image to other regions (SyncImages, one per destination; an earlier copy
    /// is found again by its name)
    #[command(
        mut_arg("id", |a| a.help("Source image ids (img-…), comma-separated or repeated, or @FILE (each copied to every destination); with several, --name must contain `{id}`")),
        mut_arg("name", |a| a.help("Name of the copies, at most 60 characters; placeholders {id} {region} {date} {source_name} [default: the source's]")),
        after_long_help = "Examples:\n  imgcopy tencent image --id img-xxxxxxxx --region ap-guangzhou --dest ap-shanghai,ap-beijing --wait\n  imgcopy tencent image --id img-xxxxxxxx --region ap-guangzhou --dest ap-guangzhou --encrypted --kms-key-id KEY"
    )]
    Image(TencentImageArgs),
}

#[derive(Args, Debug)]
pub(super) struct TencentImageArgs {
    #[command(flatten)]
    copy: CopyArgs,
    /// Make an encrypted copy (SyncImages allows it only into the source region: --dest is
    /// the source region alone)
    #[arg(long)]
    encrypted: bool,
    /// KMS key of the encrypted copy (needs --encrypted) [default: CBS's own key]
    #[arg(long)]
    kms_key_id: Option<String>,
}

#[derive(Subcommand, Debug)]
pub(super) enum AwsCommand {
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
pub(super) struct AwsCopyArgs {
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
pub(super) enum HuaweiCommand {
    /// Copy an image within its region, or with --dest to other regions (one job each)
    #[command(
        after_long_help = "Examples:\n  imgcopy huawei image --id UUID --region cn-north-4 --name golden-copy --wait\n  imgcopy huawei image --id UUID --region cn-north-4 --dest cn-east-3 --agency ims_admin_agency --name golden --wait"
    )]
    Image(HuaweiImageArgs),
}

#[derive(Args, Debug)]
pub(super) struct HuaweiImageArgs {
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
pub(super) struct CopyArgs {
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
pub(super) struct SnapshotArgs {
    #[command(flatten)]
    copy: CopyArgs,
    /// Idempotency token [default: derived from the request, so a re-run is the same request]
    #[arg(long)]
    client_token: Option<String>,
}

#[derive(Args, Debug)]
pub(super) struct CancelArgs {
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

fn alibaba_spec(kind: Kind, a: AlibabaImageArgs, retention_days: Option<u32>) -> CopySpec {
    let tags = pairs(a.tag);
    CopySpec {
        cloud: Cloud::Alibaba,
        description: a.description,
        options: CloudOptions::Alibaba(AlibabaOptions {
            encrypted: a.encrypted,
            kms_key_id: a.kms_key_id,
            tags,
            resource_group_id: a.resource_group_id,
            retention_days,
        }),
        ..copy_spec(kind, a.copy, None)
    }
}

fn tencent_spec(a: TencentImageArgs) -> CopySpec {
    CopySpec {
        cloud: Cloud::Tencent,
        options: CloudOptions::Tencent(TencentOptions {
            encrypted: a.encrypted,
            kms_key_id: a.kms_key_id,
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

impl CancelArgs {
    fn into_action(self, cloud: Cloud) -> Action {
        Action::Cancel {
            cloud,
            kind: Kind::Image,
            id: self.id,
            region: self.region,
            force: self.force,
        }
    }
}

impl BaiduCommand {
    pub(super) fn into_action(self) -> Action {
        match self {
            BaiduCommand::Image(a) => Action::Copy(Box::new(copy_spec(Kind::Image, a, None))),
            BaiduCommand::Snapshot(a) => {
                Action::Copy(Box::new(copy_spec(Kind::Snapshot, a.copy, a.client_token)))
            }
            BaiduCommand::Cancel(a) => a.into_action(Cloud::Baidu),
        }
    }
}

impl HuaweiCommand {
    pub(super) fn into_action(self) -> Action {
        match self {
            HuaweiCommand::Image(a) => Action::Copy(Box::new(huawei_spec(a))),
        }
    }
}

impl AlibabaCommand {
    pub(super) fn into_action(self) -> Action {
        match self {
            AlibabaCommand::Image(a) => Action::Copy(Box::new(alibaba_spec(Kind::Image, a, None))),
            AlibabaCommand::Snapshot(a) => Action::Copy(Box::new(alibaba_spec(
                Kind::Snapshot,
                a.image,
                a.retention_days,
            ))),
            AlibabaCommand::Cancel(a) => a.into_action(Cloud::Alibaba),
        }
    }
}

impl TencentCommand {
    pub(super) fn into_action(self) -> Action {
        match self {
            TencentCommand::Image(a) => Action::Copy(Box::new(tencent_spec(a))),
        }
    }
}

impl AwsCommand {
    pub(super) fn into_action(self) -> Action {
        match self {
            AwsCommand::Image(a) => Action::Copy(Box::new(aws_spec(Kind::Image, a))),
            AwsCommand::Snapshot(a) => Action::Copy(Box::new(aws_spec(Kind::Snapshot, a))),
            AwsCommand::Cancel(a) => a.into_action(Cloud::Aws),
        }
    }
}
