//! The source region is found when `--region` is not given: the design card's line
//! `imgcopy baidu image --id m-xxx --dest bj,gz` works as written, for every cloud and kind.

mod common;
use common::*;

const READS: &[&str] = &[
    "GetImageDetail",
    "GetSnapshotDetail",
    "DescribeImages",
    "DescribeSnapshots",
    "ListImages",
];

/// The emulator's actions, in order.
fn actions(emu: &Emu) -> Vec<(String, String)> {
    emu.requests()
        .iter()
        .map(|r| {
            (
                r["action"].as_str().unwrap_or_default().to_string(),
                r["region"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Runs the copy, checks the source region's record and the one copy, and that everything
/// before the first copy call was a read, at most one per region.
fn card_line(emu: &Emu, args: &[&str], source_region: &str, dest: &str, copy_action: &str) {
    let o = run(against(emu).args(args).arg("--wait"));
    assert_eq!(code(&o), 0, "{args:?}: {}", stderr(&o));
    let rep = json(&o);
    let src = record(&rep, source_region);
    assert_eq!(src["state"], "source", "{src}");
    assert_eq!(record(&rep, dest)["state"], "available");
    assert_eq!(rep["summary"]["source"], 1);
    assert_eq!(
        rep["sources"][0]["region"], source_region,
        "{}",
        rep["sources"]
    );
    assert_eq!(rep["sources"][0]["found_by"], "lookup");
    let acts = actions(emu);
    let first_copy = acts
        .iter()
        .position(|(a, _)| a == copy_action)
        .unwrap_or_else(|| panic!("no {copy_action} in {acts:?}"));
    let lookups = &acts[..first_copy];
    assert!(
        lookups.iter().all(|(a, _)| READS.contains(&a.as_str())),
        "only read calls before copying: {lookups:?}"
    );
    // One look-up per region at most; the source and destination may also get the copy's
    // own reads (Baidu's source detail, Huawei's preflight and its look for an earlier copy).
    let (action, _) = &lookups[0];
    for (_, region) in lookups.iter().filter(|(a, _)| a == action) {
        let n = lookups
            .iter()
            .filter(|(a, r)| a == action && r == region)
            .count();
        let allowed = if region == source_region || region == dest {
            2
        } else {
            1
        };
        assert!(n <= allowed, "{n} look-ups in {region}: {lookups:?}");
    }
    let into_source: Vec<_> = emu.state()["copies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["dest_region"] == source_region)
        .cloned()
        .collect();
    assert!(
        into_source.is_empty(),
        "nothing is copied into the source region: {into_source:?}"
    );
}

#[test]
fn the_design_card_line_works_as_written() {
    let emu = Emu::fast();
    card_line(
        &emu,
        &["baidu", "image", "--id", "m-demo0001", "--dest", "bj,gz"],
        "bj",
        "gz",
        "RemoteCopyImage",
    );
    assert_eq!(emu.copies_in("baidu", "m-demo0001").len(), 1);
}

#[test]
fn every_cloud_and_kind_finds_its_source() {
    let cases: Vec<(Vec<&str>, &str, &str, &str)> = vec![
        (
            vec!["baidu", "snapshot", "--id", "s-demo0001", "--dest", "bj,gz"],
            "bj",
            "gz",
            "RemoteCopySnapshot",
        ),
        (
            vec![
                "huawei",
                "image",
                "--id",
                "6f1f3b3c-0000-4000-8000-000000000001",
                "--dest",
                "cn-north-4,cn-east-3",
                "--agency",
                "ims_admin_agency",
                "--name",
                "golden",
            ],
            "cn-north-4",
            "cn-east-3",
            "CopyImageCrossRegion",
        ),
        (
            vec![
                "alibaba",
                "image",
                "--id",
                "m-demo0001",
                "--dest",
                "cn-hangzhou,cn-shanghai",
            ],
            "cn-hangzhou",
            "cn-shanghai",
            "CopyImage",
        ),
        (
            vec![
                "aws",
                "image",
                "--id",
                "ami-0abc00000000000a1",
                "--dest",
                "us-east-1,eu-west-1",
                "--name",
                "golden",
            ],
            "us-east-1",
            "eu-west-1",
            "CopyImage",
        ),
        (
            vec![
                "aws",
                "snapshot",
                "--id",
                "snap-0abc00000000000a1",
                "--dest",
                "us-east-1,eu-west-1",
            ],
            "us-east-1",
            "eu-west-1",
            "CopySnapshot",
        ),
    ];
    for (args, src, dest, action) in cases {
        let emu = Emu::fast();
        card_line(&emu, &args, src, dest, action);
    }
}

#[test]
fn a_huawei_in_region_copy_needs_no_region_either() {
    let emu = Emu::fast();
    let o = run(against(&emu).args([
        "--wait",
        "huawei",
        "image",
        "--id",
        "6f1f3b3c-0000-4000-8000-000000000001",
        "--name",
        "golden-copy",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let r = record(&json(&o), "cn-north-4").clone();
    assert_eq!(
        r["state"], "available",
        "an in-region copy is a real copy: {r}"
    );
}

#[test]
fn lookups_stop_at_the_first_hit_under_the_concurrency_cap() {
    let emu = Emu::fast();
    let o = run(against(&emu).args([
        "--concurrency",
        "1",
        "aws",
        "image",
        "--id",
        "ami-0abc00000000000a1",
        "--dest",
        "eu-west-1",
        "--name",
        "golden",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let acts = actions(&emu);
    let first_copy = acts.iter().position(|(a, _)| a == "CopyImage").unwrap();
    // One at a time, in the list's order: us-east-1 is first, so one look-up suffices.
    assert_eq!(
        acts[..first_copy],
        [("DescribeImages".to_string(), "us-east-1".to_string())]
    );
}

#[test]
fn a_default_region_setting_is_used_when_the_source_is_there() {
    let emu = Emu::fast();
    let args = [
        "-v",
        "aws",
        "image",
        "--id",
        "ami-0abc00000000000a1",
        "--dest",
        "eu-west-1",
        "--name",
        "golden",
    ];
    let o = run(against(&emu)
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .args(args));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json(&o)["sources"][0]["found_by"], "AWS_DEFAULT_REGION");
    assert_eq!(
        actions(&emu)[0],
        ("DescribeImages".into(), "us-east-1".into())
    );
    // A default region that does not hold the source: said at -v, then looked up.
    let emu = Emu::fast();
    let o = run(against(&emu).env("AWS_REGION", "ap-south-1").args(args));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("not in ap-south-1") && stderr(&o).contains("AWS_REGION"),
        "{}",
        stderr(&o)
    );
    let rep = json(&o);
    assert_eq!(rep["sources"][0]["found_by"], "lookup");
    assert_eq!(record(&rep, "eu-west-1")["source_region"], "us-east-1");
}

#[test]
fn not_found_found_twice_and_malformed() {
    let emu = Emu::fast();
    let o = run(against(&emu).args([
        "aws",
        "image",
        "--id",
        "ami-0123456789abcdef9",
        "--dest",
        "eu-west-1",
        "--name",
        "golden",
    ]));
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("looked in") && stderr(&o).contains("us-west-2"),
        "{}",
        stderr(&o)
    );
    assert!(!actions(&emu).iter().any(|(a, _)| a == "CopyImage"));
    // The same id in two regions (a cloud whose ids are not unique): ask for --region.
    let emu = Emu::fast();
    emu.fixture(serde_json::json!({
        "provider": "baidu", "kind": "image", "region": "gz", "id": "m-demo0001",
        "name": "twin", "status": "Available",
    }));
    let o = run(against(&emu).args(["baidu", "image", "--id", "m-demo0001", "--dest", "su"]));
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--region") && stderr(&o).contains("bj and gz"),
        "{}",
        stderr(&o)
    );
    assert!(!actions(&emu).iter().any(|(a, _)| a == "RemoteCopyImage"));
    // A malformed id: exit 2 before any request.
    assert_usage_errors(
        &emu,
        &[],
        &[
            (
                vec!["baidu", "image", "--id", "x-nope", "--dest", "gz"],
                "--id",
            ),
            (
                vec!["aws", "snapshot", "--id", "ami-1", "--dest", "eu-west-1"],
                "--id",
            ),
            (
                vec!["baidu", "image", "--id", "m-demo0001", "--dest", "mars!"],
                "--dest",
            ),
        ],
    );
}

#[test]
fn dry_run_shows_the_lookups_and_sends_nothing() {
    let emu = Emu::fast();
    let o = run(against(&emu).args([
        "--dry-run",
        "baidu",
        "image",
        "--id",
        "m-demo0001",
        "--dest",
        "bj,gz",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let plan = json(&o);
    let calls = plan["source_region_lookups"][0]["calls"]
        .as_array()
        .unwrap();
    assert!(calls.len() > 5, "{plan}");
    assert!(calls.iter().all(|c| c["method"] == "GET"), "{plan}");
    assert!(emu.requests().is_empty());
}

#[test]
fn a_rerun_with_the_report_takes_the_region_from_it() {
    let emu = Emu::fast();
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let args = [
        "--report",
        report.to_str().unwrap(),
        "baidu",
        "image",
        "--id",
        "m-demo0001",
        "--dest",
        "bj,gz",
        "--wait",
    ];
    assert_eq!(code(&run(against(&emu).args(args))), 0);
    let before = emu.requests().len();
    let o = run(against(&emu).args(args));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let lookups_again = emu.requests()[before..]
        .iter()
        .filter(|r| r["action"] == "GetImage" && r["region"] != "bj")
        .count();
    assert_eq!(lookups_again, 0, "no look-up in other regions on a re-run");
    assert_eq!(emu.copies_in("baidu", "m-demo0001").len(), 1);
}

#[test]
fn cancel_finds_the_copy_region_too() {
    let emu = Emu::start(1.0, 3600.0);
    let o = run(against(&emu).args([
        "aws",
        "image",
        "--id",
        "ami-0abc00000000000a1",
        "--dest",
        "eu-west-1",
        "--name",
        "golden",
    ]));
    let id = record(&json(&o), "eu-west-1")["dest_id"]
        .as_str()
        .unwrap()
        .to_string();
    emu.past_lag();
    let o = run(against(&emu).args(["aws", "cancel", "--id", &id]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("in eu-west-1"), "{}", stderr(&o));
    assert!(emu.copies_in("aws", "ami-0abc00000000000a1").is_empty());
}

#[test]
fn a_source_region_destination_is_confirmed_when_the_region_is_given() {
    let emu = Emu::fast();
    // Only the source region as destination: nothing to copy, but the source is looked at.
    let o = run(against(&emu).args([
        "baidu",
        "snapshot",
        "--id",
        "s-demo0001",
        "--region",
        "bj",
        "--dest",
        "bj",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(record(&json(&o), "bj")["state"], "source");
    assert_eq!(actions(&emu), [("GetSnapshotDetail".into(), "bj".into())]);
    // A source that is not there is no success.
    let o = run(against(&emu).args([
        "baidu",
        "snapshot",
        "--id",
        "s-nosuch01",
        "--region",
        "bj",
        "--dest",
        "bj",
    ]));
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let r = record(&json(&o), "bj").clone();
    assert_eq!(
        (r["state"].as_str(), r["error"]["code"].as_str()),
        (Some("failed"), Some("SourceNotFound")),
        "{r}"
    );
}

#[test]
fn region_tables_come_from_the_sdks_and_another_endpoint_takes_any_region_name() {
    // China and GovCloud partitions are known, with their own endpoint suffix.
    let o = run(imgcopy().args([
        "--dry-run",
        "--output",
        "json",
        "aws",
        "image",
        "--id",
        "ami-0abc00000000000a1",
        "--region",
        "cn-north-1",
        "--dest",
        "cn-northwest-1",
        "--name",
        "golden",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let url = json(&o)["requests"][0]["url"].as_str().unwrap().to_string();
    assert!(
        url.starts_with("https://ec2.cn-northwest-1.amazonaws.com.cn/"),
        "{url}"
    );
    let o = run(imgcopy().args([
        "--dry-run",
        "aws",
        "snapshot",
        "--id",
        "snap-0abc00000000000a1",
        "--region",
        "us-gov-west-1",
        "--dest",
        "us-gov-east-1",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // An unknown region without an endpoint override: exit 2 with the known list.
    let o = run(imgcopy().args([
        "--dry-run",
        "alibaba",
        "image",
        "--id",
        "m-demo0001",
        "--region",
        "cn-hangzhou",
        "--dest",
        "xx-new-1",
    ]));
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("known:"), "{}", stderr(&o));
    // With --endpoint, any well-formed region name, for every cloud.
    let emu = Emu::fast();
    for args in [
        vec![
            "baidu",
            "image",
            "--id",
            "m-demo0001",
            "--region",
            "bj",
            "--dest",
            "xx-new-1",
        ],
        vec![
            "alibaba",
            "image",
            "--id",
            "m-demo0001",
            "--region",
            "cn-hangzhou",
            "--dest",
            "xx-new-1",
        ],
        vec![
            "aws",
            "image",
            "--id",
            "ami-0abc00000000000a1",
            "--region",
            "us-east-1",
            "--dest",
            "xx-new-1",
            "--name",
            "golden",
        ],
    ] {
        let o = run(against(&emu).arg("--dry-run").args(&args));
        assert_eq!(code(&o), 0, "{args:?}: {}", stderr(&o));
    }
    let o = run(against(&emu).args([
        "--dry-run",
        "baidu",
        "image",
        "--id",
        "m-demo0001",
        "--region",
        "bj",
        "--dest",
        "Not A Region",
    ]));
    assert_eq!(code(&o), 2, "{}", stderr(&o));
}
