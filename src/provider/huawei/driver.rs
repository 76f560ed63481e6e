//! Huawei Cloud IMS as imgcopy's registry sees it.

use super::project::ProjectIds;
use super::{api, HuaweiProvider};
use crate::config::{Credentials, Endpoint, EnvMap};
use crate::error::{Error, Result};
use crate::model::{CopyRequest, Kind};
use crate::provider::driver::{CloudDriver, EnvNames, Probe, Setup};
use crate::provider::{PlannedCall, Provider};
use std::sync::Arc;

/// The Huawei Cloud driver.
pub struct Huawei;

impl CloudDriver for Huawei {
    fn title(&self) -> &'static str {
        "Huawei Cloud"
    }

    fn regions(&self) -> &'static [&'static str] {
        api::REGIONS
    }

    fn default_endpoint(&self) -> &'static str {
        "https://ims.{region}.myhuaweicloud.com"
    }

    fn region_in_request(&self) -> bool {
        false
    }

    fn credential_env(&self) -> EnvNames {
        EnvNames {
            access_key_id: "HUAWEICLOUD_SDK_AK",
            secret_access_key: "HUAWEICLOUD_SDK_SK",
            session_token: "HUAWEICLOUD_SDK_SECURITY_TOKEN",
        }
    }

    fn secret_names(&self) -> &'static [&'static str] {
        &["x-security-token"]
    }

    fn shared_credentials(&self, env: &EnvMap) -> Result<Option<Credentials>> {
        super::credentials::credentials(env)
    }

    fn shared_source(&self, env: &EnvMap) -> Option<String> {
        super::credentials::source(env)
    }

    fn project_env(&self) -> Option<&'static str> {
        Some(super::project::PROJECT_ID_ENV)
    }

    fn validate(&self, req: &CopyRequest, any_region: bool) -> Result<()> {
        api::validate(req, any_region)
    }

    fn check_id(&self, _kind: Kind, id: &str) -> Result<()> {
        api::check_uuid("--id", id, "an image id")
    }

    fn validate_cancel(&self, _: Kind, _: &str, _: &str, _: bool) -> Result<()> {
        Err(Error::usage(
            "cancel",
            "Huawei IMS has no call to cancel an image copy",
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

    /// The in-region copy: the source region is the only destination.
    fn same_region_copy(&self, req: &CopyRequest) -> bool {
        req.dest_regions.iter().all(|d| *d == req.source_region)
    }

    fn probe(&self) -> Probe {
        Probe {
            region: "cn-north-4",
            absent_image_id: "00000000-0000-4000-8000-000000000000",
            permissions: &[
                "ims:images:list, ims:images:get (preflight, waiting)",
                "ims:images:copy (in-region), ims:images:crossRegionCopy + an IAM agency (--agency) in the destination",
                "ims:jobs:get (waiting)",
            ],
        }
    }

    fn build(&self, s: Setup<'_>) -> Result<Arc<dyn Provider>> {
        let mut ids = ProjectIds::resolve(s.project_ids, s.env, s.profile)?;
        // The SDK's profile file names a default project too (after the flags, the
        // environment and the imgcopy profile); the sandbox serves its own.
        if ids.default.is_none() {
            ids.default = match s.sandbox_project {
                Some(p) => Some(p.to_string()),
                None => super::credentials::project_id(s.env),
            };
            if s.sandbox_project.is_none() {
                if let Some(id) = &ids.default {
                    // It goes into request paths: checked like every other source of it.
                    super::project::check_project_id("project_id in the SDK credentials file", id)?;
                }
            }
        }
        Ok(Arc::new(HuaweiProvider::new(
            s.client,
            s.credentials,
            s.endpoint,
            ids,
            s.concurrency,
        )))
    }
}
