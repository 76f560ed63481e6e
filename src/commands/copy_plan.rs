//! `--dry-run` of a copy: the calls it would send, checked and unsigned, as JSON or for
//! people; without `--region`, the look-up calls that would find each source first.

use super::context::Settings;
use super::OutputFormat;
use crate::config::Endpoint;
use crate::error::Result;
use crate::model::CopyRequest;
use crate::provider::PlannedCall;

/// The stand-in base of the sandbox's plan (shown as `http://<sandbox>`).
const SANDBOX_PLAN_BASE: &str = "http://127.0.0.1:0";

pub(super) fn dry_run(s: &Settings<'_>, reqs: &[CopyRequest], known: bool) -> Result<i32> {
    let g = s.globals;
    let endpoint = if g.sandbox {
        crate::config::Endpoint::parse(&format!("{SANDBOX_PLAN_BASE}/{{region}}"), "--sandbox")?
    } else {
        s.endpoint(reqs[0].cloud, None)?
    };
    let mut calls = Vec::new();
    let lookups = if known {
        for req in reqs.iter().filter(|r| !r.dest_regions.is_empty()) {
            calls.extend(req.cloud.driver().plan(req, &endpoint)?);
        }
        Vec::new()
    } else {
        lookups_planned(s, reqs, &endpoint)?
    };
    // The sandbox's emulator gets its port when it starts: the plan names it, not a port.
    if g.sandbox {
        for c in &mut calls {
            c.url = c.url.replacen(SANDBOX_PLAN_BASE, "http://<sandbox>", 1);
        }
    }
    match g.output(s.env) {
        OutputFormat::Json | OutputFormat::Ndjson => {
            let plan = serde_json::json!({ "dry_run": true, "source_region_lookups": lookups, "requests": calls });
            crate::outln!(
                "{}",
                serde_json::to_string_pretty(&plan).expect("the plan serialises")
            );
        }
        OutputFormat::Table => print_table(&lookups, &calls),
    }
    Ok(0)
}

/// The read calls that look for each source, default region first (no `--region`).
fn lookups_planned(
    s: &Settings<'_>,
    reqs: &[CopyRequest],
    endpoint: &Endpoint,
) -> Result<Vec<serde_json::Value>> {
    let mut lookups = Vec::new();
    let default = s.default_region(reqs[0].cloud);
    for req in reqs {
        let mut regions: Vec<&str> = default.iter().map(|(r, _)| r.as_str()).collect();
        regions.extend(
            req.cloud
                .driver()
                .regions()
                .iter()
                .filter(|r| default.as_ref().is_none_or(|(d, _)| d != *r)),
        );
        let planned: Vec<PlannedCall> = regions
            .iter()
            .map(|r| {
                req.cloud
                    .driver()
                    .plan_lookup(req.kind, r, &req.source_id, endpoint)
            })
            .collect::<Result<_>>()?;
        lookups.push(serde_json::json!({
            "source_id": req.source_id,
            "default_region": default.as_ref().map(|(r, why)| serde_json::json!({"region": r, "from": why})),
            "calls": planned,
        }));
    }
    Ok(lookups)
}

/// The plan for people: the look-ups, then each call as it would go.
fn print_table(lookups: &[serde_json::Value], calls: &[PlannedCall]) {
    for l in lookups {
        let calls = l["calls"].as_array().map(Vec::len).unwrap_or(0);
        crate::outln!(
            "source region of {} not given: one read call per region, {} at most{}, until it is found, e.g.",
            l["source_id"].as_str().unwrap_or_default(),
            calls,
            l["default_region"]["region"]
                .as_str()
                .map(|r| format!(" ({r} first, from {})", l["default_region"]["from"].as_str().unwrap_or_default()))
                .unwrap_or_default()
        );
        if let Some(c) = l["calls"].get(0) {
            crate::outln!(
                "{} {}",
                c["method"].as_str().unwrap_or_default(),
                c["url"].as_str().unwrap_or_default()
            );
        }
        crate::outln!("then the copy calls, as with --region set to the region found\n");
    }
    for c in calls {
        crate::outln!("{} {}", c.method, c.url);
        if c.signed_in == "query" {
            crate::outln!("(the signature is added to the query at send time)");
        } else {
            crate::outln!("Authorization: <signed at send time; redacted>");
        }
        if let Some(b) = &c.body {
            crate::outln!("{b}");
        }
        crate::outln!();
    }
    crate::outln!(
        "dry run: {} request(s) validated, nothing sent",
        calls.len()
    );
}
