//! Property tests: the reply parsers and the signers' canonicalisation never panic on
//! arbitrary input, and canonical forms do not depend on parameter order.
//!
//! `PROPTEST_CASES=20000 cargo test --release --test properties` runs them longer.

use imgcopy::config::{Credentials, Secret};
use imgcopy::http::{body_excerpt, HttpResponse};
use imgcopy::model::Kind;
use imgcopy::provider;
use imgcopy::sign::{self, SignContext, SignableRequest};
use proptest::prelude::*;

fn creds() -> Credentials {
    Credentials {
        access_key_id: "AKIDEXAMPLE".into(),
        secret_access_key: Secret::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        session_token: Some(Secret::new("token/with+odd=chars")),
    }
}

fn ctx() -> SignContext {
    SignContext {
        now: time::macros::datetime!(2026-11-21 12:00 UTC),
        nonce: "3f2a".into(),
    }
}

/// Anything a server could send: any status, content type and bytes, sometimes JSON- or
/// XML-shaped.
fn reply() -> impl Strategy<Value = HttpResponse> {
    let body = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..512),
        "\\PC{0,200}".prop_map(|s| s.into_bytes()),
        ("\\PC{0,40}", "\\PC{0,40}").prop_map(|(c, m)| {
            format!(r#"{{"code":"{c}","message":"{m}","error":{{"code":"{c}"}},"Errors":{{"Error":{{"Code":"{c}"}}}}}}"#)
                .into_bytes()
        }),
        ("\\PC{0,40}", "\\PC{0,40}").prop_map(|(c, m)| {
            format!("<Response><Errors><Error><Code>{c}</Code><Message>{m}</Message></Error></Errors><RequestID>{c}</RequestID></Response>")
                .into_bytes()
        }),
    ];
    (100u16..600, "\\PC{0,40}", body).prop_map(|(status, ctype, body)| HttpResponse {
        status,
        headers: vec![("content-type".into(), ctype)],
        body: body.into(),
    })
}

/// Query pairs with anything in them: unicode, reserved characters, empty values, repeats.
fn pairs() -> impl Strategy<Value = Vec<(String, String)>> {
    proptest::collection::vec(("\\PC{0,12}", "\\PC{0,12}"), 0..8)
}

fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
    proptest::collection::vec(("[a-zA-Z][a-zA-Z0-9_-]{0,12}", "[ -~]{0,24}"), 0..5).prop_map(
        |mut h| {
            h.push(("host".into(), "127.0.0.1:9".into()));
            h
        },
    )
}

proptest! {
    #[test]
    fn error_parsers_never_panic(resp in reply()) {
        for e in [
            provider::baidu::error::parse_error(&resp),
            provider::huawei::error::parse_error(&resp),
            provider::alibaba::error::parse_error(&resp),
            provider::aws::error::parse_error(&resp),
        ] {
            prop_assert!(!e.message().is_empty() || e.code().is_some());
        }
        let excerpt = body_excerpt(&resp.body);
        prop_assert!(excerpt.chars().count() <= 240, "{excerpt}");
    }

    #[test]
    fn reply_decoders_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512), s in "\\PC{0,300}") {
        for b in [&body[..], s.as_bytes()] {
            let _ = provider::aws::wire::from_xml::<provider::aws::wire::DescribeImagesResponse>(b);
            let _ = provider::aws::wire::from_xml::<provider::aws::wire::DescribeSnapshotsResponse>(b);
            let _ = serde_json::from_slice::<provider::alibaba::wire::DescribeImagesResponse>(b);
            let _ = serde_json::from_slice::<provider::baidu::wire::ImageList>(b);
            let _ = serde_json::from_slice::<provider::huawei::wire::Job>(b);
        }
    }

    #[test]
    fn status_mapping_never_panics(word in "\\PC{0,30}", pct in any::<f64>()) {
        let _ = provider::baidu::update_from_status(Kind::Image, &word);
        let _ = provider::baidu::update_from_status(Kind::Snapshot, &word);
        let job = provider::huawei::wire::Job {
            status: word.clone(),
            error_code: Some(word.clone()),
            fail_reason: None,
            entities: provider::huawei::wire::JobEntities { image_id: None, process_percent: Some(pct) },
        };
        let u = provider::huawei::update_from_job(&job);
        prop_assert!(u.progress.is_none_or(|p| p <= 100));
        let _ = provider::made_after(Some(&word), Some("2026-01-01T00:00:00Z"));
    }

    #[test]
    fn canonical_queries_ignore_parameter_order(mut q in pairs()) {
        let bce = sign::bce::canonical_query(&q);
        let hw = sign::huawei::canonical_query(&q);
        q.reverse();
        prop_assert_eq!(bce, sign::bce::canonical_query(&q));
        prop_assert_eq!(hw, sign::huawei::canonical_query(&q));
        // Alibaba's parameters are a map (the SDKs sort its keys): no key repeats.
        let mut seen = std::collections::HashSet::new();
        q.retain(|(k, _)| seen.insert(k.clone()));
        let ali = sign::aliyun::canonicalized(&q);
        let acs3 = sign::aliyun::acs3_canonical_query(&q);
        q.reverse();
        prop_assert_eq!(ali, sign::aliyun::canonicalized(&q));
        prop_assert_eq!(acs3, sign::aliyun::acs3_canonical_query(&q));
    }

    #[test]
    fn percent_encoding_leaves_only_unreserved_characters(s in "\\PC{0,40}") {
        for enc in [sign::bce::normalize(&s, true), sign::huawei::quote(&s), sign::aliyun::enc(&s)] {
            prop_assert!(
                enc.chars().all(|c| c.is_ascii_alphanumeric() || "-_.~%".contains(c)),
                "{enc}"
            );
        }
    }

    #[test]
    fn signers_never_panic_and_their_headers_parse(
        path in "/[ -~]{0,40}",
        q in pairs(),
        h in headers(),
        body in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let req = SignableRequest { method: "POST", path: &path, query: &q, headers: &h, body: &body };
        let auth = |out: &sign::SignOutput| {
            out.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("authorization")).map(|(_, v)| v.clone())
        };
        let bce = sign::bce::sign(&req, &creds(), &ctx());
        prop_assert!(imgcopy::emulator::baidu::auth::parse_authorization(&auth(&bce).unwrap()).is_some());
        let hw = sign::huawei::sign(&req, &creds(), &ctx());
        prop_assert!(imgcopy::emulator::huawei::auth::parse_authorization(&auth(&hw).unwrap()).is_some());
        let _ = sign::aws::sign(&req, &creds(), &ctx(), "us-east-1", "ec2");
        let _ = sign::aliyun::sign_rpc("POST", &q, &creds(), &ctx());
    }

    #[test]
    fn emulator_query_parsing_never_panics(raw in "\\PC{0,80}") {
        let _ = imgcopy::emulator::parse_query(&raw);
    }
}
