//! Clouds' limits on copies running at once: copies beyond a documented limit wait as
//! `queued` and start as slots free.

use super::Engine;
use crate::model::{CopyRecord, CopyRequest, CopyState, Report};
use std::collections::BTreeMap;
use time::OffsetDateTime;

impl Engine<'_> {
    /// The destinations of `requests` split into those with a free slot under the cloud's
    /// limit on copies running at once (returned) and those that must wait (recorded as
    /// queued). Slots in use are the copies in flight in the report.
    pub(super) fn take_slots(
        &mut self,
        report: &mut Report,
        requests: &[CopyRequest],
    ) -> Vec<CopyRequest> {
        let mut used: BTreeMap<String, usize> = BTreeMap::new();
        for r in report.records.iter().filter(|r| {
            r.state.in_flight()
                && r.state != CopyState::Queued
                && (r.dest_id.is_some() || r.job_id.is_some())
        }) {
            if let Some(s) =
                self.provider(r.provider)
                    .slots(r.kind, &r.source_region, &r.dest_region)
            {
                *used.entry(s.key).or_default() += 1;
            }
        }
        let now = OffsetDateTime::now_utc();
        let mut go = Vec::new();
        for req in requests {
            let provider = self.provider(req.cloud);
            let mut dests = Vec::new();
            for d in &req.dest_regions {
                let fits = match provider.slots(req.kind, &req.source_region, d) {
                    None => true,
                    Some(s) => {
                        let n = used.entry(s.key).or_default();
                        *n += 1;
                        *n <= s.max
                    }
                };
                let already_queued = report
                    .find(&req.key_for(d))
                    .is_some_and(|r| r.state == CopyState::Queued);
                if fits {
                    dests.push(d.clone());
                } else if !already_queued {
                    // One event when a copy starts waiting, not one per round.
                    let mut q = CopyRecord::new(req, d, now);
                    q.state = CopyState::Queued;
                    self.record(report, q);
                }
            }
            if !dests.is_empty() {
                go.push(CopyRequest {
                    dest_regions: dests,
                    ..req.clone()
                });
            }
        }
        go
    }

    /// Submits the queued copies that have a free slot now (the others stay queued).
    pub(super) async fn submit_queued(&mut self, report: &mut Report) {
        let requests: Vec<CopyRequest> = report
            .requests
            .iter()
            .filter_map(|req| {
                let dests: Vec<String> = req
                    .dest_regions
                    .iter()
                    .filter(|d| {
                        report
                            .records
                            .iter()
                            .any(|r| r.state == CopyState::Queued && r.key() == req.key_for(d))
                    })
                    .cloned()
                    .collect();
                (!dests.is_empty()).then(|| CopyRequest {
                    dest_regions: dests,
                    ..req.clone()
                })
            })
            .collect();
        if !requests.is_empty() {
            self.submit_round(report, &requests).await;
        }
    }
}

/// Whether any copy waits for a free slot.
pub(super) fn queued(report: &Report) -> bool {
    report.records.iter().any(|r| r.state == CopyState::Queued)
}
