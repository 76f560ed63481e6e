//! Fan-out: one call per destination or batch of records, a bounded number at once, results
//! in order.

use crate::error::Result;
use crate::model::{CopyRecord, CopyRequest, PollUpdate};

/// Starts one copy per destination, `concurrency` at a time, and settles the outcomes.
pub async fn submit_each<F, Fut>(
    req: &CopyRequest,
    concurrency: usize,
    start: F,
) -> Result<Vec<CopyRecord>>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<CopyRecord>>,
{
    use futures::StreamExt;
    let outcomes = futures::stream::iter(req.dest_regions.iter().cloned())
        .map(|dest| {
            let started = start(dest.clone());
            async move { (dest, started.await) }
        })
        .buffered(concurrency.max(1))
        .collect()
        .await;
    settle(req, outcomes)
}

/// Turns per-destination outcomes into records. When every destination was refused for
/// credentials, that is the whole request's error (exit 3); otherwise each refusal is its
/// own destination's failed record, beside the copies that did start.
pub fn settle(
    req: &CopyRequest,
    outcomes: Vec<(String, Result<CopyRecord>)>,
) -> Result<Vec<CopyRecord>> {
    let auth =
        |r: &Result<CopyRecord>| matches!(r, Err(e) if e.kind() == crate::error::ErrorKind::Auth);
    if !outcomes.is_empty() && outcomes.iter().all(|(_, r)| auth(r)) {
        let (_, first) = outcomes.into_iter().next().expect("not empty");
        return Err(first.expect_err("every outcome is an error"));
    }
    let now = time::OffsetDateTime::now_utc();
    Ok(outcomes
        .into_iter()
        .map(|(dest, r)| r.unwrap_or_else(|e| CopyRecord::rejected(req, &dest, (&e).into(), now)))
        .collect())
}

/// Polls records in batches: grouped by `key` (e.g. region), at most `max` per call,
/// `concurrency` calls at once; `describe` answers one batch, results come back in record order
/// (for clouds whose status calls take many ids).
pub async fn poll_batched<K, F, Fut>(
    records: &[CopyRecord],
    key: impl Fn(&CopyRecord) -> K,
    max: usize,
    concurrency: usize,
    describe: F,
) -> Vec<Result<PollUpdate>>
where
    K: Ord + Clone,
    F: Fn(K, Vec<usize>) -> Fut,
    Fut: std::future::Future<Output = (Vec<usize>, Vec<Result<PollUpdate>>)>,
{
    use futures::StreamExt;
    let mut groups: std::collections::BTreeMap<K, Vec<usize>> = std::collections::BTreeMap::new();
    for (i, r) in records.iter().enumerate() {
        groups.entry(key(r)).or_default().push(i);
    }
    let batches: Vec<(K, Vec<usize>)> = groups
        .into_iter()
        .flat_map(|(k, idx)| {
            let chunks: Vec<Vec<usize>> = idx.chunks(max.max(1)).map(<[usize]>::to_vec).collect();
            chunks.into_iter().map(move |c| (k.clone(), c))
        })
        .collect();
    let answered: Vec<(Vec<usize>, Vec<Result<PollUpdate>>)> = futures::stream::iter(batches)
        .map(|(k, idx)| describe(k, idx))
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut out: Vec<Option<Result<PollUpdate>>> = (0..records.len()).map(|_| None).collect();
    for (idx, updates) in answered {
        for (i, u) in idx.into_iter().zip(updates) {
            out[i] = Some(u);
        }
    }
    out.into_iter()
        .map(|u| u.expect("every record is in one batch"))
        .collect()
}

/// Polls records one call each, `concurrency` at a time, results in record order
/// (for clouds whose status calls take one id).
pub async fn poll_each<F, Fut>(
    records: &[CopyRecord],
    concurrency: usize,
    poll_one: F,
) -> Vec<Result<PollUpdate>>
where
    F: Fn(CopyRecord) -> Fut,
    Fut: std::future::Future<Output = Result<PollUpdate>>,
{
    use futures::StreamExt;
    futures::stream::iter(records.iter().cloned())
        .map(poll_one)
        .buffered(concurrency.max(1))
        .collect()
        .await
}
