//! Maps Huawei error replies to kinds: IMS `{"error":{"code","message"}}` and APIG
//! `{"error_code","error_msg"}`, searched as the official SDK does.

use crate::error::{Error, ErrorKind};
use crate::http::HttpResponse;
use crate::model::Cloud;
use serde_json::Value;

/// The first `error_code`/`error_msg`, `errorCode`/`errorMsg` or `code`/`message` pair,
/// looking into nested objects (the SDK's order).
fn find_pair(v: &Value) -> Option<(String, String)> {
    let obj = v.as_object()?;
    for (c, m) in [
        ("error_code", "error_msg"),
        ("errorCode", "errorMsg"),
        ("code", "message"),
    ] {
        if let Some(code) = obj.get(c).and_then(Value::as_str) {
            let msg = obj.get(m).and_then(Value::as_str).unwrap_or_default();
            return Some((code.to_string(), msg.to_string()));
        }
    }
    obj.values().find_map(find_pair)
}

fn classify(code: &str, status: u16) -> (ErrorKind, bool) {
    // APIGW.0308: the gateway's throttling threshold; other APIGW.03xx are authentication.
    if code == "APIGW.0308" {
        return (ErrorKind::Throttled, true);
    }
    if code.starts_with("APIGW.03") {
        return (ErrorKind::Auth, false);
    }
    // A 401/403 carrying an IMS business code refuses the operation, not the credentials
    // (e.g. a quota or a state): the copy fails with that code. The gateway's and IAM's
    // codes (or none) are credentials errors.
    if matches!(status, 401 | 403) && (code.starts_with("IMG.") || code.starts_with("IMS.")) {
        return (ErrorKind::Rejected, false);
    }
    match status {
        401 | 403 => (ErrorKind::Auth, false),
        404 => (ErrorKind::NotFound, false),
        429 => (ErrorKind::Throttled, true),
        s if s >= 500 => (ErrorKind::Server, true),
        _ => (ErrorKind::Rejected, false),
    }
}

pub fn parse_error(resp: &HttpResponse) -> Error {
    let header_id = resp.header("x-request-id").map(str::to_string);
    let parsed: Option<Value> = serde_json::from_slice(&resp.body).ok();
    let body_id = parsed
        .as_ref()
        .and_then(|v| v.get("request_id"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let (code, message) = parsed.as_ref().and_then(find_pair).unwrap_or_else(|| {
        (
            String::new(),
            format!(
                "unexpected reply with HTTP status {}: {}",
                resp.status,
                crate::http::body_excerpt(&resp.body)
            ),
        )
    });
    let class = classify(&code, resp.status);
    Error::from_reply(
        Cloud::Huawei,
        class,
        resp.status,
        code,
        message,
        header_id.or(body_id),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn resp(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: vec![("X-Request-Id".into(), "req-h".into())],
            body: Bytes::from(body.to_string()),
        }
    }

    #[test]
    fn a_403_with_an_ims_code_is_a_refusal_not_a_credentials_error() {
        let business = parse_error(&resp(
            403,
            r#"{"error":{"message":"The image is unavailable.","code":"IMG.0046"}}"#,
        ));
        assert_eq!(business.kind(), ErrorKind::Rejected);
        assert_eq!(business.exit_code(), 1);
        let gateway = parse_error(&resp(
            401,
            r#"{"error_msg":"Incorrect IAM authentication information","error_code":"APIGW.0301"}"#,
        ));
        assert_eq!(gateway.kind(), ErrorKind::Auth);
        assert_eq!(parse_error(&resp(403, "")).kind(), ErrorKind::Auth);
        let iam = parse_error(&resp(
            403,
            r#"{"error":{"message":"Policy doesn't allow ims:images:copy","code":"IAM.0002"}}"#,
        ));
        assert_eq!(iam.kind(), ErrorKind::Auth);
    }

    #[test]
    fn both_documented_shapes() {
        // IMS extension API (error codes page).
        let e = parse_error(&resp(
            400,
            r#"{"error":{"message":"The imagetype is invalid.","code":"IMG.0024"}}"#,
        ));
        assert_eq!(e.code(), Some("IMG.0024"));
        assert_eq!(e.message(), "The imagetype is invalid.");
        assert_eq!(e.kind(), ErrorKind::Rejected);
        assert_eq!(e.request_id(), Some("req-h"));
        // API gateway.
        let e = parse_error(&resp(
            401,
            r#"{"error_msg":"Incorrect IAM authentication information: verify aksk signature fail","error_code":"APIGW.0301","request_id":"r-1"}"#,
        ));
        assert_eq!(e.code(), Some("APIGW.0301"));
        assert_eq!(e.kind(), ErrorKind::Auth);
        let e = parse_error(&resp(
            429,
            r#"{"error_code":"APIGW.0308","error_msg":"throttled"}"#,
        ));
        assert_eq!(e.kind(), ErrorKind::Throttled);
        assert!(e.retryable());
        let e = parse_error(&resp(
            404,
            r#"{"error":{"code":"IMG.0027","message":"gone"}}"#,
        ));
        assert_eq!(e.kind(), ErrorKind::NotFound);
    }

    #[test]
    fn non_json_bodies_are_clear_errors() {
        let e = parse_error(&resp(503, "<html>Service Unavailable</html>"));
        assert_eq!(e.kind(), ErrorKind::Server);
        assert!(e.retryable());
        assert!(e.message().contains("HTTP status 503"));
        assert!(e.code().is_none());
    }
}
