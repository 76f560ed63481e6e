//! Finding what an earlier run or an earlier try made before copying again, for clouds whose
//! copy calls take no client token.

use crate::error::Result;
use crate::http::Client;
use crate::model::{CopyRecord, CopyRequest};
use std::sync::Arc;

/// How many times a copy call without a client token is tried, looking for what an earlier
/// try made before each new one, when its outcome is unknown (timed out, connection broken,
/// server error, unreadable reply).
pub const RECONCILE_ROUNDS: u32 = 3;

/// Listings of a region's images, taken once per run for the first look before copying
/// (so a fan-out costs one listing per region, not one per copy). A region whose listing may
/// be stale (a copy call to it had an unknown outcome) is forgotten and listed afresh.
pub struct Listings<T> {
    cells: std::sync::Mutex<std::collections::HashMap<String, Arc<Listing<T>>>>,
}

/// One region's listing, fetched at most once.
type Listing<T> = tokio::sync::OnceCell<Arc<Vec<T>>>;

impl<T> Default for Listings<T> {
    fn default() -> Self {
        Listings {
            cells: Default::default(),
        }
    }
}

impl<T> Listings<T> {
    /// The region's listing, fetched by `fetch` the first time (concurrent callers share it).
    pub async fn get<F, Fut>(&self, region: &str, fetch: F) -> Result<Arc<Vec<T>>>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Vec<T>>>,
    {
        let cell = self
            .cells
            .lock()
            .expect("listings lock")
            .entry(region.to_string())
            .or_default()
            .clone();
        cell.get_or_try_init(|| async { fetch().await.map(Arc::new) })
            .await
            .cloned()
    }

    pub fn forget(&self, region: &str) {
        self.cells.lock().expect("listings lock").remove(region);
    }
}

/// Makes the copy of `req` in `dest` where the cloud takes no client token. Before each try,
/// `find` looks for a copy an earlier run (or an earlier try whose outcome was unknown) made,
/// and returns it adopted; otherwise `copy` sends the call. A call whose outcome is unknown is
/// tried again that way, `RECONCILE_ROUNDS` tries in all. `find` matches the request's
/// provenance mark, which carries the `--force-new` salt: a forced run finds only the copy it
/// made itself, so it looks (and reconciles) like any other.
pub async fn find_or_copy<F, FF, C, CF>(
    client: &Client,
    req: &CopyRequest,
    dest: &str,
    find: F,
    copy: C,
) -> Result<CopyRecord>
where
    F: Fn() -> FF,
    FF: std::future::Future<Output = Result<Option<CopyRecord>>>,
    C: Fn() -> CF,
    CF: std::future::Future<Output = Result<CopyRecord>>,
{
    let mut round = 1;
    loop {
        if let Some(found) = find().await? {
            return Ok(found);
        }
        match copy().await {
            Err(e) if e.outcome_unknown() && round < RECONCILE_ROUNDS => {
                tracing::warn!(
                    "{} {} to {dest}: {e}; looking for what the call made before trying again",
                    req.kind,
                    req.source_id
                );
                tokio::time::sleep(client.reconcile_pause(round)).await;
                round += 1;
            }
            done => return done,
        }
    }
}

/// Whether an image created at `candidate` can be a copy of a source created at `source`
/// (RFC 3339 times): a copy is never older than its source. Unknown times do not exclude.
pub fn made_after(candidate: Option<&str>, source: Option<&str>) -> bool {
    use time::format_description::well_known::Rfc3339;
    match (candidate, source) {
        (Some(c), Some(s)) => match (
            time::OffsetDateTime::parse(c, &Rfc3339),
            time::OffsetDateTime::parse(s, &Rfc3339),
        ) {
            (Ok(c), Ok(s)) => c >= s,
            _ => true,
        },
        _ => true,
    }
}
