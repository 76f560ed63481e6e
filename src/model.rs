//! The shared vocabulary: clouds, copy requests, records and the report.

use serde::{Deserialize, Serialize};
use std::fmt;

mod index;
pub use index::BySource;
use index::KeyIndex;
use time::OffsetDateTime;

/// Version of the JSON report layout; bump on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

pub use crate::registry::{Cloud, CloudOptions};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Image,
    Snapshot,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Image => "image",
            Kind::Snapshot => "snapshot",
        })
    }
}

/// Where a copy stands. `submitted → copying → available`, or one of the end states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CopyState {
    /// Held back until the cloud has a free slot (a documented limit on copies running at
    /// once, or the cloud's limit error); nothing was started yet.
    Queued,
    Submitted,
    Copying,
    Available,
    Failed,
    Canceled,
    TimedOut,
    /// The destination is the source's own region: the source is already there, nothing
    /// was copied (it reaches the goal like `available`).
    Source,
}

impl CopyState {
    /// True once the cloud will not move the copy any further.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            CopyState::Available | CopyState::Failed | CopyState::Canceled | CopyState::Source
        )
    }

    /// Still being worked on by the cloud (what `status --wait` resumes).
    pub fn in_flight(self) -> bool {
        matches!(
            self,
            CopyState::Queued | CopyState::Submitted | CopyState::Copying | CopyState::TimedOut
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CopyState::Queued => "queued",
            CopyState::Submitted => "submitted",
            CopyState::Copying => "copying",
            CopyState::Available => "available",
            CopyState::Failed => "failed",
            CopyState::Canceled => "canceled",
            CopyState::TimedOut => "timed_out",
            CopyState::Source => "source",
        }
    }
}

impl fmt::Display for CopyState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A validated request to copy one source to one or more destination regions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopyRequest {
    pub cloud: Cloud,
    pub kind: Kind,
    pub source_id: String,
    pub source_region: String,
    pub dest_regions: Vec<String>,
    /// Name of the copies in the destination.
    pub name: Option<String>,
    /// Idempotency token (derived when the user gives none and the cloud takes one).
    pub client_token: Option<String>,
    /// Description of the copies.
    pub description: Option<String>,
    /// What only one cloud takes.
    pub options: CloudOptions,
    /// Set by `--force-new`: a random salt that makes new copies even where earlier runs left
    /// some (it changes the derived client tokens and skips the lookup). Journaled with the
    /// request, so a resumed run keeps the same tokens and still never duplicates.
    #[serde(default)]
    pub force_new: Option<String>,
    /// Per destination, how many earlier copies failed and are tried again: the attempt
    /// number goes into the derived client token, so a re-run after a failure makes a new
    /// attempt (journaled before the send, so resuming it never makes a second one).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub attempts: std::collections::BTreeMap<String, u32>,
}

/// The identity of a copy (`CopyRecord::key`, `CopyRequest::key_for`).
pub type CopyKey<'a> = (Cloud, Kind, &'a str, &'a str, &'a str);

/// A copy's identity, owned (`CopyRecord::key` as a value to keep).
pub type CopyId = (Cloud, Kind, String, String, String);

impl CopyRequest {
    /// The `CopyRecord::key` of this request's copy into `dest`.
    pub fn key_for<'a>(&'a self, dest: &'a str) -> CopyKey<'a> {
        (
            self.cloud,
            self.kind,
            &self.source_id,
            &self.source_region,
            dest,
        )
    }

    /// The same copies asked for, whatever the `--force-new` salt and the attempt numbers.
    pub fn same_copies(&self, other: &CopyRequest) -> bool {
        // Exhaustive, so that a new field is either compared or said to be left out.
        let CopyRequest {
            cloud,
            kind,
            source_id,
            source_region,
            dest_regions,
            name,
            client_token,
            description,
            options,
            force_new: _,
            attempts: _,
        } = self;
        *cloud == other.cloud
            && *kind == other.kind
            && *source_id == other.source_id
            && *source_region == other.source_region
            && *dest_regions == other.dest_regions
            && *name == other.name
            && *client_token == other.client_token
            && *description == other.description
            && *options == other.options
    }

    /// The attempt number of the copy into `dest` (0: the first).
    pub fn attempt(&self, dest: &str) -> u32 {
        self.attempts.get(dest).copied().unwrap_or(0)
    }

    /// Whether `record` belongs to this request: its copy into one of the destinations, or
    /// the `source` record of a destination that was the source region.
    pub fn covers(&self, record: &CopyRecord) -> bool {
        record.provider == self.cloud
            && record.kind == self.kind
            && record.source_id == self.source_id
            && record.source_region == self.source_region
            && (self.dest_regions.contains(&record.dest_region)
                || record.dest_region == self.source_region)
    }
}

/// The cloud's error as the report carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordError {
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
    /// The failure may pass (throttling, a server or network failure, an unreadable reply):
    /// submitting again is safe and may succeed. Written as `retryable` (the report's name
    /// for it since the first version).
    #[serde(default, rename = "retryable")]
    pub resubmit_may_pass: bool,
}

impl From<&crate::error::Error> for RecordError {
    fn from(e: &crate::error::Error) -> Self {
        RecordError {
            code: e.code().map(str::to_string).unwrap_or_else(|| {
                format!("{:?}", e.kind()) // our own kind when the cloud gave no code
            }),
            message: e.message().to_string(),
            request_id: e.request_id().map(str::to_string),
            resubmit_may_pass: e.outcome_unknown(),
        }
    }
}

/// How an adopted copy was tied to its request (see "Provenance" in the README).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AdoptedBy {
    /// The cloud answered the same client token with the copy it made for it.
    Token,
    /// The copy carries imgcopy's provenance tags.
    Tag,
    /// The copy's description carries imgcopy's provenance marker.
    Marker,
    /// Only the name matched (the cloud takes no mark): the weakest tie, always logged.
    Name,
}

impl AdoptedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            AdoptedBy::Token => "token",
            AdoptedBy::Tag => "tag",
            AdoptedBy::Marker => "marker",
            AdoptedBy::Name => "name",
        }
    }
}

/// One (source, destination region) copy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CopyRecord {
    pub provider: Cloud,
    pub kind: Kind,
    pub source_id: String,
    pub source_region: String,
    pub dest_region: String,
    pub dest_id: Option<String>,
    pub job_id: Option<String>,
    pub name: Option<String>,
    pub client_token: Option<String>,
    pub state: CopyState,
    pub progress: Option<u8>,
    /// The cloud's own status word at the last look (e.g. `Creating`).
    pub cloud_status: Option<String>,
    pub error: Option<RecordError>,
    /// Found in the destination from an earlier run and followed instead of copying again.
    #[serde(default)]
    pub adopted: bool,
    /// What tied an adopted copy to this request.
    #[serde(default)]
    pub adopted_by: Option<AdoptedBy>,
    pub attempts: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub submitted_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub finished_at: Option<OffsetDateTime>,
    /// Since when the cloud has said the copy does not exist. A copy is failed for that only
    /// once it has been missing for the whole grace period (clouds are eventually
    /// consistent, and a look in the wrong account says nothing about the copy).
    #[serde(
        with = "time::serde::rfc3339::option",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub missing_since: Option<OffsetDateTime>,
}

impl CopyRecord {
    pub fn new(req: &CopyRequest, dest_region: &str, now: OffsetDateTime) -> Self {
        CopyRecord {
            provider: req.cloud,
            kind: req.kind,
            source_id: req.source_id.clone(),
            source_region: req.source_region.clone(),
            dest_region: dest_region.to_string(),
            dest_id: None,
            job_id: None,
            name: req.name.clone(),
            client_token: req.client_token.clone(),
            state: CopyState::Submitted,
            progress: None,
            cloud_status: None,
            error: None,
            adopted: false,
            adopted_by: None,
            attempts: 0,
            submitted_at: now,
            updated_at: now,
            finished_at: None,
            missing_since: None,
        }
    }

    /// A record for a destination that is the source's own region: the source itself.
    pub fn source(req: &CopyRequest, now: OffsetDateTime) -> Self {
        let mut r = CopyRecord::new(req, &req.source_region, now);
        r.state = CopyState::Source;
        r.dest_id = Some(req.source_id.clone());
        r.name = None;
        r.client_token = None;
        r.finished_at = Some(now);
        r
    }

    /// A record for a copy the cloud refused to start.
    pub fn rejected(
        req: &CopyRequest,
        dest_region: &str,
        err: RecordError,
        now: OffsetDateTime,
    ) -> Self {
        let mut r = CopyRecord::new(req, dest_region, now);
        r.state = CopyState::Failed;
        r.error = Some(err);
        r.finished_at = Some(now);
        r
    }

    /// Moves to `state`; returns whether anything visible changed.
    pub fn apply(&mut self, update: &PollUpdate, now: OffsetDateTime) -> bool {
        let new_id = update.dest_id.is_some() && update.dest_id != self.dest_id;
        let changed = new_id
            || self.state != update.state
            || self.progress != update.progress
            || self.cloud_status != update.cloud_status
            || self.error != update.error;
        if changed {
            if new_id {
                self.dest_id = update.dest_id.clone();
            }
            self.state = update.state;
            self.progress = update.progress;
            self.cloud_status = update.cloud_status.clone();
            self.error = update.error.clone();
            self.updated_at = now;
            if update.state.is_terminal() {
                self.finished_at = Some(now);
            }
        }
        changed
    }

    /// What identifies a copy: cloud, kind, source and destination. A copy followed by its id
    /// alone (`status --id`) names no source: its own id tells it apart instead.
    /// The copy's identity to keep (the same as `key`).
    pub fn id(&self) -> CopyId {
        let (cloud, kind, source, from, dest) = self.key();
        (cloud, kind, source.into(), from.into(), dest.into())
    }

    pub fn key(&self) -> CopyKey<'_> {
        let (source, from) = if self.source_id.is_empty() {
            ("", self.dest_id.as_deref().unwrap_or(""))
        } else {
            (self.source_id.as_str(), self.source_region.as_str())
        };
        (self.provider, self.kind, source, from, &self.dest_region)
    }

    /// How much of `grace` is left since the copy was submitted (`None` once it has
    /// passed): a copy that young may not be visible to reads yet.
    pub fn grace_left(
        &self,
        grace: std::time::Duration,
        now: OffsetDateTime,
    ) -> Option<std::time::Duration> {
        grace.checked_sub((now - self.submitted_at).unsigned_abs())
    }

    /// A short label: `image m-xxx bj→gz`, or `image m-yyy in gz` for a copy followed by its
    /// id alone.
    pub fn label(&self) -> String {
        if self.source_id.is_empty() {
            return format!(
                "{} {} in {}",
                self.kind,
                self.dest_id.as_deref().unwrap_or("-"),
                self.dest_region
            );
        }
        format!(
            "{} {} {}→{}",
            self.kind, self.source_id, self.source_region, self.dest_region
        )
    }
}

/// What one poll learned about one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollUpdate {
    pub state: CopyState,
    /// The copy's id, when this look learned it (Huawei names it when its job succeeds).
    pub dest_id: Option<String>,
    pub progress: Option<u8>,
    pub cloud_status: Option<String>,
    pub error: Option<RecordError>,
    /// The cloud says the copy does not exist (`state` and `error` say what that would mean
    /// once confirmed; the engine decides when it is).
    pub missing: bool,
}

impl PollUpdate {
    /// The cloud does not know the copy: failed with `code`, once confirmed.
    pub fn missing(code: &str, message: impl Into<String>) -> Self {
        PollUpdate {
            state: CopyState::Failed,
            dest_id: None,
            progress: None,
            cloud_status: None,
            error: Some(RecordError {
                code: code.to_string(),
                message: message.into(),
                request_id: None,
                resubmit_may_pass: false,
            }),
            missing: true,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub total: usize,
    #[serde(default)]
    pub queued: usize,
    pub submitted: usize,
    pub copying: usize,
    pub available: usize,
    pub failed: usize,
    pub canceled: usize,
    pub timed_out: usize,
    #[serde(default)]
    pub source: usize,
}

impl Summary {
    pub fn of(records: &[CopyRecord]) -> Self {
        let mut s = Summary {
            total: records.len(),
            ..Summary::default()
        };
        for r in records {
            *match r.state {
                CopyState::Queued => &mut s.queued,
                CopyState::Submitted => &mut s.submitted,
                CopyState::Copying => &mut s.copying,
                CopyState::Available => &mut s.available,
                CopyState::Failed => &mut s.failed,
                CopyState::Canceled => &mut s.canceled,
                CopyState::TimedOut => &mut s.timed_out,
                CopyState::Source => &mut s.source,
            } += 1;
        }
        s
    }
}

/// Where a source lives and what said so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceLocation {
    pub cloud: Cloud,
    pub kind: Kind,
    pub source_id: String,
    pub region: String,
    /// `--region`, the setting that named it (e.g. `AWS_REGION`), or `lookup`.
    pub found_by: String,
    /// The regions looked in, for a look-up.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub looked_in: Vec<String>,
}

/// The replication report: the same shape for every cloud, and the journal `status` resumes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool_version: String,
    /// True when the copies were made in the built-in emulator.
    #[serde(default)]
    pub sandbox: bool,
    /// The endpoint override in force, when one was given (never credentials).
    #[serde(default)]
    pub endpoint: Option<String>,
    /// The config profile the copies were made with (`status` uses it again).
    #[serde(default)]
    pub profile: Option<String>,
    /// Where each cloud's credentials came from, by name of place (never a value).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub credential_source: std::collections::BTreeMap<Cloud, String>,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// What the run was asked to copy, journaled before anything is sent: `status` submits
    /// what a killed run did not get to.
    #[serde(default)]
    pub requests: Vec<CopyRequest>,
    /// Where each source was found, and how (`--region`, a default-region setting, or a
    /// look-up in the cloud's regions).
    #[serde(default)]
    pub sources: Vec<SourceLocation>,
    pub records: Vec<CopyRecord>,
    pub summary: Summary,
    /// Where each record is, by its key (`find`, `put`): looking a copy up costs the same at
    /// ten thousand records as at ten.
    #[serde(skip)]
    index: KeyIndex,
}

impl Report {
    pub fn new(now: OffsetDateTime, sandbox: bool, endpoint: Option<String>) -> Self {
        Report {
            schema_version: SCHEMA_VERSION,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            sandbox,
            endpoint,
            profile: None,
            credential_source: Default::default(),
            started_at: now,
            updated_at: now,
            requests: Vec::new(),
            sources: Vec::new(),
            records: Vec::new(),
            summary: Summary::default(),
            index: KeyIndex::default(),
        }
    }

    /// The position of the record of the copy `key`.
    pub fn position(&mut self, key: &CopyKey<'_>) -> Option<usize> {
        match self.index.lookup(&self.records, key) {
            Ok(found) => found,
            Err(()) => {
                self.index.rebuild(&self.records);
                self.index
                    .lookup(&self.records, key)
                    .expect("a rebuilt index covers every record")
            }
        }
    }

    /// The record of the copy `key` (a scan when the index is stale; `put` keeps it fresh).
    pub fn find(&self, key: &CopyKey<'_>) -> Option<&CopyRecord> {
        match self.index.lookup(&self.records, key) {
            Ok(found) => found.map(|i| &self.records[i]),
            Err(()) => self.records.iter().find(|r| r.key() == *key),
        }
    }

    /// Puts `r` in place of the record of the same copy, or adds it.
    pub fn put(&mut self, r: CopyRecord) {
        match self.position(&r.key()) {
            Some(i) => self.records[i] = r,
            None => {
                let i = self.records.len();
                self.index
                    .by_hash
                    .entry(KeyIndex::hash(&r.key()))
                    .or_default()
                    .push(i);
                self.records.push(r);
                self.index.len = self.records.len();
            }
        }
    }

    pub fn refresh_summary(&mut self, now: OffsetDateTime) {
        self.summary = Summary::of(&self.records);
        self.updated_at = now;
    }
}
