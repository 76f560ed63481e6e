//! Test support: an emulator on an ephemeral loopback port, and the binary run against it.
#![allow(dead_code)]

use imgcopy::emulator::{self, EmulatorConfig, Handle};
use serde_json::Value;
use std::process::{Command, Output};

pub const AK: &str = "test-ak";
pub const SK: &str = "test-secret-key-do-not-print";
pub const PROJECT: &str = "0123456789abcdef0123456789abcdef";

pub struct Emu {
    rt: tokio::runtime::Runtime,
    handle: Option<Handle>,
    pub base: String,
}

impl Emu {
    /// Copies take `copy_seconds` virtual seconds at `speed` virtual seconds per real second.
    pub fn start(speed: f64, copy_seconds: f64) -> Emu {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let handle = rt
            .block_on(emulator::start(EmulatorConfig {
                access_key: AK.into(),
                secret_key: SK.into(),
                speed,
                copy_seconds,
                ..EmulatorConfig::default()
            }))
            .unwrap();
        let base = handle.base_url();
        Emu {
            rt,
            handle: Some(handle),
            base,
        }
    }

    /// Fast copies: 300 virtual seconds take 0.1 s.
    pub fn fast() -> Emu {
        Emu::start(3000.0, 300.0)
    }

    pub fn endpoint(&self) -> String {
        format!("{}/{{region}}", self.base)
    }

    fn admin(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/_emulator/{path}", self.base);
        self.rt.block_on(async {
            let c = reqwest::Client::new();
            let mut rb = c.request(method.parse().unwrap(), url);
            if let Some(b) = body {
                rb = rb.body(b.to_string());
            }
            let text = rb.send().await.unwrap().text().await.unwrap();
            serde_json::from_str(&text).unwrap()
        })
    }

    pub fn state(&self) -> Value {
        self.admin("GET", "state", None)
    }

    pub fn requests(&self) -> Vec<Value> {
        self.admin("GET", "requests", None)
            .as_array()
            .unwrap()
            .clone()
    }

    /// How many requests of `action` the emulator logged (cheap: no log is sent).
    pub fn action_count(&self, action: &str) -> usize {
        self.admin("GET", "counts", None)["actions"][action]
            .as_u64()
            .unwrap_or(0) as usize
    }

    pub fn fault(&self, fault: Value) {
        self.admin("POST", "faults", Some(fault));
    }

    /// `count` new sources like the resource `id` of `provider`; their ids.
    pub fn clone_source(&self, provider: &str, id: &str, count: usize) -> Vec<String> {
        let v = self.admin(
            "POST",
            &format!("clone?provider={provider}&id={id}&count={count}"),
            None,
        );
        v["ids"]
            .as_array()
            .unwrap_or_else(|| panic!("clone: {v}"))
            .iter()
            .map(|i| i.as_str().unwrap().to_string())
            .collect()
    }

    /// Adds a resource (`Resource` JSON) to the emulator.
    pub fn fixture(&self, resource: Value) {
        self.admin("POST", "fixtures", Some(resource));
    }

    /// New copies of `provider` (or of every cloud) stay invisible to reads for `secs`
    /// virtual seconds (the emulator's default is a small lag).
    pub fn set_lag(&self, provider: Option<&str>, secs: f64) {
        let p = provider
            .map(|p| format!("&provider={p}"))
            .unwrap_or_default();
        self.admin("POST", &format!("lag?secs={secs}{p}"), None);
    }

    /// Lets the emulator's visibility lag pass (new copies show in reads after it), as a
    /// few seconds do on a real cloud.
    pub fn past_lag(&self) {
        self.advance(3.0);
    }

    pub fn limit_rps(&self, rps: u32) {
        self.admin("POST", &format!("limits?rps={rps}"), None);
    }

    pub fn advance(&self, secs: f64) {
        self.admin("POST", &format!("clock?advance={secs}"), None);
    }

    /// Copies in the emulator made from `source_id`.
    pub fn copies_of(&self, source_id: &str) -> Vec<Value> {
        self.state()["resources"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["source_id"] == source_id)
            .cloned()
            .collect()
    }

    /// How many copies of `source_id` one cloud holds in `dest` (the emulator's own count).
    pub fn copy_count(&self, provider: &str, source_id: &str, dest: &str) -> u64 {
        self.state()["copies"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| {
                c["provider"] == provider && c["source_id"] == source_id && c["dest_region"] == dest
            })
            .map(|c| c["count"].as_u64().unwrap())
            .sum()
    }

    /// Every (source, destination) the emulator holds more than one copy for.
    pub fn duplicates(&self) -> Vec<Value> {
        self.state()["copies"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["count"].as_u64().unwrap() > 1)
            .cloned()
            .collect()
    }

    /// Copies of one cloud made from `source_id` (demo ids repeat across clouds).
    pub fn copies_in(&self, provider: &str, source_id: &str) -> Vec<Value> {
        self.copies_of(source_id)
            .into_iter()
            .filter(|r| r["provider"] == provider)
            .collect()
    }
}

impl Drop for Emu {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            self.rt.block_on(h.shutdown());
        }
    }
}

/// The binary with a clean environment: Baidu test credentials, no config file.
pub fn imgcopy() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_imgcopy"));
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("XDG_CONFIG_HOME", "/nonexistent/imgcopy-test-config")
        .env("BCE_ACCESS_KEY_ID", AK)
        .env("BCE_SECRET_ACCESS_KEY", SK)
        .env("HUAWEICLOUD_SDK_AK", AK)
        .env("HUAWEICLOUD_SDK_SK", SK)
        .env("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT)
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", AK)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SK)
        .env("AWS_ACCESS_KEY_ID", AK)
        .env("AWS_SECRET_ACCESS_KEY", SK)
        .env("TENCENTCLOUD_SECRET_ID", AK)
        .env("TENCENTCLOUD_SECRET_KEY", SK);
    c
}

/// `imgcopy` pointed at the emulator, JSON output, fast polling.
pub fn against(emu: &Emu) -> Command {
    against_endpoint(&emu.endpoint())
}

/// `against` by the emulator's endpoint template (for threads that do not hold the `Emu`).
pub fn against_endpoint(endpoint: &str) -> Command {
    let mut c = imgcopy();
    c.args([
        "--endpoint",
        endpoint,
        "--output",
        "json",
        "--poll-interval",
        "50ms",
    ]);
    c
}

/// Looks at `cond` every 10 ms for up to `limit`; whether it became true.
pub fn wait_until(limit: std::time::Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + limit;
    while std::time::Instant::now() < deadline {
        if cond() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    false
}

pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("the binary runs")
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// stdout parsed as exactly one JSON document (a report is checked against the schema).
pub fn json(o: &Output) -> Value {
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}):\n{}\nstderr:\n{}",
            stdout(o),
            stderr(o)
        )
    });
    if v.get("schema_version").is_some() {
        assert_valid_report(&v);
    }
    v
}

/// Fails unless `report` validates against `schema/report.schema.json`: every report the
/// tests read (printed or written) is checked this way.
pub fn assert_valid_report(report: &Value) {
    static SCHEMA: std::sync::OnceLock<jsonschema::Validator> = std::sync::OnceLock::new();
    let validator = SCHEMA.get_or_init(|| {
        let text = include_str!("../../schema/report.schema.json");
        let schema: Value = serde_json::from_str(text).expect("the schema is JSON");
        jsonschema::validator_for(&schema).expect("the schema is a JSON Schema")
    });
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "the report does not match schema/report.schema.json:\n{}",
        errors.join("\n")
    );
}

pub fn records(report: &Value) -> Vec<Value> {
    report["records"].as_array().unwrap().clone()
}

pub fn record<'a>(report: &'a Value, dest: &str) -> &'a Value {
    report["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["dest_region"] == dest)
        .unwrap_or_else(|| panic!("no record for {dest} in {report}"))
}

/// Runs each `prefix + args` and checks: exit 2, stderr names `flag`, and the emulator
/// received no request at all.
pub fn assert_usage_errors(emu: &Emu, prefix: &[&str], cases: &[(Vec<&str>, &str)]) {
    let before = emu.requests().len();
    for (args, flag) in cases {
        let o = run(against(emu).args(prefix).args(args));
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(flag),
            "{args:?} should name {flag}: {}",
            stderr(&o)
        );
        assert_eq!(emu.requests().len(), before, "{args:?} sent a request");
    }
}

/// `imgcopy status --report FILE` with JSON output and fast polling, plus `extra` flags
/// (e.g. `--wait`, `--timeout 300ms`).
pub fn status(report: &std::path::Path, extra: &[&str]) -> Output {
    run(imgcopy()
        .args(["--output", "json", "--poll-interval", "50ms"])
        .args(extra)
        .args(["status", "--report", report.to_str().unwrap()]))
}

/// A report file as JSON.
pub fn read_json(path: &std::path::Path) -> Value {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    if v.get("schema_version").is_some() {
        assert_valid_report(&v);
    }
    v
}

/// One report holding the records of several runs' reports.
pub fn merge_reports(reports: Vec<Value>) -> Value {
    let mut it = reports.into_iter();
    let mut merged = it.next().expect("at least one report");
    for r in it {
        merged["records"]
            .as_array_mut()
            .unwrap()
            .extend(records(&r));
    }
    merged
}
