//! The seam between the engine and each cloud: validated requests in, records and updates out.

pub mod alibaba;
pub mod aws;
pub mod baidu;
pub mod driver;
pub mod huawei;
mod provenance;

use crate::config::Endpoint;
use crate::error::{Error, Result};
use crate::http::{Client, Dialect, HttpRequest, Safety};
use crate::model::{Cloud, CopyRecord, CopyRequest, Kind, PollUpdate};
use async_trait::async_trait;
pub use provenance::{
    adopted, check_unique_tag_keys, description_marker, guarded_cancel, source_mark, spec_mark,
    Target, Tie, Visibility, SOURCE_TAG, SPEC_TAG,
};
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// A cloud call before it has a URL: the region picks the endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiCall {
    pub method: &'static str,
    pub region: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    /// Headers of this call besides what signing adds.
    pub headers: Vec<(String, String)>,
    /// The body: JSON unless `headers` names another content type.
    pub body: Option<String>,
    pub safety: Safety,
}

/// Sends a cloud's calls: endpoint per region, signing and retries, JSON replies.
pub struct Api {
    pub client: Arc<Client>,
    pub dialect: Box<dyn Dialect>,
    pub endpoint: Endpoint,
}

/// The region's endpoint and path prefix, then the API path and the encoded query.
pub fn call_url(endpoint: &Endpoint, dialect: &dyn Dialect, call: &ApiCall) -> Result<url::Url> {
    let mut url = endpoint.url_for(&call.region)?;
    let base = url.path().trim_end_matches('/').to_string();
    url.set_path(&format!("{base}{}", call.path));
    if !call.query.is_empty() {
        url.set_query(Some(&dialect.encode_query(&call.query)));
    }
    Ok(url)
}

/// A region of the cloud's list (`known`), or, with `any_wellformed` (another endpoint is in
/// use: a partner cloud, a new region, an emulator), any well-formed region name:
/// lower-case letters and digits in dash-separated parts, at most 32 characters.
pub fn check_region_in(
    flag: &str,
    region: &str,
    cloud: &str,
    known: &[&str],
    any_wellformed: bool,
) -> Result<()> {
    let wellformed = !region.is_empty()
        && region.len() <= 32
        && region.split('-').all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        });
    if known.contains(&region) || (any_wellformed && wellformed) {
        return Ok(());
    }
    Err(Error::usage(
        flag,
        if any_wellformed {
            format!("`{region}` is not a region name")
        } else {
            format!(
                "unknown {cloud} region `{region}` (known: {}; with --endpoint any region name is accepted)",
                known.join(", ")
            )
        },
    ))
}

/// The destination list (`--dest`): not empty, each region passes `check`, none repeated.
pub fn check_dests(dests: &[String], check: impl Fn(&str) -> Result<()>) -> Result<()> {
    if dests.is_empty() {
        return Err(Error::usage(
            "--dest",
            "give at least one destination region",
        ));
    }
    for (i, d) in dests.iter().enumerate() {
        check(d)?;
        if dests[..i].contains(d) {
            return Err(Error::usage("--dest", format!("`{d}` is listed twice")));
        }
    }
    Ok(())
}

/// A client token derived from every field that defines a copy, so running the same command
/// again is the same request to the server: `imgcopy-` and 48 hex characters (≤ 64 ASCII).
/// With `--force-new` the request's salt makes it a new request; a later attempt at a copy
/// into `dest` that failed (`CopyRequest::attempts`) is a new request too.
pub fn derived_token(req: &CopyRequest, dest: &str, fields: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let attempt = match req.attempt(dest) {
        0 => None,
        n => Some(format!("attempt-{n}")),
    };
    for f in fields
        .iter()
        .copied()
        .chain(req.force_new.as_deref())
        .chain(attempt.as_deref())
    {
        h.update(f.as_bytes());
        h.update([0]);
    }
    format!("imgcopy-{}", &hex::encode(h.finalize())[..48])
}

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
        |r: &Result<CopyRecord>| matches!(r, Err(e) if e.kind == crate::error::ErrorKind::Auth);
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

/// A call as `--dry-run` prints it.
pub fn planned(endpoint: &Endpoint, dialect: &dyn Dialect, call: &ApiCall) -> Result<PlannedCall> {
    Ok(PlannedCall {
        method: call.method.to_string(),
        url: call_url(endpoint, dialect, call)?.to_string(),
        body: call.body.clone(),
        signed_in: if dialect.signs_query() {
            "query"
        } else {
            "header"
        },
    })
}

impl Api {
    fn http_request(&self, call: &ApiCall) -> Result<HttpRequest> {
        let mut headers = call.headers.clone();
        let typed = headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
        if call.body.is_some() && !typed {
            headers.push((
                "content-type".to_string(),
                "application/json;charset=utf-8".to_string(),
            ));
        }
        Ok(HttpRequest {
            method: call.method.to_string(),
            region: call.region.clone(),
            url: call_url(&self.endpoint, self.dialect.as_ref(), call)?,
            headers,
            body: call.body.clone().unwrap_or_default().into(),
        })
    }

    /// Sends a call; the successful reply and the attempts it took.
    pub async fn send_raw(&self, call: &ApiCall) -> Result<crate::http::Reply> {
        let req = self.http_request(call)?;
        self.client
            .execute(self.dialect.as_ref(), &req, call.safety)
            .await
            .map_err(|(e, _)| e)
    }

    /// A reply body that could not be read, as an error naming the call.
    pub fn unreadable(&self, call: &ApiCall, reply: &crate::http::Reply, why: &str) -> Error {
        Error::protocol(format!(
            "could not read the reply to {} {}: {why}: {}",
            call.method,
            call.path,
            crate::http::body_excerpt(&reply.response.body)
        ))
        .with_provider(self.dialect.cloud())
        .with_request_id(
            reply
                .response
                .header(self.dialect.request_id_header())
                .map(str::to_string),
        )
    }

    /// Sends a call and decodes its JSON reply (an empty body decodes as `{}`), returning
    /// the attempts it took.
    pub async fn send<T: DeserializeOwned>(&self, call: &ApiCall) -> Result<(T, u32)> {
        let reply = self.send_raw(call).await?;
        let body: &[u8] = if reply.response.body.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &reply.response.body
        };
        let value = serde_json::from_slice(body)
            .map_err(|e| self.unreadable(call, &reply, &e.to_string()))?;
        Ok((value, reply.attempts))
    }
}

/// One request `submit` would send, as `--dry-run` prints it (never signed, never secret).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PlannedCall {
    pub method: String,
    pub url: String,
    pub body: Option<String>,
    /// Where the signature will go: `header` (Authorization) or `query`.
    pub signed_in: &'static str,
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
