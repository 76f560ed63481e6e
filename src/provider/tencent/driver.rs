//! Tencent Cloud CVM as imgcopy's registry sees it.

use super::{api, TencentProvider};
use crate::config::{Credentials, Endpoint, EnvMap, Secret};
use crate::error::{Error, ErrorKind, Result};
use crate::model::{CloudOptions, CopyRequest, Kind};
use crate::provider::driver::{CloudDriver, EnvNames, Probe, Setup};
use crate::provider::{PlannedCall, Provider};
use std::path::PathBuf;
use std::sync::Arc;

/// The Tencent Cloud driver.
pub struct Tencent;

/// tccli's credential file of `TCCLI_PROFILE` (else `default`): `~/.tccli/<profile>.credential`.
fn tccli_file(env: &EnvMap) -> Option<(String, PathBuf)> {
    let profile = env
        .get("TCCLI_PROFILE")
        .filter(|p| !p.is_empty())
        .cloned()
        .unwrap_or_else(|| "default".into());
    let home = env.get("HOME").filter(|h| !h.is_empty())?;
    let path = PathBuf::from(home)
        .join(".tccli")
        .join(format!("{profile}.credential"));
    Some((profile, path))
}

/// The official SDK's profile file (`ProfileCredential`): `~/.tencentcloud/credentials`, else
/// `/etc/tencentcloud/credentials`; INI, `[default]` `secret_id` and `secret_key`.
fn sdk_file(env: &EnvMap) -> Result<Option<Credentials>> {
    let home = env
        .get("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| PathBuf::from(h).join(".tencentcloud").join("credentials"));
    let system = PathBuf::from("/etc/tencentcloud/credentials");
    for path in home.into_iter().chain([system]) {
        let Some(text) = crate::config::read_if_present(&path)? else {
            continue;
        };
        let ini = ini::Ini::load_from_str(&text)
            .map_err(|e| Error::new(ErrorKind::Usage, format!("{}: {e}", path.display())))?;
        let sec = ini.section(Some("default"));
        let get = |k: &str| {
            sec.and_then(|s| s.get(k))
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        // As the SDK: a file without both keys is passed over.
        if let (Some(id), Some(key)) = (get("secret_id"), get("secret_key")) {
            return Ok(Some(Credentials {
                access_key_id: id.to_string(),
                secret_access_key: Secret::new(key),
                session_token: None,
            }));
        }
    }
    Ok(None)
}

impl CloudDriver for Tencent {
    fn title(&self) -> &'static str {
        "Tencent Cloud"
    }

    fn regions(&self) -> &'static [&'static str] {
        api::REGIONS
    }

    /// One host for every region (`cvm.intl.tencentcloudapi.com` abroad, with `--endpoint`).
    fn default_endpoint(&self) -> &'static str {
        "https://cvm.tencentcloudapi.com"
    }

    /// `X-TC-Region` names it.
    fn region_in_request(&self) -> bool {
        true
    }

    fn credential_env(&self) -> EnvNames {
        EnvNames {
            access_key_id: "TENCENTCLOUD_SECRET_ID",
            secret_access_key: "TENCENTCLOUD_SECRET_KEY",
            session_token: "TENCENTCLOUD_SESSION_TOKEN",
        }
    }

    fn secret_names(&self) -> &'static [&'static str] {
        &["x-tc-token"]
    }

    /// The SDK's profile file, then tccli's credential file (JSON: `secretId`, `secretKey`,
    /// and `token` for temporary keys).
    fn shared_credentials(&self, env: &EnvMap) -> Result<Option<Credentials>> {
        if let Some(c) = sdk_file(env)? {
            return Ok(Some(c));
        }
        let Some((profile, path)) = tccli_file(env) else {
            return Ok(None);
        };
        let Some(text) = crate::config::read_if_present(&path)? else {
            return Ok(None);
        };
        let v: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| Error::new(ErrorKind::Usage, format!("{}: {e}", path.display())))?;
        let get = |k: &str| v.get(k).and_then(|x| x.as_str()).filter(|s| !s.is_empty());
        match (get("secretId"), get("secretKey")) {
            (Some(id), Some(key)) => Ok(Some(Credentials {
                access_key_id: id.to_string(),
                secret_access_key: Secret::new(key),
                session_token: get("token").map(Secret::new),
            })),
            _ => Err(Error::auth(format!(
                "tccli profile {profile} ({}) has no secretId and secretKey",
                path.display()
            ))),
        }
    }

    fn shared_source(&self, env: &EnvMap) -> Option<String> {
        let tccli = tccli_file(env)
            .map(|(p, _)| format!(", then the tccli credential file (~/.tccli), profile `{p}`"))
            .unwrap_or_default();
        Some(format!(
            "the SDK's ~/.tencentcloud/credentials or /etc/tencentcloud/credentials [default]{tccli}"
        ))
    }

    fn standard_region(&self, env: &EnvMap) -> Option<(String, String)> {
        crate::config::env_setting(env, "TENCENTCLOUD_REGION")
    }

    /// SyncImages is limited to 10 requests per second.
    fn default_rate(&self) -> f64 {
        10.0
    }

    fn validate(&self, req: &CopyRequest, any_region: bool) -> Result<()> {
        api::validate(req, any_region)
    }

    fn check_id(&self, _kind: Kind, id: &str) -> Result<()> {
        api::check_id(id)
    }

    fn validate_cancel(&self, _: Kind, _: &str, _: &str, _: bool) -> Result<()> {
        Err(Error::usage(
            "cancel",
            "Tencent Cloud CVM has no call to cancel an image sync",
        ))
    }

    fn plan(&self, req: &CopyRequest, endpoint: &Endpoint) -> Result<Vec<PlannedCall>> {
        super::plan(req, endpoint)
    }

    fn plan_lookup(
        &self,
        _kind: Kind,
        region: &str,
        id: &str,
        endpoint: &Endpoint,
    ) -> Result<PlannedCall> {
        super::plan_lookup(region, id, endpoint)
    }

    /// An encrypting copy goes into the source region.
    fn same_region_copy(&self, req: &CopyRequest) -> bool {
        matches!(&req.options, CloudOptions::Tencent(o) if o.encrypted)
    }

    fn probe(&self) -> Probe {
        Probe {
            region: "ap-guangzhou",
            absent_image_id: "img-00000000",
            permissions: &[
                "cvm:DescribeImages (preflight, waiting), cvm:SyncImages",
                "kms: the key's use permission for --encrypted copies",
            ],
        }
    }

    fn build(&self, s: Setup<'_>) -> Result<Arc<dyn Provider>> {
        Ok(Arc::new(TencentProvider::new(
            s.client,
            s.credentials,
            s.endpoint,
            s.concurrency,
        )))
    }
}
