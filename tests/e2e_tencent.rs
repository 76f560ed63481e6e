//! The binary end to end against the emulator's Tencent Cloud CVM routes.

mod common;
use common::*;

fn copies(emu: &Emu) -> Vec<serde_json::Value> {
    emu.copies_in("tencent", "img-demo0001")
}

fn sync(extra: &[&str]) -> Vec<String> {
    let mut a: Vec<String> = [
        "tencent",
        "image",
        "--id",
        "img-demo0001",
        "--region",
        "ap-guangzhou",
    ]
    .map(String::from)
    .to_vec();
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

#[test]
fn fan_out_waits_with_one_region_refused() {
    let emu = Emu::fast();
    let o = run(against(&emu).args(sync(&[
        "--dest",
        "ap-shanghai,ap-beijing,ap-shanghai-fsi",
        "--name",
        "golden-1",
        "--wait",
    ])));
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let rep = json(&o);
    assert_valid_report(&rep);
    for dest in ["ap-shanghai", "ap-beijing"] {
        let r = record(&rep, dest);
        assert_eq!(r["state"], "available", "{dest}");
        assert_eq!(r["progress"], 100);
        assert!(r["dest_id"].as_str().unwrap().starts_with("img-"));
        assert_eq!(r["name"], "golden-1");
    }
    assert_eq!(
        record(&rep, "ap-shanghai-fsi")["error"]["code"],
        "InvalidRegion.Unavailable"
    );
    assert_eq!(copies(&emu).len(), 2);
    let reqs = emu.requests();
    let syncs = reqs.iter().filter(|r| r["action"] == "SyncImages").count();
    assert_eq!(syncs, 3, "one SyncImages per destination");
    // Waiting asks with one DescribeImages per region per round, never one per copy.
    assert!(reqs
        .iter()
        .filter(|r| r["action"] == "DescribeImages")
        .all(|r| r["ids"].as_u64().unwrap() <= 100));
}

#[test]
fn rerunning_the_same_command_syncs_nothing_new() {
    let emu = Emu::fast();
    let args = sync(&["--dest", "ap-shanghai,ap-tokyo"]);
    let o = run(against(&emu).args(&args));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    emu.past_lag();
    let again = run(against(&emu).args(&args));
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    let rep = json(&again);
    for dest in ["ap-shanghai", "ap-tokyo"] {
        let r = record(&rep, dest);
        assert_eq!(r["adopted"], true, "{dest}");
        assert_eq!(r["adopted_by"], "name");
    }
    assert_eq!(copies(&emu).len(), 2, "no second copy");
    assert_eq!(emu.action_count("SyncImages"), 2);
    // The copies carry the source's name when --name is not given.
    assert!(copies(&emu)
        .iter()
        .all(|c| c["name"] == "golden-ubuntu-2204"));
}

#[test]
fn a_failed_sync_and_an_encrypted_in_region_copy() {
    let emu = Emu::fast();
    let o = run(against(&emu).args([
        "tencent",
        "image",
        "--id",
        "img-fail0001",
        "--region",
        "ap-guangzhou",
        "--dest",
        "ap-shanghai",
        "--wait",
    ]));
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(
        record(&json(&o), "ap-shanghai")["error"]["code"],
        "Image.CREATEFAILED"
    );
    let o = run(against(&emu).args(sync(&[
        "--dest",
        "ap-guangzhou",
        "--encrypted",
        "--kms-key-id",
        "kms-tencent-0001",
        "--name",
        "golden-encrypted",
        "--wait",
    ])));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let r = record(&json(&o), "ap-guangzhou").clone();
    assert_eq!(r["state"], "available");
    assert_ne!(r["dest_id"], "img-demo0001", "a real copy, not the source");
    // Without --encrypted the source region is the source itself: nothing is sent there.
    let o = run(against(&emu).args(sync(&["--dest", "ap-guangzhou"])));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(record(&json(&o), "ap-guangzhou")["state"], "source");
}

#[test]
fn throttling_and_a_reply_without_ids_are_handled() {
    let emu = Emu::fast();
    emu.fault(serde_json::json!({"provider": "tencent", "action": "SyncImages", "throttle": true, "times": 2}));
    let o = run(against(&emu).args(sync(&["--dest", "ap-shanghai", "--name", "g-1"])));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        record(&json(&o), "ap-shanghai")["attempts"]
            .as_u64()
            .unwrap()
            >= 2
    );
    // The copy is made, the reply names none: it is found by its name while waiting.
    emu.fault(
        serde_json::json!({"provider": "tencent", "action": "SyncImages", "times": 1,
        "reply": {"Response": {"ImageSet": [], "RequestId": "r-1"}}}),
    );
    let o = run(against(&emu).args(sync(&["--dest", "ap-beijing", "--name", "g-2", "--wait"])));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let r = record(&json(&o), "ap-beijing").clone();
    assert_eq!(r["state"], "available");
    assert!(r["dest_id"].as_str().unwrap().starts_with("img-"));
    assert_eq!(emu.copy_count("tencent", "img-demo0001", "ap-beijing"), 1);
}

#[test]
fn wrong_secret_is_exit_3_and_bad_inputs_exit_2() {
    let emu = Emu::fast();
    let o = run(against(&emu)
        .env("TENCENTCLOUD_SECRET_KEY", "wrong")
        .args(sync(&["--dest", "ap-shanghai"])));
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("AuthFailure.SignatureFailure"),
        "{}",
        stderr(&o)
    );
    let long = "n".repeat(61);
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "--id",
                "m-123",
                "--region",
                "ap-guangzhou",
                "--dest",
                "ap-shanghai",
            ],
            "--id",
        ),
        (
            vec![
                "--id",
                "img-demo0001",
                "--region",
                "mars-1",
                "--dest",
                "ap-shanghai",
            ],
            "--region",
        ),
        (
            vec![
                "--id",
                "img-demo0001",
                "--region",
                "ap-guangzhou",
                "--dest",
                "ap-shanghai,ap-shanghai",
            ],
            "--dest",
        ),
        (
            vec![
                "--id",
                "img-demo0001",
                "--region",
                "ap-guangzhou",
                "--dest",
                "ap-shanghai",
                "--name",
                &long,
            ],
            "--name",
        ),
        (
            vec![
                "--id",
                "img-demo0001",
                "--region",
                "ap-guangzhou",
                "--dest",
                "ap-shanghai",
                "--kms-key-id",
                "k",
            ],
            "--kms-key-id",
        ),
        (
            vec![
                "--id",
                "img-demo0001",
                "--region",
                "ap-guangzhou",
                "--dest",
                "ap-shanghai",
                "--encrypted",
            ],
            "--encrypted",
        ),
    ];
    // With --endpoint any well-formed region is accepted; a malformed one never is.
    let cases: Vec<(Vec<&str>, &str)> = cases
        .into_iter()
        .map(|(mut a, f)| {
            if f == "--region" {
                a[3] = "Mars_1";
            }
            (a, f)
        })
        .collect();
    assert_usage_errors(&emu, &["tencent", "image"], &cases);
    let o = run(against(&emu).args(["tencent", "cancel"]));
    assert_eq!(code(&o), 2, "no cancel subcommand: {}", stderr(&o));
}

#[test]
fn secrets_stay_out_of_output_and_reports() {
    let emu = Emu::fast();
    let dir = tempfile::tempdir().unwrap();
    let token = "tencent-session-token-hidden";
    for (i, secret) in [SK, "wrong-secret-also-hidden"].into_iter().enumerate() {
        let report = dir.path().join(format!("r{i}.json"));
        let o = run(against(&emu)
            .env("TENCENTCLOUD_SESSION_TOKEN", token)
            .env("TENCENTCLOUD_SECRET_KEY", secret)
            .args(["-vvv", "--report", report.to_str().unwrap()])
            .args(sync(&["--dest", "ap-shanghai", "--wait"])));
        let all = format!(
            "{}{}{}",
            stdout(&o),
            stderr(&o),
            std::fs::read_to_string(&report).unwrap_or_default()
        );
        assert!(stderr(&o).contains("sending"));
        for s in [SK, token, "wrong-secret-also-hidden"] {
            assert!(!all.contains(s), "{s} leaked");
        }
        assert!(!all.contains("Signature="), "no signature value");
    }
}

#[test]
fn sandbox_and_dry_run() {
    let o = run(imgcopy().args([
        "--sandbox",
        "--output",
        "json",
        "tencent",
        "image",
        "--id",
        "img-demo0001",
        "--region",
        "ap-guangzhou",
        "--dest",
        "ap-shanghai,ap-singapore",
        "--wait",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json(&o)["summary"]["available"], 2);
    let o = run(imgcopy().args([
        "--dry-run",
        "--output",
        "json",
        "tencent",
        "image",
        "--id",
        "img-demo0001",
        "--region",
        "ap-guangzhou",
        "--dest",
        "ap-shanghai",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let plan = json(&o);
    let call = &plan["requests"][0];
    assert_eq!(call["url"], "https://cvm.tencentcloudapi.com/");
    assert!(call["body"]
        .as_str()
        .unwrap()
        .contains("\"DestinationRegions\":[\"ap-shanghai\"]"));
}
