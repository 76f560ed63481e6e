//! Rendering the report (table, JSON, NDJSON) and writing it atomically.

use crate::error::{Error, Result};
use crate::model::{CopyRecord, CopyState, Report};
use serde::Serialize;
use std::io::Write;
use std::path::Path;

pub mod journal;
pub use journal::{store, FileJournal};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Ndjson,
}

pub fn to_json(report: &Report) -> String {
    serde_json::to_string_pretty(report).expect("the report serialises")
}

/// Prints `report` as JSON on stdout, streamed (see `crate::output::stdout_with`).
pub fn print_json(report: &Report) {
    crate::output::stdout_with(|w| {
        serde_json::to_writer_pretty(&mut *w, report)?;
        w.write_all(b"\n")
    });
}

/// One NDJSON line for a record that appeared or changed.
pub fn record_event(record: &CopyRecord) -> String {
    #[derive(Serialize)]
    struct Event<'a> {
        event: &'static str,
        record: &'a CopyRecord,
    }
    serde_json::to_string(&Event {
        event: "record",
        record,
    })
    .expect("a record serialises")
}

/// The closing NDJSON line: the whole summary and the exit code.
pub fn summary_event(report: &Report, exit_code: i32) -> String {
    serde_json::json!({
        "event": "summary",
        "schema_version": report.schema_version,
        "summary": report.summary,
        "exit_code": exit_code,
    })
    .to_string()
}

/// What a person should know about a record besides its state: how an adopted copy was
/// tied to the request (never silent), and the cloud's error.
pub fn detail(r: &CopyRecord) -> String {
    let adopted = r.adopted.then(|| match r.adopted_by {
        Some(by) => format!("adopted by {}", by.as_str()),
        None => "adopted".to_string(),
    });
    let error = r
        .error
        .as_ref()
        .map(|e| format!("{}: {}", e.code, e.message));
    adopted
        .into_iter()
        .chain(error)
        .collect::<Vec<_>>()
        .join("; ")
}

/// The records in the order they were asked for: by request (`--id` order), then by
/// destination (`--dest` order; the source region's own record first); records no request
/// names last, as they are.
fn in_request_order(report: &Report) -> Vec<&CopyRecord> {
    let by = crate::model::BySource::new(&report.requests);
    let rank = |r: &CopyRecord| -> (usize, usize) {
        match by.request_of(&report.requests, r) {
            Some(i) => {
                let dests = &report.requests[i].dest_regions;
                let d = dests
                    .iter()
                    .position(|d| *d == r.dest_region)
                    .map_or(0, |p| p + 1);
                (i, d)
            }
            None => (usize::MAX, 0),
        }
    };
    let mut rows: Vec<(usize, &CopyRecord)> = report.records.iter().enumerate().collect();
    rows.sort_by_key(|(n, r)| (rank(r), *n));
    rows.into_iter().map(|(_, r)| r).collect()
}

/// One record as a row of the table.
fn row(r: &CopyRecord) -> [String; 10] {
    // A copy that did not make it shows no progress (a cloud may say 100% of a
    // failed copy).
    let ended_badly = matches!(
        r.state,
        CopyState::Failed | CopyState::Canceled | CopyState::TimedOut
    );
    [
        r.provider.to_string(),
        r.kind.to_string(),
        Some(r.source_id.clone())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "-".into()),
        Some(r.source_region.clone())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "-".into()),
        r.dest_region.clone(),
        r.name.clone().unwrap_or_else(|| "-".into()),
        r.dest_id
            .clone()
            .or_else(|| r.job_id.clone())
            .unwrap_or_else(|| "-".into()),
        r.state.to_string(),
        r.progress
            .filter(|_| !ended_badly)
            .map(|p| format!("{p}%"))
            .unwrap_or_else(|| "-".into()),
        detail(r),
    ]
}

/// The counts under the table.
fn summary_line(report: &Report) -> String {
    let s = &report.summary;
    let counts = [
        (s.available, "available"),
        (s.source, "already there (source)"),
        (s.copying, "copying"),
        (s.submitted, "submitted"),
        (s.queued, "queued"),
        (s.failed, "failed"),
        (s.canceled, "canceled"),
        (s.timed_out, "timed out"),
    ];
    let listed: Vec<String> = counts
        .iter()
        .enumerate()
        .filter(|(i, (n, _))| *i == 0 || *n > 0)
        .map(|(_, (n, what))| format!("{n} {what}"))
        .collect();
    format!(
        "\n{} {}: {}{}\n",
        s.total,
        if s.total == 1 { "copy" } else { "copies" },
        listed.join(", "),
        if report.sandbox {
            " (sandbox: nothing real was copied)"
        } else {
            ""
        }
    )
}

/// A fixed-width table for people.
pub fn to_table(report: &Report) -> String {
    let header = [
        "PROVIDER", "KIND", "SOURCE", "FROM", "TO", "NAME", "DEST ID", "STATE", "PROGRESS",
        "DETAIL",
    ];
    let rows: Vec<[String; 10]> = in_request_order(report).into_iter().map(row).collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<&str>, out: &mut String| {
        let last = cells.len() - 1;
        for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
            if i == last {
                out.push_str(c);
            } else {
                out.push_str(&format!("{c:<w$}  "));
            }
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
    };
    line(header.to_vec(), &mut out);
    for row in &rows {
        line(row.iter().map(String::as_str).collect(), &mut out);
    }
    out.push_str(&summary_line(report));
    out
}

/// Writes `report` to `path` atomically: a temporary file in the same folder, then a rename.
/// A symbolic link is written through (the file it points to is replaced, the link kept).
pub fn write_atomic(path: &Path, report: &Report) -> Result<()> {
    let resolved;
    let path = if path.is_symlink() {
        resolved = std::fs::canonicalize(path)
            .map_err(|e| Error::io(format!("following the link {}", path.display()), e))?;
        resolved.as_path()
    } else {
        path
    };
    let dir = crate::lock::folder_of(path);
    let ctx = || format!("writing report {}", path.display());
    let mut tmp = tempfile::Builder::new()
        .prefix(&temp_prefix(path))
        .tempfile_in(dir)
        .map_err(|e| Error::io(ctx(), e))?;
    // Streamed, not built in memory first: ten thousand records are 8 MB of JSON.
    let mut w = std::io::BufWriter::new(tmp.as_file_mut());
    serde_json::to_writer_pretty(&mut w, report)
        .map_err(std::io::Error::from)
        .and_then(|_| w.write_all(b"\n"))
        .and_then(|_| w.flush())
        .map_err(|e| Error::io(ctx(), e))?;
    drop(w);
    tmp.as_file().sync_all().map_err(|e| Error::io(ctx(), e))?;
    tmp.persist(path).map_err(|e| Error::io(ctx(), e.error))?;
    Ok(())
}

/// The prefix of the temporary files a report is written through (`.NAME.tmp`): a kill -9
/// between writing and renaming leaves one, which the next run that locks the report removes.
pub fn temp_prefix(path: &Path) -> String {
    format!(
        ".{}.tmp",
        path.file_name().unwrap_or_default().to_string_lossy()
    )
}

/// Removes temporary files a killed run left beside the report (call with its lock held).
pub fn remove_stale_temps(path: &Path) {
    let prefix = temp_prefix(path);
    let Ok(entries) = std::fs::read_dir(crate::lock::folder_of(path)) else {
        return;
    };
    for e in entries.flatten() {
        if e.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// The largest report read (10,000 records take about 8 MB).
pub const MAX_REPORT_BYTES: u64 = 256 << 20;

/// Reads a report (the snapshot, with the journal of a run that did not finish replayed
/// over it): a regular file of at most `MAX_REPORT_BYTES` (never a device or a FIFO,
/// which could be endless or never answer).
pub fn read(path: &Path) -> Result<Report> {
    let text = crate::config::read_capped(path, MAX_REPORT_BYTES)
        .map_err(|e| Error::usage("--report", format!("cannot read {}: {e}", path.display())))?;
    let mut report: Report = serde_json::from_str(&text).map_err(|e| {
        Error::usage(
            "--report",
            format!("{} is not an imgcopy report: {e}", path.display()),
        )
    })?;
    if report.schema_version != crate::model::SCHEMA_VERSION {
        return Err(Error::usage(
            "--report",
            format!(
                "{} has schema_version {}, this imgcopy reads {}",
                path.display(),
                report.schema_version,
                crate::model::SCHEMA_VERSION
            ),
        ));
    }
    journal::replay(path, &mut report)?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;
    use time::macros::datetime;

    pub fn sample() -> Report {
        let t = datetime!(2026-11-21 12:00:00 UTC);
        let req = CopyRequest {
            cloud: Cloud::Baidu,
            kind: Kind::Image,
            source_id: "m-abc".into(),
            source_region: "bj".into(),
            dest_regions: vec!["gz".into(), "bd".into()],
            name: Some("n".into()),
            client_token: None,
            description: None,
            options: Default::default(),
            force_new: None,
            attempts: Default::default(),
        };
        let mut ok = CopyRecord::new(&req, "gz", t);
        ok.dest_id = Some("m-new".into());
        ok.state = CopyState::Available;
        ok.progress = Some(100);
        ok.attempts = 1;
        let bad = CopyRecord::rejected(
            &req,
            "bd",
            RecordError {
                code: "Image.RegionNotSupportCopy".into(),
                message: "Region not support copy.".into(),
                request_id: Some("r-1".into()),
                resubmit_may_pass: false,
            },
            t,
        );
        let mut rep = Report::new(t, false, None);
        rep.records = vec![ok, bad];
        rep.refresh_summary(t);
        rep.updated_at = t;
        rep.tool_version = "0.0.0".into();
        rep
    }

    /// Locks the report's JSON shape: other tools parse it.
    #[test]
    fn json_shape_is_locked() {
        let v: serde_json::Value = serde_json::from_str(&to_json(&sample())).unwrap();
        let expected = serde_json::json!({
            "schema_version": 1,
            "tool_version": "0.0.0",
            "sandbox": false,
            "endpoint": null,
            "profile": null,
            "started_at": "2026-11-21T12:00:00Z",
            "updated_at": "2026-11-21T12:00:00Z",
            "requests": [],
            "sources": [],
            "records": [
                {
                    "provider": "baidu", "kind": "image", "source_id": "m-abc",
                    "source_region": "bj", "dest_region": "gz", "dest_id": "m-new",
                    "job_id": null, "name": "n", "client_token": null,
                    "state": "available", "progress": 100, "cloud_status": null,
                    "error": null, "adopted": false, "adopted_by": null, "attempts": 1,
                    "submitted_at": "2026-11-21T12:00:00Z", "updated_at": "2026-11-21T12:00:00Z",
                    "finished_at": null
                },
                {
                    "provider": "baidu", "kind": "image", "source_id": "m-abc",
                    "source_region": "bj", "dest_region": "bd", "dest_id": null,
                    "job_id": null, "name": "n", "client_token": null,
                    "state": "failed", "progress": null, "cloud_status": null,
                    "error": {"code": "Image.RegionNotSupportCopy",
                              "message": "Region not support copy.", "request_id": "r-1",
                              "retryable": false},
                    "adopted": false, "adopted_by": null, "attempts": 0,
                    "submitted_at": "2026-11-21T12:00:00Z", "updated_at": "2026-11-21T12:00:00Z",
                    "finished_at": "2026-11-21T12:00:00Z"
                }
            ],
            "summary": {"total": 2, "queued": 0, "submitted": 0, "copying": 0, "available": 1,
                        "failed": 1, "canceled": 0, "timed_out": 0, "source": 0}
        });
        assert_eq!(v, expected);
    }

    #[test]
    fn options_are_one_object_and_the_older_word_still_reads() {
        let none: CloudOptions = serde_json::from_str(r#""none""#).unwrap();
        assert_eq!(none, CloudOptions::None);
        assert_eq!(serde_json::to_string(&none).unwrap(), r#"{"none":{}}"#);
        let back: CloudOptions = serde_json::from_str(r#"{"none":{}}"#).unwrap();
        assert_eq!(back, CloudOptions::None);
        let aws = CloudOptions::Aws(Default::default());
        let text = serde_json::to_string(&aws).unwrap();
        assert!(text.starts_with(r#"{"aws":{"#), "{text}");
        assert_eq!(serde_json::from_str::<CloudOptions>(&text).unwrap(), aws);
        assert!(serde_json::from_str::<CloudOptions>(r#""some""#).is_err());
    }

    #[test]
    fn atomic_write_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.json");
        write_atomic(&p, &sample()).unwrap();
        write_atomic(&p, &sample()).unwrap();
        assert_eq!(read(&p).unwrap(), sample());
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary files left behind");
    }

    #[test]
    fn table_lists_every_record() {
        let t = to_table(&sample());
        assert!(t.contains("m-new") && t.contains("Image.RegionNotSupportCopy"));
        assert!(t.contains("2 copies: 1 available"));
    }

    #[test]
    fn read_rejects_other_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.json");
        std::fs::write(&p, "{}").unwrap();
        assert!(read(&p).unwrap_err().message().starts_with("--report"));
    }
}
