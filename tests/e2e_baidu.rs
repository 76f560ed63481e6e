//! The binary end to end against the emulator's Baidu BCC routes.

mod common;
use common::*;
use serde_json::json;

#[test]
fn image_copy_waits_until_available() {
    let emu = Emu::fast();
    let o = run(against(&emu).args([
        "baidu",
        "image",
        "--id",
        "m-demo0001",
        "--region",
        "bj",
        "--dest",
        "gz,su",
        "--name",
        "golden-copy",
        "--wait",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rep = json(&o);
    assert_eq!(rep["schema_version"], 1);
    assert_eq!(rep["summary"]["available"], 2);
    for dest in ["gz", "su"] {
        let r = record(&rep, dest);
        assert_eq!(r["state"], "available");
        assert_eq!(r["provider"], "baidu");
        assert_eq!(r["kind"], "image");
        assert_eq!(r["source_region"], "bj");
        assert_eq!(r["progress"], 100);
        assert!(r["error"].is_null());
    }
    let copies = emu.copies_of("m-demo0001");
    assert_eq!(copies.len(), 2);
    for c in &copies {
        assert_eq!(c["name"], "golden-copy");
        assert_eq!(c["status"], "Available");
        let r = record(&rep, c["region"].as_str().unwrap());
        assert_eq!(r["dest_id"], c["id"]);
    }
    // One copy call for both regions, then detail calls in each destination region.
    let reqs = emu.requests();
    let copies_sent: Vec<_> = reqs
        .iter()
        .filter(|r| r["action"] == "RemoteCopyImage")
        .collect();
    assert_eq!(copies_sent.len(), 1);
    assert_eq!(copies_sent[0]["region"], "bj");
    for dest in ["gz", "su"] {
        assert!(reqs
            .iter()
            .any(|r| r["action"] == "GetImageDetail" && r["region"] == dest));
    }
}

#[test]
fn partial_success_reports_each_region_and_exits_1() {
    let emu = Emu::fast();
    let o = run(against(&emu).args([
        "baidu",
        "image",
        "--id",
        "m-demo0001",
        "--region",
        "bj",
        "--dest",
        "gz,bd",
        "--wait",
    ]));
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let rep = json(&o);
    assert_eq!(record(&rep, "gz")["state"], "available");
    let bd = record(&rep, "bd");
    assert_eq!(bd["state"], "failed");
    assert_eq!(bd["error"]["code"], "Image.RegionNotSupportCopy");
    assert_eq!(bd["error"]["message"], "Region not support copy.");
    assert!(bd["dest_id"].is_null());
}

#[test]
fn documented_errors_map_to_records_and_exit_codes() {
    let emu = Emu::fast();
    let cases = [
        ("image", "m-nosuch01", "gz", "NoSuchObject"),
        ("image", "m-pub00001", "gz", "Image.ImageNotSupportCopy"),
        ("image", "m-pending1", "gz", "Image.ImageStatusForbidden"),
        (
            "image",
            "m-rawfmt01",
            "gz",
            "Image.ImageStorageFormatInvalid",
        ),
        ("image", "m-demo0001", "bd", "Image.RegionNotSupportCopy"),
        ("snapshot", "s-nosuch01", "gz", "NoSuchObject"),
        ("snapshot", "s-pending1", "gz", "OperationDenied"),
        ("snapshot", "s-local001", "gz", "snapshot.CannotCopy"),
    ];
    for (kind, id, dest, expected) in cases {
        let o =
            run(against(&emu).args(["baidu", kind, "--id", id, "--region", "bj", "--dest", dest]));
        assert_eq!(code(&o), 1, "{id}: {}", stderr(&o));
        let rep = json(&o);
        let r = record(&rep, dest);
        assert_eq!(r["state"], "failed", "{id}");
        assert_eq!(r["error"]["code"], expected, "{id}");
        assert!(
            r["error"]["request_id"].is_string(),
            "{id}: request id kept"
        );
        assert!(stderr(&o).contains(expected), "{id}: stderr names the code");
    }
}

#[test]
fn a_copy_that_fails_in_the_cloud_is_failed_with_the_reason() {
    let emu = Emu::fast();
    let o = run(against(&emu).args([
        "baidu",
        "image",
        "--id",
        "m-demo0002",
        "--region",
        "bj",
        "--dest",
        "gz",
        "--wait",
    ]));
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let r = record(&json(&o), "gz").clone();
    assert_eq!(r["state"], "failed");
    assert_eq!(r["cloud_status"], "CreateFailed");
    assert_eq!(r["error"]["code"], "Image.CreateFailed");
}

#[test]
fn snapshot_copy_is_idempotent_across_reruns() {
    let emu = Emu::fast();
    let args = [
        "baidu",
        "snapshot",
        "--id",
        "s-demo0001",
        "--region",
        "bj",
        "--dest",
        "hkg,gz",
        "--name",
        "snap-copy",
        "--wait",
    ];
    let first = run(against(&emu).args(args));
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    let second = run(against(&emu).args(args));
    assert_eq!(code(&second), 0, "{}", stderr(&second));
    let (a, b) = (json(&first), json(&second));
    for dest in ["hkg", "gz"] {
        assert_eq!(record(&a, dest)["dest_id"], record(&b, dest)["dest_id"]);
        assert_eq!(record(&a, dest)["state"], "available");
        let token = record(&a, dest)["client_token"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(token.len() <= 64);
    }
    assert_eq!(emu.copies_of("s-demo0001").len(), 2, "no duplicate copies");
    // A different name is a different request: the server refuses the reused token.
    let o = run(against(&emu).args([
        "baidu",
        "snapshot",
        "--id",
        "s-demo0001",
        "--region",
        "bj",
        "--dest",
        "hkg,gz",
        "--name",
        "other",
        "--client-token",
        record(&a, "gz")["client_token"].as_str().unwrap(),
    ]));
    assert_eq!(code(&o), 1);
    assert_eq!(
        record(&json(&o), "gz")["error"]["code"],
        "IdempotentParameterMismatch"
    );
}

#[test]
fn status_resumes_from_the_report_file() {
    let emu = Emu::start(1.0, 300.0);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let o = run(against(&emu).args([
        "--report",
        report.to_str().unwrap(),
        "baidu",
        "image",
        "--id",
        "m-demo0001",
        "--region",
        "bj",
        "--dest",
        "gz,su",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let saved: serde_json::Value = read_json(&report);
    assert_eq!(saved["summary"]["submitted"], 2);
    assert!(!std::fs::read_to_string(&report).unwrap().contains(SK));

    emu.past_lag();
    // Not done yet: status looks once and says "copying", exit 0 without --wait.
    let o = status(&report, &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json(&o)["summary"]["copying"], 2);

    // A short deadline: exit 4, records timed_out, report says so.
    let o = status(&report, &["--timeout", "300ms", "--wait"]);
    assert_eq!(code(&o), 4, "{}", stderr(&o));
    assert_eq!(json(&o)["summary"]["timed_out"], 2);
    assert!(stderr(&o).contains("imgcopy status"));

    emu.advance(300.0);
    let o = status(&report, &["--wait"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json(&o)["summary"]["available"], 2);
    let saved: serde_json::Value = read_json(&report);
    assert_eq!(
        saved["summary"]["available"], 2,
        "the report file is updated"
    );
    assert_eq!(
        emu.copies_of("m-demo0001").len(),
        2,
        "status never copies again"
    );
}

#[test]
fn cancel_stops_a_copy_in_progress() {
    let emu = Emu::start(1.0, 300.0);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let o = run(against(&emu).args([
        "--report",
        report.to_str().unwrap(),
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
    let id = record(&json(&o), "gz")["dest_id"]
        .as_str()
        .unwrap()
        .to_string();
    let o = run(against(&emu).args([
        "--report",
        report.to_str().unwrap(),
        "baidu",
        "cancel",
        "--id",
        &id,
        "--region",
        "gz",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(emu.copies_of("m-demo0001").is_empty());
    assert!(emu
        .requests()
        .iter()
        .any(|r| r["action"] == "CancelRemoteCopyImage" && r["region"] == "gz"));
    let saved: serde_json::Value = read_json(&report);
    assert_eq!(saved["records"][0]["state"], "canceled");
    // Cancelling again: the copy is gone, and nothing is sent but the look.
    let o = run(against(&emu).args(["baidu", "cancel", "--id", &id, "--region", "gz"]));
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("nothing canceled"), "{}", stderr(&o));
}

#[test]
fn cancel_of_a_finished_copy_is_refused() {
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
        "--wait",
    ]));
    let id = record(&json(&o), "gz")["dest_id"]
        .as_str()
        .unwrap()
        .to_string();
    // Neither a finished copy nor its source is ever touched, --force or not: imgcopy looks
    // first and sends no cancel call.
    for (id, region) in [(id.as_str(), "gz"), ("m-demo0001", "bj")] {
        for force in [false, true] {
            let mut cmd = against(&emu);
            cmd.args(["baidu", "cancel", "--id", id, "--region", region]);
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
    assert!(!emu
        .requests()
        .iter()
        .any(|r| r["action"] == "CancelRemoteCopyImage"));
    assert_eq!(emu.copies_in("baidu", "m-demo0001").len(), 1);
}

#[test]
fn wrong_secret_is_exit_3() {
    let emu = Emu::fast();
    let o = run(against(&emu).env("BCE_SECRET_ACCESS_KEY", "wrong").args([
        "baidu",
        "image",
        "--id",
        "m-demo0001",
        "--region",
        "bj",
        "--dest",
        "gz",
    ]));
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert_eq!(
        record(&json(&o), "gz")["error"]["code"],
        "SignatureDoesNotMatch"
    );
    assert!(emu.copies_of("m-demo0001").is_empty());
}

#[test]
fn missing_credentials_are_exit_3_and_send_nothing() {
    let emu = Emu::fast();
    let o = run(against(&emu)
        .env_remove("BCE_ACCESS_KEY_ID")
        .env_remove("BCE_SECRET_ACCESS_KEY")
        .args([
            "baidu",
            "image",
            "--id",
            "m-demo0001",
            "--region",
            "bj",
            "--dest",
            "gz",
        ]));
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(stderr(&o).contains("BCE_ACCESS_KEY_ID"));
    assert!(emu.requests().is_empty());
}

#[test]
fn throttling_and_503_are_retried_and_an_unknown_outcome_is_reconciled() {
    let emu = Emu::fast();
    emu.fault(
        json!({"provider": "baidu", "action": "RemoteCopyImage", "status": 503,
                     "code": "ServiceUnavailable", "times": 1}),
    );
    emu.fault(json!({"provider": "baidu", "action": "GetImageDetail", "status": 500, "times": 2}));
    let o = run(against(&emu).args([
        "baidu",
        "image",
        "--id",
        "m-demo0001",
        "--region",
        "bj",
        "--dest",
        "gz",
        "--wait",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(record(&json(&o), "gz")["attempts"], 2);
    assert_eq!(emu.copies_of("m-demo0001").len(), 1);

    // A 500 or a connection dropped after the copy was made: the outcome is unknown, so the
    // call is not blindly re-sent; the destination is looked at first.
    emu.fault(json!({"provider": "baidu", "action": "RemoteCopyImage", "status": 500, "times": 1}));
    emu.fault(
        json!({"provider": "baidu", "action": "RemoteCopyImage", "drop_after": true, "times": 1}),
    );
    let o = run(against(&emu).args([
        "baidu",
        "image",
        "--id",
        "m-demo0001",
        "--region",
        "bj",
        "--dest",
        "su,hkg",
        "--wait",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rep = json(&o);
    for dest in ["su", "hkg"] {
        assert_eq!(record(&rep, dest)["state"], "available");
        assert_eq!(
            record(&rep, dest)["adopted"],
            true,
            "found after the dropped reply"
        );
        assert_eq!(
            emu.copy_count("baidu", "m-demo0001", dest),
            1,
            "no duplicate in {dest}"
        );
    }
    let calls: Vec<_> = emu
        .requests()
        .into_iter()
        .filter(|r| r["action"] == "RemoteCopyImage")
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    // The first run's 503 then 200; this run's 500 (nothing made), then the call whose reply
    // was dropped (both copies made): found on the next look, not sent a third time.
    assert_eq!(
        calls,
        vec![503, 200, 500, 200],
        "sent again only after looking"
    );
}

#[test]
fn ndjson_streams_events_then_a_summary() {
    let emu = Emu::fast();
    let o = run(against(&emu).args([
        "--output",
        "ndjson",
        "baidu",
        "image",
        "--id",
        "m-demo0001",
        "--region",
        "bj",
        "--dest",
        "gz",
        "--wait",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    let states: Vec<_> = lines
        .iter()
        .filter(|l| l["event"] == "record")
        .map(|l| l["record"]["state"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(states.first().map(String::as_str), Some("submitted"));
    assert_eq!(states.last().map(String::as_str), Some("available"));
    let last = lines.last().unwrap();
    assert_eq!(last["event"], "summary");
    assert_eq!(last["exit_code"], 0);
}

#[test]
fn secrets_never_reach_output_even_at_the_highest_verbosity() {
    let emu = Emu::fast();
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let token = "session-token-must-stay-hidden";
    let o = run(against(&emu).env("BCE_SESSION_TOKEN", token).args([
        "-vvv",
        "--report",
        report.to_str().unwrap(),
        "baidu",
        "snapshot",
        "--id",
        "s-demo0001",
        "--region",
        "bj",
        "--dest",
        "gz",
        "--wait",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let all = format!(
        "{}{}{}",
        stdout(&o),
        stderr(&o),
        std::fs::read_to_string(&report).unwrap()
    );
    assert!(stderr(&o).contains("sending"), "-vvv logs requests");
    for secret in [SK, token] {
        assert!(!all.contains(secret), "{secret} leaked");
    }
    assert!(
        !all.contains("bce-auth-v1/"),
        "no Authorization value in logs"
    );
}

#[test]
fn dry_run_prints_the_request_and_sends_nothing() {
    let emu = Emu::fast();
    let o = run(against(&emu).args([
        "--output",
        "table",
        "--dry-run",
        "baidu",
        "image",
        "--id",
        "m-demo0001",
        "--region",
        "bj",
        "--dest",
        "gz,su",
        "--name",
        "golden",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains(&format!(
            "POST {}/bj/v2/image/m-demo0001?remoteCopy=",
            emu.base
        )),
        "{out}"
    );
    assert!(out.contains(r#"{"name":"golden","destRegion":["gz","su"]}"#));
    assert!(!out.contains(SK));
    assert!(emu.requests().is_empty());
}

#[test]
fn a_remote_copy_reply_without_results_is_followed_by_name_and_never_resent() {
    for with_name in [true, false] {
        let emu = Emu::fast();
        // The copies are made; the reply names none of them (as the Python SDK reads it).
        emu.fault(serde_json::json!({"action": "RemoteCopyImage", "reply": {}}));
        let mut cmd = against(&emu);
        cmd.args([
            "--wait",
            "baidu",
            "image",
            "--id",
            "m-demo0001",
            "--region",
            "bj",
        ])
        .args(["--dest", "gz,su"]);
        if with_name {
            cmd.args(["--name", "golden-2026"]);
        }
        let o = run(&mut cmd);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let rep = json(&o);
        for d in ["gz", "su"] {
            let r = record(&rep, d);
            assert_eq!(r["state"], "available", "{r}");
            assert!(r["dest_id"].is_string(), "{r}");
            assert_eq!(emu.copy_count("baidu", "m-demo0001", d), 1);
        }
        let sent = emu
            .requests()
            .iter()
            .filter(|r| r["action"] == "RemoteCopyImage")
            .count();
        assert_eq!(sent, 1, "never sent again");
        // The name was always sent: without --name, the source's.
        let copies = emu.copies_in("baidu", "m-demo0001");
        let want = if with_name {
            "golden-2026"
        } else {
            "golden-ubuntu-2204"
        };
        assert!(copies.iter().all(|c| c["name"] == want), "{copies:?}");
    }
}

#[test]
fn an_unnamed_copy_that_shows_late_is_found_while_waiting() {
    let emu = Emu::fast();
    emu.fault(serde_json::json!({"action": "RemoteCopyImage", "reply": {}}));
    // Listings show the copy only after 0.6 s here: past the first looks.
    emu.set_lag(Some("baidu"), 1800.0);
    let o = run(against(&emu).args([
        "--wait",
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
    assert_eq!(record(&json(&o), "gz")["state"], "available");
    assert_eq!(emu.copy_count("baidu", "m-demo0001", "gz"), 1);
}
