use super::*;
use crate::config::{Credentials, Secret};
use crate::sign::{SignContext, SignableRequest};
use std::collections::HashMap;

fn signed(ak: &str, secret: &str, now: OffsetDateTime, body: &[u8]) -> EmuRequest {
    let headers = vec![
        ("host".to_string(), "127.0.0.1:9".to_string()),
        (
            "content-type".to_string(),
            "application/x-www-form-urlencoded; charset=utf-8".to_string(),
        ),
    ];
    let out = sigv4::sign(
        &SignableRequest {
            method: "POST",
            path: "/",
            query: &[],
            headers: &headers,
            body,
        },
        &Credentials {
            access_key_id: ak.into(),
            secret_access_key: Secret::new(secret),
            session_token: None,
        },
        &SignContext {
            now,
            nonce: String::new(),
        },
        "eu-west-1",
        "ec2",
    )
    .unwrap();
    EmuRequest {
        method: "POST".into(),
        raw_path: "/".into(),
        path: "/".into(),
        region: None,
        query: Vec::new(),
        headers: headers.into_iter().chain(out.headers).collect(),
        body: body.to_vec().into(),
    }
}

fn code(r: Result<(), EmuResponse>) -> String {
    match r {
        Ok(()) => "ok".into(),
        Err(e) => {
            let text = String::from_utf8(e.body).unwrap();
            let code = text
                .split("<Code>")
                .nth(1)
                .unwrap()
                .split("</Code>")
                .next()
                .unwrap()
                .to_string();
            format!("{} {code}", e.status)
        }
    }
}

#[test]
fn an_encrypted_snapshot_needs_a_valid_presigned_url() {
    let w = World::new(
        1.0,
        1.0,
        HashMap::from([("ak".to_string(), "sk".to_string())]),
    );
    let enc = w
        .find(P, "snapshot", "us-east-1", "snap-0abc00000000000a3")
        .unwrap();
    let base = |extra: &[(&str, &str)]| {
        let mut p: Vec<(String, String)> = vec![
            ("Action".into(), "CopySnapshot".into()),
            ("SourceRegion".into(), "us-east-1".into()),
            ("SourceSnapshotId".into(), "snap-0abc00000000000a3".into()),
        ];
        p.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        p
    };
    let result = |p: &[(String, String)]| code(check_presigned_url(&w, p, enc, "us-east-1"));
    assert_eq!(result(&base(&[])), "400 MissingParameter");
    let presign = |secret: &str, region: &str| {
        let q = sigv4::presign_get(
            "127.0.0.1:9",
            "/us-east-1/",
            &base(&[("DestinationRegion", "eu-west-1")]),
            &Credentials {
                access_key_id: "ak".into(),
                secret_access_key: Secret::new(secret),
                session_token: None,
            },
            &SignContext {
                now: OffsetDateTime::now_utc(),
                nonce: String::new(),
            },
            region,
            "ec2",
            std::time::Duration::from_secs(3600),
        )
        .unwrap();
        let mut u = url::Url::parse("http://127.0.0.1:9/us-east-1/").unwrap();
        u.query_pairs_mut().extend_pairs(q);
        u.to_string()
    };
    assert_eq!(
        result(&base(&[("PresignedUrl", &presign("sk", "us-east-1"))])),
        "ok"
    );
    assert_eq!(
        result(&base(&[("PresignedUrl", &presign("wrong", "us-east-1"))])),
        "400 InvalidParameterValue"
    );
    assert_eq!(
        result(&base(&[("PresignedUrl", &presign("sk", "eu-west-1"))])),
        "400 InvalidParameterValue"
    );
}

#[test]
fn verifies_sigv4_from_the_wire() {
    let w = World::new(
        1.0,
        1.0,
        HashMap::from([("ak".to_string(), "sk".to_string())]),
    );
    let now = OffsetDateTime::now_utc();
    let body = b"Action=DescribeImages&Version=2016-11-15";
    assert_eq!(code(verify(&w, &signed("ak", "sk", now, body), now)), "ok");
    assert_eq!(
        code(verify(&w, &signed("ak", "no", now, body), now)),
        "401 AuthFailure"
    );
    assert_eq!(
        code(verify(&w, &signed("who", "sk", now, body), now)),
        "401 AuthFailure"
    );
    let old = now - time::Duration::hours(1);
    assert_eq!(
        code(verify(&w, &signed("ak", "sk", old, body), now)),
        "400 RequestExpired"
    );
    let mut tampered = signed("ak", "sk", now, body);
    tampered.body = b"Action=DescribeImages&Version=2016-11-16".to_vec().into();
    assert_eq!(
        code(verify(&w, &tampered, now)),
        "401 AuthFailure",
        "the body is signed"
    );
}
