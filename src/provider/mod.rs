//! The seam between the engine and each cloud: validated requests in, records and updates out.

pub mod baidu;

use crate::config::Endpoint;
use crate::error::Result;
use crate::model::{Cloud, CopyRecord, CopyRequest, Kind, PollUpdate};
use async_trait::async_trait;

/// One request `submit` would send, as `--dry-run` prints it (never signed, never secret).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PlannedCall {
    pub method: String,
    pub url: String,
    pub body: Option<String>,
}

#[async_trait]
pub trait Provider: Send + Sync {
    fn cloud(&self) -> Cloud;

    /// Starts the copies of `req`: one record per destination region, including the ones the
    /// cloud refused. An `Err` means no copy was started at all.
    async fn submit(&self, req: &CopyRequest) -> Result<Vec<CopyRecord>>;

    /// Looks at in-flight copies; one result per record, in order.
    async fn poll(&self, records: &[CopyRecord]) -> Vec<Result<PollUpdate>>;

    /// Stops a copy in progress in `region` (the destination copy's id).
    async fn cancel(&self, kind: Kind, region: &str, dest_id: &str) -> Result<()>;
}

/// Checks a request against its cloud's documented rules. No I/O, no credentials needed.
pub fn validate(req: &CopyRequest) -> Result<()> {
    match req.cloud {
        Cloud::Baidu => baidu::api::validate(req),
    }
}

/// The calls `submit` would make for `req` (for `--dry-run`).
pub fn plan(req: &CopyRequest, endpoint: &Endpoint) -> Result<Vec<PlannedCall>> {
    match req.cloud {
        Cloud::Baidu => baidu::plan(req, endpoint),
    }
}

/// Checks the arguments of a cancel before anything is sent.
pub fn validate_cancel(cloud: Cloud, kind: Kind, id: &str, region: &str) -> Result<()> {
    match cloud {
        Cloud::Baidu => {
            baidu::api::check_id(kind, id)?;
            baidu::api::check_region("--region", region)
        }
    }
}
