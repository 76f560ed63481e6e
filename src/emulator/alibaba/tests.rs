use super::*;
use crate::config::{Credentials, Secret};
use crate::sign::SignContext;
use std::collections::HashMap;

fn world() -> World {
    World::new(
        0.0,
        100.0,
        HashMap::from([("ak".to_string(), "sk".to_string())]),
    )
}

fn rpc(secret: &str, nonce: &str, now: OffsetDateTime, extra: &[(&str, &str)]) -> EmuRequest {
    let mut p: Vec<(String, String)> = vec![
        ("Action".into(), "DescribeImages".into()),
        ("Version".into(), "2014-05-26".into()),
        ("RegionId".into(), "cn-hangzhou".into()),
    ];
    for (k, v) in extra {
        p.retain(|(a, _)| a != k);
        p.push((k.to_string(), v.to_string()));
    }
    let creds = Credentials {
        access_key_id: "ak".into(),
        secret_access_key: Secret::new(secret),
        session_token: None,
    };
    let out = sig::sign_rpc(
        "POST",
        &p,
        &creds,
        &SignContext {
            now,
            nonce: nonce.into(),
        },
    );
    p.extend(out.query);
    EmuRequest {
        method: "POST".into(),
        raw_path: "/".into(),
        path: "/".into(),
        region: None,
        query: p,
        headers: vec![],
        body: Default::default(),
    }
}

fn code(r: &EmuResponse) -> String {
    let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    format!("{} {}", r.status, v["Code"].as_str().unwrap_or("ok"))
}

#[test]
fn rpc_verification_replay_and_staleness() {
    let mut w = world();
    let now = OffsetDateTime::now_utc();
    assert_eq!(
        verify(&mut w, &rpc("sk", "n1", now, &[]), now).unwrap(),
        "ak"
    );
    let replay = verify(&mut w, &rpc("sk", "n1", now, &[]), now).unwrap_err();
    assert_eq!(code(&replay), "400 SignatureNonceUsed");
    let stale = now - time::Duration::hours(1);
    assert_eq!(
        code(&verify(&mut w, &rpc("sk", "n2", stale, &[]), now).unwrap_err()),
        "400 InvalidTimeStamp.Expired"
    );
    let bad = verify(&mut w, &rpc("wrong", "n3", now, &[]), now).unwrap_err();
    assert_eq!(code(&bad), "400 SignatureDoesNotMatch");
    let v: serde_json::Value = serde_json::from_slice(&bad.body).unwrap();
    let msg = v["Message"].as_str().unwrap();
    assert!(
        msg.split(':').nth(1).unwrap().starts_with("POST&%2F&"),
        "{msg}"
    );
}

#[test]
fn copies_queue_one_per_region_and_describe_defaults_to_available() {
    let mut w = world();
    let now = OffsetDateTime::now_utc();
    let mut ids = Vec::new();
    for (n, t) in [("n1", "t1"), ("n2", "t2")] {
        let r = rpc(
            "sk",
            n,
            now,
            &[
                ("Action", "CopyImage"),
                ("ImageId", "m-demo0001"),
                ("DestinationRegionId", "cn-shanghai"),
                ("ClientToken", t),
            ],
        );
        let resp = handle(&mut w, &r, "CopyImage");
        assert_eq!(resp.status, 200);
        let v: serde_json::Value = serde_json::from_slice(&resp.body).unwrap();
        ids.push(v["ImageId"].as_str().unwrap().to_string());
    }
    let status = |w: &World, id: &str| {
        w.resources
            .iter()
            .find(|r| r.id == id)
            .unwrap()
            .status_at(w.now())
    };
    assert_eq!(status(&w, &ids[0]), "Creating");
    assert_eq!(status(&w, &ids[1]), "Waiting");
    // Reads see new copies once the visibility lag has passed.
    w.clock.advance(crate::emulator::state::DEFAULT_LAG);
    let listed = |w: &mut World, nonce: &str, extra: &[(&str, &str)]| {
        let mut e = vec![("RegionId", "cn-shanghai")];
        e.extend_from_slice(extra);
        let resp = handle(w, &rpc("sk", nonce, now, &e), "DescribeImages");
        let v: serde_json::Value = serde_json::from_slice(&resp.body).unwrap();
        v["Images"]["Image"].as_array().unwrap().len()
    };
    // m-taken001 is the only Available image in cn-shanghai; the copies are hidden.
    assert_eq!(listed(&mut w, "d1", &[]), 1);
    assert_eq!(listed(&mut w, "d2", &[("Status", "Creating,Waiting")]), 2);
    // Canceling the running copy lets the waiting one start.
    let c = rpc(
        "sk",
        "c1",
        now,
        &[
            ("Action", "CancelCopyImage"),
            ("RegionId", "cn-shanghai"),
            ("ImageId", &ids[0]),
        ],
    );
    assert_eq!(handle(&mut w, &c, "CancelCopyImage").status, 200);
    assert_eq!(status(&w, &ids[1]), "Creating");
    w.clock.advance(100.0);
    assert_eq!(status(&w, &ids[1]), "Available");
}
