//! The seam between the engine and each cloud: validated requests in, records and updates out.

pub mod alibaba;
pub mod aws;
pub mod baidu;
mod call;
mod checks;
pub mod driver;
mod fanout;
pub mod huawei;
mod provenance;
mod reconcile;
pub mod tencent;

use crate::error::Result;
use crate::model::{Cloud, CopyRecord, CopyRequest, Kind, PollUpdate};
use async_trait::async_trait;
pub use call::{call_url, planned, Api, ApiCall, PlannedCall};
pub use checks::{check_dests, check_region_in, derived_token};
pub use fanout::{poll_batched, poll_each, settle, submit_each};
pub use provenance::{
    adopted, check_unique_tag_keys, description_marker, guarded_cancel, source_mark, spec_mark,
    Target, Tie, Visibility, SOURCE_TAG, SPEC_TAG,
};
pub use reconcile::{find_or_copy, made_after, Listings, RECONCILE_ROUNDS};

/// A documented limit on copies running at once: copies with the same `key` share `max`
/// slots (Huawei's cross-region copies per tenant, EC2's snapshot copies per region).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slots {
    pub key: String,
    pub max: usize,
}

/// Reads a JSON `null` as the type's default: cloud replies put `null` where the SDK models
/// have an empty list, string or object, and that must not fail a reply.
pub fn null_default<'de, D, T>(d: D) -> std::result::Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + serde::Deserialize<'de>,
{
    use serde::Deserialize;
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[async_trait]
pub trait Provider: Send + Sync {
    fn cloud(&self) -> Cloud;

    /// Starts the copies of `req`: one record per destination region, including the ones the
    /// cloud refused. An `Err` means no copy was started at all.
    async fn submit(&self, req: &CopyRequest) -> Result<Vec<CopyRecord>>;

    /// Looks at in-flight copies; one result per record, in order.
    async fn poll(&self, records: &[CopyRecord]) -> Vec<Result<PollUpdate>>;

    /// Stops a copy in progress in `region` (the destination copy's id). Call it through
    /// `guarded_cancel`, which looks first.
    async fn cancel(&self, kind: Kind, region: &str, dest_id: &str) -> Result<()>;

    /// Looks at a copy before a destructive call: `None` when the region does not know it.
    async fn inspect(&self, kind: Kind, region: &str, id: &str) -> Result<Option<Target>>;

    /// The limit on copies running at once that a copy of `kind` from `source_region` into
    /// `dest` counts against, where the cloud documents one.
    fn slots(&self, _kind: Kind, _source_region: &str, _dest: &str) -> Option<Slots> {
        None
    }

    /// Whether a `--force-new` copy of `kind` can be found again (by its salted token or
    /// mark) after an unknown outcome or a kill; where not, a resumed forced copy is never
    /// sent twice.
    fn finds_forced_copies(&self, _kind: Kind) -> bool {
        true
    }

    /// Whether a refusal with `code` means such a limit was reached (wait, then resubmit).
    fn is_slot_error(&self, _code: &str) -> bool {
        false
    }
}
