//! Maps Tencent Cloud errors (`{"Response":{"Error":{"Code","Message"},"RequestId"}}`, sent
//! with HTTP 200 as well as with error statuses) to kinds.

use super::wire::{Envelope, ErrorReply};
use crate::error::{Error, ErrorKind};
use crate::http::HttpResponse;
use crate::model::Cloud;

fn classify(code: &str, status: u16) -> (ErrorKind, bool) {
    if code.starts_with("RequestLimitExceeded") {
        return (ErrorKind::Throttled, true);
    }
    if code.starts_with("AuthFailure") || code.starts_with("UnauthorizedOperation") {
        // A signature that expired in flight is fixed by signing again.
        return (ErrorKind::Auth, code == "AuthFailure.SignatureExpire");
    }
    if code.starts_with("InternalError") || code == "ResourceUnavailable" || status >= 500 {
        return (ErrorKind::Server, true);
    }
    if code.ends_with(".NotFound") || code == "ResourceNotFound" {
        return (ErrorKind::NotFound, false);
    }
    match status {
        401 | 403 if code.is_empty() => (ErrorKind::Auth, false),
        429 => (ErrorKind::Throttled, true),
        _ => (ErrorKind::Rejected, false),
    }
}

/// The error a reply carries, when it carries one (whatever its status).
pub fn error_in(resp: &HttpResponse) -> Option<Error> {
    let reply: Envelope<ErrorReply> = serde_json::from_slice(&resp.body).ok()?;
    let body = reply.response.error?;
    Some(Error::from_reply(
        Cloud::Tencent,
        classify(&body.code, resp.status),
        resp.status,
        body.code,
        body.message,
        reply.response.request_id,
    ))
}

/// A non-2xx reply as an error: the cloud's, or one naming the status and body.
pub fn parse_error(resp: &HttpResponse) -> Error {
    error_in(resp).unwrap_or_else(|| {
        Error::from_reply(
            Cloud::Tencent,
            classify("", resp.status),
            resp.status,
            String::new(),
            format!(
                "unexpected reply with HTTP status {}: {}",
                resp.status,
                crate::http::body_excerpt(&resp.body)
            ),
            None,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: vec![],
            body: body.as_bytes().to_vec().into(),
        }
    }

    fn error(status: u16, code: &str) -> Error {
        let body = format!(
            r#"{{"Response":{{"Error":{{"Code":"{code}","Message":"m"}},"RequestId":"r-1"}}}}"#
        );
        error_in(&reply(status, &body)).unwrap()
    }

    #[test]
    fn documented_codes_map_to_kinds() {
        assert_eq!(
            error(200, "RequestLimitExceeded").kind(),
            ErrorKind::Throttled
        );
        assert_eq!(
            error(200, "AuthFailure.SignatureFailure").kind(),
            ErrorKind::Auth
        );
        assert!(error(200, "AuthFailure.SignatureExpire").retryable());
        assert_eq!(
            error(200, "InvalidImageId.NotFound").kind(),
            ErrorKind::NotFound
        );
        assert_eq!(error(200, "InternalError").kind(), ErrorKind::Server);
        let e = error(200, "InvalidImageName.Duplicate");
        assert_eq!(
            (e.kind(), e.code()),
            (ErrorKind::Rejected, Some("InvalidImageName.Duplicate"))
        );
        assert_eq!(e.request_id(), Some("r-1"));
    }

    #[test]
    fn a_success_is_no_error_and_a_bare_status_is_still_read() {
        assert!(error_in(&reply(
            200,
            r#"{"Response":{"ImageSet":[],"RequestId":"r"}}"#
        ))
        .is_none());
        let e = parse_error(&reply(502, "<html>bad gateway</html>"));
        assert_eq!(e.kind(), ErrorKind::Server);
        assert!(e.message().contains("502"), "{}", e.message());
    }
}
