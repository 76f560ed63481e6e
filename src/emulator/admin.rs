//! The test-facing routes under `/_emulator/`: state, the request log, fixtures, faults,
//! limits, visibility lag and the virtual clock.

use super::state::{Fault, Resource, World};
use super::{parse_query, registry, App, EmuResponse};
use axum::http::Method;

/// The test-facing routes under `/_emulator/`.
pub(super) fn admin(
    app: &App,
    method: &Method,
    path: &str,
    query: &str,
    body: &[u8],
) -> EmuResponse {
    let mut w = app.world.lock().expect("world lock");
    match (method.as_str(), path) {
        ("GET", "state") => EmuResponse::json(200, &w.snapshot()),
        ("GET", "requests") => EmuResponse::json(200, &serde_json::json!(w.log)),
        // The requests logged, by action: cheap to ask often (the log can be long).
        ("GET", "counts") => {
            let mut by_action = std::collections::BTreeMap::<&str, u64>::new();
            for r in &w.log {
                *by_action.entry(r.action.as_str()).or_default() += 1;
            }
            EmuResponse::json(200, &serde_json::json!({ "actions": by_action }))
        }
        ("DELETE", "requests") => {
            w.log.clear();
            EmuResponse::json(200, &serde_json::json!({}))
        }
        ("POST", "fixtures") => match serde_json::from_slice::<Vec<Resource>>(body)
            .or_else(|_| serde_json::from_slice::<Resource>(body).map(|r| vec![r]))
        {
            Ok(rs) => {
                let n = rs.len();
                w.resources.extend(rs);
                EmuResponse::json(200, &serde_json::json!({ "added": n }))
            }
            Err(e) => bad(format!("fixture: {e}")),
        },
        ("POST", "clone") => clone(&mut w, query),
        ("POST", "faults") => match serde_json::from_slice::<Fault>(body) {
            Ok(f) => {
                w.faults.push(f);
                EmuResponse::json(200, &serde_json::json!({ "faults": w.faults.len() }))
            }
            Err(e) => bad(format!("fault: {e}")),
        },
        ("POST", "limits") => {
            let rps = parse_query(query)
                .into_iter()
                .find(|(k, _)| k == "rps")
                .and_then(|(_, v)| v.parse::<u32>().ok());
            w.rate_limit = rps.filter(|r| *r > 0);
            EmuResponse::json(200, &serde_json::json!({ "rps": w.rate_limit }))
        }
        ("POST", "lag") => lag(&mut w, query),
        ("DELETE", "faults") => {
            w.faults.clear();
            EmuResponse::json(200, &serde_json::json!({}))
        }
        ("POST", "clock") => {
            let secs = parse_query(query)
                .into_iter()
                .find(|(k, _)| k == "advance")
                .and_then(|(_, v)| v.parse::<f64>().ok());
            match secs {
                Some(s) => {
                    w.clock.advance(s);
                    EmuResponse::json(200, &serde_json::json!({ "virtual_time": w.now() }))
                }
                None => bad("POST /_emulator/clock?advance=SECONDS".into()),
            }
        }
        _ => EmuResponse::json(
            404,
            &serde_json::json!({ "error": format!("no admin route {method} /_emulator/{path}") }),
        ),
    }
}

fn bad(m: String) -> EmuResponse {
    EmuResponse::json(400, &serde_json::json!({ "error": m }))
}

/// `?provider=P&id=ID&count=N`: N more resources like one (sources for tests and benchmarks).
fn clone(w: &mut World, query: &str) -> EmuResponse {
    let q = parse_query(query);
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let count = get("count")
        .and_then(|c| c.parse::<usize>().ok())
        .unwrap_or(1);
    let Some(i) = w.resources.iter().position(|r| {
        Some(r.provider.name()) == get("provider") && Some(r.id.as_str()) == get("id")
    }) else {
        return bad("POST /_emulator/clone?provider=P&id=ID&count=N: no such resource".into());
    };
    if count > 100_000 {
        return bad("count: at most 100000".into());
    }
    let ids = w.clone_resource(i, count);
    EmuResponse::json(200, &serde_json::json!({ "ids": ids }))
}

/// `?secs=S[&provider=P]`: how long new copies stay invisible to reads (one cloud or every
/// cloud).
fn lag(w: &mut World, query: &str) -> EmuResponse {
    let q = parse_query(query);
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let Some(secs) = get("secs")
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
    else {
        return bad("lag: give secs=N (virtual seconds, 0 or more)".into());
    };
    let providers: Vec<crate::model::Cloud> = match get("provider") {
        Some(p) => match p.parse() {
            Ok(c) => vec![c],
            Err(e) => return bad(format!("lag: {e}")),
        },
        None => registry::all().map(|(c, _)| c).collect(),
    };
    for p in providers {
        w.lags.insert(p, secs);
    }
    EmuResponse::json(200, &serde_json::json!({ "lags": w.lags }))
}
