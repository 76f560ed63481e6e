use super::*;
use crate::config::{Credentials, Secret};
use crate::sign::{SignContext, SignableRequest};
use std::collections::HashMap;

fn signed(secret: &str, now: OffsetDateTime) -> EmuRequest {
    let headers = vec![
        ("host".to_string(), "127.0.0.1:9".to_string()),
        ("content-type".to_string(), "application/json".to_string()),
        ("x-project-id".to_string(), "p".to_string()),
    ];
    let body = br#"{"name":"x"}"#;
    let out = sig::sign(
        &SignableRequest {
            method: "POST",
            path: "/v1/cloudimages/i/copy",
            query: &[],
            headers: &headers,
            body,
        },
        &Credentials {
            access_key_id: "ak".into(),
            secret_access_key: Secret::new(secret),
            session_token: None,
        },
        &SignContext {
            now,
            nonce: String::new(),
        },
    );
    EmuRequest {
        method: "POST".into(),
        raw_path: "/v1/cloudimages/i/copy".into(),
        path: "/v1/cloudimages/i/copy".into(),
        region: None,
        query: Vec::new(),
        headers: headers.into_iter().chain(out.headers).collect(),
        body: body.to_vec().into(),
    }
}

fn outcome(r: Result<String, EmuResponse>) -> String {
    match r {
        Ok(ak) => ak,
        Err(resp) => {
            let v: serde_json::Value = serde_json::from_slice(&resp.body).unwrap();
            format!("{} {}", resp.status, v["error_code"].as_str().unwrap())
        }
    }
}

#[test]
fn verifies_signatures_from_the_wire() {
    let w = World::new(
        1.0,
        1.0,
        HashMap::from([("ak".to_string(), "sk".to_string())]),
    );
    let now = OffsetDateTime::now_utc();
    assert_eq!(outcome(verify(&w, &signed("sk", now), now)), "ak");
    assert_eq!(
        outcome(verify(&w, &signed("no", now), now)),
        "401 APIGW.0301"
    );
    let old = now - time::Duration::hours(1);
    assert_eq!(
        outcome(verify(&w, &signed("sk", old), now)),
        "401 APIGW.0301"
    );
    let mut r = signed("sk", now);
    r.body = br#"{"name":"y"}"#.to_vec().into();
    assert_eq!(
        outcome(verify(&w, &r, now)),
        "401 APIGW.0301",
        "the body is signed"
    );
    let mut r = signed("sk", now);
    r.headers.retain(|(k, _)| k != "authorization");
    assert_eq!(outcome(verify(&w, &r, now)), "401 APIGW.0301");
}
