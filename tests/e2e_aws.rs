//! The binary end to end against the emulator's EC2 routes.

mod common;
use common::*;

const AMI: &str = "ami-0abc00000000000a1";
const SNAP: &str = "snap-0abc00000000000a1";

#[test]
fn ami_fan_out_waits_through_pending() {
    let emu = Emu::fast();
    let o = run(against(&emu).args([
        "--output",
        "ndjson",
        "aws",
        "image",
        "--id",
        AMI,
        "--region",
        "us-east-1",
        "--dest",
        "eu-west-1,ap-southeast-1",
        "--name",
        "golden copy",
        "--tag",
        "env=prod",
        "--wait",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let statuses: Vec<_> = lines
        .iter()
        .filter(|l| l["event"] == "record")
        .map(|l| {
            l["record"]["cloud_status"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    assert!(statuses.iter().any(|s| s == "pending"), "{statuses:?}");
    let copies = emu.copies_in("aws", AMI);
    assert_eq!(copies.len(), 2);
    assert!(copies
        .iter()
        .all(|c| c["status"] == "available" && c["name"] == "golden copy"));
    // Each CopyImage went to its destination region (the region travels in the signature).
    let reqs = emu.requests();
    for dest in ["eu-west-1", "ap-southeast-1"] {
        assert!(reqs
            .iter()
            .any(|r| r["action"] == "CopyImage" && r["region"] == dest));
    }
}

#[test]
fn partial_failure_carries_the_state_reason() {
    let emu = Emu::fast();
    let o = run(against(&emu).args([
        "aws",
        "image",
        "--id",
        "ami-0abc00000000000a2",
        "--region",
        "us-east-1",
        "--dest",
        "eu-west-1",
        "--name",
        "will-fail",
        "--wait",
    ]));
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let r = record(&json(&o), "eu-west-1").clone();
    assert_eq!(r["state"], "failed");
    assert_eq!(r["error"]["code"], "Client.CopyFailed");
    let o = run(against(&emu).args([
        "aws",
        "image",
        "--id",
        "ami-0123456789abcdef0",
        "--region",
        "us-east-1",
        "--dest",
        "eu-west-1",
        "--name",
        "missing",
    ]));
    assert_eq!(code(&o), 1);
    assert_eq!(
        record(&json(&o), "eu-west-1")["error"]["code"],
        "InvalidAMIID.NotFound"
    );
}

#[test]
fn reruns_create_nothing_new() {
    let emu = Emu::fast();
    let image = [
        "aws",
        "image",
        "--id",
        AMI,
        "--region",
        "us-east-1",
        "--dest",
        "eu-west-1",
        "--name",
        "golden-copy",
        "--wait",
    ];
    let a = json(&run(against(&emu).args(image)));
    let b = json(&run(against(&emu).args(image)));
    assert_eq!(
        record(&a, "eu-west-1")["dest_id"],
        record(&b, "eu-west-1")["dest_id"]
    );
    assert_eq!(
        emu.copies_in("aws", AMI).len(),
        1,
        "the ClientToken made it the same copy"
    );
    let snapshot = [
        "aws",
        "snapshot",
        "--id",
        SNAP,
        "--region",
        "us-east-1",
        "--dest",
        "eu-west-1,us-west-2",
        "--wait",
    ];
    let a = json(&run(against(&emu).args(snapshot)));
    let b = json(&run(against(&emu).args(snapshot)));
    for d in ["eu-west-1", "us-west-2"] {
        assert_eq!(record(&a, d)["dest_id"], record(&b, d)["dest_id"]);
    }
    assert_eq!(
        emu.copies_in("aws", SNAP).len(),
        2,
        "found again by the provenance tag"
    );
    let copy_calls = emu
        .requests()
        .iter()
        .filter(|r| r["action"] == "CopySnapshot")
        .count();
    assert_eq!(copy_calls, 2, "the re-run sent no CopySnapshot");
}

#[test]
fn status_polls_one_describe_per_region_and_kind() {
    let emu = Emu::start(1.0, 300.0);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let mut reports = Vec::new();
    for name in ["copy-a", "copy-b", "copy-c"] {
        let o = run(against(&emu).args([
            "aws",
            "image",
            "--id",
            AMI,
            "--region",
            "us-east-1",
            "--dest",
            "eu-west-1",
            "--name",
            name,
        ]));
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        reports.push(json(&o));
    }
    std::fs::write(&report, merge_reports(reports).to_string()).unwrap();
    emu.past_lag();
    let before = emu.requests().len();
    let o = status(&report, &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let new: Vec<_> = emu.requests().into_iter().skip(before).collect();
    assert_eq!(new.len(), 1, "one DescribeImages for three AMIs");
    assert_eq!(new[0]["ids"], 3);
    emu.advance(300.0);
    let o = status(&report, &["--wait"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json(&o)["summary"]["available"], 3);
}

#[test]
fn credentials_and_bad_inputs() {
    let emu = Emu::fast();
    let o = run(against(&emu).env("AWS_SECRET_ACCESS_KEY", "wrong").args([
        "aws",
        "image",
        "--id",
        AMI,
        "--region",
        "us-east-1",
        "--dest",
        "eu-west-1",
        "--name",
        "x-copy",
    ]));
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert_eq!(
        record(&json(&o), "eu-west-1")["error"]["code"],
        "AuthFailure"
    );
    // AWS_PROFILE with the shared files.
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("credentials");
    std::fs::write(
        &creds,
        format!("[ci]\naws_access_key_id = {AK}\naws_secret_access_key = {SK}\n"),
    )
    .unwrap();
    let o = run(against(&emu)
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("AWS_PROFILE", "ci")
        .env("AWS_SHARED_CREDENTIALS_FILE", &creds)
        .args([
            "aws",
            "image",
            "--id",
            AMI,
            "--region",
            "us-east-1",
            "--dest",
            "eu-west-1",
            "--name",
            "from-profile",
        ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let before = emu.requests().len();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "image",
                "--id",
                "ami-xyz",
                "--region",
                "us-east-1",
                "--dest",
                "eu-west-1",
                "--name",
                "abc",
            ],
            "--id",
        ),
        (
            vec![
                "image",
                "--id",
                AMI,
                "--region",
                "US-EAST-9",
                "--dest",
                "eu-west-1",
                "--name",
                "abc",
            ],
            "--region",
        ),
        (
            vec![
                "image",
                "--id",
                AMI,
                "--region",
                "us-east-1",
                "--dest",
                "mars_1",
                "--name",
                "abc",
            ],
            "--dest",
        ),
        (
            vec![
                "image",
                "--id",
                AMI,
                "--region",
                "us-east-1",
                "--dest",
                "eu-west-1",
            ],
            "--name",
        ),
        (
            vec![
                "image",
                "--id",
                AMI,
                "--region",
                "us-east-1",
                "--dest",
                "eu-west-1",
                "--name",
                "a!b",
            ],
            "--name",
        ),
        (
            vec![
                "image",
                "--id",
                AMI,
                "--region",
                "us-east-1",
                "--dest",
                "eu-west-1",
                "--name",
                "abc",
                "--kms-key-id",
                "k",
            ],
            "--kms-key-id",
        ),
        (
            vec![
                "image",
                "--id",
                AMI,
                "--region",
                "us-east-1",
                "--dest",
                "eu-west-1",
                "--name",
                "abc",
                "--encrypted",
                "--kms-key",
                "us-west-2=k",
            ],
            "--kms-key",
        ),
        (
            vec![
                "snapshot",
                "--id",
                SNAP,
                "--region",
                "us-east-1",
                "--dest",
                "eu-west-1",
                "--copy-tags",
            ],
            "--copy-tags",
        ),
        (
            vec![
                "snapshot",
                "--id",
                "snap-1",
                "--region",
                "us-east-1",
                "--dest",
                "eu-west-1",
            ],
            "--id",
        ),
        (
            vec![
                "image",
                "--id",
                AMI,
                "--region",
                "us-east-1",
                "--dest",
                "eu-west-1",
                "--name",
                "abc",
                "--tag",
                "aws:x=y",
            ],
            "--tag",
        ),
        // A bare key is not KEY=VALUE; a key given twice is ambiguous.
        (
            vec![
                "image",
                "--id",
                AMI,
                "--region",
                "us-east-1",
                "--dest",
                "eu-west-1",
                "--name",
                "abc",
                "--tag",
                "env",
            ],
            "--tag",
        ),
        (
            vec![
                "image",
                "--id",
                AMI,
                "--region",
                "us-east-1",
                "--dest",
                "eu-west-1",
                "--name",
                "abc",
                "--tag",
                "env=a",
                "--tag",
                "env=b",
            ],
            "--tag",
        ),
    ];
    assert_usage_errors(&emu, &["aws"], &cases);
    assert_eq!(emu.requests().len(), before, "nothing sent for bad input");
}

#[test]
fn cancel_deregisters_a_pending_copy_and_secrets_stay_hidden() {
    let emu = Emu::start(1.0, 3600.0);
    let token = "aws-session-token-hidden";
    let o = run(against(&emu).env("AWS_SESSION_TOKEN", token).args([
        "-vvv",
        "aws",
        "image",
        "--id",
        AMI,
        "--region",
        "us-east-1",
        "--dest",
        "eu-west-1",
        "--name",
        "to-cancel",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let all = format!("{}{}", stdout(&o), stderr(&o));
    for s in [SK, token] {
        assert!(!all.contains(s), "{s} leaked");
    }
    assert!(!all.contains("Signature="));
    let id = record(&json(&o), "eu-west-1")["dest_id"]
        .as_str()
        .unwrap()
        .to_string();
    emu.past_lag();
    let o = run(against(&emu).args(["aws", "cancel", "--id", &id, "--region", "eu-west-1"]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(emu.copies_in("aws", AMI).is_empty());
    // --output json (as `against` sets): one JSON result on stdout.
    let result = json(&o);
    assert_eq!(result["canceled"], true);
    assert_eq!(result["id"], id.as_str());
    assert_eq!(result["tied_by"], "tag");
}

#[test]
fn sandbox_copies_amis_and_snapshots() {
    for args in [
        vec![
            "aws",
            "image",
            "--id",
            AMI,
            "--region",
            "us-east-1",
            "--dest",
            "eu-west-1",
            "--name",
            "sandbox-copy",
            "--wait",
        ],
        vec![
            "aws",
            "snapshot",
            "--id",
            SNAP,
            "--region",
            "us-east-1",
            "--dest",
            "eu-west-1",
            "--wait",
        ],
    ] {
        let o = run(imgcopy()
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap())
            .args(["--sandbox", "--output", "json"])
            .args(&args));
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        assert_eq!(json(&o)["summary"]["available"], 1);
    }
}

#[test]
fn several_sources_in_one_run_each_to_every_destination() {
    let emu = Emu::fast();
    let ids = emu.clone_source("aws", "ami-0abc00000000000a1", 3);
    let o = run(against(&emu).args([
        "aws",
        "image",
        "--id",
        &ids.join(","),
        "--region",
        "us-east-1",
        "--dest",
        "eu-west-1,us-west-2",
        "--name",
        "golden-{id}",
        "--wait",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rep = json(&o);
    assert_eq!(records(&rep).len(), 6);
    for id in &ids {
        for dest in ["eu-west-1", "us-west-2"] {
            assert_eq!(emu.copy_count("aws", id, dest), 1);
        }
        let named = records(&rep)
            .iter()
            .filter(|r| r["source_id"] == id.as_str() && r["name"] == format!("golden-{id}"))
            .count();
        assert_eq!(named, 2);
    }
    assert!(records(&rep).iter().all(|r| r["state"] == "available"));
}

#[test]
fn a_failed_snapshot_copy_says_why() {
    let emu = Emu::fast();
    let o = run(against(&emu).args([
        "--wait",
        "aws",
        "snapshot",
        "--id",
        "snap-0abc00000000000a2",
        "--region",
        "us-east-1",
        "--dest",
        "eu-west-1",
    ]));
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let e = record(&json(&o), "eu-west-1")["error"].clone();
    assert!(
        e["message"].as_str().unwrap().contains("could not be read"),
        "EC2's statusMessage reaches the record: {e}"
    );
}

#[test]
fn a_fresh_copy_not_visible_yet_is_waited_for_not_failed() {
    // EC2 is eventually consistent: new ids answer InvalidAMIID.NotFound for a while.
    let emu = Emu::fast();
    emu.set_lag(Some("aws"), 900.0); // 0.3 s here, several looks
    for kind in ["image", "snapshot"] {
        let id = if kind == "image" { AMI } else { SNAP };
        let mut cmd = against(&emu);
        cmd.args([
            "--wait",
            "aws",
            kind,
            "--id",
            id,
            "--region",
            "us-east-1",
            "--dest",
            "eu-west-1",
        ]);
        if kind == "image" {
            cmd.args(["--name", "golden"]);
        }
        let o = run(&mut cmd);
        assert_eq!(code(&o), 0, "{kind}: {}", stderr(&o));
        assert_eq!(record(&json(&o), "eu-west-1")["state"], "available");
        let misses = emu
            .requests()
            .iter()
            .filter(|r| r["status"] == 400 && r["action"].as_str().unwrap().starts_with("Describe"))
            .count();
        assert!(misses > 0, "{kind}: the copy was invisible at first");
    }
}

#[test]
fn an_encrypted_snapshot_is_copied_with_a_presigned_url() {
    let emu = Emu::fast();
    let o = run(against(&emu).args([
        "--wait",
        "aws",
        "snapshot",
        "--id",
        "snap-0abc00000000000a3",
        "--region",
        "us-east-1",
        "--dest",
        "eu-west-1",
        "--encrypted",
        "--kms-key-id",
        "alias/k",
    ]));
    assert_eq!(
        code(&o),
        0,
        "the emulator checked the PresignedUrl: {}",
        stderr(&o)
    );
    assert_eq!(record(&json(&o), "eu-west-1")["state"], "available");
}
