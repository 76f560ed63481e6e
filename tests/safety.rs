//! Safe on a real account: destructive calls look first, adoption needs provenance and is
//! visible, one run owns a report, nothing is sent before the report is known to be
//! writable, dry runs send nothing, a copy fails only on evidence, cloud limits queue, a
//! closed stdout does not stop the work, and a report belongs to one command.

mod common;
use common::*;
use std::process::Stdio;

const AMI: &str = "ami-0abc00000000000a1";
const SNAP: &str = "snap-0abc00000000000a1";
const HW_IMG: &str = "6f1f3b3c-0000-4000-8000-000000000001";
const HW_KEY: &str = "bd66288c-9081-460a-8227-4cbd0c814cb4";

fn calls(emu: &Emu, action: &str) -> usize {
    emu.requests()
        .iter()
        .filter(|r| r["action"] == action)
        .count()
}

fn aws_image(emu: &Emu, extra: &[&str]) -> std::process::Output {
    run(against(emu).args(extra).args([
        "aws",
        "image",
        "--id",
        AMI,
        "--region",
        "us-east-1",
        "--dest",
        "eu-west-1",
        "--name",
        "golden",
    ]))
}

// 1. Destructive calls are guarded.

#[test]
fn aws_cancel_never_deregisters_a_source_or_a_finished_copy() {
    let emu = Emu::fast();
    let o = aws_image(&emu, &["--wait"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let copy = record(&json(&o), "eu-west-1")["dest_id"]
        .as_str()
        .unwrap()
        .to_string();
    for (id, region) in [(AMI, "us-east-1"), (copy.as_str(), "eu-west-1")] {
        for force in [false, true] {
            let mut cmd = against(&emu);
            cmd.args(["aws", "cancel", "--id", id, "--region", region]);
            if force {
                cmd.arg("--force");
            }
            let o = run(&mut cmd);
            assert_eq!(code(&o), 1, "{id}: {}", stderr(&o));
            assert!(
                stderr(&o).contains("not a copy in progress"),
                "{}",
                stderr(&o)
            );
        }
    }
    assert_eq!(calls(&emu, "DeregisterImage"), 0);
    assert_eq!(
        emu.copies_in("aws", AMI).len(),
        1,
        "the copy is still there"
    );
    assert!(emu.state()["resources"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["id"] == AMI));
}

#[test]
fn aws_cancel_acts_on_its_own_pending_copy_and_needs_force_for_a_stranger() {
    let emu = Emu::start(1.0, 3600.0);
    // A pending copy imgcopy made: its provenance tag ties it, no report needed.
    let o = aws_image(&emu, &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let copy = record(&json(&o), "eu-west-1")["dest_id"]
        .as_str()
        .unwrap()
        .to_string();
    emu.past_lag();
    let o = run(against(&emu).args(["aws", "cancel", "--id", &copy, "--region", "eu-west-1"]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("provenance"), "{}", stderr(&o));
    assert!(emu.copies_in("aws", AMI).is_empty());
    // A pending AMI imgcopy did not make (an image being created from an instance).
    emu.fixture(serde_json::json!({
        "provider": "aws", "kind": "image", "region": "eu-west-1",
        "id": "ami-0fff00000000000f1", "name": "someone-elses", "status": "pending",
    }));
    let cancel = |force: bool| {
        let mut cmd = against(&emu);
        cmd.args([
            "aws",
            "cancel",
            "--id",
            "ami-0fff00000000000f1",
            "--region",
            "eu-west-1",
        ]);
        if force {
            cmd.arg("--force");
        }
        run(&mut cmd)
    };
    let o = cancel(false);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("cannot be tied"), "{}", stderr(&o));
    assert_eq!(calls(&emu, "DeregisterImage"), 1, "only imgcopy's own copy");
    let o = cancel(true);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(calls(&emu, "DeregisterImage"), 2);
}

#[test]
fn alibaba_cancel_is_tied_by_the_provenance_tag() {
    let emu = Emu::start(1.0, 3600.0);
    let o = run(against(&emu).args([
        "alibaba",
        "image",
        "--id",
        "m-demo0001",
        "--region",
        "cn-hangzhou",
        "--dest",
        "cn-shanghai",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let id = record(&json(&o), "cn-shanghai")["dest_id"]
        .as_str()
        .unwrap()
        .to_string();
    emu.past_lag();
    let o = run(against(&emu).args(["alibaba", "cancel", "--id", &id, "--region", "cn-shanghai"]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = run(against(&emu).args([
        "alibaba",
        "cancel",
        "--id",
        "m-demo0001",
        "--region",
        "cn-hangzhou",
        "--force",
    ]));
    assert_eq!(code(&o), 1, "a source is never canceled: {}", stderr(&o));
    assert_eq!(calls(&emu, "CancelCopyImage"), 1);
}

#[test]
fn baidu_cancel_without_a_report_needs_force() {
    let emu = Emu::start(1.0, 3600.0);
    let o = run(against(&emu).args([
        "baidu",
        "image",
        "--id",
        "m-demo0001",
        "--region",
        "bj",
        "--dest",
        "gz",
    ]));
    let id = record(&json(&o), "gz")["dest_id"]
        .as_str()
        .unwrap()
        .to_string();
    emu.past_lag();
    let o = run(against(&emu).args(["baidu", "cancel", "--id", &id, "--region", "gz"]));
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    assert_eq!(calls(&emu, "CancelRemoteCopyImage"), 0);
    let o = run(against(&emu).args(["baidu", "cancel", "--id", &id, "--region", "gz", "--force"]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(calls(&emu, "CancelRemoteCopyImage"), 1);
}

// 2. Adoption means provenance, and it is visible.

#[test]
fn huawei_never_adopts_an_unmarked_image_of_the_same_name() {
    let emu = Emu::fast();
    // The demo image `golden-encrypted` was not made by imgcopy: the copy is made, with the key.
    let args = [
        "huawei",
        "image",
        "--id",
        HW_IMG,
        "--region",
        "cn-north-4",
        "--name",
        "golden-encrypted",
        "--cmk-id",
        HW_KEY,
        "--wait",
    ];
    let o = run(against(&emu).args(args));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let r = record(&json(&o), "cn-north-4").clone();
    assert_eq!(r["adopted"], false, "{r}");
    assert_eq!(calls(&emu, "CopyImageInRegion"), 1);
    assert_eq!(emu.copies_in("huawei", HW_IMG).len(), 1);
    // Run again: its own marked copy is adopted, by the marker, and said so.
    let o = run(against(&emu).args(args));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let again = record(&json(&o), "cn-north-4").clone();
    assert_eq!(again["adopted_by"], "marker", "{again}");
    assert_eq!(again["dest_id"], r["dest_id"]);
    assert!(stderr(&o).contains("adopted existing"), "{}", stderr(&o));
    assert_eq!(calls(&emu, "CopyImageInRegion"), 1);
    // The same name without the key is another copy: the encrypted one does not stand in.
    let plain: Vec<&str> = args
        .iter()
        .copied()
        .filter(|a| *a != "--cmk-id" && *a != HW_KEY)
        .collect();
    let o = run(against(&emu).args(&plain));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(record(&json(&o), "cn-north-4")["adopted"], false);
    assert_eq!(calls(&emu, "CopyImageInRegion"), 2);
}

#[test]
fn baidu_name_adoption_is_loud_in_the_log_the_table_and_the_report() {
    let emu = Emu::fast();
    let args = [
        "baidu",
        "image",
        "--id",
        "m-demo0001",
        "--region",
        "bj",
        "--dest",
        "gz",
        "--name",
        "golden",
    ];
    let o = run(against(&emu).args(args).arg("--wait"));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = run(against(&emu).args(["--output", "table"]).args(args));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("adopted existing") && stderr(&o).contains("by name"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).contains("adopted by name"), "{}", stdout(&o));
    let o = run(against(&emu).args(args));
    let r = record(&json(&o), "gz").clone();
    assert_eq!(
        (r["adopted"].clone(), r["adopted_by"].clone()),
        (true.into(), "name".into())
    );
    assert_eq!(emu.copies_in("baidu", "m-demo0001").len(), 1);
}

// 3. One run owns a report; identical runs at once on one machine copy once.

/// Starts `cmd` in the background and waits until the emulator has seen `action`.
fn start_and_wait_for(
    emu: &Emu,
    cmd: &mut std::process::Command,
    action: &str,
) -> std::process::Child {
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    if wait_until(std::time::Duration::from_secs(5), || calls(emu, action) > 0) {
        return child;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the first run never sent {action}");
}

#[test]
fn a_second_run_on_the_same_report_is_refused_at_once() {
    let emu = Emu::start(1.0, 3600.0);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let args = |emu: &Emu| {
        let mut c = against(emu);
        c.args([
            "--report",
            report.to_str().unwrap(),
            "--timeout",
            "20s",
            "--wait",
        ])
        .args(["huawei", "image", "--id", HW_IMG, "--region", "cn-north-4"])
        .args([
            "--dest",
            "cn-east-3",
            "--agency",
            "ims_admin_agency",
            "--name",
            "g",
        ]);
        c
    };
    let mut first = start_and_wait_for(&emu, &mut args(&emu), "CopyImageCrossRegion");
    let before = emu.requests().len();
    let o = run(&mut args(&emu));
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("in use") && stderr(&o).contains("pid"),
        "{}",
        stderr(&o)
    );
    let status = status(&report, &[]);
    assert_eq!(code(&status), 2, "status too: {}", stderr(&status));
    first.kill().unwrap();
    first.wait().unwrap();
    // The first run kept following its job (ShowJob); the refused runs sent nothing.
    let others: Vec<_> = emu.requests()[before..]
        .iter()
        .filter(|r| r["action"] != "ShowJob")
        .cloned()
        .collect();
    assert!(others.is_empty(), "the refused runs sent {others:?}");
    assert_eq!(calls(&emu, "CopyImageCrossRegion"), 1);
}

#[test]
fn identical_runs_at_once_without_a_report_copy_once() {
    let emu = Emu::start(1.0, 3600.0);
    let state = tempfile::tempdir().unwrap();
    let args = |emu: &Emu| {
        let mut c = against(emu);
        c.env("IMGCOPY_STATE_DIR", state.path())
            .args(["--timeout", "20s", "--wait"])
            .args([
                "baidu",
                "image",
                "--id",
                "m-demo0001",
                "--region",
                "bj",
                "--dest",
                "gz",
            ]);
        c
    };
    let mut first = start_and_wait_for(&emu, &mut args(&emu), "RemoteCopyImage");
    let o = run(&mut args(&emu));
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("identical imgcopy run"),
        "{}",
        stderr(&o)
    );
    first.kill().unwrap();
    first.wait().unwrap();
    assert_eq!(calls(&emu, "RemoteCopyImage"), 1);
    emu.past_lag();
    // Once the first has ended, the same command runs (and finds the copy).
    let o = run(args(&emu).args(["--timeout", "1s"]));
    assert_ne!(code(&o), 2, "{}", stderr(&o));
    assert_eq!(calls(&emu, "RemoteCopyImage"), 1);
}

// 4. The report is probed before anything is sent.

#[test]
fn an_impossible_report_path_is_a_usage_error_before_any_request() {
    let emu = Emu::fast();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain");
    std::fs::write(&file, "x").unwrap();
    for report in [
        dir.path().join("no/such/dir/r.json"),
        file.join("r.json"),
        dir.path().to_path_buf(),
    ] {
        let o = aws_image(&emu, &["--report", report.to_str().unwrap()]);
        assert_eq!(code(&o), 2, "{}: {}", report.display(), stderr(&o));
        assert!(stderr(&o).contains("--report"), "{}", stderr(&o));
    }
    assert!(emu.requests().is_empty(), "nothing was sent");
}

// 5. --dry-run sends nothing, on every command; meaningless options are refused.

#[test]
fn status_dry_run_sends_nothing_and_starts_nothing() {
    let emu = Emu::start(1.0, 3600.0);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let o = aws_image(&emu, &["--report", report.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // A journal-only report: what a run killed before its first copy call leaves.
    let mut journal = read_json(&report);
    journal["records"] = serde_json::json!([]);
    std::fs::write(&report, journal.to_string()).unwrap();
    let before = emu.requests().len();
    let o = status(&report, &["--dry-run", "--endpoint", &emu.endpoint()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let plan = json(&o);
    assert_eq!(plan["dry_run"], true);
    assert_eq!(plan["would_start"].as_array().unwrap().len(), 1, "{plan}");
    assert_eq!(
        emu.requests().len(),
        before,
        "status --dry-run sent a request"
    );
    assert_eq!(read_json(&report), journal, "and wrote nothing");
}

#[test]
fn options_that_mean_nothing_are_refused() {
    let emu = Emu::fast();
    for (args, flag) in [
        (
            vec![
                "--wait",
                "aws",
                "cancel",
                "--id",
                AMI,
                "--region",
                "us-east-1",
            ],
            "--wait",
        ),
        (vec!["--dry-run", "emulator"], "--dry-run"),
        (vec!["--wait", "emulator"], "--wait"),
        (
            vec!["--add-to-report", "status", "--report", "x.json"],
            "--add-to-report",
        ),
    ] {
        let o = run(imgcopy().args(&args));
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(flag), "{args:?}: {}", stderr(&o));
    }
    assert!(emu.requests().is_empty());
}

// 6. A copy is failed only on evidence.

#[test]
fn status_in_the_wrong_place_does_not_fail_copies_for_good() {
    let emu = Emu::start(1.0, 3600.0);
    let elsewhere = Emu::fast();
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let o = aws_image(&emu, &["--report", report.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // Looked for in another endpoint (another account): NotFound, but not failed.
    let o = status(&report, &["--endpoint", &elsewhere.endpoint()]);
    assert!(
        stderr(&o).contains("copies were made through"),
        "{}",
        stderr(&o)
    );
    let r = record(&json(&o), "eu-west-1").clone();
    assert_eq!(r["state"], "submitted", "{r}");
    assert_eq!(r["error"]["code"], "InvalidAMIID.NotFound");
    // Even past the grace, in the wrong place with --wait: failed, but only there...
    let o = status(
        &report,
        &[
            "--endpoint",
            &elsewhere.endpoint(),
            "--wait",
            "--missing-grace",
            "100ms",
        ],
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    // ...and a later look in the right place finds it and follows it.
    emu.advance(3600.0);
    let o = status(&report, &["--wait"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(record(&json(&o), "eu-west-1")["state"], "available");
}

#[test]
fn a_missing_copy_is_failed_only_after_the_grace() {
    // The copy is deregistered behind the report's back: it keeps its state (with the
    // cloud's word attached) until it has been missing for the grace, then fails.
    let emu = Emu::start(1.0, 3600.0);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let o = aws_image(&emu, &["--report", report.to_str().unwrap()]);
    let id = record(&json(&o), "eu-west-1")["dest_id"]
        .as_str()
        .unwrap()
        .to_string();
    emu.past_lag();
    let o = run(against(&emu).args(["aws", "cancel", "--id", &id, "--region", "eu-west-1"]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = status(
        &report,
        &["--wait", "--timeout", "600ms", "--missing-grace", "10m"],
    );
    assert_eq!(code(&o), 4, "still within the grace: {}", stderr(&o));
    let r = record(&json(&o), "eu-west-1").clone();
    assert_eq!(r["error"]["code"], "InvalidAMIID.NotFound", "{r}");
    let o = status(&report, &["--wait", "--missing-grace", "200ms"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let r = record(&json(&o), "eu-west-1").clone();
    assert_eq!(r["state"], "failed", "{r}");
    assert_eq!(r["error"]["code"], "InvalidAMIID.NotFound");
}

// 7. Cloud limits queue instead of failing.

#[test]
fn six_snapshot_copies_into_one_ec2_region_all_land() {
    let emu = Emu::fast();
    let ids = emu.clone_source("aws", SNAP, 6).join(",");
    let o = run(against(&emu).args([
        "--wait",
        "aws",
        "snapshot",
        "--id",
        &ids,
        "--region",
        "us-east-1",
        "--dest",
        "eu-west-1",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json(&o)["summary"]["available"], 6);
    assert!(emu.duplicates().is_empty());
}

// 8. A closed stdout never stops the work.

#[test]
fn a_closed_stdout_does_not_stop_the_run() {
    let emu = Emu::fast();
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let mut child = against(&emu)
        .args([
            "--output",
            "ndjson",
            "--wait",
            "--report",
            report.to_str().unwrap(),
        ])
        .args(["aws", "image", "--id", AMI, "--region", "us-east-1"])
        .args(["--dest", "eu-west-1,ap-southeast-1", "--name", "golden"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // `| head -1`: read one line, then close the pipe.
    {
        use std::io::BufRead;
        let mut first = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(first.contains("\"event\""), "{first}");
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    let saved = read_json(&report);
    assert_eq!(saved["summary"]["available"], 2, "the report was finished");
}

// 9. A report belongs to one set of requests.

#[test]
fn another_command_on_a_report_is_refused_unless_added_to_it() {
    let emu = Emu::fast();
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let r = report.to_str().unwrap();
    let o = run(against(&emu).args([
        "--report",
        r,
        "--wait",
        "aws",
        "image",
        "--id",
        "ami-0abc00000000000a2",
        "--region",
        "us-east-1",
        "--dest",
        "eu-west-1",
        "--name",
        "fails",
    ]));
    assert_eq!(
        code(&o),
        1,
        "the first command's copy fails: {}",
        stderr(&o)
    );
    let before = emu.requests().len();
    let o = aws_image(&emu, &["--report", r, "--wait"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("--add-to-report"), "{}", stderr(&o));
    assert_eq!(emu.requests().len(), before);
    // Added to it: the exit code covers this command's copies, not the old failure.
    let o = aws_image(&emu, &["--report", r, "--wait", "--add-to-report"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(read_json(&report)["records"].as_array().unwrap().len(), 2);
    // Running one of its commands again resumes it: no refusal, nothing copied again.
    let o = aws_image(&emu, &["--report", r, "--wait"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(emu.copies_in("aws", AMI).len(), 1);
}
