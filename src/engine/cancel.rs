//! Canceling what a stopped run left in flight, where the cloud can and the copy is
//! imgcopy's own (through `guarded_cancel`).

use super::Engine;
use crate::error::Error;
use crate::model::{CopyRecord, CopyState, Report};
use crate::provider::{guarded_cancel, Tie, Visibility};
use time::OffsetDateTime;

impl Engine<'_> {
    /// Cancels the copies still in flight where the cloud can (`--on-interrupt cancel`,
    /// `--on-timeout cancel`); the others are left running and stay in the report.
    pub async fn cancel_in_flight(&mut self, report: &mut Report) {
        self.cancel_unstarted(report);
        let now = OffsetDateTime::now_utc();
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
                let tie = Tie {
                    in_report: true,
                    force: false,
                };
                let visible = fresh.map(|within| Visibility { within, pause });
                let done =
                    guarded_cancel(provider.as_ref(), kind, &region, &id, tie, visible).await;
                (i, done.map(|_| ()))
            }
        });
        let results = futures::future::join_all(calls).await;
        self.canceled(report, results);
    }

    /// Journaled copies never started and queued copies are canceled without a call: the
    /// run was asked to stop, so a later `status` does not start them either.
    fn cancel_unstarted(&mut self, report: &mut Report) {
        let now = OffsetDateTime::now_utc();
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
    }

    /// Records the outcome of each cancel call; copies without an id yet are left running.
    fn canceled(&mut self, report: &mut Report, results: Vec<(usize, Result<(), Error>)>) {
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
}
