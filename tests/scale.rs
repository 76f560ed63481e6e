//! Ten thousand copies in one run: a kill -9 at any moment loses none and doubles none (the
//! journal beside the report is replayed by `status`). Costs are measured in `bench/`, not
//! here.

mod common;
use common::*;
use std::time::Duration;

const SOURCES: usize = 2500;
const DESTS: [&str; 4] = ["us-west-2", "eu-west-1", "ap-northeast-1", "us-east-2"];

/// When the run is killed: after this many copy calls reached the emulator (while it is
/// still submitting), or once every copy was submitted (while it waits).
#[derive(Debug, Clone, Copy)]
enum KillAt {
    Submitting(usize),
    Waiting,
}

fn copy_calls(emu: &Emu) -> usize {
    emu.action_count("CopyImage")
}

/// How many copies the emulator holds.
fn made(emu: &Emu) -> usize {
    emu.state()["copies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_u64().unwrap() as usize)
        .sum()
}

/// How many copies with a destination id the report on disk knows: its snapshot, with the
/// journal's lines (a last line cut short left out) over it.
fn on_disk(report: &std::path::Path, journal: &std::path::Path) -> usize {
    let mut ids = std::collections::HashMap::new();
    let mut keep = |r: &serde_json::Value| {
        let key = format!("{}|{}", r["source_id"], r["dest_region"]);
        ids.insert(key, !r["dest_id"].is_null());
    };
    if report.exists() {
        for r in records(&read_json(report)) {
            keep(&r);
        }
    }
    let text = std::fs::read_to_string(journal).unwrap_or_default();
    for line in text.lines() {
        if let Ok(r) = serde_json::from_str::<serde_json::Value>(line) {
            keep(&r);
        }
    }
    ids.values().filter(|has_id| **has_id).count()
}

#[test]
fn ten_thousand_copies_killed_mid_run_resume_with_nothing_lost_or_doubled() {
    for at in [KillAt::Submitting(3000), KillAt::Waiting] {
        // Copies take about three seconds, so the wait is long enough to be killed in.
        let emu = Emu::start(300.0, 900.0);
        let ids = emu.clone_source("aws", "ami-0abc00000000000a1", SOURCES);
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("r.json");
        let cmd = || {
            let mut c = against(&emu);
            c.args(["--rate-limit", "0", "--report", report.to_str().unwrap()])
                .args(["--wait", "aws", "image", "--region", "us-east-1"])
                .args(["--id", &ids.join(","), "--dest", &DESTS.join(",")])
                .args(["--name", "scale-{id}"]);
            c
        };
        let mut child = cmd()
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let want = match at {
            KillAt::Submitting(n) => n,
            KillAt::Waiting => SOURCES * DESTS.len(),
        };
        assert!(
            wait_until(Duration::from_secs(120), || copy_calls(&emu) >= want),
            "{at:?}: the run never got there"
        );
        child.kill().unwrap(); // SIGKILL: no cleanup runs
        child.wait().unwrap();
        let journal = dir.path().join(".r.json.journal");
        if let KillAt::Submitting(_) = at {
            assert!(
                journal.exists(),
                "{at:?}: the changes since the snapshot are in the journal"
            );
        }
        // Every copy the cloud made is on disk (the snapshot and the journal's lines), but
        // for those of the requests under way at the kill: a request (one source, every
        // destination) is recorded when its calls return, and --concurrency 16 of them run
        // at once. The resume below finds those again by their client tokens.
        let made_by_then = made(&emu);
        let known = on_disk(&report, &journal);
        assert!(
            known + 16 * DESTS.len() >= made_by_then,
            "{at:?}: {made_by_then} copies made, {known} on disk"
        );

        let o = status(
            &report,
            &["--endpoint", &emu.endpoint(), "--rate-limit", "0", "--wait"],
        );
        assert_eq!(code(&o), 0, "{at:?}: {}", stderr(&o));
        assert!(
            !journal.exists(),
            "{at:?}: the finished run folds the journal in"
        );
        let rep = read_json(&report);
        let recs = records(&rep);
        assert_eq!(recs.len(), SOURCES * DESTS.len(), "{at:?}");
        assert!(
            recs.iter().all(|r| r["state"] == "available"),
            "{at:?}: {:?}",
            recs.iter().find(|r| r["state"] != "available")
        );
        assert!(
            emu.duplicates().is_empty(),
            "{at:?}: {:?}",
            emu.duplicates()
        );
        assert_eq!(made(&emu), SOURCES * DESTS.len(), "{at:?}");

        // The same command again with the report copies nothing more.
        let before = copy_calls(&emu);
        let again = run(&mut cmd());
        assert_eq!(code(&again), 0, "{at:?}: {}", stderr(&again));
        assert_eq!(copy_calls(&emu), before, "{at:?}: copied again");
    }
}

#[test]
fn a_large_run_shows_one_line_per_region_and_names_each_failure() {
    let emu = Emu::fast();
    let ids = emu.clone_source("aws", "ami-0abc00000000000a1", 12);
    // Three copies are refused: each failure is named.
    emu.fault(serde_json::json!({
        "provider": "aws", "action": "CopyImage", "status": 400,
        "code": "InvalidParameterValue", "times": 3
    }));
    let o = run(against(&emu)
        .args([
            "--output",
            "ndjson",
            "--wait",
            "aws",
            "image",
            "--region",
            "us-east-1",
        ])
        .args(["--id", &ids.join(","), "--dest", "us-west-2,us-east-2"])
        .args(["--name", "scale-{id}"]));
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let err = stderr(&o);
    let per_copy: Vec<&str> = err.lines().filter(|l| l.contains("us-east-1→")).collect();
    assert_eq!(per_copy.len(), 3, "a line per failed copy only:\n{err}");
    assert!(
        per_copy.iter().all(|l| l.contains("failed")),
        "{per_copy:?}"
    );
    let mut available = 0;
    for region in ["us-west-2", "us-east-2"] {
        let last = err
            .lines()
            .rfind(|l| l.contains(&format!("aws image → {region}: 12 copies: ")))
            .unwrap_or_else(|| panic!("a line for {region}:\n{err}"));
        available += last
            .split("12 copies: ")
            .nth(1)
            .and_then(|s| s.split(' ').next())
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|_| last.contains("available"))
            .unwrap_or(0);
    }
    assert_eq!(available, 21, "{err}");
    // NDJSON is still one event per change of any copy.
    let events = stdout(&o)
        .lines()
        .filter(|l| l.contains(r#""event":"record""#))
        .count();
    assert!(
        events >= 45,
        "submitted and available, or failed, for each copy: {events}"
    );
}

#[test]
fn many_huawei_copies_into_one_region_are_looked_at_in_one_listing_per_round() {
    // Copies take 3 s, looked at every 50 ms: many rounds while they copy.
    let emu = Emu::start(300.0, 900.0);
    let ids = emu.clone_source("huawei", "6f1f3b3c-0000-4000-8000-000000000001", 12);
    let o = run(against(&emu)
        .args([
            "--rate-limit",
            "0",
            "--wait",
            "huawei",
            "image",
            "--region",
            "cn-north-4",
        ])
        .args(["--id", &ids.join(","), "--name", "batched-{id}"]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rep = json(&o);
    let recs = records(&rep);
    assert_eq!(recs.len(), 12);
    for r in &recs {
        assert_eq!(r["state"], "available", "{r}");
        // The id comes from the copy's own job, never from the listing.
        let made = emu.copies_of(r["source_id"].as_str().unwrap());
        assert_eq!(made.len(), 1);
        assert_eq!(r["dest_id"], made[0]["id"]);
    }
    let log = emu.requests();
    let listings = log
        .iter()
        .filter(|r| r["action"] == "ListImages")
        .filter(|r| {
            r["query_keys"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k == "limit")
        })
        .count();
    let jobs = log.iter().filter(|r| r["action"] == "ShowJob").count();
    assert!(
        listings >= 10,
        "a listing per round while copying: {listings}"
    );
    // Each job is asked when its image is no longer seen copying: about once per copy,
    // not once per round.
    assert!(
        jobs <= 12 * 3,
        "{jobs} job queries for 12 copies over {listings} rounds"
    );
}
