//! Never lose or duplicate a copy: a fault storm across every cloud, crashes at several
//! points, hostile replies, interrupts and deadlines with cancel, and pacing.
//!
//! `cargo test --release --test reliability -- --nocapture` prints the storm's figures.

mod common;
use common::*;
use serde_json::{json, Value};
use std::path::Path;

/// One copy command per source: (cloud args, the destinations it makes copies in).
struct Job {
    cloud: &'static str,
    source: String,
    args: Vec<String>,
    dests: Vec<&'static str>,
}

fn job(cloud: &'static str, source: &str, region: &str, dests: &[&'static str]) -> Job {
    let mut args: Vec<String> = vec![cloud.into(), "image".into(), "--id".into(), source.into()];
    args.extend(["--region".into(), region.into()]);
    args.extend(["--name".into(), format!("copy-{source}")]);
    // Huawei without --dest copies in its region.
    if dests != [region] {
        args.extend(["--dest".into(), dests.join(",")]);
    }
    Job {
        cloud,
        source: source.into(),
        args,
        dests: dests.to_vec(),
    }
}

/// Sources cloned from each cloud's demo image, and the jobs copying them.
fn storm_jobs(emu: &Emu, per_cloud: usize) -> Vec<Job> {
    let mut jobs = Vec::new();
    let (baidu, alibaba, aws) = (
        ["gz", "su", "hkg", "fwh"],
        ["cn-shanghai", "cn-beijing", "cn-qingdao", "cn-shenzhen"],
        ["us-west-2", "eu-west-1", "ap-northeast-1", "us-east-2"],
    );
    let sources = per_cloud.div_ceil(4);
    for id in emu.clone_source("baidu", "m-demo0001", sources) {
        jobs.push(job("baidu", &id, "bj", &baidu));
    }
    for id in emu.clone_source("alibaba", "m-demo0001", sources) {
        jobs.push(job("alibaba", &id, "cn-hangzhou", &alibaba));
    }
    for id in emu.clone_source("alibaba", "s-demo0001", sources) {
        let mut j = job("alibaba", &id, "cn-hangzhou", &alibaba);
        j.args[1] = "snapshot".into();
        jobs.push(j);
    }
    for id in emu.clone_source("aws", "ami-0abc00000000000a1", sources) {
        jobs.push(job("aws", &id, "us-east-1", &aws));
    }
    let tencent = ["ap-shanghai", "ap-beijing", "ap-tokyo", "ap-singapore"];
    for id in emu.clone_source("tencent", "img-demo0001", sources) {
        jobs.push(job("tencent", &id, "ap-guangzhou", &tencent));
    }
    // In-region copies: the tenant's limit of five cross-region copies at once would
    // otherwise turn the storm into a queueing test.
    let huawei_src = "6f1f3b3c-0000-4000-8000-000000000001";
    for id in emu.clone_source("huawei", huawei_src, sources * 4) {
        jobs.push(job("huawei", &id, "cn-north-4", &["cn-north-4"]));
    }
    jobs
}

/// Runs every job (`parallel` processes at a time), each with its own report; returns the
/// exit codes, the reports and the stderr of the failures.
fn run_all(emu: &Emu, jobs: &[Job], parallel: usize, dir: &Path) -> Vec<(i32, Value, String)> {
    let endpoint = emu.endpoint();
    let mut out = Vec::new();
    for chunk in jobs.chunks(parallel) {
        let results: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = chunk
                .iter()
                .map(|j| {
                    let endpoint = endpoint.clone();
                    let report = dir.join(format!("{}-{}.json", j.cloud, j.source));
                    s.spawn(move || {
                        let o = run(against_endpoint(&endpoint)
                            .args(["--report", report.to_str().unwrap(), "--wait"])
                            .args(&j.args));
                        (code(&o), read_json(&report), stderr(&o))
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        out.extend(results);
    }
    out
}

#[test]
fn fault_storm_every_copy_made_once() {
    let emu = Emu::fast();
    let jobs = storm_jobs(&emu, 52);
    let expected: usize = jobs.iter().map(|j| j.dests.len()).sum();
    assert!(expected >= 200, "{expected} copies");
    for fault in [
        json!({"status": 500, "code": "InternalError", "rate": 0.20}),
        json!({"throttle": true, "rate": 0.10}),
        json!({"drop_after": true, "rate": 0.05}),
    ] {
        emu.fault(fault);
    }
    let dir = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let results = run_all(&emu, &jobs, 8, dir.path());
    let took = started.elapsed();

    let mut available = 0;
    for ((exit, report, err), j) in results.iter().zip(&jobs) {
        assert_eq!(*exit, 0, "{} {}: {err}", j.cloud, j.source);
        let recs = records(report);
        assert_eq!(recs.len(), j.dests.len(), "{} {}", j.cloud, j.source);
        for r in &recs {
            assert_eq!(r["state"], "available", "{r}");
            available += 1;
        }
    }
    let state = emu.state();
    let duplicates = emu.duplicates();
    assert!(duplicates.is_empty(), "duplicates: {duplicates:?}");
    let mut missing = 0;
    for j in &jobs {
        for d in &j.dests {
            if emu.copy_count(j.cloud, &j.source, d) != 1 {
                missing += 1;
            }
        }
    }
    assert_eq!(missing, 0);
    let log = emu.requests();
    let status_count = |f: &dyn Fn(u64) -> bool| {
        log.iter()
            .filter(|r| f(r["status"].as_u64().unwrap()))
            .count()
    };
    let adopted: usize = results
        .iter()
        .flat_map(|(_, rep, _)| records(rep))
        .filter(|r| r["adopted"] == true)
        .count();
    println!(
        "fault storm: {expected} copies in {} runs over 4 clouds, {:.1}s; {} requests, {} faults \
         injected ({} 5xx, {} throttled replies); {available} available, {adopted} adopted after \
         an unknown outcome, {} duplicates, {missing} missing",
        jobs.len(),
        took.as_secs_f64(),
        state["requests"],
        state["faults_fired"],
        status_count(&|s| s >= 500),
        status_count(&|s| s == 429) + log.iter().filter(|r| r["status"] == 400).count(),
        duplicates.len(),
    );
    assert!(state["faults_fired"].as_u64().unwrap() > 100);
}

/// The command of a crash run: three clouds' worth of copies in one report each.
fn crash_jobs(emu: &Emu) -> Vec<Job> {
    let baidu = emu.clone_source("baidu", "m-demo0001", 1);
    let aws = emu.clone_source("aws", "ami-0abc00000000000a1", 1);
    let huawei = emu.clone_source("huawei", "6f1f3b3c-0000-4000-8000-000000000001", 1);
    let tencent = emu.clone_source("tencent", "img-demo0001", 1);
    let snapshot = emu.clone_source("alibaba", "s-demo0001", 1);
    let mut s = job(
        "alibaba",
        &snapshot[0],
        "cn-hangzhou",
        &["cn-shanghai", "cn-beijing"],
    );
    s.args[1] = "snapshot".into();
    let mut h = job(
        "huawei",
        &huawei[0],
        "cn-north-4",
        &["cn-east-3", "ap-southeast-1"],
    );
    h.args
        .extend(["--agency".into(), "ims_admin_agency".into()]);
    vec![
        job("baidu", &baidu[0], "bj", &["gz", "su", "hkg"]),
        job("aws", &aws[0], "us-east-1", &["us-west-2", "eu-west-1"]),
        job(
            "tencent",
            &tencent[0],
            "ap-guangzhou",
            &["ap-shanghai", "ap-tokyo"],
        ),
        s,
        h,
    ]
}

#[test]
fn killed_at_any_point_a_resume_finishes_with_nothing_lost_or_doubled() {
    // Copies take 1 s; every copy call takes 150 ms, so the kills land in submit and in wait.
    for kill_after_ms in [30u64, 120, 250, 400, 700, 1200] {
        let emu = Emu::start(300.0, 300.0);
        emu.fault(json!({"action": "RemoteCopyImage", "latency_ms": 150}));
        emu.fault(json!({"action": "CopyImage", "latency_ms": 150}));
        emu.fault(json!({"action": "CopyImageCrossRegion", "latency_ms": 150}));
        let dir = tempfile::tempdir().unwrap();
        for j in crash_jobs(&emu) {
            let report = dir.path().join(format!("{}.json", j.cloud));
            let cmd = || {
                let mut c = against(&emu);
                c.args(["--report", report.to_str().unwrap(), "--wait"])
                    .args(&j.args);
                c
            };
            let mut child = cmd()
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(std::time::Duration::from_millis(kill_after_ms));
            child.kill().unwrap(); // SIGKILL: no cleanup runs
            child.wait().unwrap();
            // The journal is resumed by `status`, or (killed before it was written) by running
            // the same command again.
            let o = if report.exists() {
                run(against(&emu).args(["--wait", "--report", report.to_str().unwrap(), "status"]))
            } else {
                run(&mut cmd())
            };
            assert_eq!(
                code(&o),
                0,
                "{} killed at {kill_after_ms}ms: {}",
                j.cloud,
                stderr(&o)
            );
            let rep = read_json(&report);
            assert_eq!(records(&rep).len(), j.dests.len(), "{rep}");
            assert!(
                records(&rep).iter().all(|r| r["state"] == "available"),
                "{rep}"
            );
            // Running the same command again with the report copies nothing more.
            let before = emu.requests().len();
            let again = run(&mut cmd());
            assert_eq!(code(&again), 0, "{}", stderr(&again));
            let sent: Vec<_> = emu.requests()[before..]
                .iter()
                .map(|r| r["action"].as_str().unwrap().to_string())
                .collect();
            assert!(
                sent.iter().all(|a| !a.contains("Copy")),
                "copied again: {sent:?}"
            );
            for d in &j.dests {
                assert_eq!(
                    emu.copy_count(j.cloud, &j.source, d),
                    1,
                    "{} {d} killed at {kill_after_ms}ms",
                    j.cloud
                );
            }
        }
    }
}

/// A copy run whose every reply to `action` is spoiled by `fault`: a clear error in the
/// report, the expected exit code, no panic, no hang.
fn spoiled(cloud_args: &[&str], fault: Value, extra: &[&str]) -> (i32, Value, String) {
    let emu = Emu::fast();
    emu.fault(fault);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let o = run(against(&emu)
        .args(["--report", report.to_str().unwrap()])
        .args(extra)
        .args(cloud_args));
    let err = stderr(&o);
    assert!(!err.contains("panicked"), "{err}");
    (code(&o), read_json(&report), err)
}

const ALIBABA: &[&str] = &[
    "alibaba",
    "image",
    "--id",
    "m-demo0001",
    "--region",
    "cn-hangzhou",
    "--dest",
    "cn-shanghai",
];

#[test]
fn hostile_replies_to_a_copy_call_are_clear_errors() {
    for (body, words) in [
        ("truncated", "could not read the reply"),
        ("html", "502"),
        ("huge", "larger than"),
    ] {
        let (exit, rep, err) = spoiled(
            ALIBABA,
            json!({"action": "CopyImage", "body": body}),
            &["--max-attempts", "1"],
        );
        assert_eq!(exit, 1, "{body}: {err}");
        let e = &records(&rep)[0]["error"];
        assert!(
            e["message"].as_str().unwrap().contains(words),
            "{body}: {e}"
        );
    }
    // A reply that stalls past --request-timeout.
    let (exit, rep, err) = spoiled(
        ALIBABA,
        json!({"action": "CopyImage", "body": "slow", "latency_ms": 60000}),
        &["--request-timeout", "300ms", "--max-attempts", "1"],
    );
    assert_eq!(exit, 1, "{err}");
    let e = &records(&rep)[0]["error"];
    assert!(e["message"].as_str().unwrap().contains("timed out"), "{e}");
    assert_eq!(e["retryable"], true);
}

#[test]
fn hostile_replies_while_waiting_keep_the_copy_and_say_why() {
    let (exit, rep, err) = spoiled(
        ALIBABA,
        json!({"action": "DescribeImages", "body": "truncated"}),
        &["--wait", "--timeout", "1500ms"],
    );
    assert_eq!(exit, 4, "{err}");
    let r = &records(&rep)[0];
    assert_eq!(r["state"], "timed_out");
    assert!(r["dest_id"].is_string(), "the copy is kept: {r}");
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("could not read the reply"),
        "{r}"
    );
}

#[test]
fn unknown_status_words_keep_waiting_not_failing() {
    let emu = Emu::fast();
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
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // The copy now shows a status word no document lists.
    let mut rep = json(&o);
    rep["endpoint"] = json!(emu.endpoint());
    rep["records"][0]["dest_id"] = json!("m-oddstate");
    emu.fixture(json!({"provider": "baidu", "kind": "image", "region": "gz",
                       "id": "m-oddstate", "name": "odd", "status": "Frobnicating"}));
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    std::fs::write(&report, rep.to_string()).unwrap();
    let s = status(&report, &[]);
    assert_eq!(code(&s), 0, "{}", stderr(&s));
    let r = &records(&json(&s))[0];
    assert_eq!(
        (r["state"].as_str(), r["cloud_status"].as_str()),
        (Some("copying"), Some("Frobnicating"))
    );
}

#[test]
fn on_timeout_cancel_cancels_what_the_cloud_can() {
    let emu = Emu::start(1.0, 3600.0);
    let (exit, rep, err) = {
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("r.json");
        let o = run(against(&emu)
            .args(["--report", report.to_str().unwrap()])
            .args(["--wait", "--timeout", "400ms", "--on-timeout", "cancel"])
            .args(ALIBABA));
        (code(&o), read_json(&report), stderr(&o))
    };
    assert_eq!(
        exit, 4,
        "a deadline is exit 4 even when its copies are canceled: {err}"
    );
    assert_eq!(records(&rep)[0]["state"], "canceled");
    assert_eq!(emu.copy_count("alibaba", "m-demo0001", "cn-shanghai"), 0);
    assert!(emu
        .requests()
        .iter()
        .any(|r| r["action"] == "CancelCopyImage" && r["status"] == 200));
}

#[test]
fn on_interrupt_cancel_cancels_and_leave_leaves() {
    for (what, remaining) in [("cancel", 0), ("leave", 1)] {
        let emu = Emu::start(1.0, 3600.0);
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("r.json");
        let mut child = against(&emu)
            .args(["--report", report.to_str().unwrap()])
            .args(["--wait", "--on-interrupt", what])
            .args([
                "aws",
                "image",
                "--id",
                "ami-0abc00000000000a1",
                "--region",
                "us-east-1",
                "--dest",
                "eu-west-1",
                "--name",
                "golden-interrupted",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Wait until the copy is journaled, then Ctrl-C.
        for _ in 0..100 {
            if report.exists() && records(&read_json(&report)).len() == 1 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let pid = child.id().to_string();
        std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(130), "{what}");
        let rep = read_json(&report);
        let state = records(&rep)[0]["state"].as_str().unwrap().to_string();
        match what {
            "cancel" => assert_eq!(state, "canceled"),
            _ => assert!(
                ["submitted", "copying"].contains(&state.as_str()),
                "{state}"
            ),
        }
        assert_eq!(
            emu.copy_count("aws", "ami-0abc00000000000a1", "eu-west-1"),
            remaining,
            "{what}"
        );
    }
}

#[test]
fn pacing_keeps_a_fan_out_under_the_cloud_limit() {
    // Every CopyImage goes to the source region; the emulator allows 4 requests a second.
    let throttled = |rate: &str| {
        let emu = Emu::fast();
        emu.limit_rps(4);
        let o = run(against(&emu).args(["--rate-limit", rate]).args([
            "alibaba",
            "image",
            "--id",
            "m-demo0001",
            "--region",
            "cn-hangzhou",
            "--dest",
            "cn-shanghai,cn-beijing,cn-qingdao,cn-shenzhen,cn-zhangjiakou,cn-huhehaote",
        ]));
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        emu.requests().iter().filter(|r| r["status"] == 400).count()
    };
    assert_eq!(throttled("alibaba=2"), 0, "paced under the limit");
    assert!(throttled("0") > 0, "unpaced, the same fan-out is throttled");
}

/// One copy shape per cloud and kind: the command for a source, its copy call's action, the
/// destination, and the demo source to clone.
struct Shape {
    cloud: &'static str,
    action: &'static str,
    demo: &'static str,
    dest: &'static str,
    args: fn(&str) -> Vec<String>,
}

fn shapes() -> Vec<Shape> {
    fn v(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }
    vec![
        Shape {
            cloud: "baidu",
            action: "RemoteCopyImage",
            demo: "m-demo0001",
            dest: "gz",
            args: |id| {
                v(&[
                    "baidu", "image", "--id", id, "--region", "bj", "--dest", "gz",
                ])
            },
        },
        Shape {
            cloud: "baidu",
            action: "RemoteCopySnapshot",
            demo: "s-demo0001",
            dest: "gz",
            args: |id| {
                v(&[
                    "baidu", "snapshot", "--id", id, "--region", "bj", "--dest", "gz",
                ])
            },
        },
        Shape {
            cloud: "huawei",
            action: "CopyImageCrossRegion",
            demo: "6f1f3b3c-0000-4000-8000-000000000001",
            dest: "cn-east-3",
            args: |id| {
                v(&[
                    "huawei",
                    "image",
                    "--id",
                    id,
                    "--region",
                    "cn-north-4",
                    "--dest",
                    "cn-east-3",
                    "--agency",
                    "ims_admin_agency",
                    "--name",
                    "golden",
                ])
            },
        },
        Shape {
            cloud: "huawei",
            action: "CopyImageInRegion",
            demo: "6f1f3b3c-0000-4000-8000-000000000001",
            dest: "cn-north-4",
            args: |id| {
                v(&[
                    "huawei",
                    "image",
                    "--id",
                    id,
                    "--region",
                    "cn-north-4",
                    "--name",
                    "golden-copy",
                ])
            },
        },
        Shape {
            cloud: "alibaba",
            action: "CopyImage",
            demo: "m-demo0001",
            dest: "cn-shanghai",
            args: |id| {
                v(&[
                    "alibaba",
                    "image",
                    "--id",
                    id,
                    "--region",
                    "cn-hangzhou",
                    "--dest",
                    "cn-shanghai",
                ])
            },
        },
        Shape {
            cloud: "aws",
            action: "CopyImage",
            demo: "ami-0abc00000000000a1",
            dest: "eu-west-1",
            args: |id| {
                v(&[
                    "aws",
                    "image",
                    "--id",
                    id,
                    "--region",
                    "us-east-1",
                    "--dest",
                    "eu-west-1",
                    "--name",
                    "golden",
                ])
            },
        },
        Shape {
            cloud: "alibaba",
            action: "CopySnapshot",
            demo: "s-demo0001",
            dest: "cn-shanghai",
            args: |id| {
                v(&[
                    "alibaba",
                    "snapshot",
                    "--id",
                    id,
                    "--region",
                    "cn-hangzhou",
                    "--dest",
                    "cn-shanghai",
                ])
            },
        },
        // Copies found again by name: each source's copies carry its own (the source's).
        Shape {
            cloud: "tencent",
            action: "SyncImages",
            demo: "img-demo0001",
            dest: "ap-shanghai",
            args: |id| {
                v(&[
                    "tencent",
                    "image",
                    "--id",
                    id,
                    "--region",
                    "ap-guangzhou",
                    "--dest",
                    "ap-shanghai",
                ])
            },
        },
        Shape {
            cloud: "aws",
            action: "CopySnapshot",
            demo: "snap-0abc00000000000a1",
            dest: "eu-west-1",
            args: |id| {
                v(&[
                    "aws",
                    "snapshot",
                    "--id",
                    id,
                    "--region",
                    "us-east-1",
                    "--dest",
                    "eu-west-1",
                ])
            },
        },
    ]
}

/// How many single-source runs each shape gets: a few in `cargo test`, more with
/// `IMGCOPY_STORM_RUNS=N` (the long version).
fn storm_runs() -> usize {
    std::env::var("IMGCOPY_STORM_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6)
}

#[test]
fn single_source_runs_with_faults_on_the_copy_call_never_duplicate() {
    for shape in shapes() {
        let emu = Emu::fast();
        // Faults on the copy call only: nothing else refreshes what the run knows.
        emu.fault(json!({"action": shape.action, "status": 500, "rate": 0.3}));
        emu.fault(json!({"action": shape.action, "drop_after": true, "rate": 0.3}));
        let n = storm_runs();
        let sources = emu.clone_source(shape.cloud, shape.demo, n);
        for (i, id) in sources.iter().enumerate() {
            let mut args = (shape.args)(id);
            // Half the runs are forced: a new copy, still once.
            if i % 2 == 1 {
                args.push("--force-new".into());
            }
            let o = run(against(&emu).args(["--wait"]).args(&args));
            let made = emu.copy_count(shape.cloud, id, shape.dest);
            assert!(
                made <= 1,
                "{} {}: {made} copies of {id}: {}",
                shape.cloud,
                shape.action,
                stderr(&o)
            );
            if code(&o) == 0 {
                assert_eq!(made, 1, "{} {}: {}", shape.cloud, shape.action, stderr(&o));
            } else {
                // A run that gave up says why in its report; running again finishes it once.
                let again = run(against(&emu).args(["--wait"]).args((shape.args)(id)));
                let made = emu.copy_count(shape.cloud, id, shape.dest);
                assert!(
                    made <= 1,
                    "{} {}: {made} copies after a re-run: {}",
                    shape.cloud,
                    shape.action,
                    stderr(&again)
                );
            }
        }
    }
}

#[test]
fn killed_while_the_copy_reply_is_in_flight_a_resume_copies_once() {
    for shape in shapes() {
        let emu = Emu::fast();
        // The copy is made, then its reply stalls; the run is killed while it waits for it.
        emu.fault(json!({"action": shape.action, "body": "slow", "latency_ms": 5000, "times": 1}));
        let id = emu.clone_source(shape.cloud, shape.demo, 1).remove(0);
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("r.json");
        let cmd = || {
            let mut c = against(&emu);
            c.args(["--report", report.to_str().unwrap(), "--wait"])
                .args((shape.args)(&id));
            c
        };
        let mut child = cmd()
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        wait_until(std::time::Duration::from_secs(2), || {
            emu.copy_count(shape.cloud, &id, shape.dest) > 0
        });
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(
            emu.copy_count(shape.cloud, &id, shape.dest),
            1,
            "{}: the copy was made",
            shape.action
        );
        let o = run(against(&emu).args(["--wait", "--report", report.to_str().unwrap(), "status"]));
        assert_eq!(
            code(&o),
            0,
            "{} {}: {}",
            shape.cloud,
            shape.action,
            stderr(&o)
        );
        assert_eq!(
            emu.copy_count(shape.cloud, &id, shape.dest),
            1,
            "{} {}: copied twice",
            shape.cloud,
            shape.action
        );
    }
}
