//! Look-ups that cost the same at ten thousand records as at ten: the report's records by
//! key, requests by source.

use super::{Cloud, CopyKey, CopyRecord, CopyRequest, Kind};
use std::fmt;

/// Requests by their source (cloud, kind, id, region), so that finding the request of a
/// record, or an earlier request for the same copies, is one look-up, not a scan.
#[derive(Debug, Default)]
pub struct BySource {
    map: std::collections::HashMap<(Cloud, Kind, String, String), Vec<usize>>,
}

impl BySource {
    pub fn new(requests: &[CopyRequest]) -> Self {
        let mut by = BySource::default();
        for (i, r) in requests.iter().enumerate() {
            by.add(r, i);
        }
        by
    }

    /// Files `r`, at position `i` of the requests.
    pub fn add(&mut self, r: &CopyRequest, i: usize) {
        let key = (
            r.cloud,
            r.kind,
            r.source_id.clone(),
            r.source_region.clone(),
        );
        self.map.entry(key).or_default().push(i);
    }

    fn of(&self, cloud: Cloud, kind: Kind, id: &str, region: &str) -> &[usize] {
        // The key is owned: one small allocation per look-up, never a scan.
        let key = (cloud, kind, id.to_string(), region.to_string());
        self.map.get(&key).map(Vec::as_slice).unwrap_or_default()
    }

    /// The position in `requests` of the one asking for the same copies as `r`.
    pub fn same_copies(&self, requests: &[CopyRequest], r: &CopyRequest) -> Option<usize> {
        self.of(r.cloud, r.kind, &r.source_id, &r.source_region)
            .iter()
            .copied()
            .find(|&i| requests[i].same_copies(r))
    }

    /// Whether one of `requests` covers `record` (`CopyRequest::covers`).
    pub fn covers(&self, requests: &[CopyRequest], record: &CopyRecord) -> bool {
        self.request_of(requests, record).is_some()
    }

    /// The position in `requests` of the first one that covers `record`.
    pub fn request_of(&self, requests: &[CopyRequest], record: &CopyRecord) -> Option<usize> {
        self.of(
            record.provider,
            record.kind,
            &record.source_id,
            &record.source_region,
        )
        .iter()
        .copied()
        .find(|&i| requests[i].covers(record))
    }
}

/// Positions in `Report::records` by a hash of the record's key. Checked on every use and
/// rebuilt when `records` was changed behind its back (reordered, shortened, replaced): a
/// stale index costs one rebuild, never a wrong answer, as long as a record's key is not
/// changed in place.
#[derive(Default)]
pub(super) struct KeyIndex {
    pub(super) by_hash: std::collections::HashMap<u64, Vec<usize>>,
    pub(super) len: usize,
}

impl KeyIndex {
    pub(super) fn hash(key: &CopyKey<'_>) -> u64 {
        use std::hash::{BuildHasher, BuildHasherDefault};
        BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default().hash_one(key)
    }

    pub(super) fn rebuild(&mut self, records: &[CopyRecord]) {
        self.by_hash.clear();
        for (i, r) in records.iter().enumerate() {
            self.by_hash
                .entry(Self::hash(&r.key()))
                .or_default()
                .push(i);
        }
        self.len = records.len();
    }

    /// The position of `key`, if the index (trusted only when it covers every record)
    /// knows it; `Err(())` when it has to be rebuilt first.
    pub(super) fn lookup(
        &self,
        records: &[CopyRecord],
        key: &CopyKey<'_>,
    ) -> Result<Option<usize>, ()> {
        if self.len != records.len() {
            return Err(());
        }
        match self.by_hash.get(&Self::hash(key)) {
            None => Ok(None),
            Some(slots) => {
                if let Some(&i) = slots
                    .iter()
                    .find(|&&i| records.get(i).is_some_and(|r| r.key() == *key))
                {
                    return Ok(Some(i));
                }
                // Every slot filed under this hash must hold a record with that hash.
                if slots.iter().all(|&i| {
                    records
                        .get(i)
                        .is_some_and(|r| Self::hash(&r.key()) == Self::hash(key))
                }) {
                    Ok(None)
                } else {
                    Err(())
                }
            }
        }
    }
}

// The index is a cache: it takes no part in what a report is.
impl Clone for KeyIndex {
    fn clone(&self) -> Self {
        KeyIndex::default()
    }
}
impl PartialEq for KeyIndex {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl fmt::Debug for KeyIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyIndex")
    }
}
