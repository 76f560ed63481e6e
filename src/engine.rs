//! Fan-out, waiting, deadlines and interrupts. Sees only `dyn Provider`; owns the report.

use crate::error::Error;
use crate::http::backoff;
use crate::model::{Cloud, CopyRecord, CopyRequest, CopyState, Report};
use crate::provider::Provider;
use std::collections::BTreeMap;
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

    /// Puts `r` in the report in place of the record of the same copy, and tells the observer.
    fn record(&mut self, report: &mut Report, r: CopyRecord) {
        self.tell(&r);
        report.put(r);
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
                    r.state == CopyState::Failed
                        && r.error.as_ref().is_some_and(|e| e.resubmit_may_pass)
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

mod cancel;
pub mod locate;
mod poll;
mod queue;
mod submit;

use queue::queued;

#[cfg(test)]
mod tests;
