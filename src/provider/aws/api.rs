//! Pure builders of EC2 query calls (2016-11-15) and the input rules.

use super::driver::Aws;
use super::options::AwsOptions;
use crate::error::{Error, Result};
use crate::http::Safety;
use crate::model::{CloudOptions, CopyRequest, Kind};
use crate::provider::driver::CloudDriver;
use crate::provider::ApiCall;
use crate::sign::enc;

pub const VERSION: &str = "2016-11-15";

/// The tag a snapshot copy carries so a re-run finds it (CopySnapshot has no ClientToken).
pub use crate::provider::{SOURCE_TAG, SPEC_TAG};

/// EC2's limit on snapshot copies in progress into one destination region, as its
/// ResourceLimitExceeded message states it (some accounts have more; the limit error is
/// also handled when it comes anyway).
pub const SNAPSHOT_COPY_SLOTS: usize = 5;

/// Ids per DescribeImages / DescribeSnapshots call.
pub const MAX_IDS: usize = 100;

/// EC2 regions: `data/endpoints.json` of botocore 1.43.127 (pinned in conformance/), the
/// `aws`, `aws-cn` (`amazonaws.com.cn`) and `aws-us-gov` partitions; `us-east-1` first, as
/// look-ups for a source go in this order.
pub const REGIONS: &[&str] = &[
    "us-east-1",
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "cn-north-1",
    "cn-northwest-1",
    "us-gov-east-1",
    "us-gov-west-1",
];

pub fn options(req: &CopyRequest) -> AwsOptions {
    match &req.options {
        CloudOptions::Aws(o) => o.clone(),
        _ => AwsOptions::default(),
    }
}

/// Form encoding as the AWS SDKs write it (Python's `urlencode`): `A-Za-z0-9_.-~` literal,
/// space as `+`, everything else `%XX`. Servers that re-encode the parsed form to check the
/// signature (moto) get the same bytes back.
pub fn form(s: &str) -> String {
    enc(s).replace("%20", "+")
}

/// A form-encoded EC2 call of `action` to `region`.
fn query_call(
    region: &str,
    action: &str,
    params: Vec<(String, String)>,
    safety: Safety,
) -> ApiCall {
    let mut all = vec![
        ("Action".to_string(), action.to_string()),
        ("Version".to_string(), VERSION.to_string()),
    ];
    all.extend(params);
    let body = all
        .iter()
        .map(|(k, v)| format!("{}={}", form(k), form(v)))
        .collect::<Vec<_>>()
        .join("&");
    ApiCall {
        method: "POST",
        region: region.to_string(),
        path: "/".to_string(),
        query: Vec::new(),
        headers: vec![(
            "content-type".to_string(),
            "application/x-www-form-urlencoded; charset=utf-8".to_string(),
        )],
        body: Some(body),
        safety,
    }
}

/// The KMS key for `dest`: its own `--kms-key`, else `--kms-key-id`.
pub fn kms_key(o: &AwsOptions, dest: &str) -> Option<String> {
    o.kms_keys.get(dest).or(o.kms_key_id.as_ref()).cloned()
}

fn tag_spec(resource: &str, tags: &[(String, String)]) -> Vec<(String, String)> {
    if tags.is_empty() {
        return Vec::new();
    }
    let mut p = vec![(
        "TagSpecification.1.ResourceType".to_string(),
        resource.to_string(),
    )];
    for (i, (k, v)) in tags.iter().enumerate() {
        p.push((format!("TagSpecification.1.Tag.{}.Key", i + 1), k.clone()));
        p.push((format!("TagSpecification.1.Tag.{}.Value", i + 1), v.clone()));
    }
    p
}

/// A ClientToken from everything that defines the image copy to `dest` (≤ 64 ASCII).
pub fn client_token(req: &CopyRequest, dest: &str) -> String {
    let o = options(req);
    // Tags are a set: any order is the same request.
    let mut tags: Vec<String> = o.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
    tags.sort();
    let key = kms_key(&o, dest).unwrap_or_default();
    let mut fields: Vec<&str> = vec![
        "imgcopy/v1|aws",
        &req.source_region,
        &req.source_id,
        dest,
        req.name.as_deref().unwrap_or(""),
        req.description.as_deref().unwrap_or(""),
        if o.encrypted { "encrypted" } else { "" },
        &key,
        if o.copy_tags { "copy-tags" } else { "" },
    ];
    fields.extend(tags.iter().map(String::as_str));
    crate::provider::derived_token(req, dest, &fields)
}

fn common_copy_params(req: &CopyRequest, dest: &str, source_key: &str) -> Vec<(String, String)> {
    let o = options(req);
    let mut p = vec![
        ("SourceRegion".to_string(), req.source_region.clone()),
        (source_key.to_string(), req.source_id.clone()),
    ];
    if let Some(d) = &req.description {
        p.push(("Description".into(), d.clone()));
    }
    if o.encrypted {
        p.push(("Encrypted".into(), "true".into()));
    }
    if let Some(k) = kms_key(&o, dest) {
        p.push(("KmsKeyId".into(), k));
    }
    p
}

/// What makes a copy into `dest` the one asked for (see `provider::spec_mark`).
pub fn spec(req: &CopyRequest, dest: &str) -> String {
    let o = options(req);
    let key = kms_key(&o, dest).unwrap_or_default();
    crate::provider::spec_mark(
        req,
        dest,
        &[
            "aws",
            req.name.as_deref().unwrap_or(""),
            if o.encrypted { "encrypted" } else { "" },
            &key,
        ],
    )
}

/// The user's tags, then the provenance tags every copy carries (ours win over a copied
/// source tag of the same key).
fn tags_with_provenance(req: &CopyRequest, dest: &str) -> Vec<(String, String)> {
    let mut tags = options(req).tags;
    tags.push((SOURCE_TAG.to_string(), source_tag_value(req)));
    tags.push((SPEC_TAG.to_string(), spec(req, dest)));
    tags
}

/// `CopyImage`, sent to the destination region, with a derived ClientToken and the
/// provenance tags (what `cancel` checks before it deregisters anything).
pub fn copy_image(req: &CopyRequest, dest: &str) -> ApiCall {
    let o = options(req);
    let mut p = common_copy_params(req, dest, "SourceImageId");
    p.push(("Name".into(), req.name.clone().unwrap_or_default()));
    if o.copy_tags {
        p.push(("CopyImageTags".into(), "true".into()));
    }
    p.extend(tag_spec("image", &tags_with_provenance(req, dest)));
    p.push(("ClientToken".into(), client_token(req, dest)));
    query_call(dest, "CopyImage", p, Safety::Idempotent)
}

/// The provenance value a snapshot copy is tagged with.
pub fn source_tag_value(req: &CopyRequest) -> String {
    format!("{}/{}", req.source_region, req.source_id)
}

/// `CopySnapshot`, sent to the destination region; it takes no token, so it carries the
/// provenance tag that `find_snapshot_copy` looks for.
pub fn copy_snapshot(req: &CopyRequest, dest: &str) -> ApiCall {
    let mut p = common_copy_params(req, dest, "SourceSnapshotId");
    // Sent as botocore sends it (with the PresignedUrl the signer adds).
    p.push(("DestinationRegion".into(), dest.to_string()));
    p.extend(tag_spec("snapshot", &tags_with_provenance(req, dest)));
    query_call(dest, "CopySnapshot", p, Safety::NotIdempotent)
}

/// Snapshot copies already made from the same source in `dest` (by the provenance tag).
pub fn find_snapshot_copy(req: &CopyRequest, dest: &str) -> ApiCall {
    query_call(
        dest,
        "DescribeSnapshots",
        vec![
            ("Owner.1".into(), "self".into()),
            ("Filter.1.Name".into(), format!("tag:{SOURCE_TAG}")),
            ("Filter.1.Value.1".into(), source_tag_value(req)),
        ],
        Safety::Idempotent,
    )
}

/// DescribeImages or DescribeSnapshots for up to 100 ids in one region.
pub fn describe(kind: Kind, region: &str, ids: &[&str]) -> ApiCall {
    let (name, key) = match kind {
        Kind::Image => ("DescribeImages", "ImageId"),
        Kind::Snapshot => ("DescribeSnapshots", "SnapshotId"),
    };
    let p = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (format!("{key}.{}", i + 1), id.to_string()))
        .collect();
    query_call(region, name, p, Safety::Idempotent)
}

/// `DeregisterImage`: how a pending AMI copy is stopped.
pub fn deregister_image(region: &str, image_id: &str) -> ApiCall {
    query_call(
        region,
        "DeregisterImage",
        vec![("ImageId".into(), image_id.to_string())],
        Safety::NotIdempotent,
    )
}

pub fn check_id(kind: Kind, id: &str) -> Result<()> {
    let prefix = match kind {
        Kind::Image => "ami-",
        Kind::Snapshot => "snap-",
    };
    let rest = id.strip_prefix(prefix).unwrap_or("");
    if !(rest.len() == 8 || rest.len() == 17) || !rest.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(Error::usage(
            "--id",
            format!(
                "`{id}` is not a valid {kind} id (`{prefix}` and 8 or 17 hexadecimal characters)"
            ),
        ));
    }
    Ok(())
}

/// AMI names: 3–128 characters of letters, digits, `( ) [ ] . / - ' @ _` and spaces.
pub fn check_name(name: &str) -> Result<()> {
    let n = name.chars().count();
    if !(3..=128).contains(&n) {
        return Err(Error::usage(
            "--name",
            format!("must be 3 to 128 characters long (it has {n})"),
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || "()[]./-'@_ ".contains(c)))
    {
        return Err(Error::usage(
            "--name",
            format!("`{bad}` is not allowed in an AMI name"),
        ));
    }
    Ok(())
}

/// `any_region`: another endpoint is in use, so any well-formed region name is accepted.
pub fn validate(req: &CopyRequest, any_region: bool) -> Result<()> {
    check_id(req.kind, &req.source_id)?;
    Aws.check_region("--region", &req.source_region, any_region)?;
    crate::provider::check_dests(&req.dest_regions, |d| {
        Aws.check_region("--dest", d, any_region)
    })?;
    match (&req.name, req.kind) {
        (Some(n), Kind::Image) => check_name(n)?,
        (None, Kind::Image) => return Err(Error::usage("--name", "an AMI copy needs a name")),
        (Some(_), Kind::Snapshot) => {
            return Err(Error::usage(
                "--name",
                "snapshot copies take a --description, not a name",
            ))
        }
        (None, Kind::Snapshot) => {}
    }
    if let Some(d) = &req.description {
        if d.chars().count() > 255 {
            return Err(Error::usage(
                "--description",
                "must be at most 255 characters",
            ));
        }
    }
    let o = options(req);
    if (o.kms_key_id.is_some() || !o.kms_keys.is_empty()) && !o.encrypted {
        return Err(Error::usage("--kms-key-id", "a KMS key needs --encrypted"));
    }
    for (r, k) in &o.kms_keys {
        if !req.dest_regions.contains(r) {
            return Err(Error::usage(
                "--kms-key",
                format!("`{r}` is not a destination (--dest)"),
            ));
        }
        if k.is_empty() {
            return Err(Error::usage(
                "--kms-key",
                format!("the key for `{r}` is empty"),
            ));
        }
    }
    if o.copy_tags && req.kind == Kind::Snapshot {
        return Err(Error::usage("--copy-tags", "is for image copies"));
    }
    crate::provider::check_unique_tag_keys(&o.tags)?;
    // EC2 takes 50 tags per resource; imgcopy's two provenance tags are among them.
    if o.tags.len() > 48 {
        return Err(Error::usage(
            "--tag",
            "at most 48 tags (EC2 takes 50; imgcopy adds its two provenance tags)",
        ));
    }
    for (k, v) in &o.tags {
        if k.is_empty()
            || k.chars().count() > 128
            || k.starts_with("aws:")
            || k.starts_with("imgcopy:")
            || v.chars().count() > 256
        {
            return Err(Error::usage(
                "--tag",
                format!("`{k}`: keys are 1 to 128 characters and may not start with aws: or imgcopy: (imgcopy's own), values up to 256"),
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

    fn req(kind: Kind, o: AwsOptions) -> CopyRequest {
        CopyRequest {
            cloud: Cloud::Aws,
            kind,
            source_id: if kind == Kind::Image {
                "ami-0123456789abcdef0"
            } else {
                "snap-0123456789abcdef0"
            }
            .into(),
            source_region: "us-east-1".into(),
            dest_regions: vec!["eu-west-1".into(), "ap-southeast-1".into()],
            name: (kind == Kind::Image).then(|| "golden 2026 (x86)".into()),
            client_token: None,
            description: Some("golden copy".into()),
            options: CloudOptions::Aws(o),
            force_new: None,
            attempts: Default::default(),
        }
    }

    fn body(c: &ApiCall) -> Vec<(String, String)> {
        c.body
            .as_deref()
            .unwrap()
            .split('&')
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap();
                let d = |s: &str| {
                    percent_encoding::percent_decode_str(&s.replace('+', " "))
                        .decode_utf8_lossy()
                        .into_owned()
                };
                (d(k), d(v))
            })
            .collect()
    }

    fn get(c: &ApiCall, k: &str) -> Option<String> {
        body(c).into_iter().find(|(a, _)| a == k).map(|(_, v)| v)
    }

    #[test]
    fn copy_image_goes_to_the_destination_with_a_token() {
        let o = AwsOptions {
            encrypted: true,
            kms_key_id: Some("alias/default-key".into()),
            kms_keys: [("ap-southeast-1".to_string(), "alias/sg".to_string())].into(),
            copy_tags: true,
            tags: vec![("env".into(), "prod".into())],
        };
        let r = req(Kind::Image, o);
        let c = copy_image(&r, "eu-west-1");
        assert_eq!(
            (c.region.as_str(), c.method, c.path.as_str()),
            ("eu-west-1", "POST", "/")
        );
        assert_eq!(body(&c)[0], ("Action".to_string(), "CopyImage".to_string()));
        for (k, v) in [
            ("Version", "2016-11-15"),
            ("SourceRegion", "us-east-1"),
            ("SourceImageId", "ami-0123456789abcdef0"),
            ("Name", "golden 2026 (x86)"),
            ("Description", "golden copy"),
            ("Encrypted", "true"),
            ("KmsKeyId", "alias/default-key"),
            ("CopyImageTags", "true"),
            ("TagSpecification.1.ResourceType", "image"),
            ("TagSpecification.1.Tag.1.Key", "env"),
            ("TagSpecification.1.Tag.1.Value", "prod"),
        ] {
            assert_eq!(get(&c, k).as_deref(), Some(v), "{k}");
        }
        assert_eq!(
            get(&copy_image(&r, "ap-southeast-1"), "KmsKeyId").as_deref(),
            Some("alias/sg")
        );
        let t = get(&c, "ClientToken").unwrap();
        assert_eq!(t, client_token(&r, "eu-west-1"));
        assert_ne!(t, client_token(&r, "ap-southeast-1"));
        assert_eq!(c.safety, Safety::Idempotent);
    }

    #[test]
    fn copy_snapshot_carries_the_provenance_tag() {
        let r = req(Kind::Snapshot, AwsOptions::default());
        let c = copy_snapshot(&r, "eu-west-1");
        assert_eq!(
            get(&c, "SourceSnapshotId").as_deref(),
            Some("snap-0123456789abcdef0")
        );
        assert_eq!(
            get(&c, "TagSpecification.1.Tag.1.Key").as_deref(),
            Some(SOURCE_TAG)
        );
        assert_eq!(
            get(&c, "TagSpecification.1.Tag.1.Value").as_deref(),
            Some("us-east-1/snap-0123456789abcdef0")
        );
        assert_eq!(c.safety, Safety::NotIdempotent);
        let f = find_snapshot_copy(&r, "eu-west-1");
        assert_eq!(
            get(&f, "Filter.1.Name").as_deref(),
            Some("tag:imgcopy:source")
        );
        let d = describe(Kind::Image, "eu-west-1", &["ami-1", "ami-2"]);
        assert_eq!(get(&d, "ImageId.2").as_deref(), Some("ami-2"));
    }

    #[test]
    fn validation_names_the_flag() {
        type Case = (
            Kind,
            Box<dyn Fn(&mut CopyRequest, &mut AwsOptions)>,
            &'static str,
        );
        let cases: Vec<Case> = vec![
            (
                Kind::Image,
                Box::new(|r, _| r.source_id = "ami-xyz".into()),
                "--id",
            ),
            (
                Kind::Image,
                Box::new(|r, _| r.source_id = "snap-0123456789abcdef0".into()),
                "--id",
            ),
            (
                Kind::Snapshot,
                Box::new(|r, _| r.source_id = "snap-12".into()),
                "--id",
            ),
            (
                Kind::Image,
                Box::new(|r, _| r.source_region = "us-mars-1".into()),
                "--region",
            ),
            (
                Kind::Image,
                Box::new(|r, _| r.dest_regions = vec!["eu-west-9".into()]),
                "--dest",
            ),
            (
                Kind::Image,
                Box::new(|r, _| r.dest_regions = vec!["eu-west-1".into(), "eu-west-1".into()]),
                "--dest",
            ),
            (Kind::Image, Box::new(|r, _| r.name = None), "--name"),
            (
                Kind::Image,
                Box::new(|r, _| r.name = Some("ab".into())),
                "--name",
            ),
            (
                Kind::Image,
                Box::new(|r, _| r.name = Some("a*b!".into())),
                "--name",
            ),
            (
                Kind::Snapshot,
                Box::new(|r, _| r.name = Some("x".into())),
                "--name",
            ),
            (
                Kind::Image,
                Box::new(|r, _| r.description = Some("d".repeat(256))),
                "--description",
            ),
            (
                Kind::Image,
                Box::new(|_, o| o.kms_key_id = Some("k".into())),
                "--kms-key-id",
            ),
            (
                Kind::Image,
                Box::new(|_, o| {
                    o.encrypted = true;
                    o.kms_keys.insert("us-west-2".into(), "k".into());
                }),
                "--kms-key",
            ),
            (
                Kind::Snapshot,
                Box::new(|_, o| o.copy_tags = true),
                "--copy-tags",
            ),
            (
                Kind::Image,
                Box::new(|_, o| o.tags = vec![("aws:x".into(), "v".into())]),
                "--tag",
            ),
        ];
        for (i, (kind, mutate, flag)) in cases.iter().enumerate() {
            let mut r = req(*kind, AwsOptions::default());
            let mut o = AwsOptions::default();
            mutate(&mut r, &mut o);
            if o != AwsOptions::default() {
                r.options = CloudOptions::Aws(o);
            }
            let e = validate(&r, false).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Usage, "case {i}");
            assert!(e.message().starts_with(flag), "case {i}: {}", e.message());
        }
        assert!(validate(&req(Kind::Image, AwsOptions::default()), false).is_ok());
        assert!(validate(&req(Kind::Snapshot, AwsOptions::default()), false).is_ok());
    }
}
