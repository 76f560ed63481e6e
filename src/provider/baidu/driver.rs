//! Baidu Cloud BCC as imgcopy's registry sees it.

use super::{api, BaiduProvider};
use crate::config::{Credentials, Endpoint, EnvMap};
use crate::error::Result;
use crate::model::{CopyRequest, Kind};
use crate::provider::driver::{CloudDriver, EnvNames, Probe, Setup};
use crate::provider::{PlannedCall, Provider};
use std::sync::Arc;

/// The Baidu driver.
pub struct Baidu;

impl CloudDriver for Baidu {
    fn title(&self) -> &'static str {
        "Baidu"
    }

    fn regions(&self) -> &'static [&'static str] {
        api::REGIONS
    }

    fn default_endpoint(&self) -> &'static str {
        "https://bcc.{region}.baidubce.com"
    }

    fn region_in_request(&self) -> bool {
        false
    }

    fn credential_env(&self) -> EnvNames {
        EnvNames {
            access_key_id: "BCE_ACCESS_KEY_ID",
            secret_access_key: "BCE_SECRET_ACCESS_KEY",
            session_token: "BCE_SESSION_TOKEN",
        }
    }

    fn secret_names(&self) -> &'static [&'static str] {
        &["x-bce-security-token"]
    }

    fn shared_credentials(&self, env: &EnvMap) -> Result<Option<Credentials>> {
        super::credentials::credentials(env)
    }

    fn shared_source(&self, env: &EnvMap) -> Option<String> {
        super::credentials::source(env)
    }

    fn validate(&self, req: &CopyRequest, any_region: bool) -> Result<()> {
        api::validate(req, any_region)
    }

    fn check_id(&self, kind: Kind, id: &str) -> Result<()> {
        api::check_id(kind, id)
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

    /// Snapshot copies take a client token (one per destination); image copies do not.
    fn token_for(&self, req: &CopyRequest, dest: &str) -> Option<String> {
        (req.kind == Kind::Snapshot && req.client_token.is_none()).then(|| {
            api::client_token(&CopyRequest {
                dest_regions: vec![dest.to_string()],
                ..req.clone()
            })
        })
    }

    fn probe(&self) -> Probe {
        Probe {
            region: "bj",
            absent_image_id: "m-imgcopydoctor0",
            permissions: &[
                "BCC image: read (GET /v2/image, /v2/snapshot) and copy (remoteCopy, remote_copy)",
                "BCC image: cancelRemoteCopy (cancel)",
            ],
        }
    }

    fn build(&self, s: Setup<'_>) -> Result<Arc<dyn Provider>> {
        Ok(Arc::new(BaiduProvider::new(
            s.client,
            s.credentials,
            s.endpoint,
            s.concurrency,
        )))
    }
}
