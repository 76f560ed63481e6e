//! Pure builders of Alibaba ECS RPC calls and the CopyImage document's input rules.

use super::driver::Alibaba;
use super::options::AlibabaOptions;
use crate::error::{Error, Result};
use crate::http::Safety;
use crate::model::{CloudOptions, CopyRequest, Kind};
use crate::provider::driver::CloudDriver;
use crate::provider::ApiCall;

pub const VERSION: &str = "2014-05-26";

/// ECS regions (`ecs.{region}.aliyuncs.com`).
pub const REGIONS: &[&str] = &[
    "cn-hangzhou",
    "cn-shanghai",
    "cn-beijing",
    "cn-qingdao",
    "cn-zhangjiakou",
    "cn-huhehaote",
    "cn-wulanchabu",
    "cn-shenzhen",
    "cn-heyuan",
    "cn-guangzhou",
    "cn-chengdu",
    "cn-nanjing",
    "cn-fuzhou",
    "cn-hongkong",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-southeast-1",
    "ap-southeast-3",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "us-east-1",
    "us-west-1",
    "eu-central-1",
    "eu-west-1",
    "me-east-1",
    "me-central-1",
];

/// Every status, so DescribeImages does not hide copies in progress (it lists only
/// Available images unless told otherwise).
pub const ALL_STATUSES: &str = "Creating,Waiting,Available,UnAvailable,CreateFailed";

/// DescribeImages takes at most this many ids per call.
pub const MAX_IDS: usize = 100;

pub fn options(req: &CopyRequest) -> AlibabaOptions {
    match &req.options {
        CloudOptions::Alibaba(o) => o.clone(),
        _ => AlibabaOptions::default(),
    }
}

fn rpc(action: &str, region: &str, params: Vec<(String, String)>, safety: Safety) -> ApiCall {
    let mut query = vec![
        ("Action".to_string(), action.to_string()),
        ("Version".to_string(), VERSION.to_string()),
        ("RegionId".to_string(), region.to_string()),
    ];
    query.extend(params);
    ApiCall {
        method: "POST",
        region: region.to_string(),
        path: "/".to_string(),
        query,
        headers: Vec::new(),
        body: None,
        safety,
    }
}

/// A ClientToken from everything that defines the copy to `dest`, so a re-run is the same
/// request to the server (at most 64 ASCII characters).
pub fn client_token(req: &CopyRequest, dest: &str) -> String {
    let o = options(req);
    // Tags are a set: any order is the same request.
    let mut tags: Vec<String> = o.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
    tags.sort();
    let retention = o.retention_days.map(|d| d.to_string()).unwrap_or_default();
    let mut fields: Vec<&str> = vec![
        "imgcopy/v1|alibaba",
        &req.source_region,
        &req.source_id,
        dest,
        req.name.as_deref().unwrap_or(""),
        req.description.as_deref().unwrap_or(""),
        if o.encrypted { "encrypted" } else { "" },
        o.kms_key_id.as_deref().unwrap_or(""),
        o.resource_group_id.as_deref().unwrap_or(""),
    ];
    fields.extend(tags.iter().map(String::as_str));
    // An image's token stays what it was; a snapshot's also names its kind and retention.
    if req.kind == Kind::Snapshot {
        fields.extend(["snapshot", retention.as_str()]);
    }
    crate::provider::derived_token(req, dest, &fields)
}

pub use crate::provider::{SOURCE_TAG, SPEC_TAG};

/// What makes a copy into `dest` the one asked for (see `provider::spec_mark`).
pub fn spec(req: &CopyRequest, dest: &str) -> String {
    let o = options(req);
    crate::provider::spec_mark(
        req,
        dest,
        &[
            "alibaba",
            req.name.as_deref().unwrap_or(""),
            if o.encrypted { "encrypted" } else { "" },
            o.kms_key_id.as_deref().unwrap_or(""),
        ],
    )
}

/// `CopyImage` (or, for a snapshot, `CopySnapshot`) for one destination, with a derived
/// ClientToken (so it is safe to retry) and imgcopy's two provenance tags (what `cancel`
/// checks before it acts). The parameters are those of aliyun-python-sdk-ecs's
/// `CopyImageRequest` and `CopySnapshotRequest`.
pub fn copy(req: &CopyRequest, dest: &str) -> ApiCall {
    let o = options(req);
    let (action, id, name, description) = match req.kind {
        Kind::Image => (
            "CopyImage",
            "ImageId",
            "DestinationImageName",
            "DestinationDescription",
        ),
        Kind::Snapshot => (
            "CopySnapshot",
            "SnapshotId",
            "DestinationSnapshotName",
            "DestinationSnapshotDescription",
        ),
    };
    let mut p: Vec<(String, String)> = vec![
        (id.into(), req.source_id.clone()),
        ("DestinationRegionId".into(), dest.to_string()),
    ];
    if let Some(n) = &req.name {
        p.push((name.into(), n.clone()));
    }
    if let Some(d) = &req.description {
        p.push((description.into(), d.clone()));
    }
    if let Some(days) = o.retention_days.filter(|_| req.kind == Kind::Snapshot) {
        p.push(("RetentionDays".into(), days.to_string()));
    }
    if o.encrypted {
        p.push(("Encrypted".into(), "true".into()));
    }
    if let Some(k) = &o.kms_key_id {
        p.push(("KMSKeyId".into(), k.clone()));
    }
    let provenance = [
        (SOURCE_TAG.to_string(), crate::provider::source_mark(req)),
        (SPEC_TAG.to_string(), spec(req, dest)),
    ];
    for (i, (k, v)) in o.tags.iter().chain(&provenance).enumerate() {
        p.push((format!("Tag.{}.Key", i + 1), k.clone()));
        p.push((format!("Tag.{}.Value", i + 1), v.clone()));
    }
    if let Some(rg) = &o.resource_group_id {
        p.push(("ResourceGroupId".into(), rg.clone()));
    }
    p.push(("ClientToken".into(), client_token(req, dest)));
    rpc(action, &req.source_region, p, Safety::Idempotent)
}

/// `CancelCopyImage` in the copy's (destination) region.
pub fn cancel_copy_image(region: &str, image_id: &str) -> ApiCall {
    rpc(
        "CancelCopyImage",
        region,
        vec![("ImageId".into(), image_id.to_string())],
        Safety::NotIdempotent,
    )
}

/// `DescribeSnapshots` for up to 100 ids (`SnapshotIds`, a JSON array), any status.
pub fn describe_snapshots(region: &str, ids: &[&str]) -> ApiCall {
    let list = serde_json::to_string(ids).expect("strings serialise");
    rpc(
        "DescribeSnapshots",
        region,
        vec![
            ("SnapshotIds".into(), list),
            ("PageSize".into(), MAX_IDS.to_string()),
        ],
        Safety::Idempotent,
    )
}

/// `DescribeImages` for up to 100 ids, asking for every status.
pub fn describe_images(region: &str, ids: &[&str]) -> ApiCall {
    rpc(
        "DescribeImages",
        region,
        vec![
            ("ImageId".into(), ids.join(",")),
            ("Status".into(), ALL_STATUSES.into()),
            ("PageSize".into(), MAX_IDS.to_string()),
        ],
        Safety::Idempotent,
    )
}

pub fn check_id(flag: &str, id: &str) -> Result<()> {
    let rest = id.strip_prefix("m-").unwrap_or("");
    if rest.is_empty() || rest.len() > 64 || !rest.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(Error::usage(
            flag,
            format!("`{id}` is not an image id (expected `m-` followed by letters and digits, e.g. m-bp1h46wfpjsjastc)"),
        ));
    }
    Ok(())
}

/// A snapshot id: `s-` followed by letters and digits.
pub fn check_snapshot_id(flag: &str, id: &str) -> Result<()> {
    let rest = id.strip_prefix("s-").unwrap_or("");
    if rest.is_empty() || rest.len() > 64 || !rest.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(Error::usage(
            flag,
            format!("`{id}` is not a snapshot id (expected `s-` followed by letters and digits, e.g. s-bp67acfmxazb4p****)"),
        ));
    }
    Ok(())
}

/// An image (`m-…`) or snapshot (`s-…`) id, by kind.
pub fn check_kind_id(kind: Kind, id: &str) -> Result<()> {
    match kind {
        Kind::Image => check_id("--id", id),
        Kind::Snapshot => check_snapshot_id("--id", id),
    }
}

fn has_url(s: &str) -> bool {
    s.contains("http://") || s.contains("https://")
}

fn reserved_prefix(s: &str) -> bool {
    s.starts_with("acs:") || s.starts_with("aliyun")
}

/// 2–128 characters, starting with a letter, not `acs:`/`aliyun`, no `http(s)://`; letters,
/// digits, `.`, `:`, `_` and `-`.
pub fn check_name(name: &str) -> Result<()> {
    let n = name.chars().count();
    let flag = "--name";
    if !(2..=128).contains(&n) {
        return Err(Error::usage(
            flag,
            format!("must be 2 to 128 characters long (it has {n})"),
        ));
    }
    if !name.chars().next().is_some_and(char::is_alphabetic) {
        return Err(Error::usage(flag, "must start with a letter"));
    }
    if reserved_prefix(name) {
        return Err(Error::usage(flag, "must not start with `acs:` or `aliyun`"));
    }
    if has_url(name) {
        return Err(Error::usage(flag, "must not contain http:// or https://"));
    }
    if let Some(bad) = name
        .chars()
        .find(|&c| !(c.is_alphanumeric() || ".:_-".contains(c)))
    {
        return Err(Error::usage(
            flag,
            format!("`{bad}` is not allowed (letters, digits, . : _ - only)"),
        ));
    }
    Ok(())
}

/// 2–256 characters, not starting with `http://` or `https://`.
pub fn check_description(d: &str) -> Result<()> {
    let n = d.chars().count();
    if !(2..=256).contains(&n) {
        return Err(Error::usage(
            "--description",
            format!("must be 2 to 256 characters long (it has {n})"),
        ));
    }
    if d.starts_with("http://") || d.starts_with("https://") {
        return Err(Error::usage(
            "--description",
            "must not start with http:// or https://",
        ));
    }
    Ok(())
}

/// 1–18 tags (ECS takes 20; imgcopy adds its two provenance tags); keys 1–128 characters,
/// values up to 128; neither may carry `http(s)://`, and neither may start with `acs:` (keys
/// also not with `aliyun` or imgcopy's own `imgcopy:`).
pub fn check_tags(tags: &[(String, String)]) -> Result<()> {
    crate::provider::check_unique_tag_keys(tags)?;
    if tags.len() > 18 {
        return Err(Error::usage(
            "--tag",
            format!(
                "at most 18 tags ({} given; ECS takes 20 and imgcopy adds its two provenance tags)",
                tags.len()
            ),
        ));
    }
    for (k, v) in tags {
        let kn = k.chars().count();
        if kn == 0 || kn > 128 {
            return Err(Error::usage(
                "--tag",
                format!("key `{k}` must be 1 to 128 characters"),
            ));
        }
        if reserved_prefix(k) || has_url(k) || k.starts_with("imgcopy:") {
            return Err(Error::usage(
                "--tag",
                format!("key `{k}` must not start with acs:, aliyun or imgcopy: (imgcopy's own), nor contain http(s)://"),
            ));
        }
        if v.chars().count() > 128 || v.starts_with("acs:") || has_url(v) {
            return Err(Error::usage("--tag", format!("value of `{k}` must be at most 128 characters, not start with acs: nor contain http(s)://")));
        }
    }
    Ok(())
}

/// `any_region`: another endpoint is in use, so any well-formed region name is accepted.
pub fn validate(req: &CopyRequest, any_region: bool) -> Result<()> {
    check_kind_id(req.kind, &req.source_id)?;
    Alibaba.check_region("--region", &req.source_region, any_region)?;
    crate::provider::check_dests(&req.dest_regions, |d| {
        Alibaba.check_region("--dest", d, any_region)?;
        if d == req.source_region {
            return Err(Error::usage(
                "--dest",
                format!("`{d}` is the source region (IncorrectDestinationRegion)"),
            ));
        }
        Ok(())
    })?;
    if let Some(n) = &req.name {
        check_name(n)?;
        // CopySnapshot's name rule adds one: not `auto` (the prefix of automatic snapshots).
        if req.kind == Kind::Snapshot && n.starts_with("auto") {
            return Err(Error::usage(
                "--name",
                "a snapshot name must not start with `auto`",
            ));
        }
    }
    if let Some(d) = &req.description {
        check_description(d)?;
    }
    let o = options(req);
    check_tags(&o.tags)?;
    if let Some(days) = o.retention_days {
        if req.kind != Kind::Snapshot {
            return Err(Error::usage(
                "--retention-days",
                "only snapshot copies are kept for a time",
            ));
        }
        if !(1..=65536).contains(&days) {
            return Err(Error::usage("--retention-days", "must be 1 to 65536 days"));
        }
    }
    if o.kms_key_id.is_some() && !o.encrypted {
        return Err(Error::usage(
            "--kms-key-id",
            "needs --encrypted (InvalidParameter.EncryptedIllegal)",
        ));
    }
    if let Some(k) = &o.kms_key_id {
        if k.is_empty() || k.len() > 128 || k.contains(char::is_whitespace) {
            return Err(Error::usage("--kms-key-id", "must be a KMS key id"));
        }
    }
    if let Some(rg) = &o.resource_group_id {
        let rest = rg.strip_prefix("rg-").unwrap_or("");
        if rest.is_empty() || !rest.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(Error::usage(
                "--resource-group-id",
                format!("`{rg}` is not a resource group id (rg-…)"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::model::Cloud;

    fn req(o: AlibabaOptions) -> CopyRequest {
        CopyRequest {
            cloud: Cloud::Alibaba,
            kind: Kind::Image,
            source_id: "m-bp1abc".into(),
            source_region: "cn-hangzhou".into(),
            dest_regions: vec!["cn-shanghai".into(), "cn-beijing".into()],
            name: Some("golden-1".into()),
            client_token: None,
            description: Some("copy of golden".into()),
            options: CloudOptions::Alibaba(o),
            force_new: None,
            attempts: Default::default(),
        }
    }

    fn q(c: &ApiCall, k: &str) -> Option<String> {
        c.query.iter().find(|(a, _)| a == k).map(|(_, v)| v.clone())
    }

    #[test]
    fn copy_image_parameters_match_the_seed() {
        let o = AlibabaOptions {
            encrypted: true,
            kms_key_id: Some("key-1".into()),
            tags: vec![("env".into(), "prod".into()), ("k2".into(), String::new())],
            resource_group_id: Some("rg-abc".into()),
            retention_days: None,
        };
        let r = req(o);
        let c = copy(&r, "cn-shanghai");
        assert_eq!(
            (c.method, c.path.as_str(), c.region.as_str()),
            ("POST", "/", "cn-hangzhou")
        );
        for (k, v) in [
            ("Action", "CopyImage"),
            ("Version", "2014-05-26"),
            ("RegionId", "cn-hangzhou"),
            ("ImageId", "m-bp1abc"),
            ("DestinationRegionId", "cn-shanghai"),
            ("DestinationImageName", "golden-1"),
            ("DestinationDescription", "copy of golden"),
            ("Encrypted", "true"),
            ("KMSKeyId", "key-1"),
            ("Tag.1.Key", "env"),
            ("Tag.1.Value", "prod"),
            ("Tag.2.Key", "k2"),
            ("Tag.2.Value", ""),
            ("ResourceGroupId", "rg-abc"),
        ] {
            assert_eq!(q(&c, k).as_deref(), Some(v), "{k}");
        }
        let token = q(&c, "ClientToken").unwrap();
        assert!(token.len() <= 64 && token.is_ascii());
        assert_eq!(token, client_token(&r, "cn-shanghai"));
        assert_ne!(
            token,
            client_token(&r, "cn-beijing"),
            "one token per destination"
        );
        assert_eq!(c.safety, Safety::Idempotent);
    }

    #[test]
    fn describe_asks_for_every_status() {
        let c = describe_images("cn-shanghai", &["m-1", "m-2"]);
        assert_eq!(q(&c, "ImageId").as_deref(), Some("m-1,m-2"));
        assert_eq!(q(&c, "Status").as_deref(), Some(ALL_STATUSES));
        assert_eq!(q(&c, "PageSize").as_deref(), Some("100"));
    }

    #[test]
    fn validation_names_the_flag() {
        type Case = (
            Box<dyn Fn(&mut CopyRequest, &mut AlibabaOptions)>,
            &'static str,
        );
        let cases: Vec<Case> = vec![
            (Box::new(|r, _| r.source_id = "i-123".into()), "--id"),
            (
                Box::new(|r, _| r.source_region = "cn-mars".into()),
                "--region",
            ),
            (
                Box::new(|r, _| r.dest_regions = vec!["cn-hangzhou".into()]),
                "--dest",
            ),
            (
                Box::new(|r, _| r.dest_regions = vec!["cn-shanghai".into(), "cn-shanghai".into()]),
                "--dest",
            ),
            (Box::new(|r, _| r.dest_regions.clear()), "--dest"),
            (Box::new(|r, _| r.name = Some("a".into())), "--name"),
            (Box::new(|r, _| r.name = Some("1abc".into())), "--name"),
            (Box::new(|r, _| r.name = Some("aliyun-x".into())), "--name"),
            (Box::new(|r, _| r.name = Some("ahttp://x".into())), "--name"),
            (Box::new(|r, _| r.name = Some("a b".into())), "--name"),
            (Box::new(|r, _| r.name = Some("a".repeat(129))), "--name"),
            (
                Box::new(|r, _| r.description = Some("x".into())),
                "--description",
            ),
            (
                Box::new(|r, _| r.description = Some("https://x".into())),
                "--description",
            ),
            (
                Box::new(|r, _| r.description = Some("d".repeat(257))),
                "--description",
            ),
            (
                Box::new(|_, o| {
                    o.tags = (0..21).map(|i| (format!("k{i}"), String::new())).collect()
                }),
                "--tag",
            ),
            (
                Box::new(|_, o| o.tags = vec![(String::new(), "v".into())]),
                "--tag",
            ),
            (
                Box::new(|_, o| o.tags = vec![("acs:x".into(), "v".into())]),
                "--tag",
            ),
            (
                Box::new(|_, o| o.tags = vec![("k".into(), "acs:v".into())]),
                "--tag",
            ),
            (
                Box::new(|_, o| o.tags = vec![("k".into(), "v".repeat(129))]),
                "--tag",
            ),
            (
                Box::new(|_, o| o.kms_key_id = Some("k".into())),
                "--kms-key-id",
            ),
            (
                Box::new(|_, o| o.resource_group_id = Some("group".into())),
                "--resource-group-id",
            ),
        ];
        for (i, (mutate, flag)) in cases.iter().enumerate() {
            let mut r = req(AlibabaOptions::default());
            let mut o = AlibabaOptions::default();
            mutate(&mut r, &mut o);
            if o != AlibabaOptions::default() {
                r.options = CloudOptions::Alibaba(o);
            }
            let e = validate(&r, false).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Usage, "case {i}");
            assert!(e.message().starts_with(flag), "case {i}: {}", e.message());
        }
        assert!(validate(&req(AlibabaOptions::default()), false).is_ok());
        let mut r = req(AlibabaOptions::default());
        r.name = Some("镜像.v1:prod_x-2".into());
        assert!(validate(&r, false).is_ok());
    }
}
