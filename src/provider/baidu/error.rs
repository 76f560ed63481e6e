//! Maps Baidu error replies (`{"code","message","requestId"}`) to kinds and retryability.

use super::wire::ErrorBody;
use crate::error::{Error, ErrorKind};
use crate::http::HttpResponse;
use crate::model::Cloud;

/// Kind and retryability of a documented Baidu error code.
fn classify(code: &str, status: u16) -> (ErrorKind, bool) {
    match code {
        "AccessDenied"
        | "InvalidAccessKeyId"
        | "SignatureDoesNotMatch"
        | "InvalidHTTPAuthHeader"
        | "OptInRequired" => (ErrorKind::Auth, false),
        // The SDK re-signs and retries an expired request: a fresh timestamp may fix it.
        "RequestExpired" => (ErrorKind::Auth, true),
        "NoSuchObject" => (ErrorKind::NotFound, false),
        "RequestLimitExceeded" | "TooManyRequests" | "Throttling" => (ErrorKind::Throttled, true),
        "InternalError" | "ServiceUnavailable" => (ErrorKind::Server, true),
        _ => match status {
            401 | 403 if code.is_empty() => (ErrorKind::Auth, false),
            404 => (ErrorKind::NotFound, false),
            429 => (ErrorKind::Throttled, true),
            s if s >= 500 => (ErrorKind::Server, true),
            _ => (ErrorKind::Rejected, false),
        },
    }
}

/// Reads an error reply. A body that is not the documented JSON still gives a clear error.
pub fn parse_error(resp: &HttpResponse) -> Error {
    let header_id = resp.header("x-bce-request-id").map(str::to_string);
    let parsed: Option<ErrorBody> = serde_json::from_slice(&resp.body).ok();
    let (code, message, request_id) = match parsed {
        Some(b) if b.code.is_some() || b.message.is_some() => (
            b.code.unwrap_or_default(),
            b.message.unwrap_or_default(),
            b.request_id.or(header_id),
        ),
        _ => (
            String::new(),
            format!(
                "unexpected reply with HTTP status {}: {}",
                resp.status,
                crate::http::body_excerpt(&resp.body)
            ),
            header_id,
        ),
    };
    let class = classify(&code, resp.status);
    Error::from_reply(Cloud::Baidu, class, resp.status, code, message, request_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn resp(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: vec![("x-bce-request-id".into(), "hdr-id".into())],
            body: Bytes::from(body.to_string()),
        }
    }

    #[test]
    fn documented_error_bodies() {
        // (code, status) pairs from the image and snapshot remote-copy documents.
        let cases = [
            ("Image.RegionNotSupportCopy", 409, ErrorKind::Rejected),
            ("Image.ImageStorageFormatInvalid", 409, ErrorKind::Rejected),
            ("Image.ImageNotSupportCopy", 409, ErrorKind::Rejected),
            ("Image.ImageStatusForbidden", 409, ErrorKind::Rejected),
            ("OperationDenied", 409, ErrorKind::Rejected),
            ("NoSuchObject", 404, ErrorKind::NotFound),
            ("snapshot.CannotCopy", 403, ErrorKind::Rejected),
            ("SignatureDoesNotMatch", 400, ErrorKind::Auth),
            ("AccessDenied", 403, ErrorKind::Auth),
            ("InternalError", 500, ErrorKind::Server),
        ];
        for (code, status, kind) in cases {
            let body =
                format!(r#"{{"code":"{code}","message":"m for {code}","requestId":"req-1"}}"#);
            let e = parse_error(&resp(status, &body));
            assert_eq!(e.kind(), kind, "{code}");
            assert_eq!(e.code(), Some(code));
            assert_eq!(e.message(), format!("m for {code}"));
            assert_eq!(e.request_id(), Some("req-1"));
            assert_eq!(e.status(), Some(status));
            assert_eq!(e.retryable(), kind == ErrorKind::Server, "{code}");
        }
    }

    #[test]
    fn html_and_truncated_bodies_are_clear_errors() {
        let e = parse_error(&resp(502, "<html><body>Bad Gateway</body></html>"));
        assert_eq!(e.kind(), ErrorKind::Server);
        assert!(e.retryable());
        assert!(e.message().contains("HTTP status 502"), "{}", e.message());
        assert_eq!(e.request_id(), Some("hdr-id"));
        let e = parse_error(&resp(400, r#"{"code":"Oper"#));
        assert_eq!(e.kind(), ErrorKind::Rejected);
        assert!(e.code().is_none());
        let e = parse_error(&resp(403, ""));
        assert_eq!(e.kind(), ErrorKind::Auth);
    }
}
