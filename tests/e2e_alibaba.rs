//! The binary end to end against the emulator's Alibaba ECS routes.

mod common;
use common::*;

fn copies(emu: &Emu) -> Vec<serde_json::Value> {
    emu.copies_in("alibaba", "m-demo0001")
}

#[test]
fn fan_out_waits_with_one_region_refused() {
    let emu = Emu::fast();
    let o = run(against(&emu).args([
        "alibaba",
        "image",
        "--id",
        "m-demo0001",
        "--region",
        "cn-hangzhou",
        "--dest",
        "cn-shanghai,cn-beijing,cn-fuzhou",
        "--name",
        "golden-1",
        "--description",
        "golden image copy",
        "--tag",
        "env=prod",
        "--tag",
        "team=",
        "--wait",
    ]));
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let rep = json(&o);
    for dest in ["cn-shanghai", "cn-beijing"] {
        let r = record(&rep, dest);
        assert_eq!(r["state"], "available", "{dest}");
        assert_eq!(r["progress"], 100);
        assert!(r["client_token"].as_str().unwrap().len() <= 64);
    }
    assert_eq!(
        record(&rep, "cn-fuzhou")["error"]["code"],
        "RegionNotSupportCopy"
    );
    assert_eq!(copies(&emu).len(), 2);
    // Waiting asks once per region per round, never per copy with a non-batched call.
    let reqs = emu.requests();
    let describes: Vec<_> = reqs
        .iter()
        .filter(|r| r["action"] == "DescribeImages")
        .collect();
    assert!(!describes.is_empty());
    assert!(describes.iter().all(|r| r["ids"] == 1));
    let copies_sent = reqs.iter().filter(|r| r["action"] == "CopyImage").count();
    assert_eq!(copies_sent, 3, "one CopyImage per destination");
}

#[test]
fn status_polls_many_copies_in_one_describe_call_per_region() {
    let emu = Emu::start(1.0, 300.0);
    let dir = tempfile::tempdir().unwrap();
    let mut reports = Vec::new();
    for i in 0..3 {
        let o = run(against(&emu).args([
            "alibaba",
            "image",
            "--id",
            "m-demo0001",
            "--region",
            "cn-hangzhou",
            "--dest",
            "cn-shanghai",
            "--name",
            &format!("golden-{i}"),
        ]));
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        reports.push(json(&o));
    }
    let path = dir.path().join("r.json");
    std::fs::write(&path, merge_reports(reports).to_string()).unwrap();
    emu.past_lag();
    let before = emu.requests().len();
    let o = status(&path, &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rep = json(&o);
    // One region runs one copy at a time: the others wait.
    let states: Vec<_> = records(&rep)
        .iter()
        .map(|r| r["cloud_status"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        states.iter().filter(|s| *s == "Creating").count(),
        1,
        "{states:?}"
    );
    assert_eq!(
        states.iter().filter(|s| *s == "Waiting").count(),
        2,
        "{states:?}"
    );
    let new: Vec<_> = emu.requests().into_iter().skip(before).collect();
    assert_eq!(new.len(), 1, "one DescribeImages for three copies");
    assert_eq!(new[0]["ids"], 3);
    emu.advance(1000.0);
    let o = status(&path, &["--wait"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json(&o)["summary"]["available"], 3);
}

#[test]
fn rerunning_the_same_command_creates_no_second_copy() {
    let emu = Emu::fast();
    let args = [
        "alibaba",
        "image",
        "--id",
        "m-demo0001",
        "--region",
        "cn-hangzhou",
        "--dest",
        "cn-shanghai,cn-beijing",
        "--name",
        "golden-1",
    ];
    let a = json(&run(against(&emu).args(args)));
    let b = json(&run(against(&emu).args(args)));
    for dest in ["cn-shanghai", "cn-beijing"] {
        assert_eq!(record(&a, dest)["dest_id"], record(&b, dest)["dest_id"]);
    }
    assert_eq!(copies(&emu).len(), 2);
}

#[test]
fn cancel_stops_a_copy_and_the_report_says_so() {
    let emu = Emu::start(1.0, 3600.0);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let o = run(against(&emu).args([
        "--report",
        report.to_str().unwrap(),
        "alibaba",
        "image",
        "--id",
        "m-demo0001",
        "--region",
        "cn-hangzhou",
        "--dest",
        "cn-shanghai",
    ]));
    let id = record(&json(&o), "cn-shanghai")["dest_id"]
        .as_str()
        .unwrap()
        .to_string();
    let o = run(against(&emu).args([
        "--report",
        report.to_str().unwrap(),
        "alibaba",
        "cancel",
        "--id",
        &id,
        "--region",
        "cn-shanghai",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(copies(&emu).is_empty());
    let saved: serde_json::Value = read_json(&report);
    assert_eq!(saved["records"][0]["state"], "canceled");
    let o = run(against(&emu).args(["alibaba", "cancel", "--id", &id, "--region", "cn-shanghai"]));
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("no image") && stderr(&o).contains("nothing canceled"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn documented_errors_and_failed_copies() {
    let emu = Emu::fast();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--id", "m-nosuch01"], "InvalidImageId.NotFound"),
        (vec!["--id", "m-sys00001"], "OperationDenied"),
        (vec!["--id", "m-pending1"], "IncorrectImageStatus"),
        (
            vec!["--id", "m-demo0001", "--name", "taken-name"],
            "InvalidImageName.Duplicated",
        ),
        (
            vec![
                "--id",
                "m-demo0001",
                "--encrypted",
                "--kms-key-id",
                "no-such-key",
            ],
            "InvalidParameter.KMSKeyId.NotFound",
        ),
        (vec!["--id", "m-demo0002", "--wait"], "Image.CreateFailed"),
    ];
    for (args, expected) in cases {
        let o = run(against(&emu)
            .args([
                "alibaba",
                "image",
                "--region",
                "cn-hangzhou",
                "--dest",
                "cn-shanghai",
            ])
            .args(&args));
        assert_eq!(code(&o), 1, "{args:?}: {}", stderr(&o));
        let r = record(&json(&o), "cn-shanghai").clone();
        assert_eq!(r["state"], "failed", "{args:?}");
        assert_eq!(r["error"]["code"], expected, "{args:?}");
    }
    // An encrypted copy with a known key goes through.
    let o = run(against(&emu).args([
        "alibaba",
        "image",
        "--id",
        "m-demo0001",
        "--region",
        "cn-hangzhou",
        "--dest",
        "cn-beijing",
        "--encrypted",
        "--kms-key-id",
        "e522b26d-abf6-4e0d-b5da-04b7a1b2c33c",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn throttling_is_retried_until_the_copies_are_made() {
    let emu = Emu::fast();
    emu.limit_rps(1);
    let o = run(against(&emu).args([
        "alibaba",
        "image",
        "--id",
        "m-demo0001",
        "--region",
        "cn-hangzhou",
        "--dest",
        "cn-shanghai,cn-beijing,cn-qingdao",
        "--name",
        "golden-1",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rep = json(&o);
    assert_eq!(rep["summary"]["submitted"], 3);
    assert!(records(&rep)
        .iter()
        .any(|r| r["attempts"].as_u64().unwrap() > 1));
    assert!(emu.requests().iter().any(|r| r["status"] == 400));
    assert_eq!(copies(&emu).len(), 3);
}

#[test]
fn wrong_secret_is_exit_3_and_bad_inputs_exit_2() {
    let emu = Emu::fast();
    let o = run(against(&emu)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "wrong")
        .args([
            "alibaba",
            "image",
            "--id",
            "m-demo0001",
            "--region",
            "cn-hangzhou",
            "--dest",
            "cn-shanghai",
        ]));
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert_eq!(
        record(&json(&o), "cn-shanghai")["error"]["code"],
        "SignatureDoesNotMatch"
    );
    let before = emu.requests().len();
    let tags: Vec<String> = (0..21).map(|i| format!("k{i}=v")).collect();
    let mut many = vec![
        "--id",
        "m-demo0001",
        "--region",
        "cn-hangzhou",
        "--dest",
        "cn-shanghai",
    ];
    for t in &tags {
        many.extend(["--tag", t.as_str()]);
    }
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "--id",
                "i-123",
                "--region",
                "cn-hangzhou",
                "--dest",
                "cn-shanghai",
            ],
            "--id",
        ),
        (
            vec![
                "--id",
                "m-1",
                "--region",
                "cn_mars",
                "--dest",
                "cn-shanghai",
            ],
            "--region",
        ),
        (
            vec![
                "--id",
                "m-1",
                "--region",
                "cn-hangzhou",
                "--dest",
                "cn-shanghai",
                "--name",
                "x",
            ],
            "--name",
        ),
        (
            vec![
                "--id",
                "m-1",
                "--region",
                "cn-hangzhou",
                "--dest",
                "cn-shanghai",
                "--name",
                "acs:x",
            ],
            "--name",
        ),
        (
            vec![
                "--id",
                "m-1",
                "--region",
                "cn-hangzhou",
                "--dest",
                "cn-shanghai",
                "--description",
                "https://x",
            ],
            "--description",
        ),
        (
            vec![
                "--id",
                "m-1",
                "--region",
                "cn-hangzhou",
                "--dest",
                "cn-shanghai",
                "--kms-key-id",
                "k",
            ],
            "--kms-key-id",
        ),
        (
            vec![
                "--id",
                "m-1",
                "--region",
                "cn-hangzhou",
                "--dest",
                "cn-shanghai",
                "--tag",
                "aliyun-x=v",
            ],
            "--tag",
        ),
        (
            vec![
                "--id",
                "m-1",
                "--region",
                "cn-hangzhou",
                "--dest",
                "cn-shanghai",
                "--resource-group-id",
                "x",
            ],
            "--resource-group-id",
        ),
        (many, "--tag"),
    ];
    assert_usage_errors(&emu, &["alibaba", "image"], &cases);
    let o = run(against(&emu).args([
        "alibaba",
        "cancel",
        "--id",
        "bad",
        "--region",
        "cn-shanghai",
    ]));
    assert_eq!(code(&o), 2);
    assert_eq!(emu.requests().len(), before, "nothing sent for bad input");
}

#[test]
fn secrets_stay_out_of_output_and_reports_even_on_signature_errors() {
    let emu = Emu::fast();
    let dir = tempfile::tempdir().unwrap();
    let token = "alibaba-sts-token-hidden";
    for (i, secret) in [SK, "wrong-secret-also-hidden"].into_iter().enumerate() {
        // A report of its own: a second run with the first's report would resume, not send.
        let report = dir.path().join(format!("r{i}.json"));
        let o = run(against(&emu)
            .env("ALIBABA_CLOUD_SECURITY_TOKEN", token)
            .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", secret)
            .args([
                "-vvv",
                "--report",
                report.to_str().unwrap(),
                "alibaba",
                "image",
                "--id",
                "m-demo0001",
                "--region",
                "cn-hangzhou",
                "--dest",
                "cn-shanghai",
                "--wait",
            ]));
        let all = format!(
            "{}{}{}",
            stdout(&o),
            stderr(&o),
            std::fs::read_to_string(&report).unwrap()
        );
        assert!(stderr(&o).contains("sending"));
        for s in [SK, token, "wrong-secret-also-hidden"] {
            assert!(!all.contains(s), "{s} leaked");
        }
        assert!(!all.contains("Signature="), "no signature value");
    }
}

#[test]
fn sandbox_replicates_to_several_regions() {
    let o = run(imgcopy()
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap())
        .args([
            "--sandbox",
            "--output",
            "json",
            "alibaba",
            "image",
            "--id",
            "m-demo0001",
            "--region",
            "cn-hangzhou",
            "--dest",
            "cn-shanghai,cn-beijing",
            "--wait",
        ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rep = json(&o);
    assert_eq!(rep["sandbox"], true);
    assert_eq!(rep["summary"]["available"], 2);
}

fn snapshot_copies(emu: &Emu) -> Vec<serde_json::Value> {
    emu.copies_in("alibaba", "s-demo0001")
}

#[test]
fn snapshots_fan_out_with_retention_and_a_rerun_copies_nothing_new() {
    let emu = Emu::fast();
    let args = [
        "alibaba",
        "snapshot",
        "--id",
        "s-demo0001",
        "--region",
        "cn-hangzhou",
        "--dest",
        "cn-shanghai,cn-beijing",
        "--name",
        "golden-data",
        "--retention-days",
        "30",
        "--tag",
        "env=prod",
        "--wait",
    ];
    let o = run(against(&emu).args(args));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rep = json(&o);
    assert_valid_report(&rep);
    for dest in ["cn-shanghai", "cn-beijing"] {
        let r = record(&rep, dest);
        assert_eq!(r["state"], "available", "{dest}");
        assert_eq!(r["kind"], "snapshot");
        assert!(r["dest_id"].as_str().unwrap().starts_with("s-"));
    }
    let made = snapshot_copies(&emu);
    assert_eq!(made.len(), 2);
    let reqs = emu.requests();
    let sent = reqs.iter().find(|r| r["action"] == "CopySnapshot").unwrap();
    let keys: Vec<&str> = sent["query_keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    for k in [
        "SnapshotId",
        "DestinationRegionId",
        "DestinationSnapshotName",
        "RetentionDays",
        "ClientToken",
        "Tag.1.Key",
        "Tag.3.Key",
    ] {
        assert!(keys.contains(&k), "{k} in {keys:?}");
    }
    assert_eq!(
        reqs.iter()
            .filter(|r| r["action"] == "CopySnapshot")
            .count(),
        2
    );
    assert!(reqs.iter().any(|r| r["action"] == "DescribeSnapshots"));
    assert!(!reqs.iter().any(|r| r["action"] == "CopyImage"));
    // The same command again: the same ClientTokens, the same copies.
    let again = run(against(&emu).args(args));
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert_eq!(snapshot_copies(&emu).len(), 2, "no second copy");
    let ids = |r: &serde_json::Value| {
        let mut v: Vec<String> = records(r)
            .iter()
            .map(|x| x["dest_id"].to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(ids(&rep), ids(&json(&again)));
}

#[test]
fn a_failed_snapshot_copy_bad_snapshot_inputs_and_no_snapshot_cancel() {
    let emu = Emu::fast();
    let o = run(against(&emu).args([
        "alibaba",
        "snapshot",
        "--id",
        "s-demo0002",
        "--region",
        "cn-hangzhou",
        "--dest",
        "cn-shanghai",
        "--wait",
    ]));
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(
        record(&json(&o), "cn-shanghai")["error"]["code"],
        "Snapshot.failed"
    );
    let base = ["--region", "cn-hangzhou", "--dest", "cn-shanghai"];
    let with = |extra: &[&'static str]| -> Vec<&'static str> {
        let mut v = vec!["--id", "s-demo0001"];
        v.extend(base);
        v.extend(extra);
        v
    };
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "--id",
                "m-demo0001",
                "--region",
                "cn-hangzhou",
                "--dest",
                "cn-shanghai",
            ],
            "--id",
        ),
        (with(&["--retention-days", "0"]), "--retention-days"),
        (with(&["--retention-days", "70000"]), "--retention-days"),
        (with(&["--name", "auto-nightly"]), "--name"),
        (with(&["--kms-key-id", "k"]), "--kms-key-id"),
    ];
    assert_usage_errors(&emu, &["alibaba", "snapshot"], &cases);
    let o = run(against(&emu).args([
        "alibaba",
        "image",
        "--id",
        "m-demo0001",
        "--region",
        "cn-hangzhou",
        "--dest",
        "cn-shanghai",
        "--retention-days",
        "3",
    ]));
    assert_eq!(
        code(&o),
        2,
        "--retention-days is a snapshot flag: {}",
        stderr(&o)
    );
}
