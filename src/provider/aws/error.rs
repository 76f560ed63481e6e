//! Maps EC2 XML error replies to kinds.

use super::wire::{from_xml, ErrorResponse};
use crate::error::{Error, ErrorKind};
use crate::http::HttpResponse;
use crate::model::Cloud;

fn classify(code: &str, status: u16) -> (ErrorKind, bool) {
    match code {
        "AuthFailure"
        | "UnauthorizedOperation"
        | "InvalidClientTokenId"
        | "SignatureDoesNotMatch"
        | "OptInRequired"
        | "Blocked"
        | "ExpiredToken"
        | "InvalidToken" => (ErrorKind::Auth, false),
        // A skewed clock: a fresh signature may pass.
        "RequestExpired" => (ErrorKind::Auth, true),
        "RequestLimitExceeded" | "Throttling" | "ThrottlingException" => {
            (ErrorKind::Throttled, true)
        }
        "InternalError" | "ServiceUnavailable" | "Unavailable" => (ErrorKind::Server, true),
        c if c.ends_with(".NotFound") => (ErrorKind::NotFound, false),
        _ => match status {
            401 | 403 => (ErrorKind::Auth, false),
            429 => (ErrorKind::Throttled, true),
            s if s >= 500 => (ErrorKind::Server, true),
            _ => (ErrorKind::Rejected, false),
        },
    }
}

pub fn parse_error(resp: &HttpResponse) -> Error {
    let header_id = resp
        .header("x-amzn-requestid")
        .or_else(|| resp.header("x-amz-request-id"))
        .map(str::to_string);
    let parsed: Option<ErrorResponse> = from_xml(&resp.body).ok();
    let first = parsed.as_ref().and_then(|p| p.errors.error.first());
    let (code, message) = match first {
        Some(e) if e.code.is_some() => (
            e.code.clone().unwrap_or_default(),
            e.message.clone().unwrap_or_default(),
        ),
        _ => (
            String::new(),
            format!(
                "unexpected reply with HTTP status {}: {}",
                resp.status,
                crate::http::body_excerpt(&resp.body)
            ),
        ),
    };
    let request_id = parsed.and_then(|p| p.request_id).or(header_id);
    let class = classify(&code, resp.status);
    Error::from_reply(Cloud::Aws, class, resp.status, code, message, request_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn resp(status: u16, code: &str) -> Error {
        parse_error(&HttpResponse {
            status,
            headers: vec![],
            body: Bytes::from(format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>{code}</Code><Message>m</Message></Error></Errors><RequestID>r-1</RequestID></Response>"#
            )),
        })
    }

    #[test]
    fn documented_codes() {
        let cases = [
            ("InvalidAMIID.NotFound", 400, ErrorKind::NotFound),
            ("InvalidAMIID.Malformed", 400, ErrorKind::Rejected),
            ("InvalidSnapshot.NotFound", 400, ErrorKind::NotFound),
            ("ResourceLimitExceeded", 400, ErrorKind::Rejected),
            ("RequestLimitExceeded", 503, ErrorKind::Throttled),
            ("AuthFailure", 401, ErrorKind::Auth),
            ("UnauthorizedOperation", 403, ErrorKind::Auth),
            ("SignatureDoesNotMatch", 403, ErrorKind::Auth),
            ("InternalError", 500, ErrorKind::Server),
        ];
        for (code, status, kind) in cases {
            let e = resp(status, code);
            assert_eq!(e.kind(), kind, "{code}");
            assert_eq!(e.code(), Some(code));
            assert_eq!(e.request_id(), Some("r-1"));
        }
        assert!(resp(503, "RequestLimitExceeded").retryable());
    }

    #[test]
    fn html_error_pages_are_clear_errors() {
        let e = parse_error(&HttpResponse {
            status: 500,
            headers: vec![],
            body: Bytes::from_static(b"<!doctype html><title>500 Internal Server Error</title>"),
        });
        assert_eq!(e.kind(), ErrorKind::Server);
        assert!(e.message().contains("HTTP status 500"));
    }
}
