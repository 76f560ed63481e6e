//! Exactly once under fault sequences that single-source runs meet: retries followed by a
//! copy call that acted but lost its reply, and `--force-new` after a broken connection.

mod common;
use common::*;
use serde_json::json;

const HW_IMG: &str = "6f1f3b3c-0000-4000-8000-000000000001";

fn copy_calls(emu: &Emu, action: &str) -> usize {
    emu.requests()
        .iter()
        .filter(|r| r["action"] == action)
        .count()
}

#[test]
fn baidu_image_retries_then_a_dropped_reply_make_one_copy() {
    let emu = Emu::fast();
    emu.fault(json!({"action": "RemoteCopyImage", "status": 500, "times": 2}));
    emu.fault(json!({"action": "RemoteCopyImage", "drop_after": true, "times": 1}));
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
    assert_eq!(
        emu.copy_count("baidu", "m-demo0001", "gz"),
        1,
        "{}",
        stderr(&o)
    );
    let r = record(&json(&o), "gz").clone();
    assert_eq!(r["state"], "available", "{r}");
    assert_eq!(
        r["adopted_by"], "name",
        "the copy the dropped call made is followed"
    );
}

/// A `--force-new` run whose copy call acted but lost its reply makes one new copy, and
/// finds it again (by its salted mark) instead of copying twice.
fn force_new_once(action: &str, args: &[&str], provider: &str, source: &str, dest: &str) {
    let emu = Emu::fast();
    let first = run(against(&emu).args(args).arg("--wait"));
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    emu.fault(json!({"action": action, "drop_after": true, "times": 1}));
    let o = run(against(&emu).args(args).args(["--wait", "--force-new"]));
    let count = emu.copy_count(provider, source, dest);
    assert_eq!(count, 2, "one earlier copy and one new one: {}", stderr(&o));
    if code(&o) == 0 {
        let r = record(&json(&o), dest).clone();
        assert_ne!(
            r["dest_id"],
            record(&json(&first), dest)["dest_id"],
            "the new copy, not the earlier one: {r}"
        );
    }
    let _ = copy_calls(&emu, action);
}

#[test]
fn force_new_after_a_broken_connection_copies_once() {
    force_new_once(
        "CopyImageCrossRegion",
        &[
            "huawei",
            "image",
            "--id",
            HW_IMG,
            "--region",
            "cn-north-4",
            "--dest",
            "cn-east-3",
            "--agency",
            "ims_admin_agency",
            "--name",
            "golden",
        ],
        "huawei",
        HW_IMG,
        "cn-east-3",
    );
    force_new_once(
        "CopyImageInRegion",
        &[
            "huawei",
            "image",
            "--id",
            HW_IMG,
            "--region",
            "cn-north-4",
            "--name",
            "golden-copy",
        ],
        "huawei",
        HW_IMG,
        "cn-north-4",
    );
    force_new_once(
        "CopySnapshot",
        &[
            "aws",
            "snapshot",
            "--id",
            "snap-0abc00000000000a1",
            "--region",
            "us-east-1",
            "--dest",
            "eu-west-1",
        ],
        "aws",
        "snap-0abc00000000000a1",
        "eu-west-1",
    );
    force_new_once(
        "RemoteCopyImage",
        &[
            "baidu",
            "image",
            "--id",
            "m-demo0001",
            "--region",
            "bj",
            "--dest",
            "gz",
        ],
        "baidu",
        "m-demo0001",
        "gz",
    );
}

/// Runs `cmd`, killing it if it has not ended within `secs` (a hang fails the test, it does
/// not stall the suite).
fn run_within(cmd: &mut std::process::Command, secs: u64) -> std::process::Output {
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            let out = child.wait_with_output().unwrap();
            panic!(
                "still running after {secs}s; stderr: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn a_listing_that_never_ends_is_an_error_not_a_hang() {
    let emu = Emu::fast();
    emu.fault(json!({
        "action": "ListImages",
        "reply": {"images": [], "isTruncated": true, "nextMarker": "m-loop0001", "maxKeys": 1000},
    }));
    let o = run_within(
        against(&emu).args([
            "baidu",
            "image",
            "--id",
            "m-demo0001",
            "--region",
            "bj",
            "--dest",
            "gz",
        ]),
        60,
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("repeats its marker"), "{}", stderr(&o));
    assert_eq!(copy_calls(&emu, "RemoteCopyImage"), 0, "not copied blind");
}

#[test]
fn accepted_numbers_have_ranges_and_the_environment_cannot_panic_the_run() {
    let emu = Emu::fast();
    assert_usage_errors(
        &emu,
        &[
            "baidu",
            "image",
            "--id",
            "m-demo0001",
            "--region",
            "bj",
            "--dest",
            "gz",
        ],
        &[
            (vec!["--timeout", "500000000000y"], "--timeout"),
            (vec!["--rate-limit", "1e-300"], "--rate-limit"),
            (vec!["--poll-interval", "2h"], "--poll-interval"),
            (vec!["--request-timeout", "9999h"], "--request-timeout"),
            (vec!["--missing-grace", "30d"], "--missing-grace"),
            (
                vec!["--endpoint", "http://user:pass@127.0.0.1:9/{region}"],
                "--endpoint",
            ),
        ],
    );
    // A variable that is not UTF-8 (unrelated to imgcopy) is ignored, never a panic.
    use std::os::unix::ffi::OsStrExt;
    let o = run(against(&emu)
        .env(
            "SOME_TOOL_SETTING",
            std::ffi::OsStr::from_bytes(b"\xff\xfe"),
        )
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
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn the_environment_is_input_too() {
    let emu = Emu::fast();
    let before = emu.requests().len();
    let o = run(against(&emu)
        .env("HUAWEICLOUD_SDK_PROJECT_ID", "../../x")
        .args([
            "huawei",
            "image",
            "--id",
            HW_IMG,
            "--region",
            "cn-north-4",
            "--name",
            "golden",
        ]));
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("HUAWEICLOUD_SDK_PROJECT_ID"),
        "{}",
        stderr(&o)
    );
    for (var, value) in [
        ("BCE_SECRET_ACCESS_KEY", "secret\nwith-a-line-break"),
        ("BCE_ACCESS_KEY_ID", "ak with space"),
        ("BCE_SESSION_TOKEN", "tok\u{e9}n"),
    ] {
        let o = run(against(&emu).env(var, value).args([
            "baidu",
            "image",
            "--id",
            "m-demo0001",
            "--region",
            "bj",
            "--dest",
            "gz",
        ]));
        assert_eq!(code(&o), 3, "{var}: {}", stderr(&o));
        assert!(stderr(&o).contains(var), "{var}: {}", stderr(&o));
        assert!(!stderr(&o).contains(value), "the value is never printed");
    }
    assert_eq!(emu.requests().len(), before, "nothing was sent");
}

/// `SSL_CERT_FILE` is honoured (TLS-inspecting proxies and private CAs): against a loopback
/// TLS server whose certificate a private CA signed, the handshake fails without it and
/// succeeds with it. Needs the `openssl` command (Debian's, on every machine of this kind).
#[test]
fn ssl_cert_file_adds_a_private_ca() {
    let dir = tempfile::tempdir().unwrap();
    let d = |f: &str| dir.path().join(f).to_str().unwrap().to_string();
    let openssl = |args: &[&str]| {
        let o = std::process::Command::new("openssl")
            .args(args)
            .output()
            .expect("the openssl command is needed for this test");
        assert!(
            o.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    std::fs::write(
        d("ext.cnf"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        &d("ca.key"),
        "-out",
        &d("ca.pem"),
        "-days",
        "2",
        "-subj",
        "/CN=imgcopy-test-ca",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        &d("leaf.key"),
        "-out",
        &d("leaf.csr"),
        "-subj",
        "/CN=127.0.0.1",
    ]);
    openssl(&[
        "x509",
        "-req",
        "-in",
        &d("leaf.csr"),
        "-CA",
        &d("ca.pem"),
        "-CAkey",
        &d("ca.key"),
        "-CAcreateserial",
        "-out",
        &d("leaf.pem"),
        "-days",
        "2",
        "-extfile",
        &d("ext.cnf"),
    ]);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = std::process::Command::new("openssl")
        .args([
            "s_server",
            "-accept",
            &format!("127.0.0.1:{port}"),
            "-cert",
            &d("leaf.pem"),
            "-key",
            &d("leaf.key"),
            "-www",
            "-quiet",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let attempt = |ca: Option<&str>| {
        let mut c = imgcopy();
        if let Some(ca) = ca {
            c.env("SSL_CERT_FILE", ca);
        }
        run(c
            .args(["--output", "json", "--max-attempts", "1", "--endpoint"])
            .arg(format!("https://127.0.0.1:{port}/{{region}}"))
            .args([
                "baidu",
                "image",
                "--id",
                "m-demo0001",
                "--region",
                "bj",
                "--dest",
                "gz",
            ]))
    };
    let without = attempt(None);
    let with = attempt(Some(&d("ca.pem")));
    server.kill().unwrap();
    server.wait().unwrap();
    let err = |o: &std::process::Output| json(o)["records"][0]["error"]["message"].to_string();
    assert!(err(&without).contains("UnknownIssuer"), "{}", err(&without));
    // Trusted: the TLS server answers (with a page that is not the cloud's API).
    assert!(!err(&with).contains("certificate"), "{}", err(&with));
    assert!(
        err(&with).contains("could not read the reply"),
        "{}",
        err(&with)
    );
}

fn interrupt(child: &std::process::Child) {
    let ok = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

/// Waits for `child` up to `secs` (a generous bound that tells a hang from an exit; not a
/// measurement), killing it past that.
fn wait_within(mut child: std::process::Child, secs: u64) -> Option<i32> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s.code();
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn ctrl_c_is_bounded_even_when_a_copy_call_never_answers() {
    let emu = Emu::fast();
    emu.fault(json!({"action": "RemoteCopyImage", "latency_ms": 120000}));
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let spawn = || {
        against(&emu)
            .args([
                "--report",
                report.to_str().unwrap(),
                "--request-timeout",
                "10m",
            ])
            .args([
                "baidu",
                "image",
                "--id",
                "m-demo0001",
                "--region",
                "bj",
                "--dest",
                "gz",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let child = spawn();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    interrupt(&child);
    assert_eq!(
        wait_within(child, 15),
        Some(130),
        "the first Ctrl-C ends the run"
    );
    let r = record(&read_json(&report), "gz").clone();
    assert_eq!(r["error"]["code"], "OutcomeUnknown", "{r}");
    // A second Ctrl-C ends it at once, whatever is under way.
    std::fs::remove_file(&report).unwrap();
    let child = spawn();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    interrupt(&child);
    std::thread::sleep(std::time::Duration::from_millis(100));
    interrupt(&child);
    assert_eq!(wait_within(child, 15), Some(130));
}

#[test]
fn a_report_is_input_checked_like_the_command_line() {
    let emu = Emu::start(1.0, 3600.0);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let o = run(against(&emu).args([
        "--report",
        report.to_str().unwrap(),
        "aws",
        "image",
        "--id",
        "ami-0abc00000000000a1",
        "--region",
        "us-east-1",
        "--dest",
        "eu-west-1",
        "--name",
        "golden",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let good = read_json(&report);
    let before = emu.requests().len();
    type Edit = Box<dyn Fn(&mut serde_json::Value)>;
    let edits: Vec<(&str, Edit)> = vec![
        (
            "region",
            Box::new(|r| r["records"][0]["dest_region"] = json!("attacker.invalid/x#")),
        ),
        (
            "id",
            Box::new(|r| r["records"][0]["dest_id"] = json!("ami-../../x")),
        ),
        (
            "request",
            Box::new(|r| r["requests"][0]["source_region"] = json!("us-east-1/../x")),
        ),
        (
            "endpoint",
            Box::new(|r| r["endpoint"] = json!("https://attacker.invalid/{region}")),
        ),
    ];
    for (what, edit) in edits {
        let mut bad = good.clone();
        edit(&mut bad);
        std::fs::write(&report, bad.to_string()).unwrap();
        let o = status(&report, &["--wait"]);
        assert_eq!(code(&o), 2, "{what}: {}", stderr(&o));
        assert_eq!(emu.requests().len(), before, "{what}: a request was sent");
    }
    std::fs::write(&report, good.to_string()).unwrap();
    assert_eq!(
        code(&status(&report, &[])),
        0,
        "the unedited report is fine"
    );
}

#[test]
fn small_edges_empty_ids_stale_temp_files_and_linked_reports() {
    let emu = Emu::fast();
    let o = run(against(&emu).args([
        "baidu", "image", "--id", ",,,", "--region", "bj", "--dest", "gz",
    ]));
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("empty id"), "{}", stderr(&o));
    // A temporary file a kill -9 left beside the report is removed by the next run.
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.json");
    let stale = dir.path().join(".real.json.tmpAbC123");
    std::fs::write(&stale, "{").unwrap();
    let link = dir.path().join("link.json");
    let o = run(against(&emu).args([
        "--report",
        real.to_str().unwrap(),
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
    assert!(!stale.exists(), "the stale temporary file was removed");
    // A report behind a symbolic link is written through it; the link stays a link.
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let o = run(against(&emu).args([
        "--report",
        link.to_str().unwrap(),
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
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(read_json(&real)["records"].as_array().unwrap().len(), 1);
}

#[test]
fn after_ctrl_c_with_cancel_status_starts_nothing_the_run_never_sent() {
    let emu = Emu::fast();
    // The first copy call hangs; the second source is journaled but never sent.
    emu.fault(json!({"action": "CopyImage", "latency_ms": 120000, "times": 1}));
    let ids = emu.clone_source("alibaba", "m-demo0001", 2).join(",");
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let child = against(&emu)
        .args([
            "--report",
            report.to_str().unwrap(),
            "--concurrency",
            "1",
            "--on-interrupt",
            "cancel",
        ])
        .args([
            "alibaba",
            "image",
            "--id",
            &ids,
            "--region",
            "cn-hangzhou",
            "--dest",
            "cn-shanghai",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    interrupt(&child);
    assert_eq!(wait_within(child, 15), Some(130));
    let before = copy_calls(&emu, "CopyImage");
    let o = status(&report, &[]);
    assert_eq!(
        copy_calls(&emu, "CopyImage"),
        before + 1,
        "only the interrupted call is reconciled: {}",
        stderr(&o)
    );
    let saved = read_json(&report);
    assert!(
        saved["records"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["state"] == "canceled" && r["dest_id"].is_null()),
        "the never-sent copy is canceled: {saved}"
    );
}

#[test]
fn any_spelling_of_the_same_request_is_the_same_request() {
    let emu = Emu::fast();
    for dests in ["gz,su", "su,gz", "gz,su,hkg"] {
        let o = run(against(&emu).args([
            "baidu",
            "snapshot",
            "--id",
            "s-demo0001",
            "--region",
            "bj",
            "--dest",
            dests,
        ]));
        assert_eq!(code(&o), 0, "{dests}: {}", stderr(&o));
    }
    for d in ["gz", "su", "hkg"] {
        assert_eq!(emu.copy_count("baidu", "s-demo0001", d), 1, "{d}");
    }
    for tags in [["a=1", "b=2"], ["b=2", "a=1"]] {
        let o = run(against(&emu).args([
            "aws",
            "image",
            "--id",
            "ami-0abc00000000000a1",
            "--region",
            "us-east-1",
            "--dest",
            "eu-west-1",
            "--name",
            "golden",
            "--tag",
            tags[0],
            "--tag",
            tags[1],
        ]));
        assert_eq!(code(&o), 0, "{tags:?}: {}", stderr(&o));
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
            "golden",
            "--tag",
            tags[0],
            "--tag",
            tags[1],
        ]));
        assert_eq!(code(&o), 0, "{tags:?}: {}", stderr(&o));
    }
    assert_eq!(
        emu.copy_count("aws", "ami-0abc00000000000a1", "eu-west-1"),
        1
    );
    assert_eq!(emu.copy_count("alibaba", "m-demo0001", "cn-shanghai"), 1);
}

#[test]
fn an_encrypted_snapshot_copy_never_adopts_an_unencrypted_one() {
    let emu = Emu::fast();
    let args = [
        "--wait",
        "aws",
        "snapshot",
        "--id",
        "snap-0abc00000000000a1",
        "--region",
        "us-east-1",
        "--dest",
        "eu-west-1",
    ];
    assert_eq!(code(&run(against(&emu).args(args))), 0);
    let o = run(against(&emu)
        .args(args)
        .args(["--encrypted", "--kms-key-id", "alias/k"]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(record(&json(&o), "eu-west-1")["adopted"], false);
    assert_eq!(
        emu.copy_count("aws", "snap-0abc00000000000a1", "eu-west-1"),
        2
    );
    // The same encrypted request again adopts its own copy, by its tags.
    let o = run(against(&emu)
        .args(args)
        .args(["--encrypted", "--kms-key-id", "alias/k"]));
    assert_eq!(record(&json(&o), "eu-west-1")["adopted_by"], "tag");
    assert_eq!(
        emu.copy_count("aws", "snap-0abc00000000000a1", "eu-west-1"),
        2
    );
}

#[test]
fn a_failed_copy_gets_a_new_attempt_on_a_rerun_with_its_report() {
    for (args, provider, source, dest) in [
        (
            vec![
                "alibaba",
                "image",
                "--id",
                "m-demo0002",
                "--region",
                "cn-hangzhou",
                "--dest",
                "cn-shanghai",
            ],
            "alibaba",
            "m-demo0002",
            "cn-shanghai",
        ),
        (
            vec![
                "aws",
                "image",
                "--id",
                "ami-0abc00000000000a2",
                "--region",
                "us-east-1",
                "--dest",
                "eu-west-1",
                "--name",
                "golden",
            ],
            "aws",
            "ami-0abc00000000000a2",
            "eu-west-1",
        ),
    ] {
        let emu = Emu::fast();
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("r.json");
        let r = report.to_str().unwrap();
        let first = run(against(&emu).args(["--report", r, "--wait"]).args(&args));
        assert_eq!(
            code(&first),
            1,
            "{provider}: the copy fails in the cloud: {}",
            stderr(&first)
        );
        let failed = record(&json(&first), dest).clone();
        // Run again with the report: a new attempt, with a new token, makes a new copy.
        let again = run(against(&emu).args(["--report", r, "--wait"]).args(&args));
        let retried = record(&json(&again), dest).clone();
        assert_ne!(
            retried["client_token"], failed["client_token"],
            "{provider}"
        );
        assert_ne!(retried["dest_id"], failed["dest_id"], "{provider}");
        assert_eq!(emu.copy_count(provider, source, dest), 2, "{provider}");
        assert_eq!(
            read_json(&report)["requests"][0]["attempts"][dest],
            1,
            "journaled"
        );
        // Without a report the same token returns the same (failed) copy: nothing new.
        let plain = run(against(&emu).args(&args));
        assert_eq!(code(&plain), 0, "{provider}: {}", stderr(&plain));
        assert_eq!(emu.copy_count(provider, source, dest), 2, "{provider}");
    }
}

#[test]
fn an_unknown_huawei_job_fails_after_the_grace_instead_of_waiting_out_the_timeout() {
    let emu = Emu::fast();
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let o = run(against(&emu).args([
        "--report",
        report.to_str().unwrap(),
        "huawei",
        "image",
        "--id",
        HW_IMG,
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
    let mut rep = read_json(&report);
    rep["records"][0]["job_id"] = json!("0123456789abcdef0123456789abcdef");
    std::fs::write(&report, rep.to_string()).unwrap();
    let o = status(
        &report,
        &["--wait", "--missing-grace", "200ms", "--timeout", "10m"],
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let r = record(&json(&o), "cn-east-3").clone();
    assert_eq!(r["state"], "failed", "{r}");
    assert_eq!(r["error"]["code"], "IMS.0404", "{r}");
}

/// Listings are eventually consistent: after a copy call that acted but lost its reply, the
/// look for what it made waits a poll interval for the listing to catch up, so a copy that is
/// not visible yet is not made twice.
#[test]
fn reconciling_waits_for_eventually_consistent_listings() {
    for (provider, action, args, source, dest) in [
        (
            "baidu",
            "RemoteCopyImage",
            vec![
                "baidu",
                "image",
                "--id",
                "m-demo0001",
                "--region",
                "bj",
                "--dest",
                "gz",
            ],
            "m-demo0001",
            "gz",
        ),
        (
            "aws",
            "CopySnapshot",
            vec![
                "aws",
                "snapshot",
                "--id",
                "snap-0abc00000000000a1",
                "--region",
                "us-east-1",
                "--dest",
                "eu-west-1",
            ],
            "snap-0abc00000000000a1",
            "eu-west-1",
        ),
        (
            "huawei",
            "CopyImageCrossRegion",
            vec![
                "huawei",
                "image",
                "--id",
                HW_IMG,
                "--region",
                "cn-north-4",
                "--dest",
                "cn-east-3",
                "--agency",
                "ims_admin_agency",
                "--name",
                "golden",
            ],
            HW_IMG,
            "cn-east-3",
        ),
    ] {
        let emu = Emu::fast();
        // New copies stay out of reads for 300 virtual seconds: 0.1 s here.
        emu.set_lag(Some(provider), 300.0);
        emu.fault(json!({"action": action, "drop_after": true, "times": 1}));
        let o = run(against(&emu)
            .args(["--poll-interval", "300ms", "--wait"])
            .args(&args));
        assert_eq!(code(&o), 0, "{provider}: {}", stderr(&o));
        assert_eq!(
            emu.copy_count(provider, source, dest),
            1,
            "{provider}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn a_killed_forced_baidu_image_copy_is_never_sent_again_on_resume() {
    let emu = Emu::fast();
    emu.fault(json!({"action": "RemoteCopyImage", "body": "slow", "latency_ms": 5000, "times": 1}));
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let mut child = against(&emu)
        .args(["--report", report.to_str().unwrap(), "--wait"])
        .args([
            "baidu",
            "image",
            "--id",
            "m-demo0001",
            "--region",
            "bj",
            "--dest",
            "gz",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .arg("--force-new")
        .spawn()
        .unwrap();
    wait_until(std::time::Duration::from_secs(2), || {
        emu.copy_count("baidu", "m-demo0001", "gz") > 0
    });
    child.kill().unwrap();
    child.wait().unwrap();
    let o = status(&report, &["--wait"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let r = record(&json(&o), "gz").clone();
    assert_eq!(r["error"]["code"], "UnknownForcedCopy", "{r}");
    assert_eq!(
        emu.copy_count("baidu", "m-demo0001", "gz"),
        1,
        "never sent twice"
    );
}
