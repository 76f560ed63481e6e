//! Looking at copies in flight: one provider call per cloud per round, the answers applied
//! to the records (missing copies given their grace).

use super::{Engine, INTERRUPT_GRACE};
use crate::error::{Error, ErrorKind};
use crate::model::{Cloud, CopyRecord, PollUpdate, RecordError, Report};
use std::collections::BTreeMap;
use time::OffsetDateTime;

impl Engine<'_> {
    /// Looks at the pending copies, one provider call per cloud, and records what changed.
    pub(super) async fn poll_round(&mut self, report: &mut Report, pending: &[usize]) {
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
                changed |= self.looked(&mut report.records[i], update, now);
            }
        }
        if changed {
            self.persist(report);
        }
    }

    /// Applies one look at a copy; whether the record changed.
    fn looked(
        &mut self,
        rec: &mut CopyRecord,
        update: Result<PollUpdate, Error>,
        now: OffsetDateTime,
    ) -> bool {
        match update {
            Ok(u) if u.missing => {
                self.missing(rec, &u, now);
                true
            }
            Ok(u) => {
                rec.missing_since = None;
                let changed = rec.apply(&u, now);
                if changed {
                    self.tell(rec);
                }
                changed
            }
            Err(e) if e.kind() == ErrorKind::Auth => {
                tracing::error!("{}: {e}", rec.label());
                self.auth_error.get_or_insert(e);
                false
            }
            Err(e) => {
                // Kept on the record (state unchanged) so the report says why a copy looks
                // stuck; the next successful look clears it.
                tracing::warn!("{}: could not check the copy: {e}", rec.label());
                let re = RecordError::from(&e);
                if rec.error.as_ref() == Some(&re) {
                    return false;
                }
                rec.error = Some(re);
                rec.updated_at = now;
                self.keep(rec);
                true
            }
        }
    }

    /// A copy the cloud does not show: failed once it has stayed missing for the grace
    /// (and was submitted that long ago); until then it keeps its state, with what the
    /// cloud said attached (not visible yet, or looked for in the wrong account).
    fn missing(&mut self, rec: &mut CopyRecord, u: &PollUpdate, now: OffsetDateTime) {
        let since = *rec.missing_since.get_or_insert(now);
        let grace = time::Duration::try_from(self.missing_grace).unwrap_or(time::Duration::MAX);
        if now - since >= grace && now - rec.submitted_at >= grace {
            rec.apply(u, now);
            self.tell(rec);
        } else if let Some(e) = &u.error {
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
    }
}
