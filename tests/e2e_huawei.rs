//! The binary end to end against the emulator's Huawei IMS routes.

mod common;
use common::*;

const IMG: &str = "6f1f3b3c-0000-4000-8000-000000000001";

fn img(suffix: &str) -> String {
    format!("6f1f3b3c-0000-4000-8000-{suffix}")
}

fn copy_calls(emu: &Emu) -> usize {
    emu.requests()
        .iter()
        .filter(|r| r["action"] == "CopyImageInRegion" || r["action"] == "CopyImageCrossRegion")
        .count()
}

#[test]
fn in_region_copy_follows_the_job_to_the_new_image() {
    let emu = Emu::fast();
    let o = run(against(&emu).args([
        "--output",
        "ndjson",
        "huawei",
        "image",
        "--id",
        IMG,
        "--region",
        "cn-north-4",
        "--name",
        "golden copy",
        "--description",
        "copied by imgcopy",
        "--wait",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let records: Vec<_> = lines.iter().filter(|l| l["event"] == "record").collect();
    let last = &records.last().unwrap()["record"];
    assert_eq!(last["state"], "available");
    assert_eq!(last["dest_region"], "cn-north-4");
    assert!(last["job_id"].is_string());
    let copies = emu.copies_of(IMG);
    assert_eq!(copies.len(), 1);
    assert_eq!(last["dest_id"], copies[0]["id"]);
    assert_eq!(copies[0]["name"], "golden copy");
    assert_eq!(copies[0]["status"], "active");
    // The job was followed through its states with progress.
    let statuses: Vec<_> = records
        .iter()
        .map(|r| {
            r["record"]["cloud_status"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    assert!(statuses.iter().any(|s| s == "RUNNING"), "{statuses:?}");
    assert!(emu
        .requests()
        .iter()
        .any(|r| r["action"] == "ShowJob" && r["region"] == "cn-north-4"));
}

#[test]
fn cross_region_fan_out_with_one_destination_refused() {
    let emu = Emu::fast();
    let o = run(against(&emu).args([
        "huawei",
        "image",
        "--id",
        IMG,
        "--region",
        "cn-north-4",
        "--dest",
        "cn-east-3,ap-southeast-1,cn-south-1",
        "--agency",
        "ims_admin_agency",
        "--project-name",
        "cn-south-1=nope",
        "--name",
        "golden",
        "--wait",
    ]));
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let rep = json(&o);
    for dest in ["cn-east-3", "ap-southeast-1"] {
        let r = record(&rep, dest);
        assert_eq!(r["state"], "available", "{dest}");
        assert!(r["dest_id"].is_string());
    }
    let bad = record(&rep, "cn-south-1");
    assert_eq!(bad["state"], "failed");
    assert_eq!(bad["error"]["code"], "IMS.ProjectNotFound");
    let copies = emu.copies_of(IMG);
    let mut regions: Vec<_> = copies
        .iter()
        .map(|c| c["region"].as_str().unwrap())
        .collect();
    regions.sort();
    assert_eq!(regions, ["ap-southeast-1", "cn-east-3"]);
    assert_eq!(copy_calls(&emu), 3, "one call per destination");
}

#[test]
fn a_failed_job_is_a_failed_record_with_its_reason() {
    let emu = Emu::fast();
    let o = run(against(&emu).args([
        "huawei",
        "image",
        "--id",
        &img("000000000006"),
        "--region",
        "cn-north-4",
        "--name",
        "x",
        "--wait",
    ]));
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let r = record(&json(&o), "cn-north-4").clone();
    assert_eq!(r["state"], "failed");
    assert_eq!(r["cloud_status"], "FAIL");
    assert_eq!(r["error"]["code"], "IMG.0046");
    assert!(r["error"]["message"]
        .as_str()
        .unwrap()
        .contains("unavailable"));
}

#[test]
fn preflight_refuses_what_the_docs_forbid_before_any_copy() {
    let emu = Emu::fast();
    let cases: Vec<(String, Vec<&str>, &str)> = vec![
        (img("000000000002"), vec![], "Preflight.FullEcsImage"),
        (
            img("000000000002"),
            vec!["--dest", "cn-east-3", "--agency", "ims_admin_agency"],
            "Preflight.VaultRequired",
        ),
        (img("000000000003"), vec![], "Preflight.IsoImage"),
        (
            img("000000000004"),
            vec!["--dest", "cn-east-3", "--agency", "ims_admin_agency"],
            "Preflight.EncryptedCrossRegion",
        ),
        (img("000000000005"), vec![], "Preflight.ImageNotActive"),
        (img("0000000000ff"), vec![], "Preflight.ImageNotFound"),
    ];
    for (id, extra, expected) in cases {
        let mut cmd = against(&emu);
        cmd.args([
            "huawei",
            "image",
            "--id",
            &id,
            "--region",
            "cn-north-4",
            "--name",
            "x",
        ])
        .args(&extra);
        let o = run(&mut cmd);
        assert_eq!(code(&o), 1, "{id}: {}", stderr(&o));
        let rep = json(&o);
        let r = &records(&rep)[0];
        assert_eq!(r["error"]["code"], expected, "{id}");
        assert!(stderr(&o).contains(expected));
    }
    assert_eq!(
        copy_calls(&emu),
        0,
        "preflight stopped every copy before it was sent"
    );
    // An encrypted image may be copied within its region.
    let o = run(against(&emu).args([
        "huawei",
        "image",
        "--id",
        &img("000000000004"),
        "--region",
        "cn-north-4",
        "--name",
        "x",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

const SIX: &str = "cn-east-3,cn-east-2,cn-south-1,ap-southeast-1,ap-southeast-2,ap-southeast-3";

fn six_cross_region(emu: &Emu, extra: &[&str]) -> std::process::Output {
    run(against(emu).args(extra).args([
        "huawei",
        "image",
        "--id",
        IMG,
        "--region",
        "cn-north-4",
        "--dest",
        SIX,
        "--agency",
        "ims_admin_agency",
        "--name",
        "golden",
    ]))
}

/// Another source like the demo image.
fn img_clone(emu: &Emu) -> String {
    emu.clone_source("huawei", IMG, 1).remove(0)
}

fn cross_region_calls(emu: &Emu) -> usize {
    emu.requests()
        .iter()
        .filter(|r| r["action"] == "CopyImageCrossRegion")
        .count()
}

#[test]
fn the_per_tenant_limit_of_cross_region_copies_queues_the_sixth() {
    let emu = Emu::start(1.0, 3600.0);
    let o = six_cross_region(&emu, &[]);
    // Five start; the sixth waits its turn (never sent), and the run says it is not done.
    assert_eq!(code(&o), 4, "{}", stderr(&o));
    assert!(stderr(&o).contains("not started"), "{}", stderr(&o));
    let rep = json(&o);
    assert_eq!(rep["summary"]["submitted"], 5);
    assert_eq!(rep["summary"]["queued"], 1);
    assert_eq!(record(&rep, "ap-southeast-3")["state"], "queued");
    assert_eq!(cross_region_calls(&emu), 5);
}

#[test]
fn six_cross_region_copies_all_land_with_wait() {
    let emu = Emu::fast();
    let o = six_cross_region(&emu, &["--wait"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json(&o)["summary"]["available"], 6);
    assert_eq!(
        cross_region_calls(&emu),
        6,
        "none was refused or sent twice"
    );
    assert!(emu.duplicates().is_empty());
}

#[test]
fn the_limit_error_from_slots_another_tool_holds_is_waited_out() {
    let emu = Emu::start(100.0, 300.0);
    // Another run holds three of the tenant's five slots.
    let other = img_clone(&emu);
    let o = run(against(&emu).args([
        "huawei",
        "image",
        "--id",
        &other,
        "--region",
        "cn-north-4",
        "--dest",
        "cn-east-3,cn-east-2,cn-south-1",
        "--agency",
        "ims_admin_agency",
        "--name",
        "other",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = six_cross_region(&emu, &["--wait"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json(&o)["summary"]["available"], 6);
    assert!(
        emu.requests()
            .iter()
            .any(|r| r["action"] == "CopyImageCrossRegion" && r["status"] != 200),
        "the cloud refused some for its limit"
    );
    assert!(emu.duplicates().is_empty());
}

#[test]
fn status_resumes_huawei_jobs_from_the_report() {
    let emu = Emu::start(1.0, 300.0);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let o = run(against(&emu).args([
        "--report",
        report.to_str().unwrap(),
        "huawei",
        "image",
        "--id",
        IMG,
        "--region",
        "cn-north-4",
        "--dest",
        "cn-east-3",
        "--agency",
        "imgcopy_agency",
        "--name",
        "golden",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let r = record(&json(&o), "cn-east-3").clone();
    assert!(r["job_id"].is_string());
    assert!(
        r["dest_id"].is_null(),
        "the id is known when the job succeeds"
    );
    emu.advance(300.0);
    let o = status(&report, &["--wait"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let r = record(&json(&o), "cn-east-3").clone();
    assert_eq!(r["state"], "available");
    assert_eq!(r["dest_id"], emu.copies_of(IMG)[0]["id"]);
}

#[test]
fn missing_project_id_and_wrong_secret_are_exit_3() {
    let emu = Emu::fast();
    let o = run(against(&emu)
        .env_remove("HUAWEICLOUD_SDK_PROJECT_ID")
        .args([
            "huawei",
            "image",
            "--id",
            IMG,
            "--region",
            "cn-north-4",
            "--name",
            "x",
        ]));
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(stderr(&o).contains("HUAWEICLOUD_SDK_PROJECT_ID"));
    assert!(emu.requests().is_empty());
    // A per-region --project-id works without the environment variable.
    let o = run(against(&emu)
        .env_remove("HUAWEICLOUD_SDK_PROJECT_ID")
        .args([
            "--project-id",
            &format!("cn-north-4={PROJECT}"),
            "huawei",
            "image",
            "--id",
            IMG,
            "--region",
            "cn-north-4",
            "--name",
            "x",
        ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = run(against(&emu).env("HUAWEICLOUD_SDK_SK", "wrong").args([
        "huawei",
        "image",
        "--id",
        IMG,
        "--region",
        "cn-north-4",
        "--name",
        "x",
    ]));
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(stderr(&o).contains("APIGW.0301"), "{}", stderr(&o));
}

#[test]
fn huawei_bad_inputs_exit_2_and_send_nothing() {
    let emu = Emu::fast();
    let long = "n".repeat(129);
    let desc = "d".repeat(1025);
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--id", "m-123", "--region", "cn-north-4", "--name", "x"],
            "--id",
        ),
        (
            vec!["--id", IMG, "--region", "Moon_1", "--name", "x"],
            "--region",
        ),
        (
            vec!["--id", IMG, "--region", "cn-north-4", "--name", &long],
            "--name",
        ),
        (
            vec!["--id", IMG, "--region", "cn-north-4", "--name", "a/b"],
            "--name",
        ),
        (
            vec![
                "--id",
                IMG,
                "--region",
                "cn-north-4",
                "--name",
                "x",
                "--description",
                "<b>",
            ],
            "--description",
        ),
        (
            vec![
                "--id",
                IMG,
                "--region",
                "cn-north-4",
                "--name",
                "x",
                "--description",
                &desc,
            ],
            "--description",
        ),
        (
            vec![
                "--id",
                IMG,
                "--region",
                "cn-north-4",
                "--name",
                "x",
                "--cmk-id",
                "key",
            ],
            "--cmk-id",
        ),
        (
            vec![
                "--id",
                IMG,
                "--region",
                "cn-north-4",
                "--name",
                "x",
                "--dest",
                "cn-east-3",
            ],
            "--agency",
        ),
        (
            vec![
                "--id",
                IMG,
                "--region",
                "cn-north-4",
                "--name",
                "x",
                "--dest",
                "cn-east-3",
                "--agency",
                "a",
                "--cmk-id",
                IMG,
            ],
            "--cmk-id",
        ),
        (
            vec![
                "--id",
                IMG,
                "--region",
                "cn-north-4",
                "--name",
                "x",
                "--agency",
                "a",
            ],
            "--agency",
        ),
        (
            vec![
                "--id",
                IMG,
                "--region",
                "cn-north-4",
                "--name",
                "x",
                "--dest",
                "cn-east-3",
                "--agency",
                "a",
                "--project-name",
                "cn-east-2=p",
            ],
            "--project-name",
        ),
        (vec!["--id", IMG, "--region", "cn-north-4"], "--name"),
    ];
    assert_usage_errors(&emu, &["huawei", "image"], &cases);
    let o = run(against(&emu).args([
        "--project-id",
        "xyz",
        "huawei",
        "image",
        "--id",
        IMG,
        "--region",
        "cn-north-4",
        "--name",
        "x",
    ]));
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--project-id"));
    assert!(emu.requests().is_empty());
}

#[test]
fn secrets_stay_out_of_output_at_the_highest_verbosity() {
    let emu = Emu::fast();
    let token = "huawei-session-token-hidden";
    let o = run(against(&emu)
        .env("HUAWEICLOUD_SDK_SECURITY_TOKEN", token)
        .args([
            "-vvv",
            "huawei",
            "image",
            "--id",
            IMG,
            "--region",
            "cn-north-4",
            "--name",
            "x",
            "--wait",
        ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let all = format!("{}{}", stdout(&o), stderr(&o));
    assert!(stderr(&o).contains("sending"));
    for secret in [SK, token] {
        assert!(!all.contains(secret), "{secret} leaked");
    }
    assert!(!all.contains("Signature="));
}

#[test]
fn sandbox_runs_both_huawei_copy_kinds() {
    let o = run(imgcopy()
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap())
        .args([
            "--sandbox",
            "--output",
            "json",
            "huawei",
            "image",
            "--id",
            IMG,
            "--region",
            "cn-north-4",
            "--dest",
            "cn-east-3",
            "--agency",
            "ims_admin_agency",
            "--name",
            "golden",
            "--wait",
        ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rep = json(&o);
    assert_eq!(rep["sandbox"], true);
    assert_eq!(record(&rep, "cn-east-3")["state"], "available");
    let o = run(imgcopy()
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap())
        .args([
            "--sandbox",
            "--output",
            "json",
            "huawei",
            "image",
            "--id",
            IMG,
            "--region",
            "cn-north-4",
            "--name",
            "golden",
            "--wait",
        ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(record(&json(&o), "cn-north-4")["state"], "available");
}

#[test]
fn a_rerun_adopts_the_earlier_copy_and_force_new_makes_another() {
    let emu = Emu::fast();
    let args = |extra: &[&str]| {
        let mut a = vec![
            "huawei",
            "image",
            "--id",
            IMG,
            "--region",
            "cn-north-4",
            "--dest",
            "cn-east-3,ap-southeast-1",
            "--name",
            "golden-rerun",
            "--agency",
            "ims_admin_agency",
        ];
        a.extend_from_slice(extra);
        a.into_iter().map(String::from).collect::<Vec<_>>()
    };
    // The first copy call's reply is lost after the copy was made: looked for, adopted.
    emu.fault(
        serde_json::json!({"provider": "huawei", "action": "CopyImageCrossRegion",
                     "drop_after": true, "times": 1}),
    );
    let first = run(against(&emu).args(args(&[])));
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    assert_eq!(copy_calls(&emu), 2, "the dropped call is not re-sent");
    let adopted = records(&json(&first))
        .iter()
        .filter(|r| r["adopted"] == true)
        .count();
    assert_eq!(adopted, 1);

    let again = run(against(&emu).args(args(&["--wait"])));
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    let rep = json(&again);
    for dest in ["cn-east-3", "ap-southeast-1"] {
        let r = record(&rep, dest);
        assert_eq!(r["adopted"], true, "{dest}");
        assert_eq!(
            r["state"], "available",
            "adopted copies are followed to the end"
        );
        assert_eq!(emu.copy_count("huawei", IMG, dest), 1);
    }
    assert_eq!(copy_calls(&emu), 2, "a re-run copies nothing again");

    let forced = run(against(&emu).args(args(&["--force-new"])));
    assert_eq!(code(&forced), 0, "{}", stderr(&forced));
    assert_eq!(copy_calls(&emu), 4);
    assert_eq!(emu.copy_count("huawei", IMG, "cn-east-3"), 2);
    assert!(records(&json(&forced))
        .iter()
        .all(|r| r["adopted"] == false));
}

#[test]
fn jobs_are_followed_through_show_job_progress_where_the_old_query_is_gone() {
    let emu = Emu::fast();
    emu.fault(serde_json::json!({"action": "ShowJob", "status": 404, "code": "IMS.0404", "message": "The job does not exist."}));
    let o = run(against(&emu).args([
        "--wait",
        "huawei",
        "image",
        "--id",
        IMG,
        "--region",
        "cn-north-4",
        "--dest",
        "cn-east-3",
        "--agency",
        "ims_admin_agency",
        "--name",
        "golden",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let r = record(&json(&o), "cn-east-3").clone();
    assert_eq!(r["state"], "available", "{r}");
    assert!(r["dest_id"].is_string(), "{r}");
    assert!(emu
        .requests()
        .iter()
        .any(|r| r["action"] == "ShowJobProgress" && r["status"] == 200));
}

#[test]
fn a_queued_copy_is_one_event_while_it_waits() {
    let emu = Emu::start(20.0, 300.0);
    let o = six_cross_region(
        &emu,
        &[
            "--wait",
            "--output",
            "ndjson",
            "--timeout",
            "2s",
            "--poll-interval",
            "50ms",
        ],
    );
    let queued_events = stdout(&o)
        .lines()
        .filter(|l| l.contains(r#""state":"queued""#))
        .count();
    assert_eq!(queued_events, 1, "{}", stdout(&o));
}
