//! Fan-out, waiting, deadlines and interrupts. Sees only `dyn Provider`; owns the report.

use crate::error::{Error, ErrorKind};
use crate::http::backoff;
use crate::model::{Cloud, CopyRecord, CopyRequest, CopyState, RecordError, Report};
use crate::provider::Provider;
use futures::StreamExt;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::watch;
use tokio::time::Instant;

/// Told about every record that appears or changes.
pub trait Observer: Send {
    fn changed(&mut self, record: &CopyRecord);
    /// Called once per round while waiting, before the pause of `next_check`.
    fn waiting(&mut self, _report: &Report, _next_check: Duration) {}
}

/// Keeps the report on disk as it changes (the journal `status` resumes from).
pub trait Journal: Send {
    /// Writes the whole report (its summary brought up to date first).
    fn save(&mut self, report: &mut Report) -> Result<(), Error>;
    /// Keeps `record`, which appeared or changed (before the run sends anything else).
    fn changed(&mut self, record: &CopyRecord) -> Result<(), Error>;
    /// Called after each batch of changes: where the journal may catch the whole report up.
    fn checkpoint(&mut self, report: &mut Report) -> Result<(), Error>;
}

#[derive(Debug, Clone)]
pub struct WaitOptions {
    pub timeout: Duration,
    pub poll_initial: Duration,
    pub poll_max: Duration,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// Every copy reached an end state (or the run did not wait).
    Done,
    /// The deadline passed with copies still in progress.
    Deadline,
    Interrupted,
}

pub struct Engine<'a> {
    pub providers: &'a BTreeMap<Cloud, Arc<dyn Provider>>,
    pub observer: &'a mut dyn Observer,
    pub journal: &'a mut dyn Journal,
    pub concurrency: usize,
    pub interrupt: watch::Receiver<bool>,
    /// The first credentials or permission error met; it decides the exit code.
    pub auth_error: Option<Error>,
    /// How long a copy the cloud says does not exist stays in its state (with the error
    /// attached) before it is failed: from its submission, and from the first look that
    /// missed it. Clouds are eventually consistent, and one look proves nothing.
    pub missing_grace: Duration,
    /// The pause before looking again for a copy not visible yet (one poll interval).
    pub look_again: Duration,
    /// Set once the journal failed to write (it is said once).
    pub journal_error: bool,
}

impl Engine<'_> {
    fn provider(&self, cloud: Cloud) -> Arc<dyn Provider> {
        self.providers
            .get(&cloud)
            .cloned()
            .expect("a provider is built for every cloud in the plan")
    }

    fn interrupted(&self) -> bool {
        *self.interrupt.borrow()
    }

    /// True once the user has interrupted the run.
    pub fn interrupted_now(&self) -> bool {
        self.interrupted()
    }

    /// One look at every in-flight copy, without waiting.
    pub async fn refresh(&mut self, report: &mut Report) {
        let pending = followable(report);
        if !pending.is_empty() {
            self.poll_round(report, &pending).await;
        }
        self.persist(report);
    }

    /// After a batch of changes: the journal may catch the whole report up.
    fn persist(&mut self, report: &mut Report) {
        let done = self.journal.checkpoint(report);
        self.journal_failed(done);
    }

    /// Writes the whole report now.
    fn snapshot(&mut self, report: &mut Report) {
        let done = self.journal.save(report);
        self.journal_failed(done);
    }

    /// Tells the observer and the journal that `rec` appeared or changed.
    fn tell(&mut self, rec: &CopyRecord) {
        self.observer.changed(rec);
        self.keep(rec);
    }

    /// Tells the journal only (a change the observer does not show: an error attached).
    fn keep(&mut self, rec: &CopyRecord) {
        let done = self.journal.changed(rec);
        self.journal_failed(done);
    }

    /// Says once that the report cannot be written (the run goes on: the copies matter more).
    fn journal_failed(&mut self, done: Result<(), Error>) {
        if let Err(e) = done {
            if !self.journal_error {
                tracing::error!("could not write the report: {e}");
                self.journal_error = true;
            }
        }
    }

    /// Starts every request, `concurrency` at a time, and journals them first so a killed run
    /// can be finished by `status`. Destinations the report already follows are not started
    /// again (a re-run with the same report resumes); ones that failed for a reason that may
    /// pass are submitted again, up to `REDRIVES` more rounds (safe: every cloud's submit
    /// finds or dedupes what an earlier try made). After an interrupt no new request is
    /// started, but the ones under way are finished and recorded: nothing is lost.
    /// `again`: also submit destinations whose copy failed or was canceled in an earlier run.
    pub async fn submit_all(&mut self, report: &mut Report, requests: &[CopyRequest], again: bool) {
        let now = OffsetDateTime::now_utc();
        let mut earlier = crate::model::BySource::new(&report.requests);
        for r in requests {
            match earlier.same_copies(&report.requests, r) {
                Some(i) => {
                    // A forced request an earlier run journaled: where the cloud cannot look
                    // for a forced copy, one it may have sent is never sent again.
                    let resumed =
                        r.force_new.is_some() && report.requests[i].force_new == r.force_new;
                    if resumed && !self.provider(r.cloud).finds_forced_copies(r.kind) {
                        for d in &r.dest_regions {
                            self.refuse_unknown_forced(report, r, d, now);
                        }
                    }
                    // The journal keeps what this run sends (its salt and attempt numbers).
                    report.requests[i] = r.clone();
                }
                None => {
                    earlier.add(r, report.requests.len());
                    report.requests.push(r.clone());
                }
            }
        }
        // The requests are on disk before anything is sent.
        self.snapshot(report);
        for round in 0..=REDRIVES {
            let todo: Vec<CopyRequest> = requests
                .iter()
                .filter_map(|r| {
                    let dests = outstanding(report, r, (round == 0).then_some(again));
                    (!dests.is_empty()).then(|| CopyRequest {
                        dest_regions: dests,
                        ..r.clone()
                    })
                })
                .collect();
            if todo.is_empty() || self.interrupted() || self.auth_error.is_some() {
                return;
            }
            if round > 0 {
                let pause = backoff::retry_delay(round, REDRIVE_PAUSE, REDRIVE_PAUSE * 8, 0.5);
                tracing::info!(
                    copies = todo.len(),
                    round,
                    "submitting again after failures that may pass"
                );
                let mut interrupt = self.interrupt.clone();
                tokio::select! {
                    _ = tokio::time::sleep(pause) => {}
                    _ = interrupt.changed() => {}
                }
                if self.interrupted() {
                    return;
                }
            }
            self.submit_round(report, &todo).await;
        }
    }

    /// The copy of a resumed forced request into `dest`, when no record says what became of
    /// it: failed, with what to do, instead of sent a second time.
    fn refuse_unknown_forced(
        &mut self,
        report: &mut Report,
        req: &CopyRequest,
        dest: &str,
        now: OffsetDateTime,
    ) {
        let unknown = match report.find(&req.key_for(dest)) {
            None => true,
            Some(r) => r.state.in_flight() && r.dest_id.is_none() && r.job_id.is_none(),
        };
        if !unknown {
            return;
        }
        let err = RecordError {
            code: "UnknownForcedCopy".into(),
            message: format!(
                "a --force-new copy an earlier run may have sent carries no mark to look for; look in {dest} for an image named {} made since the run started, then run again (a new --force-new makes another)",
                req.name.as_deref().unwrap_or("like the source")
            ),
            request_id: None,
            retryable: false,
        };
        self.record(report, CopyRecord::rejected(req, dest, err, now));
    }

    /// Puts `r` in the report in place of the record of the same copy, and tells the observer.
    fn record(&mut self, report: &mut Report, r: CopyRecord) {
        self.tell(&r);
        report.put(r);
    }

    async fn submit_round(&mut self, report: &mut Report, requests: &[CopyRequest]) {
        let requests = self.take_slots(report, requests);
        let stop = Arc::new(AtomicBool::new(self.interrupted()));
        let started = Arc::new(std::sync::Mutex::new(std::collections::BTreeSet::new()));
        let providers = self.providers;
        let mut jobs = futures::stream::iter(requests.iter().cloned().enumerate())
            .map(|(i, req)| {
                let provider = providers
                    .get(&req.cloud)
                    .cloned()
                    .expect("a provider is built for every cloud in the plan");
                let (stop, started) = (stop.clone(), started.clone());
                async move {
                    if stop.load(Ordering::SeqCst) {
                        return None;
                    }
                    started.lock().expect("started lock").insert(i);
                    let result = provider.submit(&req).await;
                    Some((i, req, result))
                }
            })
            .buffer_unordered(self.concurrency.max(1));
        let mut interrupt = self.interrupt.clone();
        // After an interrupt the calls under way get `INTERRUPT_GRACE` to finish; then they
        // are abandoned and recorded as outcome unknown, for `status` to reconcile.
        let mut grace = self.interrupted().then(|| Instant::now() + INTERRUPT_GRACE);
        let mut finished = std::collections::BTreeSet::new();
        loop {
            let deadline = grace;
            let next = tokio::select! {
                next = jobs.next() => next,
                changed = interrupt.changed(), if !stop.load(Ordering::SeqCst) => {
                    if changed.is_ok() && *interrupt.borrow() {
                        stop.store(true, Ordering::SeqCst);
                        grace = Some(Instant::now() + INTERRUPT_GRACE);
                    }
                    continue;
                }
                _ = async {
                    match deadline {
                        Some(t) => tokio::time::sleep_until(t).await,
                        None => std::future::pending().await,
                    }
                } => break,
            };
            let Some(item) = next else { break };
            let Some((i, req, result)) = item else {
                continue;
            };
            finished.insert(i);
            let now = OffsetDateTime::now_utc();
            let records = match result {
                Ok(records) => records,
                Err(e) => {
                    if e.kind == ErrorKind::Auth && self.auth_error.is_none() {
                        self.auth_error = Some(e.clone());
                    }
                    let re = RecordError::from(&e);
                    req.dest_regions
                        .iter()
                        .map(|d| CopyRecord::rejected(&req, d, re.clone(), now))
                        .collect()
                }
            };
            let provider = self.provider(req.cloud);
            for mut r in records {
                // The cloud's limit on copies at once was reached (by this run or another
                // tool): wait for a slot, then submit again.
                let limited = r.state == CopyState::Failed
                    && r.error
                        .as_ref()
                        .is_some_and(|e| provider.is_slot_error(&e.code));
                if limited {
                    r.state = CopyState::Queued;
                    r.finished_at = None;
                }
                self.record(report, r);
            }
            self.persist(report);
        }
        drop(jobs);
        let abandoned: Vec<usize> = started
            .lock()
            .expect("started lock")
            .difference(&finished)
            .copied()
            .collect();
        if abandoned.is_empty() {
            return;
        }
        let now = OffsetDateTime::now_utc();
        for i in abandoned {
            let req = &requests[i];
            for d in &req.dest_regions {
                let mut r = CopyRecord::new(req, d, now);
                r.error = Some(RecordError {
                    code: "OutcomeUnknown".into(),
                    message: "interrupted while the copy call was under way: the copy may have been made; `imgcopy status --report FILE` looks for it before copying".into(),
                    request_id: None,
                    retryable: true,
                });
                self.record(report, r);
            }
        }
        self.persist(report);
    }

    /// Cancels the copies still in flight where the cloud can (`--on-interrupt cancel`,
    /// `--on-timeout cancel`); the others are left running and stay in the report.
    pub async fn cancel_in_flight(&mut self, report: &mut Report) {
        let now = OffsetDateTime::now_utc();
        // Journaled copies never started: the run was asked to stop, so a later `status`
        // does not start them either.
        let unsent: Vec<CopyRecord> = report
            .requests
            .iter()
            .flat_map(|req| {
                req.dest_regions
                    .iter()
                    .filter(|d| report.find(&req.key_for(d)).is_none())
                    .map(|d| {
                        let mut r = CopyRecord::new(req, d, now);
                        r.state = CopyState::Canceled;
                        r.finished_at = Some(now);
                        r
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        for r in unsent {
            self.record(report, r);
        }
        // Queued copies were never started: nothing to cancel in the cloud.
        for rec in report
            .records
            .iter_mut()
            .filter(|r| r.state == CopyState::Queued)
        {
            rec.state = CopyState::Canceled;
            rec.updated_at = now;
            rec.finished_at = Some(now);
            self.tell(rec);
        }
        // A copy adopted by name alone is not tied firmly enough to destroy it.
        let targets: Vec<usize> = report
            .records
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                r.state.in_flight()
                    && r.dest_id.is_some()
                    && r.adopted_by != Some(crate::model::AdoptedBy::Name)
            })
            .map(|(i, _)| i)
            .collect();
        let (grace, pause) = (self.missing_grace, self.look_again);
        let calls = targets.iter().map(|&i| {
            let r = &report.records[i];
            let provider = self.provider(r.provider);
            let (kind, region, id) = (r.kind, r.dest_region.clone(), r.dest_id.clone());
            // Made within the grace: it may not be visible to reads yet.
            let fresh = r.grace_left(grace, now);
            async move {
                let id = id.expect("filtered on dest_id");
                let tie = crate::provider::Tie {
                    in_report: true,
                    force: false,
                };
                let visible = fresh.map(|within| crate::provider::Visibility { within, pause });
                let done = crate::provider::guarded_cancel(
                    provider.as_ref(),
                    kind,
                    &region,
                    &id,
                    tie,
                    visible,
                )
                .await;
                (i, done.map(|_| ()))
            }
        });
        let results = futures::future::join_all(calls).await;
        let now = OffsetDateTime::now_utc();
        for (i, result) in results {
            let rec = &mut report.records[i];
            match result {
                Ok(()) => {
                    rec.state = CopyState::Canceled;
                    rec.updated_at = now;
                    rec.finished_at = Some(now);
                    self.tell(rec);
                }
                Err(e) => tracing::warn!("{}: left running, could not cancel: {e}", rec.label()),
            }
        }
        let skipped = report
            .records
            .iter()
            .filter(|r| r.state.in_flight() && r.dest_id.is_none())
            .count();
        if skipped > 0 {
            tracing::warn!("{skipped} copies have no destination id yet and were left running");
        }
        self.persist(report);
    }

    /// Polls in-flight copies until they end, the deadline passes or the user interrupts.
    pub async fn wait(&mut self, report: &mut Report, opts: &WaitOptions) -> Stop {
        let deadline = Instant::now() + opts.timeout;
        let mut interrupt = self.interrupt.clone();
        let mut round = 0u32;
        loop {
            if self.interrupted() {
                return Stop::Interrupted;
            }
            let pending = followable(report);
            if pending.is_empty() && !queued(report) {
                return Stop::Done;
            }
            if !pending.is_empty() {
                self.poll_round(report, &pending).await;
            }
            if self.auth_error.is_some() {
                return Stop::Done;
            }
            if queued(report) && !self.interrupted() {
                self.submit_queued(report).await;
            }
            if followable(report).is_empty() && !queued(report) {
                return Stop::Done;
            }
            let now = Instant::now();
            if now >= deadline {
                self.time_out(report);
                return Stop::Deadline;
            }
            let pause =
                backoff::poll_interval(round, opts.poll_initial, opts.poll_max).min(deadline - now);
            round += 1;
            self.observer.waiting(report, pause);
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = interrupt.changed() => {
                    if *interrupt.borrow() {
                        return Stop::Interrupted;
                    }
                }
            }
        }
    }

    async fn poll_round(&mut self, report: &mut Report, pending: &[usize]) {
        let mut by_cloud: BTreeMap<Cloud, Vec<usize>> = BTreeMap::new();
        for &i in pending {
            by_cloud
                .entry(report.records[i].provider)
                .or_default()
                .push(i);
        }
        let polls = by_cloud.into_iter().map(|(cloud, idx)| {
            let provider = self.provider(cloud);
            let records: Vec<CopyRecord> = idx.iter().map(|&i| report.records[i].clone()).collect();
            async move { (idx, provider.poll(&records).await) }
        });
        // A look that does not answer does not hold an interrupt up beyond the grace.
        let mut interrupt = self.interrupt.clone();
        let looks = futures::future::join_all(polls);
        tokio::pin!(looks);
        let results = loop {
            tokio::select! {
                r = &mut looks => break r,
                changed = interrupt.changed(), if !*interrupt.borrow() => {
                    if changed.is_err() {
                        break (&mut looks).await;
                    }
                }
                _ = tokio::time::sleep(INTERRUPT_GRACE), if *interrupt.borrow() => return,
            }
        };
        let now = OffsetDateTime::now_utc();
        let mut changed = false;
        for (idx, updates) in results {
            for (i, update) in idx.into_iter().zip(updates) {
                let rec = &mut report.records[i];
                match update {
                    Ok(u) if u.missing => {
                        let since = *rec.missing_since.get_or_insert(now);
                        let grace = time::Duration::try_from(self.missing_grace)
                            .unwrap_or(time::Duration::MAX);
                        if now - since >= grace && now - rec.submitted_at >= grace {
                            rec.apply(&u, now);
                            self.tell(rec);
                        } else if let Some(e) = &u.error {
                            // Not visible yet, or looked for in the wrong account: the
                            // record keeps its state, with what the cloud said attached.
                            let mut e = e.clone();
                            e.message = format!(
                                "{} (not failed yet: a copy is failed only when it stays missing for {})",
                                e.message,
                                humantime::format_duration(self.missing_grace)
                            );
                            rec.error = Some(e);
                            rec.updated_at = now;
                            self.keep(rec);
                        }
                        changed = true;
                    }
                    Ok(u) => {
                        rec.missing_since = None;
                        if rec.apply(&u, now) {
                            self.tell(rec);
                            changed = true;
                        }
                    }
                    Err(e) if e.kind == ErrorKind::Auth => {
                        tracing::error!("{}: {e}", rec.label());
                        self.auth_error.get_or_insert(e);
                    }
                    Err(e) => {
                        // Kept on the record (state unchanged) so the report says why a copy
                        // looks stuck; the next successful look clears it.
                        tracing::warn!("{}: could not check the copy: {e}", rec.label());
                        let re = RecordError::from(&e);
                        if rec.error.as_ref() != Some(&re) {
                            rec.error = Some(re);
                            rec.updated_at = now;
                            self.keep(rec);
                            changed = true;
                        }
                    }
                }
            }
        }
        if changed {
            self.persist(report);
        }
    }

    fn time_out(&mut self, report: &mut Report) {
        let now = OffsetDateTime::now_utc();
        for i in followable(report) {
            let rec = &mut report.records[i];
            rec.state = CopyState::TimedOut;
            rec.updated_at = now;
            self.tell(rec);
        }
        self.persist(report);
    }
}

/// How long the calls under way may take to finish after an interrupt.
pub const INTERRUPT_GRACE: Duration = Duration::from_secs(2);

/// How many more rounds `submit_all` gives copies that failed for a reason that may pass.
pub const REDRIVES: u32 = 3;
const REDRIVE_PAUSE: Duration = Duration::from_millis(500);

/// The destinations of `req` still to submit. First round (`first` is `Some(again)`): those
/// the report has no record or no copy id of, and with `again` those whose copy failed or
/// was canceled. Later rounds: those that failed for a reason that may pass.
pub fn outstanding(report: &Report, req: &CopyRequest, first: Option<bool>) -> Vec<String> {
    req.dest_regions
        .iter()
        .filter(|d| {
            match report.find(&req.key_for(d)) {
                None => true,
                // Queued copies, and copies started without an id to follow.
                Some(r) if first.is_some() => {
                    (first == Some(true)
                        && matches!(r.state, CopyState::Failed | CopyState::Canceled))
                        || (r.state.in_flight() && r.dest_id.is_none() && r.job_id.is_none())
                }
                Some(r) => {
                    r.state == CopyState::Failed && r.error.as_ref().is_some_and(|e| e.retryable)
                }
            }
        })
        .cloned()
        .collect()
}

/// Records still in progress that have an id to follow, or that the cloud accepted without
/// naming the copy (`NoCopyId`: the provider looks for it by name).
fn followable(report: &Report) -> Vec<usize> {
    report
        .records
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r.state.in_flight()
                && (r.dest_id.is_some()
                    || r.job_id.is_some()
                    || r.error.as_ref().is_some_and(|e| e.code == "NoCopyId"))
        })
        .map(|(i, _)| i)
        .collect()
}

/// The process exit code for a finished run (see the README's table), over `records`: the
/// copies the run was asked for.
pub fn exit_code(records: &[&CopyRecord], waited: bool, stop: &Stop, auth_error: bool) -> i32 {
    if *stop == Stop::Interrupted {
        return crate::exit::INTERRUPTED;
    }
    if auth_error {
        return crate::exit::AUTH;
    }
    let any = |f: &dyn Fn(CopyState) -> bool| records.iter().any(|r| f(r.state));
    // Copies canceled because the deadline passed (`--on-timeout cancel`) count as timed out.
    let canceled_fails = *stop != Stop::Deadline;
    if any(&|s| s == CopyState::Failed || (canceled_fails && s == CopyState::Canceled)) {
        return crate::exit::FAILED;
    }
    // A queued copy was never started: the goal is not reached, with or without --wait.
    if *stop == Stop::Deadline
        || any(&|s| s == CopyState::TimedOut || s == CopyState::Queued)
        || (waited && any(&|s| !s.is_terminal()))
    {
        return crate::exit::UNFINISHED;
    }
    crate::exit::OK
}

pub mod locate;
mod queue;

use queue::queued;

#[cfg(test)]
mod tests;
