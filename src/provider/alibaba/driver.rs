//! Alibaba Cloud ECS as imgcopy's registry sees it.

use super::{api, AlibabaProvider};
use crate::config::{Credentials, Endpoint, EnvMap};
use crate::error::Result;
use crate::model::{CopyRequest, Kind};
use crate::provider::driver::{CloudDriver, EnvNames, Probe, Setup};
use crate::provider::{PlannedCall, Provider};
use std::sync::Arc;

/// The Alibaba Cloud driver.
pub struct Alibaba;

impl CloudDriver for Alibaba {
    fn title(&self) -> &'static str {
        "Alibaba Cloud"
    }

    fn regions(&self) -> &'static [&'static str] {
        api::REGIONS
    }

    fn default_endpoint(&self) -> &'static str {
        "https://ecs.{region}.aliyuncs.com"
    }

    /// Every call carries `RegionId`.
    fn region_in_request(&self) -> bool {
        true
    }

    fn credential_env(&self) -> EnvNames {
        EnvNames {
            access_key_id: "ALIBABA_CLOUD_ACCESS_KEY_ID",
            secret_access_key: "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
            session_token: "ALIBABA_CLOUD_SECURITY_TOKEN",
        }
    }

    fn shared_credentials(&self, env: &EnvMap) -> Result<Option<Credentials>> {
        super::credentials::credentials(env)
    }

    fn shared_source(&self, env: &EnvMap) -> Option<String> {
        Some(super::credentials::source(env))
    }

    fn standard_region(&self, env: &EnvMap) -> Option<(String, String)> {
        crate::config::env_setting(env, "ALIBABA_CLOUD_REGION_ID")
    }

    fn secret_names(&self) -> &'static [&'static str] {
        &["x-acs-security-token", "securitytoken", "signature"]
    }

    fn validate(&self, req: &CopyRequest, any_region: bool) -> Result<()> {
        api::validate(req, any_region)
    }

    fn check_id(&self, kind: Kind, id: &str) -> Result<()> {
        api::check_kind_id(kind, id)
    }

    fn validate_cancel(&self, kind: Kind, id: &str, region: &str, any_region: bool) -> Result<()> {
        if kind == Kind::Snapshot {
            return Err(crate::error::Error::usage(
                "cancel",
                "ECS has no call to cancel a snapshot copy",
            ));
        }
        self.check_id(kind, id)?;
        self.check_region("--region", region, any_region)
    }

    fn plan(&self, req: &CopyRequest, endpoint: &Endpoint) -> Result<Vec<PlannedCall>> {
        super::plan(req, endpoint)
    }

    fn plan_lookup(
        &self,
        kind: Kind,
        region: &str,
        id: &str,
        endpoint: &Endpoint,
    ) -> Result<PlannedCall> {
        super::plan_lookup(kind, region, id, endpoint)
    }

    fn token_for(&self, req: &CopyRequest, dest: &str) -> Option<String> {
        Some(api::client_token(req, dest))
    }

    fn probe(&self) -> Probe {
        Probe {
            region: "cn-hangzhou",
            absent_image_id: "m-imgcopydoctor0",
            permissions: &[
                "ecs:DescribeImages, ecs:CopyImage, ecs:CancelCopyImage (cancel)",
                "kms: the key's use permission for --encrypted copies",
            ],
        }
    }

    fn build(&self, s: Setup<'_>) -> Result<Arc<dyn Provider>> {
        Ok(Arc::new(AlibabaProvider::new(
            s.client,
            s.credentials,
            s.endpoint,
            s.concurrency,
        )))
    }
}
