//! Submitting: the requests journaled first, then sent in rounds (again for failures that
//! may pass), each call's records kept as it returns.

use super::{outstanding, Engine, INTERRUPT_GRACE, REDRIVES, REDRIVE_PAUSE};
use crate::error::{Error, ErrorKind};
use crate::http::backoff;
use crate::model::{CopyRecord, CopyRequest, CopyState, RecordError, Report};
use futures::StreamExt;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use time::OffsetDateTime;
use tokio::time::Instant;

impl Engine<'_> {
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
            resubmit_may_pass: false,
        };
        self.record(report, CopyRecord::rejected(req, dest, err, now));
    }

    /// Submits `requests` (their slots taken first), `concurrency` at a time, and records
    /// what each returns as it returns. After an interrupt no new request starts; the calls
    /// under way get `INTERRUPT_GRACE` to finish, then are recorded as outcome unknown.
    pub(super) async fn submit_round(&mut self, report: &mut Report, requests: &[CopyRequest]) {
        let requests = self.take_slots(report, requests);
        let stop = Arc::new(AtomicBool::new(self.interrupted()));
        let started = Arc::new(std::sync::Mutex::new(BTreeSet::new()));
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
        let mut grace = self.interrupted().then(|| Instant::now() + INTERRUPT_GRACE);
        let mut finished = BTreeSet::new();
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
            self.submitted(report, &req, result);
        }
        drop(jobs);
        let started = started.lock().expect("started lock").clone();
        let abandoned: Vec<&CopyRequest> = started
            .difference(&finished)
            .map(|&i| &requests[i])
            .collect();
        self.abandoned(report, &abandoned);
    }

    /// Records what one submit returned: its records, or the whole request refused. A copy
    /// refused because the cloud's limit on copies at once was reached (by this run or
    /// another tool) is queued: it waits for a slot, then is submitted again.
    fn submitted(
        &mut self,
        report: &mut Report,
        req: &CopyRequest,
        result: Result<Vec<CopyRecord>, Error>,
    ) {
        let now = OffsetDateTime::now_utc();
        let records = match result {
            Ok(records) => records,
            Err(e) => {
                if e.kind() == ErrorKind::Auth && self.auth_error.is_none() {
                    self.auth_error = Some(e.clone());
                }
                let re = RecordError::from(&e);
                req.dest_regions
                    .iter()
                    .map(|d| CopyRecord::rejected(req, d, re.clone(), now))
                    .collect()
            }
        };
        let provider = self.provider(req.cloud);
        for mut r in records {
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

    /// The requests whose calls were abandoned after an interrupt: their copies may have
    /// been made, so they are recorded as outcome unknown for `status` to reconcile.
    fn abandoned(&mut self, report: &mut Report, requests: &[&CopyRequest]) {
        if requests.is_empty() {
            return;
        }
        let now = OffsetDateTime::now_utc();
        for req in requests {
            for d in &req.dest_regions {
                let mut r = CopyRecord::new(req, d, now);
                r.error = Some(RecordError {
                    code: "OutcomeUnknown".into(),
                    message: "interrupted while the copy call was under way: the copy may have been made; `imgcopy status --report FILE` looks for it before copying".into(),
                    request_id: None,
                    resubmit_may_pass: true,
                });
                self.record(report, r);
            }
        }
        self.persist(report);
    }
}
