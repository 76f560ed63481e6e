//! The emulator's world: images, snapshots, copies on a virtual clock, the request log and faults.

use crate::model::Cloud;
use rand::distributions::Alphanumeric;
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::time::Instant;

/// Virtual time in seconds: real time × speed, plus whatever the tests advanced it by.
#[derive(Debug)]
pub struct Clock {
    origin: Instant,
    speed: f64,
    offset: f64,
}

impl Clock {
    pub fn new(speed: f64) -> Self {
        Clock {
            origin: Instant::now(),
            speed,
            offset: 0.0,
        }
    }
    pub fn now(&self) -> f64 {
        self.origin.elapsed().as_secs_f64() * self.speed + self.offset
    }
    pub fn advance(&mut self, secs: f64) {
        self.offset += secs.max(0.0);
    }
}

/// An image or snapshot. A copy carries its source and the virtual time it completes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Resource {
    pub provider: Cloud,
    pub kind: String,
    pub region: String,
    pub id: String,
    pub name: String,
    /// The fixed status of a non-copy resource (`Available`, `Creating`, …).
    #[serde(default = "available")]
    pub status: String,
    /// Image type (`Custom`, `System`, `Integration`).
    #[serde(default = "custom")]
    pub image_type: String,
    /// False for sources the cloud refuses to copy (format, local snapshot).
    #[serde(default = "yes")]
    pub copyable: bool,
    /// The status a copy of this resource ends in.
    #[serde(default = "available")]
    pub copy_outcome: String,
    #[serde(default)]
    pub source_id: Option<String>,
    #[serde(default)]
    pub source_region: Option<String>,
    #[serde(default)]
    pub created_at: f64,
    /// When a queued copy starts (virtual seconds); until then it is `Waiting`.
    #[serde(default)]
    pub start_at: Option<f64>,
    /// When a copy completes (virtual seconds); none for an ordinary resource.
    #[serde(default)]
    pub ready_at: Option<f64>,
    #[serde(default)]
    pub client_token: Option<String>,
    /// Cloud-specific attributes (Huawei: `__whole_image`, `disk_format`, `__system__cmkid`).
    #[serde(default)]
    pub attrs: std::collections::BTreeMap<String, String>,
}

/// An asynchronous job (Huawei IMS): INIT → RUNNING → SUCCESS or FAIL over virtual time.
#[derive(Debug, Clone, Serialize)]
pub struct Job {
    pub provider: Cloud,
    pub id: String,
    pub project_id: String,
    /// The region the job was submitted to (where it is queried).
    pub region: String,
    pub job_type: String,
    pub source_id: String,
    pub dest_region: String,
    /// The image the job creates.
    pub image_id: String,
    pub image_name: String,
    pub access_key: String,
    pub created_at: f64,
    pub ready_at: f64,
    /// `(error_code, fail_reason)` when the job fails.
    pub failure: Option<(String, String)>,
}

impl Job {
    pub fn status_at(&self, now: f64) -> &'static str {
        let span = (self.ready_at - self.created_at).max(f64::EPSILON);
        if now >= self.ready_at {
            if self.failure.is_some() {
                "FAIL"
            } else {
                "SUCCESS"
            }
        } else if (now - self.created_at) / span < 0.1 {
            "INIT"
        } else {
            "RUNNING"
        }
    }

    pub fn progress_at(&self, now: f64) -> f64 {
        let span = (self.ready_at - self.created_at).max(f64::EPSILON);
        ((now - self.created_at) / span).clamp(0.0, 1.0)
    }
}

fn available() -> String {
    "Available".into()
}
fn custom() -> String {
    "Custom".into()
}
fn yes() -> bool {
    true
}

impl Resource {
    /// The status at virtual time `now`.
    pub fn status_at(&self, now: f64) -> String {
        if self.start_at.is_some_and(|s| now < s) {
            return "Waiting".into();
        }
        match self.ready_at {
            Some(t) if now < t => "Creating".into(),
            Some(_) => self.copy_outcome.clone(),
            None => self.status.clone(),
        }
    }

    pub fn is_copying(&self, now: f64) -> bool {
        self.ready_at.is_some_and(|t| now < t)
    }

    /// Percent done of a copy in progress.
    pub fn progress_at(&self, now: f64) -> u8 {
        let begin = self.start_at.unwrap_or(self.created_at);
        match self.ready_at {
            Some(t) if t > begin => (((now - begin) / (t - begin)).clamp(0.0, 1.0) * 100.0) as u8,
            _ => 100,
        }
    }
}

/// One request as the emulator saw it (what tests count).
#[derive(Debug, Clone, Serialize)]
pub struct LoggedRequest {
    pub seq: u64,
    pub provider: Cloud,
    pub action: String,
    pub method: String,
    pub path: String,
    pub region: String,
    pub status: u16,
    /// How many image ids the request named (Alibaba DescribeImages batches them).
    pub ids: usize,
    /// The API path, without a `/{region}` prefix.
    pub route: String,
    /// The query's parameter names, sorted.
    pub query_keys: Vec<String>,
    /// The body's keys (with JSON types), sorted (`body_shape`).
    pub body_keys: Vec<String>,
}

/// An injected misbehaviour, matched by provider and action.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fault {
    #[serde(default)]
    pub provider: Option<Cloud>,
    #[serde(default)]
    pub action: Option<String>,
    /// Reply with this status and error code instead of handling the request.
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    /// Sleep this long before answering.
    #[serde(default)]
    pub latency_ms: Option<u64>,
    /// How many requests it applies to; none means every one.
    #[serde(default)]
    pub times: Option<u32>,
    /// The share (0–1) of matching requests it applies to; none means every one. Rates of
    /// the faults that match one request add up: `0.2` and `0.1` fault 30% of requests.
    #[serde(default)]
    pub rate: Option<f64>,
    /// Reply as the cloud does when it throttles (its own status and code).
    #[serde(default)]
    pub throttle: bool,
    /// Handle the request (a copy is made), then break the connection before the reply ends.
    #[serde(default)]
    pub drop_after: bool,
    /// Spoil the reply body: `truncated` (its first half), `html` (an HTML error page with
    /// status 502), `huge` (8 MiB), `slow` (half, then `latency_ms` of silence, then the rest).
    #[serde(default)]
    pub body: Option<BodyFault>,
    /// Handle the request (its effects happen), then answer 200 with this JSON body instead
    /// of the real reply: a listing that never ends, a copy reply without its ids.
    #[serde(default)]
    pub reply: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyFault {
    Truncated,
    Html,
    Huge,
    Slow,
}

impl Fault {
    pub fn matches(&self, provider: Cloud, action: &str) -> bool {
        self.provider.is_none_or(|p| p == provider)
            && self.action.as_deref().is_none_or(|a| a == action)
            && self.times != Some(0)
    }
}

/// A remembered idempotent request: what it asked and what it got.
#[derive(Debug, Clone)]
pub struct TokenEntry {
    pub fingerprint: String,
    pub response: serde_json::Value,
}

#[derive(Debug)]
pub struct World {
    pub clock: Clock,
    /// Virtual seconds a copy takes.
    pub copy_seconds: f64,
    pub credentials: HashMap<String, String>,
    pub resources: Vec<Resource>,
    pub log: Vec<LoggedRequest>,
    pub faults: Vec<Fault>,
    pub tokens: HashMap<String, TokenEntry>,
    pub jobs: Vec<Job>,
    /// Signature nonces seen (replays are refused).
    pub nonces: std::collections::HashSet<String>,
    /// Requests per second allowed per access key (Alibaba `Throttling.User` beyond it).
    pub rate_limit: Option<u32>,
    pub recent: HashMap<String, std::collections::VecDeque<Instant>>,
    /// Faults injected so far.
    pub faults_fired: u64,
    /// Virtual seconds a new copy stays out of reads (detail, list and describe calls) per
    /// cloud, as the real services are eventually consistent; `DEFAULT_LAG` unless set.
    pub lags: HashMap<Cloud, f64>,
    seq: u64,
    /// Resources by id and by client token; kept by `add` and `remove` (a push behind its
    /// back is noticed, and `find` scans instead).
    index: ResourceIndex,
}

#[derive(Debug, Default)]
struct ResourceIndex {
    by_id: HashMap<(Cloud, String, String, String), usize>,
    by_token: HashMap<(Cloud, String), Vec<usize>>,
    by_name: HashMap<(Cloud, String, String), Vec<usize>>,
    len: usize,
}

impl ResourceIndex {
    fn file(&mut self, i: usize, r: &Resource) {
        let key = (r.provider, r.kind.clone(), r.region.clone(), r.id.clone());
        self.by_id.insert(key, i);
        self.by_name
            .entry((r.provider, r.region.clone(), r.name.clone()))
            .or_default()
            .push(i);
        if let Some(t) = &r.client_token {
            self.by_token
                .entry((r.provider, t.clone()))
                .or_default()
                .push(i);
        }
        self.len = i + 1;
    }

    fn rebuild(&mut self, resources: &[Resource]) {
        *self = ResourceIndex::default();
        for (i, r) in resources.iter().enumerate() {
            self.file(i, r);
        }
        self.len = resources.len();
    }
}

/// Virtual seconds a new copy is invisible to reads by default.
pub const DEFAULT_LAG: f64 = 2.0;

impl World {
    pub fn new(speed: f64, copy_seconds: f64, credentials: HashMap<String, String>) -> Self {
        let mut w = World {
            clock: Clock::new(speed),
            copy_seconds,
            credentials,
            resources: Vec::new(),
            log: Vec::new(),
            faults: Vec::new(),
            tokens: HashMap::new(),
            jobs: Vec::new(),
            nonces: Default::default(),
            rate_limit: None,
            recent: HashMap::new(),
            faults_fired: 0,
            lags: HashMap::new(),
            seq: 0,
            index: ResourceIndex::default(),
        };
        for (_, cloud) in super::registry::all() {
            cloud.seed(&mut w);
        }
        w
    }

    pub fn now(&self) -> f64 {
        self.clock.now()
    }

    pub fn find(&self, provider: Cloud, kind: &str, region: &str, id: &str) -> Option<usize> {
        let matches = |r: &Resource| {
            r.provider == provider && r.kind == kind && r.region == region && r.id == id
        };
        if self.index.len != self.resources.len() {
            return self.resources.iter().position(matches);
        }
        let key = (
            provider,
            kind.to_string(),
            region.to_string(),
            id.to_string(),
        );
        self.index
            .by_id
            .get(&key)
            .copied()
            .filter(|&i| self.resources.get(i).is_some_and(matches))
    }

    /// The resources of `provider` in `region` named `name`.
    pub fn named<'a>(
        &'a self,
        provider: Cloud,
        region: &'a str,
        name: &'a str,
    ) -> Box<dyn Iterator<Item = &'a Resource> + 'a> {
        let mine =
            move |r: &&Resource| r.provider == provider && r.region == region && r.name == name;
        if self.index.len != self.resources.len() {
            return Box::new(self.resources.iter().filter(mine));
        }
        let slots = self
            .index
            .by_name
            .get(&(provider, region.to_string(), name.to_string()))
            .map(Vec::as_slice)
            .unwrap_or_default();
        Box::new(
            slots
                .iter()
                .filter_map(|&i| self.resources.get(i))
                .filter(mine),
        )
    }

    /// The resources of `provider` made with the client token `token`.
    pub fn with_token<'a>(
        &'a self,
        provider: Cloud,
        token: &'a str,
    ) -> Box<dyn Iterator<Item = &'a Resource> + 'a> {
        let mine =
            move |r: &&Resource| r.provider == provider && r.client_token.as_deref() == Some(token);
        if self.index.len != self.resources.len() {
            return Box::new(self.resources.iter().filter(mine));
        }
        let slots = self
            .index
            .by_token
            .get(&(provider, token.to_string()))
            .map(Vec::as_slice)
            .unwrap_or_default();
        Box::new(
            slots
                .iter()
                .filter_map(|&i| self.resources.get(i))
                .filter(mine),
        )
    }

    /// Adds a resource; returns its position.
    pub fn add(&mut self, r: Resource) -> usize {
        if self.index.len != self.resources.len() {
            self.index.rebuild(&self.resources);
        }
        let i = self.resources.len();
        self.index.file(i, &r);
        self.resources.push(r);
        i
    }

    /// Removes the resource at `i` (the others move up: the index is rebuilt).
    pub fn remove(&mut self, i: usize) -> Resource {
        let r = self.resources.remove(i);
        self.index.rebuild(&self.resources);
        r
    }

    /// Whether reads see `r` yet: a copy appears `lags[provider]` virtual seconds after it
    /// was made; other resources always.
    pub fn visible(&self, r: &Resource) -> bool {
        let lag = self.lags.get(&r.provider).copied().unwrap_or(DEFAULT_LAG);
        r.source_id.is_none() || self.now() >= r.created_at + lag
    }

    /// `find` as a read sees it (eventually consistent).
    pub fn find_visible(
        &self,
        provider: Cloud,
        kind: &str,
        region: &str,
        id: &str,
    ) -> Option<usize> {
        self.find(provider, kind, region, id)
            .filter(|&i| self.visible(&self.resources[i]))
    }

    pub fn log(&mut self, mut entry: LoggedRequest) {
        self.seq += 1;
        entry.seq = self.seq;
        self.log.push(entry);
    }

    /// Counts a request of `key` against the rate limit; false when it is over.
    pub fn within_rate(&mut self, key: &str) -> bool {
        let Some(limit) = self.rate_limit else {
            return true;
        };
        let now = Instant::now();
        let q = self.recent.entry(key.to_string()).or_default();
        while q
            .front()
            .is_some_and(|t| now.duration_since(*t).as_secs_f64() >= 1.0)
        {
            q.pop_front();
        }
        if q.len() >= limit as usize {
            return false;
        }
        q.push_back(now);
        true
    }

    /// Picks the fault for one request, counting it down: one draw in [0, 1) walks the
    /// matching faults' rates in order, so each fires for its own share of requests.
    pub fn take_fault(&mut self, provider: Cloud, action: &str, draw: f64) -> Option<Fault> {
        let mut upto = 0.0;
        let f = self.faults.iter_mut().find(|f| {
            if !f.matches(provider, action) {
                return false;
            }
            upto += f.rate.unwrap_or(1.0).clamp(0.0, 1.0);
            draw < upto
        })?;
        if let Some(t) = f.times.as_mut() {
            *t -= 1;
        }
        self.faults_fired += 1;
        Some(f.clone())
    }

    /// How many copies exist per (cloud, kind, source, destination region): the duplicate
    /// check of `GET /_emulator/state` (a canceled or deregistered copy is gone).
    pub fn copy_counts(&self) -> Vec<serde_json::Value> {
        let mut counts: std::collections::BTreeMap<(&Cloud, &str, &str, &str, &str), usize> =
            Default::default();
        for r in &self.resources {
            if let (Some(src), Some(src_region)) = (&r.source_id, &r.source_region) {
                *counts
                    .entry((&r.provider, &r.kind, src_region, src, &r.region))
                    .or_default() += 1;
            }
        }
        counts
            .into_iter()
            .map(
                |((provider, kind, source_region, source_id, dest_region), count)| {
                    serde_json::json!({
                        "provider": provider, "kind": kind, "source_region": source_region,
                        "source_id": source_id, "dest_region": dest_region, "count": count,
                    })
                },
            )
            .collect()
    }

    /// Adds `count` resources like `self.resources[i]` (new ids in the cloud's form, names
    /// suffixed `-N`): sources for tests and benchmarks. Returns the new ids.
    pub fn clone_resource(&mut self, i: usize, count: usize) -> Vec<String> {
        let base = self.resources[i].clone();
        let first = self.resources.len();
        let ids: Vec<String> = (first..first + count)
            .map(|n| super::registry::emulated(base.provider).clone_id(&base.kind, n))
            .collect();
        for (k, id) in ids.iter().enumerate() {
            self.add(Resource {
                id: id.clone(),
                name: format!("{}-{}", base.name, k + 1),
                ..base.clone()
            });
        }
        ids
    }

    /// The state listing of `GET /_emulator/state`.
    pub fn snapshot(&self) -> serde_json::Value {
        let now = self.now();
        let resources: Vec<_> = self
            .resources
            .iter()
            .map(|r| {
                serde_json::json!({
                    "provider": r.provider, "kind": r.kind, "region": r.region, "id": r.id,
                    "name": r.name, "status": super::status_of(r, now), "image_type": r.image_type,
                    "source_id": r.source_id, "source_region": r.source_region,
                    "progress": r.ready_at.map(|_| r.progress_at(now)),
                })
            })
            .collect();
        let jobs: Vec<_> = self
            .jobs
            .iter()
            .map(|j| {
                serde_json::json!({
                    "provider": j.provider, "kind": "job", "id": j.id, "region": j.region,
                    "job_type": j.job_type, "status": j.status_at(now),
                    "source_id": j.source_id, "dest_region": j.dest_region, "image_id": j.image_id,
                })
            })
            .collect();
        serde_json::json!({
            "virtual_time": now, "resources": resources, "jobs": jobs,
            "copies": self.copy_counts(), "faults_fired": self.faults_fired,
            "requests": self.seq,
        })
    }
}

/// The wall-clock form (RFC 3339) of virtual time `secs`: the emulator's world begins on
/// 2026-01-01T00:00:00Z.
pub fn timestamp(secs: f64) -> String {
    let t =
        time::macros::datetime!(2026-01-01 0:00 UTC) + time::Duration::seconds_f64(secs.max(0.0));
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// A random id such as `m-AbC123xy`.
pub fn new_id(prefix: &str) -> String {
    let s: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(8)
        .map(char::from)
        .collect();
    format!("{prefix}{s}")
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
