//! Maps Alibaba error replies (`{"RequestId","Code","Message",…}`) to kinds.

use super::wire::ErrorBody;
use crate::error::{Error, ErrorKind};
use crate::http::HttpResponse;
use crate::model::Cloud;

fn classify(code: &str, status: u16) -> (ErrorKind, bool) {
    if code.starts_with("Throttling") || code == "ServiceUnavailable" {
        return (ErrorKind::Throttled, true);
    }
    if code.starts_with("InvalidAccessKeyId")
        || code.starts_with("InvalidSecurityToken")
        || code == "SignatureDoesNotMatch"
        || code == "IncompleteSignature"
        || code == "InvalidAccessKeySecret"
        || code.starts_with("Forbbiden")
        || code.starts_with("Forbidden")
        || code == "NoPermission"
        || code == "InvalidTimeStamp.Expired"
        || code == "SignatureNonceUsed"
    {
        // A stale timestamp or reused nonce is fixed by signing again.
        let retry = code == "InvalidTimeStamp.Expired" || code == "SignatureNonceUsed";
        return (ErrorKind::Auth, retry);
    }
    if code == "InternalError" || status >= 500 {
        return (ErrorKind::Server, true);
    }
    if code.ends_with(".NotFound") || status == 404 {
        return (ErrorKind::NotFound, false);
    }
    match status {
        401 | 403 if code.is_empty() => (ErrorKind::Auth, false),
        429 => (ErrorKind::Throttled, true),
        _ => (ErrorKind::Rejected, false),
    }
}

pub fn parse_error(resp: &HttpResponse) -> Error {
    let parsed: Option<ErrorBody> = serde_json::from_slice(&resp.body).ok();
    let (code, message, request_id) = match parsed {
        Some(b) if b.code.is_some() => (
            b.code.unwrap_or_default(),
            b.message.unwrap_or_default(),
            b.request_id,
        ),
        _ => (
            String::new(),
            format!(
                "unexpected reply with HTTP status {}: {}",
                resp.status,
                crate::http::body_excerpt(&resp.body)
            ),
            None,
        ),
    };
    let class = classify(&code, resp.status);
    let message = redact_string_to_sign(message);
    Error::from_reply(
        Cloud::Alibaba,
        class,
        resp.status,
        code,
        message,
        request_id,
    )
}

/// A signature error echoes the server's string to sign, which carries every parameter,
/// a SecurityToken included: keep the sentence, not the string.
fn redact_string_to_sign(message: String) -> String {
    const MARK: &str = "server string to sign is:";
    match message.find(MARK) {
        Some(i) => format!("{}{MARK}<redacted>", &message[..i]),
        None => message,
    }
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
                r#"{{"RequestId":"r-1","HostId":"ecs.aliyuncs.com","Code":"{code}","Message":"m","Recommend":"x"}}"#
            )),
        })
    }

    #[test]
    fn documented_codes() {
        // (status, code, kind) from the CopyImage error table.
        let cases = [
            (400, "InvalidImageName.Malformed", ErrorKind::Rejected),
            (400, "InvalidDescription.Malformed", ErrorKind::Rejected),
            (400, "DestinationRegion.NotFound", ErrorKind::NotFound),
            (404, "InvalidImageId.NotFound", ErrorKind::NotFound),
            (400, "IncorrectImageStatus", ErrorKind::Rejected),
            (400, "InvalidImageName.Duplicated", ErrorKind::Rejected),
            (403, "QuotaExceed.Image", ErrorKind::Rejected),
            (403, "OperationDenied.ImageCopying", ErrorKind::Rejected),
            (403, "IncorrectDestinationRegion", ErrorKind::Rejected),
            (403, "Forbbiden", ErrorKind::Auth),
            (
                404,
                "InvalidParameter.KMSKeyId.NotFound",
                ErrorKind::NotFound,
            ),
            (
                400,
                "InvalidParameter.EncryptedIllegal",
                ErrorKind::Rejected,
            ),
            (403, "InternalError", ErrorKind::Server),
            (500, "InternalError", ErrorKind::Server),
            (400, "Throttling.User", ErrorKind::Throttled),
            (400, "SignatureDoesNotMatch", ErrorKind::Auth),
        ];
        for (status, code, kind) in cases {
            let e = resp(status, code);
            assert_eq!(e.kind(), kind, "{code}");
            assert_eq!(e.code(), Some(code));
            assert_eq!(e.request_id(), Some("r-1"));
        }
        assert!(resp(400, "Throttling.User").retryable());
    }

    #[test]
    fn the_echoed_string_to_sign_is_redacted() {
        let e = parse_error(&HttpResponse {
            status: 400,
            headers: vec![],
            body: Bytes::from_static(br#"{"Code":"SignatureDoesNotMatch","Message":"Specified signature is not matched with our calculation. server string to sign is:POST&%2F&SecurityToken%3Dtok"}"#),
        });
        assert!(!e.message().contains("tok"), "{}", e.message());
        assert!(e.message().ends_with("server string to sign is:<redacted>"));
    }

    #[test]
    fn html_is_a_clear_error() {
        let e = parse_error(&HttpResponse {
            status: 502,
            headers: vec![],
            body: Bytes::from_static(b"<html>bad gateway</html>"),
        });
        assert_eq!(e.kind(), ErrorKind::Server);
        assert!(e.message().contains("HTTP status 502"));
    }
}
