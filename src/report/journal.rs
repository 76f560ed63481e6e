//! The report on disk while a run goes on: a snapshot (the report file itself, written
//! atomically) and, beside it, an append-only log of the records that changed since
//! (`.NAME.journal`, one JSON record per line). A change costs one appended line instead of
//! rewriting every record, so a run's cost grows with its copies, not with their square.
//!
//! Durability: every change is written to the log as it happens (before the run sends its
//! next request), so a kill -9 at any moment loses nothing. The log is flushed to the disk
//! at most `SYNC_EVERY` apart and with every snapshot: a power loss can lose the last
//! second's changes, which the next run finds again in the cloud (client tokens, tags).
//! The snapshot is rewritten when the log has as many lines as the report has records (the
//! cost of a rewrite is paid for by as many appends), at most `SNAPSHOT_EVERY` apart while
//! anything changed, and at the end. Readers (`report::read`) replay the log over the
//! snapshot; replaying a line the snapshot already holds changes nothing.

use crate::engine::Journal;
use crate::error::{Error, Result};
use crate::model::{CopyRecord, Report};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The longest a change stays in the page cache before the log is flushed to the disk.
pub const SYNC_EVERY: Duration = Duration::from_secs(1);
/// The longest the snapshot lags the log while anything changes.
pub const SNAPSHOT_EVERY: Duration = Duration::from_secs(5);
/// The fewest log lines that make a snapshot worth rewriting.
const MIN_LINES: usize = 1024;

/// The log beside the report at `report`: `.NAME.journal`.
pub fn log_path(report: &Path) -> PathBuf {
    let name = report.file_name().unwrap_or_default().to_string_lossy();
    crate::lock::folder_of(report).join(format!(".{name}.journal"))
}

/// Writes the snapshot of `report` to `path` and drops the log the snapshot now holds.
pub fn store(path: &Path, report: &Report) -> Result<()> {
    super::write_atomic(path, report)?;
    match std::fs::remove_file(log_path(path)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(
            format!("removing the journal {}", log_path(path).display()),
            e,
        )),
        _ => Ok(()),
    }
}

/// Replays the log beside `path` (if any) over `report`, the snapshot read from `path`. A
/// last line cut short (a kill in the middle of a write) is left out; any other line that is
/// not a record is an error.
pub fn replay(path: &Path, report: &mut Report) -> Result<()> {
    let log = log_path(path);
    let text = match crate::config::read_capped(&log, super::MAX_REPORT_BYTES) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(Error::usage(
                "--report",
                format!("cannot read the journal {}: {e}", log.display()),
            ))
        }
    };
    let complete = text.ends_with('\n');
    let lines: Vec<&str> = text.lines().collect();
    for (n, line) in lines.iter().enumerate() {
        match serde_json::from_str::<CopyRecord>(line) {
            Ok(r) => report.put(r),
            Err(_) if n + 1 == lines.len() && !complete => {}
            Err(e) => {
                return Err(Error::usage(
                    "--report",
                    format!(
                        "line {} of the journal {} is not a record: {e}",
                        n + 1,
                        log.display()
                    ),
                ))
            }
        }
    }
    report.refresh_summary(report.updated_at);
    Ok(())
}

/// Opens the log at `path` to append to it. A last line a killed run cut short is cut off
/// first: appended after, it would be a broken line in the middle.
fn open_log(path: &Path) -> std::io::Result<File> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .open(path)?;
    let text = std::fs::read(path)?;
    if !text.is_empty() && !text.ends_with(b"\n") {
        let keep = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        file.set_len(keep as u64)?;
    }
    Ok(file)
}

/// The journal of a run with `--report` (or none: then it keeps nothing).
pub struct FileJournal {
    path: Option<PathBuf>,
    log: Option<File>,
    lines: usize,
    last_snapshot: Instant,
    last_sync: Instant,
    unsynced: bool,
}

impl FileJournal {
    pub fn new(path: Option<PathBuf>) -> Self {
        FileJournal {
            path,
            log: None,
            lines: 0,
            last_snapshot: Instant::now(),
            last_sync: Instant::now(),
            unsynced: false,
        }
    }

    fn ctx(&self) -> String {
        let p = self.path.as_deref().map(log_path).unwrap_or_default();
        format!("writing the journal {}", p.display())
    }
}

impl Journal for FileJournal {
    fn save(&mut self, report: &mut Report) -> Result<()> {
        let Some(p) = &self.path else { return Ok(()) };
        report.refresh_summary(time::OffsetDateTime::now_utc());
        // The log is closed before it is removed: later changes start a new one.
        self.log = None;
        store(p, report)?;
        self.lines = 0;
        self.unsynced = false;
        self.last_snapshot = Instant::now();
        self.last_sync = self.last_snapshot;
        Ok(())
    }

    fn changed(&mut self, record: &CopyRecord) -> Result<()> {
        let Some(p) = &self.path else { return Ok(()) };
        if self.log.is_none() {
            let file = open_log(&log_path(p)).map_err(|e| Error::io(self.ctx(), e))?;
            self.log = Some(file);
        }
        let mut line = serde_json::to_vec(record).expect("a record serialises");
        line.push(b'\n');
        let log = self.log.as_mut().expect("opened above");
        // One write per line: a kill leaves whole lines, or a last one cut short.
        log.write_all(&line).map_err(|e| Error::io(self.ctx(), e))?;
        self.lines += 1;
        self.unsynced = true;
        Ok(())
    }

    fn checkpoint(&mut self, report: &mut Report) -> Result<()> {
        if self.path.is_none() || self.lines == 0 {
            return Ok(());
        }
        if self.lines >= MIN_LINES.max(report.records.len())
            || self.last_snapshot.elapsed() >= SNAPSHOT_EVERY
        {
            return self.save(report);
        }
        if self.unsynced && self.last_sync.elapsed() >= SYNC_EVERY {
            if let Some(log) = &self.log {
                log.sync_data().map_err(|e| Error::io(self.ctx(), e))?;
            }
            self.unsynced = false;
            self.last_sync = Instant::now();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CopyState;

    fn journaled(dir: &Path) -> (PathBuf, FileJournal, Report) {
        let p = dir.join("r.json");
        let mut j = FileJournal::new(Some(p.clone()));
        let mut rep = super::super::tests::sample();
        j.save(&mut rep).unwrap();
        (p, j, rep)
    }

    #[test]
    fn a_change_is_one_line_and_a_reader_sees_it() {
        let dir = tempfile::tempdir().unwrap();
        let (p, mut j, mut rep) = journaled(dir.path());
        let before = std::fs::read(&p).unwrap();
        rep.records[1].state = CopyState::Available;
        j.changed(&rep.records[1]).unwrap();
        j.checkpoint(&mut rep).unwrap();
        assert_eq!(
            std::fs::read(&p).unwrap(),
            before,
            "the snapshot is not rewritten"
        );
        let log = std::fs::read_to_string(log_path(&p)).unwrap();
        assert_eq!(log.lines().count(), 1);
        let read = super::super::read(&p).unwrap();
        assert_eq!(read.records[1].state, CopyState::Available);
        assert_eq!(read.summary.available, 2);
    }

    #[test]
    fn a_snapshot_drops_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let (p, mut j, mut rep) = journaled(dir.path());
        rep.records[0].progress = Some(50);
        j.changed(&rep.records[0]).unwrap();
        j.save(&mut rep).unwrap();
        assert!(!log_path(&p).exists());
        // A change after the snapshot starts a new log.
        rep.records[0].progress = Some(60);
        j.changed(&rep.records[0]).unwrap();
        assert_eq!(
            super::super::read(&p).unwrap().records[0].progress,
            Some(60)
        );
    }

    #[test]
    fn a_long_log_is_compacted() {
        let dir = tempfile::tempdir().unwrap();
        let (p, mut j, mut rep) = journaled(dir.path());
        for n in 0..MIN_LINES {
            rep.records[0].progress = Some((n % 100) as u8);
            j.changed(&rep.records[0]).unwrap();
            j.checkpoint(&mut rep).unwrap();
        }
        assert!(!log_path(&p).exists(), "compacted into the snapshot");
        assert_eq!(super::super::read(&p).unwrap(), rep);
    }

    #[test]
    fn a_line_cut_short_at_the_end_is_left_out_and_others_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let (p, mut j, mut rep) = journaled(dir.path());
        rep.records[1].state = CopyState::Canceled;
        j.changed(&rep.records[1]).unwrap();
        drop(j);
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(log_path(&p))
            .unwrap();
        f.write_all(br#"{"provider":"baidu","kin"#).unwrap();
        assert_eq!(
            super::super::read(&p).unwrap().records[1].state,
            CopyState::Canceled
        );
        // The next run appends after the cut-off line, not after the broken piece.
        let mut next = FileJournal::new(Some(p.clone()));
        rep.records[0].progress = Some(7);
        next.changed(&rep.records[0]).unwrap();
        let read = super::super::read(&p).unwrap();
        assert_eq!(read.records[0].progress, Some(7));
        assert_eq!(read.records[1].state, CopyState::Canceled);
        drop(next);
        f.write_all(br#"{"provider":"baidu","kin"#).unwrap();
        f.write_all(b"\n").unwrap();
        let e = super::super::read(&p).unwrap_err();
        assert!(
            e.message().contains("line 3 of the journal"),
            "{}",
            e.message()
        );
    }
}
