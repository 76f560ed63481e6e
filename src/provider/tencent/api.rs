//! Pure request builders and rules for Tencent Cloud CVM images (API 2017-03-12): SyncImages
//! and DescribeImages, JSON POSTs to one host; the region travels in `X-TC-Region`.

use super::driver::Tencent;
use super::options::TencentOptions;
use crate::error::{Error, Result};
use crate::http::Safety;
use crate::model::{CloudOptions, CopyRequest, Kind};
use crate::provider::driver::CloudDriver;
use crate::provider::ApiCall;
use serde_json::json;

pub const VERSION: &str = "2017-03-12";
/// The signature's service name.
pub const SERVICE: &str = "cvm";
/// The most `ImageIds` one DescribeImages takes (its `Limit`).
pub const MAX_IDS: usize = 100;
/// The longest image name SyncImages takes.
pub const NAME_MAX: usize = 60;

/// CVM's regions (the region list of the CVM API documentation; DescribeRegions answers the
/// same for an account with every region open).
pub const REGIONS: &[&str] = &[
    "ap-bangkok",
    "ap-beijing",
    "ap-chengdu",
    "ap-chongqing",
    "ap-guangzhou",
    "ap-hongkong",
    "ap-jakarta",
    "ap-mumbai",
    "ap-nanjing",
    "ap-seoul",
    "ap-shanghai",
    "ap-shanghai-fsi",
    "ap-shenzhen-fsi",
    "ap-singapore",
    "ap-tokyo",
    "eu-frankfurt",
    "na-ashburn",
    "na-siliconvalley",
    "sa-saopaulo",
];

pub fn options(req: &CopyRequest) -> TencentOptions {
    match &req.options {
        CloudOptions::Tencent(o) => o.clone(),
        _ => TencentOptions::default(),
    }
}

fn call(action: &str, region: &str, body: serde_json::Value, safety: Safety) -> ApiCall {
    ApiCall {
        method: "POST",
        region: region.to_string(),
        path: "/".into(),
        query: Vec::new(),
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("x-tc-action".into(), action.into()),
            ("x-tc-version".into(), VERSION.into()),
            ("x-tc-region".into(), region.into()),
        ],
        body: Some(body.to_string()),
        safety,
    }
}

/// The name every copy is sent with (`--name`, else the source's): an earlier copy is found
/// again by it.
pub fn copy_name(req: &CopyRequest, source_name: &str) -> String {
    req.name.clone().unwrap_or_else(|| source_name.to_string())
}

/// SyncImages of the source into one destination, asking for the copy's id back. It takes no
/// client token: not idempotent.
pub fn sync_images(req: &CopyRequest, dest: &str, name: &str) -> ApiCall {
    let o = options(req);
    let mut body = json!({
        "ImageIds": [req.source_id],
        "DestinationRegions": [dest],
        "ImageName": name,
        "ImageSetRequired": true,
    });
    if o.encrypted {
        body["Encrypt"] = json!(true);
        if let Some(k) = &o.kms_key_id {
            body["KmsKeyId"] = json!(k);
        }
    }
    call(
        "SyncImages",
        &req.source_region,
        body,
        Safety::NotIdempotent,
    )
}

/// DescribeImages of up to `MAX_IDS` images in `region`.
pub fn describe_images(region: &str, ids: &[&str]) -> ApiCall {
    let body = json!({ "ImageIds": ids, "Limit": MAX_IDS });
    call("DescribeImages", region, body, Safety::Idempotent)
}

/// The account's own images in `region` named `name` (an earlier copy, found again).
pub fn images_named(region: &str, name: &str) -> ApiCall {
    let body = json!({
        "Filters": [
            { "Name": "image-name", "Values": [name] },
            { "Name": "image-type", "Values": ["PRIVATE_IMAGE"] },
        ],
        "Limit": MAX_IDS,
    });
    call("DescribeImages", region, body, Safety::Idempotent)
}

/// An image id: `img-` and 8 lower-case letters or digits.
pub fn check_id(id: &str) -> Result<()> {
    let ok = id.strip_prefix("img-").is_some_and(|rest| {
        rest.len() == 8
            && rest
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    });
    if ok {
        Ok(())
    } else {
        Err(Error::usage(
            "--id",
            format!(
                "`{id}` is not a Tencent Cloud image id (img- and 8 lower-case letters or digits)"
            ),
        ))
    }
}

/// At most 60 characters, no control characters.
pub fn check_name(name: &str) -> Result<()> {
    let n = name.chars().count();
    if n == 0 || n > NAME_MAX || name.chars().any(char::is_control) {
        return Err(Error::usage(
            "--name",
            format!("must be 1 to {NAME_MAX} characters without control characters"),
        ));
    }
    Ok(())
}

/// The documented rules: an image id, a known source region, destinations that are not the
/// source region for a plain copy, and only the source region for an encrypted one.
pub fn validate(req: &CopyRequest, any_region: bool) -> Result<()> {
    if req.kind != Kind::Image {
        return Err(Error::usage("snapshot", "Tencent Cloud copies images only"));
    }
    check_id(&req.source_id)?;
    Tencent.check_region("--region", &req.source_region, any_region)?;
    crate::provider::check_dests(&req.dest_regions, |d| {
        Tencent.check_region("--dest", d, any_region)
    })?;
    if let Some(n) = &req.name {
        check_name(n)?;
    }
    if req.client_token.is_some() {
        return Err(Error::usage(
            "--client-token",
            "SyncImages takes no client token",
        ));
    }
    let o = options(req);
    if o.kms_key_id.is_some() && !o.encrypted {
        return Err(Error::usage("--kms-key-id", "needs --encrypted"));
    }
    if let Some(k) = &o.kms_key_id {
        if k.is_empty() || k.len() > 128 || !k.chars().all(|c| c.is_ascii_graphic()) {
            return Err(Error::usage(
                "--kms-key-id",
                format!("`{k}` is not a KMS key id"),
            ));
        }
    }
    if o.encrypted && req.dest_regions.iter().any(|d| *d != req.source_region) {
        return Err(Error::usage(
            "--encrypted",
            "SyncImages encrypts only a copy into the source region: give --dest the source region alone",
        ));
    }
    Ok(())
}
