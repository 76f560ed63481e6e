//! The binary's surface: usage errors, exit codes, interrupts, and the README's commands.

mod common;
use common::*;
use std::time::{Duration, Instant};

/// Bad inputs: exit 2, a message naming the flag, and nothing sent.
#[test]
fn bad_inputs_exit_2_name_the_flag_and_send_nothing() {
    let emu = Emu::fast();
    let long_name = "a".repeat(66);
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "baidu", "image", "--id", "", "--region", "bj", "--dest", "gz",
            ],
            "--id",
        ),
        (
            vec![
                "baidu", "image", "--id", "x-123", "--region", "bj", "--dest", "gz",
            ],
            "--id",
        ),
        (
            vec![
                "baidu",
                "image",
                "--id",
                "s-abc12345",
                "--region",
                "bj",
                "--dest",
                "gz",
            ],
            "--id",
        ),
        (
            vec![
                "baidu", "image", "--id", "m-ab*c", "--region", "bj", "--dest", "gz",
            ],
            "--id",
        ),
        (
            vec![
                "baidu", "snapshot", "--id", "m-abc", "--region", "bj", "--dest", "gz",
            ],
            "--id",
        ),
        (
            vec![
                "baidu", "image", "--id", "m-abc", "--region", "Bei Jing", "--dest", "gz",
            ],
            "--region",
        ),
        (
            vec![
                "baidu", "image", "--id", "m-abc", "--region", "bj", "--dest", "Mars",
            ],
            "--dest",
        ),
        (
            vec![
                "baidu", "image", "--id", "m-abc", "--region", "bj", "--dest", "gz,gz",
            ],
            "--dest",
        ),
        (
            vec![
                "baidu", "image", "--id", "m-abc", "--region", "bj", "--dest", "",
            ],
            "--dest",
        ),
        (
            vec!["baidu", "image", "--id", "m-abc", "--region", "bj"],
            "--dest",
        ),
        (
            vec![
                "baidu", "image", "--id", "m-abc", "--region", "bj", "--dest", "gz", "--name",
                &long_name,
            ],
            "--name",
        ),
        (
            vec![
                "baidu", "image", "--id", "m-abc", "--region", "bj", "--dest", "gz", "--name",
                "9lives",
            ],
            "--name",
        ),
        (
            vec![
                "baidu", "image", "--id", "m-abc", "--region", "bj", "--dest", "gz", "--name",
                "a b",
            ],
            "--name",
        ),
        (
            vec![
                "baidu",
                "snapshot",
                "--id",
                "s-abc",
                "--region",
                "bj",
                "--dest",
                "gz",
                "--client-token",
                "has space",
            ],
            "--client-token",
        ),
        (
            vec![
                "baidu",
                "image",
                "--id",
                "m-abc",
                "--region",
                "bj",
                "--dest",
                "gz",
                "--client-token",
                "t",
            ],
            "--client-token",
        ),
        (
            vec![
                "--timeout",
                "soon",
                "baidu",
                "image",
                "--id",
                "m-abc",
                "--region",
                "bj",
                "--dest",
                "gz",
            ],
            "--timeout",
        ),
        (
            vec![
                "--timeout",
                "0s",
                "baidu",
                "image",
                "--id",
                "m-abc",
                "--region",
                "bj",
                "--dest",
                "gz",
            ],
            "--timeout",
        ),
        (
            vec![
                "--concurrency",
                "0",
                "baidu",
                "image",
                "--id",
                "m-abc",
                "--region",
                "bj",
                "--dest",
                "gz",
            ],
            "--concurrency",
        ),
        (
            vec![
                "--output", "xml", "baidu", "image", "--id", "m-abc", "--region", "bj", "--dest",
                "gz",
            ],
            "--output",
        ),
        (
            vec!["baidu", "cancel", "--id", "m-a/b", "--region", "gz"],
            "--id",
        ),
        (
            vec!["baidu", "cancel", "--id", "m-abc", "--region", "no where"],
            "--region",
        ),
        (vec!["status"], "--report"),
        (
            vec![
                "aws",
                "image",
                "--id",
                "ami-0abc00000000000a1,ami-0abc00000000000a2",
                "--region",
                "us-east-1",
                "--dest",
                "eu-west-1",
                "--name",
                "fixed",
            ],
            "--name",
        ),
        (
            vec![
                "baidu",
                "image",
                "--id",
                "m-abc,m-abc",
                "--region",
                "bj",
                "--dest",
                "gz",
            ],
            "--id",
        ),
        (
            vec![
                "--rate-limit",
                "fast",
                "baidu",
                "image",
                "--id",
                "m-abc",
                "--region",
                "bj",
                "--dest",
                "gz",
            ],
            "--rate-limit",
        ),
        (
            vec![
                "--rate-limit",
                "gcp=5",
                "baidu",
                "image",
                "--id",
                "m-abc",
                "--region",
                "bj",
                "--dest",
                "gz",
            ],
            "--rate-limit",
        ),
        (
            vec![
                "--rate-limit=-1",
                "baidu",
                "image",
                "--id",
                "m-abc",
                "--region",
                "bj",
                "--dest",
                "gz",
            ],
            "--rate-limit",
        ),
        (
            vec![
                "--max-attempts",
                "0",
                "baidu",
                "image",
                "--id",
                "m-abc",
                "--region",
                "bj",
                "--dest",
                "gz",
            ],
            "--max-attempts",
        ),
        (
            vec![
                "--request-timeout",
                "0s",
                "baidu",
                "image",
                "--id",
                "m-abc",
                "--region",
                "bj",
                "--dest",
                "gz",
            ],
            "--request-timeout",
        ),
        (
            vec![
                "--on-timeout",
                "explode",
                "baidu",
                "image",
                "--id",
                "m-abc",
                "--region",
                "bj",
                "--dest",
                "gz",
            ],
            "--on-timeout",
        ),
        (
            vec![
                "--on-interrupt",
                "",
                "baidu",
                "image",
                "--id",
                "m-abc",
                "--region",
                "bj",
                "--dest",
                "gz",
            ],
            "--on-interrupt",
        ),
    ];
    assert_usage_errors(&emu, &[], &cases);
    // Endpoint and sandbox misuse.
    let o = run(imgcopy().args([
        "--endpoint",
        "http://example.com",
        "baidu",
        "image",
        "--id",
        "m-abc",
        "--region",
        "bj",
        "--dest",
        "gz",
    ]));
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--endpoint") && stderr(&o).contains("loopback"));
    // A placeholder spelled otherwise than `{region}` would reach one host for every region.
    let wrong = format!("{}/{{Region}}", emu.base);
    let o = run(imgcopy().args([
        "--endpoint",
        &wrong,
        "baidu",
        "image",
        "--id",
        "m-abc",
        "--region",
        "bj",
        "--dest",
        "gz",
    ]));
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("`{Region}`") && stderr(&o).contains("`{region}`"),
        "{}",
        stderr(&o)
    );
    let o = run(imgcopy().args([
        "--sandbox",
        "--endpoint",
        &emu.endpoint(),
        "baidu",
        "image",
        "--id",
        "m-abc",
        "--region",
        "bj",
        "--dest",
        "gz",
    ]));
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--endpoint"));
    assert!(emu.requests().is_empty(), "no request for any bad input");
}

#[test]
fn status_rejects_files_that_are_not_reports() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.json");
    std::fs::write(&p, "not json").unwrap();
    let o = run(imgcopy().args(["status", "--report", p.to_str().unwrap()]));
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--report"));
    let o = run(imgcopy().args(["status", "--report", "/nonexistent/r.json"]));
    assert_eq!(code(&o), 2);
}

#[test]
fn version_and_help_document_exit_codes() {
    let o = run(imgcopy().arg("--version"));
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).starts_with("imgcopy "));
    let o = run(imgcopy().arg("--help"));
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).contains("130 interrupted"));
}

#[test]
fn interrupt_while_waiting_writes_the_report_and_exits_130() {
    let emu = Emu::start(1.0, 3600.0);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let child = against(&emu)
        .args([
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
            "--wait",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while emu.copies_of("m-demo0001").len() < 2 && start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let o = child.wait_with_output().unwrap();
    assert_eq!(code(&o), 130, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("2 copies still in flight"), "{err}");
    // The first interrupt says what happens next; the resume line names the real report.
    assert!(err.contains("interrupt again to stop now"), "{err}");
    assert!(
        err.contains(&format!(
            "imgcopy status --report {} --wait",
            report.display()
        )),
        "{err}"
    );
    let rep = json(&o);
    assert_eq!(rep["summary"]["total"], 2);
    let saved: serde_json::Value = read_json(&report);
    assert_eq!(saved["records"].as_array().unwrap().len(), 2);
    assert!(saved["records"][0]["dest_id"].is_string());
}

/// The README's first two commands are what a newcomer pastes; the first must work as written.
#[test]
fn readme_sandbox_command_works() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let head: Vec<&str> = readme.lines().take(15).collect();
    let sandbox = head
        .iter()
        .find(|l| l.contains("--sandbox"))
        .expect("the README opens with a sandbox command");
    let test = head
        .iter()
        .find(|l| l.trim_start().starts_with("cargo test"))
        .expect("the README opens with the test command");
    assert!(test.contains("cargo test"));
    let cmd = sandbox.trim().trim_start_matches("$ ");
    let args: Vec<&str> = cmd
        .split_whitespace()
        .skip_while(|w| *w != "--")
        .skip(1)
        .collect();
    assert!(args.contains(&"--sandbox"), "{cmd}");
    let o = run(imgcopy().args(&args));
    assert_eq!(code(&o), 0, "{cmd}: {}", stderr(&o));
    assert!(stderr(&o).contains("nothing real is copied"));
}

#[test]
fn completions_for_every_shell_and_a_man_page() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = run(imgcopy().args(["completions", shell]));
        assert_eq!(code(&o), 0, "{shell}: {}", stderr(&o));
        let script = stdout(&o);
        for word in [
            "baidu", "huawei", "alibaba", "aws", "status", "--report", "--dest",
        ] {
            assert!(script.contains(word), "{shell} completions lack {word}");
        }
    }
    // The bash script parses.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("imgcopy.bash");
    std::fs::write(&path, stdout(&run(imgcopy().args(["completions", "bash"])))).unwrap();
    let parsed = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .status()
        .unwrap();
    assert!(parsed.success());
    let man = run(imgcopy().arg("man"));
    assert_eq!(code(&man), 0);
    let page = stdout(&man);
    assert!(
        page.contains(".TH imgcopy 1") && page.contains("status"),
        "{page}"
    );
    let bad = run(imgcopy().args(["completions", "tcsh"]));
    assert_eq!(code(&bad), 2);
    assert!(stderr(&bad).contains("possible values"), "{}", stderr(&bad));
}

#[test]
fn an_emulator_address_in_use_is_a_usage_error_naming_listen() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let o = run(imgcopy().args(["emulator", "--listen", &addr]));
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--listen") && stderr(&o).contains(&addr),
        "{}",
        stderr(&o)
    );
    let o = run(imgcopy().args(["emulator", "--listen", "localhost:9"]));
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("127.0.0.1:9"), "{}", stderr(&o));
}

#[test]
fn help_groups_global_options_shows_examples_and_fits_each_command() {
    let help = |args: &[&str]| stdout(&run(imgcopy().args(args)));
    let image = help(&["aws", "image", "--help"]);
    let (own, global) = image
        .split_once("Global options:")
        .expect("a Global options heading");
    assert!(
        own.contains("--copy-tags") && !own.contains("--timeout"),
        "{image}"
    );
    assert!(
        global.contains("--timeout") && global.contains("--report"),
        "{image}"
    );
    assert!(
        image.contains("Examples:") && image.contains("Source AMI ids"),
        "{image}"
    );
    let snapshot = help(&["aws", "snapshot", "--help"]);
    assert!(
        !snapshot.contains("--name") && !snapshot.contains("--copy-tags"),
        "{snapshot}"
    );
    assert!(
        snapshot.contains("Source snapshot ids (snap-"),
        "{snapshot}"
    );
    for cmd in [
        vec!["baidu", "image"],
        vec!["baidu", "snapshot"],
        vec!["alibaba", "image"],
        vec!["huawei", "image"],
        vec!["status"],
    ] {
        let mut args = cmd.clone();
        args.push("--help");
        let text = help(&args);
        assert!(
            text.contains("Examples:") && text.contains("Global options:"),
            "{cmd:?}: {text}"
        );
    }
    assert!(help(&["status", "--help"]).contains("Usage: imgcopy status --report FILE"));
    assert!(help(&["alibaba", "cancel", "--help"]).contains("--dest-region"));
    // The other names people call the clouds by.
    for (alias, cloud) in [
        ("aliyun", "Alibaba"),
        ("ec2", "AWS"),
        ("hw", "Huawei"),
        ("bce", "Baidu"),
    ] {
        assert!(help(&[alias, "--help"]).contains(cloud), "{alias}");
    }
}

#[test]
fn cancel_takes_dest_region_for_region() {
    let emu = Emu::fast();
    let o = run(against(&emu).args([
        "aws",
        "cancel",
        "--id",
        "ami-0abc00000000000a1",
        "--dest-region",
        "us-east-1",
    ]));
    // A source image is never canceled: the refusal names the image in that region.
    assert_ne!(code(&o), 0);
    assert!(stderr(&o).contains("us-east-1"), "{}", stderr(&o));
    assert!(emu
        .requests()
        .iter()
        .all(|r| r["action"] != "DeregisterImage"));
}

#[test]
fn name_placeholders_region_and_date_and_unknown_ones_refused() {
    let emu = Emu::fast();
    let o = run(against(&emu).args([
        "--wait",
        "aws",
        "image",
        "--id",
        "ami-0abc00000000000a1",
        "--region",
        "us-east-1",
        "--dest",
        "eu-west-1,us-west-2",
        "--name",
        "golden-{region}-{date}",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let today = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!("[year][month][day]"))
        .unwrap();
    let rep = json(&o);
    for dest in ["eu-west-1", "us-west-2"] {
        let r = record(&rep, dest);
        assert_eq!(r["name"], format!("golden-{dest}-{today}"), "{r}");
        assert_eq!(r["state"], "available");
    }
    // Baidu copies to every destination in one call; with {region}, one call each.
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
        "g-{region}",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let named: Vec<_> = emu
        .copies_of("m-demo0001")
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    assert!(
        named.contains(&"g-gz".into()) && named.contains(&"g-su".into()),
        "{named:?}"
    );
    assert_usage_errors(
        &emu,
        &[
            "aws",
            "image",
            "--id",
            "ami-0abc00000000000a1",
            "--region",
            "us-east-1",
            "--dest",
            "eu-west-1",
        ],
        &[
            (vec!["--name", "x-{Region}"], "--name"),
            (vec!["--name", "x-{source}"], "--name"),
            (vec!["--name", "x-{id"], "--name"),
        ],
    );
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
        "x-{nope}",
    ]));
    assert!(
        stderr(&o).contains("{id} {region} {date} {source_name}"),
        "{}",
        stderr(&o)
    );
    // {source_name}: the source's own name, read from the cloud (every cloud).
    for args in [
        vec![
            "aws",
            "image",
            "--id",
            "ami-0abc00000000000a1",
            "--region",
            "us-east-1",
            "--dest",
            "us-east-2",
        ],
        vec![
            "alibaba",
            "image",
            "--id",
            "m-demo0001",
            "--region",
            "cn-hangzhou",
            "--dest",
            "cn-beijing",
        ],
        vec![
            "baidu",
            "image",
            "--id",
            "m-demo0001",
            "--region",
            "bj",
            "--dest",
            "su",
        ],
        vec![
            "huawei",
            "image",
            "--id",
            "6f1f3b3c-0000-4000-8000-000000000001",
            "--region",
            "cn-north-4",
        ],
    ] {
        let source = emu.state()["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["provider"] == args[0] && r["id"] == args[3])
            .unwrap()["name"]
            .as_str()
            .unwrap()
            .to_string();
        let o = run(against(&emu)
            .args(&args)
            .args(["--name", "copy-of-{source_name}"]));
        assert_eq!(code(&o), 0, "{args:?}: {}", stderr(&o));
        let rep = json(&o);
        let copy = records(&rep)
            .into_iter()
            .find(|r| r["state"] != "source")
            .unwrap();
        assert_eq!(copy["name"], format!("copy-of-{source}"), "{args:?}");
    }
}

#[test]
fn the_config_file_is_read_once_and_its_errors_say_where() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        "[profiles.default.aws]\naccess_key_id = \"a\"\nsecret_access_key = \"b\"\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let dry = |extra: &[&str]| {
        run(imgcopy()
            .env("IMGCOPY_CONFIG", &path)
            .args(extra)
            .args([
                "--dry-run",
                "aws",
                "image",
                "--region",
                "us-east-1",
                "--dest",
                "eu-west-1",
            ])
            .args([
                "--id",
                "ami-0abc00000000000a1,ami-0abc00000000000a2,ami-0abc00000000000a3",
            ])
            .args(["--name", "n-{id}"]))
    };
    let o = dry(&[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    #[cfg(unix)]
    assert_eq!(
        stderr(&o).matches("readable by other users").count(),
        1,
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&dry(&["-q"])).contains("readable by other users"));
    // A TOML error names the line and column.
    std::fs::write(&path, "[profiles.default.aws]\naccess_key_id = 5\n").unwrap();
    let o = dry(&[]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("config.toml:2:17"), "{}", stderr(&o));
    // A config file named on purpose must exist.
    let o = run(imgcopy()
        .env("IMGCOPY_CONFIG", dir.path().join("typo.toml"))
        .args(["--dry-run", "aws", "image", "--id", "ami-0abc00000000000a1"])
        .args([
            "--region",
            "us-east-1",
            "--dest",
            "eu-west-1",
            "--name",
            "n",
        ]));
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("typo.toml, which does not exist"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn the_table_lists_copies_in_request_order_with_their_names() {
    let emu = Emu::fast();
    let o = run(against(&emu).args([
        "--output",
        "table",
        "--wait",
        "aws",
        "image",
        "--region",
        "us-east-1",
        "--id",
        "ami-0abc00000000000a1",
        "--dest",
        "us-west-2,eu-west-1,ap-northeast-1",
        "--name",
        "golden-{region}",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let table = stdout(&o);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].contains("NAME"), "{table}");
    let order: Vec<&str> = lines[1..4]
        .iter()
        .map(|l| l.split_whitespace().nth(4).unwrap())
        .collect();
    assert_eq!(
        order,
        ["us-west-2", "eu-west-1", "ap-northeast-1"],
        "{table}"
    );
    assert!(lines[1].contains("golden-us-west-2"), "{table}");
    let one = run(against(&emu).args([
        "--output",
        "table",
        "aws",
        "image",
        "--region",
        "us-east-1",
        "--id",
        "ami-0abc00000000000a1",
        "--dest",
        "us-east-2",
        "--name",
        "single",
    ]));
    assert!(stdout(&one).contains("\n1 copy: "), "{}", stdout(&one));
}

#[test]
fn status_follows_copies_by_their_ids_without_a_report() {
    let emu = Emu::fast();
    let made = json(&run(against(&emu).args([
        "aws",
        "image",
        "--id",
        "ami-0abc00000000000a1",
        "--region",
        "us-east-1",
        "--dest",
        "eu-west-1,us-west-2",
        "--name",
        "by-id",
    ])));
    let ids: Vec<String> = records(&made)
        .iter()
        .map(|r| r["dest_id"].as_str().unwrap().to_string())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("followed.json");
    let o = run(against(&emu).args([
        "--wait",
        "--report",
        report.to_str().unwrap(),
        "status",
        "--cloud",
        "aws",
        "--id",
        &ids[0],
        "--region",
        "eu-west-1",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rep = json(&o);
    let recs = records(&rep);
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0]["dest_id"], ids[0].as_str());
    assert_eq!(recs[0]["state"], "available");
    assert_eq!(recs[0]["source_id"], "");
    // The report it wrote is one `status --report` follows.
    let again = run(against(&emu).args(["--report", report.to_str().unwrap(), "status"]));
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    // Bad input: names the flag, sends nothing.
    assert_usage_errors(
        &emu,
        &["status"],
        &[
            (
                vec![
                    "--cloud",
                    "aws",
                    "--id",
                    "ami-nothex",
                    "--region",
                    "eu-west-1",
                ],
                "--id",
            ),
            (vec!["--cloud", "aws", "--id", &ids[0]], "--region"),
            (
                vec!["--cloud", "aws", "--id", &ids[0], "--region", "Mars!"],
                "--region",
            ),
            (vec!["--id", &ids[0], "--region", "eu-west-1"], "--cloud"),
        ],
    );
    // Two ids in one region are two copies.
    let o = run(against(&emu).args([
        "status",
        "--cloud",
        "aws",
        "--id",
        &ids.join(","),
        "--region",
        "eu-west-1",
    ]));
    assert_eq!(records(&json(&o)).len(), 2, "{}", stderr(&o));
}

#[test]
fn doctor_says_where_credentials_come_from_and_whether_they_work() {
    let emu = Emu::fast();
    let doctor = |cmd: &mut std::process::Command| json(&run(cmd));
    let ok = run(against(&emu).args(["doctor", "aws", "alibaba"]));
    assert_eq!(code(&ok), 0, "{}", stdout(&ok));
    let v = json(&ok);
    let checks = v["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 2);
    for c in checks {
        assert_eq!(c["authenticated"], "ok", "{c}");
        assert_eq!(c["reachable"], true, "{c}");
        assert!(
            c["credentials"]
                .as_str()
                .unwrap()
                .starts_with("environment ("),
            "{c}"
        );
        assert!(!c["permissions"].as_array().unwrap().is_empty());
    }
    // Only reads: nothing is copied or changed.
    assert!(emu
        .requests()
        .iter()
        .all(|r| !r["action"].as_str().unwrap().contains("Copy")));
    // A wrong secret is refused: exit 3, and the secret is never printed.
    let refused = run(against(&emu)
        .env("AWS_SECRET_ACCESS_KEY", "wrong-secret-do-not-print")
        .args(["doctor", "aws"]));
    assert_eq!(code(&refused), 3);
    assert_eq!(json(&refused)["checks"][0]["authenticated"], "refused");
    assert!(!stdout(&refused).contains("wrong-secret-do-not-print"));
    // No credentials at all: missing, exit 3.
    let missing = run(against(&emu)
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .args(["doctor", "aws"]));
    assert_eq!(code(&missing), 3);
    assert_eq!(json(&missing)["checks"][0]["authenticated"], "missing");
    // An endpoint that does not answer: exit 1.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let v = doctor(imgcopy().args([
        "--output",
        "json",
        "--max-attempts",
        "1",
        "--endpoint",
        &format!("http://127.0.0.1:{port}/{{region}}"),
        "doctor",
        "aws",
    ]));
    assert_eq!(v["exit_code"], 1, "{v}");
    assert_eq!(v["checks"][0]["reachable"], false, "{v}");
    // Options that mean nothing for doctor are refused.
    let o = run(against(&emu).args(["--wait", "doctor"]));
    assert_eq!(code(&o), 2);
}

#[test]
fn the_report_schema_accepts_reports_and_refuses_others() {
    let emu = Emu::fast();
    let o = run(against(&emu).args([
        "--wait",
        "baidu",
        "image",
        "--id",
        "m-demo0001",
        "--region",
        "bj",
        "--dest",
        "bj,gz",
    ]));
    let rep = json(&o); // validated on the way
    assert_eq!(
        rep["requests"][0]["options"],
        serde_json::json!({"none": {}})
    );
    for broken in [
        serde_json::json!({"state": "weird"}),
        serde_json::json!({"progress": 101}),
        serde_json::json!({"surprise": true}),
    ] {
        let mut bad = rep.clone();
        for (k, v) in broken.as_object().unwrap() {
            bad["records"][0][k] = v.clone();
        }
        let caught = std::panic::catch_unwind(|| assert_valid_report(&bad));
        assert!(caught.is_err(), "the schema let {broken} through");
    }
}

/// The README's offline tour runs as written against a running `imgcopy emulator`, line by
/// line in one shell (on a port this test picks instead of 8080).
#[test]
fn readme_offline_tour_runs_as_written() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let block = readme
        .split("<!-- offline-tour -->\n```sh\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .expect("the README has the offline tour");
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dir = tempfile::tempdir().unwrap();
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_imgcopy"))
        .parent()
        .unwrap();
    // Whatever happens, the emulator the tour starts is stopped.
    let mut script = String::from("set -e\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n");
    for line in block.lines() {
        let line = line.replace("127.0.0.1:8080", &format!("127.0.0.1:{port}"));
        script.push_str(&line);
        script.push('\n');
        // The emulator is up before the first copy.
        if line.starts_with("imgcopy emulator") {
            script.push_str(&format!(
                "for i in $(seq 1 100); do (echo > /dev/tcp/127.0.0.1/{port}) 2>/dev/null && break; sleep 0.05; done\n"
            ));
        }
    }
    let o = std::process::Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(dir.path())
        .env_clear()
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("XDG_CONFIG_HOME", dir.path().join("no-config"))
        .env("IMGCOPY_STATE_DIR", dir.path().join("state"))
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "the tour failed:\n{}\nstderr:\n{}",
        stdout(&o),
        stderr(&o)
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("copy.json")).unwrap())
            .unwrap();
    assert_valid_report(&report);
    assert!(records(&report)
        .iter()
        .all(|r| r["state"] == "available" || r["state"] == "source"));
}

#[test]
fn ids_come_from_a_file_with_at() {
    let emu = Emu::fast();
    let ids = emu.clone_source("aws", "ami-0abc00000000000a1", 3);
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("ids.txt");
    std::fs::write(
        &list,
        format!("# sources\n{}\n{}, {}\n", ids[0], ids[1], ids[2]),
    )
    .unwrap();
    let o = run(against(&emu).args([
        "aws",
        "image",
        "--region",
        "us-east-1",
        "--dest",
        "eu-west-1",
        "--name",
        "f-{id}",
        "--id",
        &format!("@{}", list.display()),
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let mut got: Vec<String> = records(&json(&o))
        .iter()
        .map(|r| r["source_id"].as_str().unwrap().to_string())
        .collect();
    got.sort();
    let mut want = ids.clone();
    want.sort();
    assert_eq!(got, want);
    assert_usage_errors(
        &emu,
        &[
            "aws",
            "image",
            "--region",
            "us-east-1",
            "--dest",
            "eu-west-1",
            "--name",
            "f-{id}",
        ],
        &[(vec!["--id", "@/nonexistent/ids.txt"], "--id")],
    );
}
