//! Huawei Cloud `SDK-HMAC-SHA256` (APIG AK/SK), as the official huaweicloudsdkcore computes it.

use super::{SignContext, SignOutput, SignableRequest};
use crate::config::Credentials;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

pub const ALGORITHM: &str = "SDK-HMAC-SHA256";
pub const DATE_HEADER: &str = "x-sdk-date";
pub const TOKEN_HEADER: &str = "x-security-token";
pub const CONTENT_SHA_HEADER: &str = "x-sdk-content-sha256";
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// `%Y%m%dT%H%M%SZ` in UTC.
pub const TIMESTAMP: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");

pub fn timestamp(now: OffsetDateTime) -> String {
    super::utc(now, TIMESTAMP)
}

/// Python's `quote(s, safe='~')`: `A-Za-z0-9_.-~` stay, everything else is upper-case `%XX`.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Canonical URI: the path unquoted, each segment quoted, and a trailing `/` added
/// (only in the signature; the wire path has none).
pub fn canonical_uri(path: &str) -> String {
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    let mut uri = decoded.split('/').map(quote).collect::<Vec<_>>().join("/");
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// Canonical query: pairs sorted by raw key then value (unlike Baidu), each side quoted.
pub fn canonical_query(query: &[(String, String)]) -> String {
    let mut pairs: Vec<&(String, String)> = query.iter().collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", quote(k), quote(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The signed header names: every header present, lower-cased and sorted, except names with `_`.
pub fn signed_header_names(headers: &[(String, String)]) -> Vec<String> {
    let mut names: Vec<String> = headers
        .iter()
        .map(|(k, _)| k.to_ascii_lowercase())
        .filter(|k| !k.contains('_'))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// `name:value\n` for each signed header, values trimmed.
pub fn canonical_headers(headers: &[(String, String)], signed: &[String]) -> String {
    signed
        .iter()
        .map(|name| {
            let value = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim())
                .unwrap_or("");
            format!("{name}:{value}\n")
        })
        .collect()
}

pub fn payload_hash(headers: &[(String, String)], body: &[u8]) -> String {
    let unsigned = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case(CONTENT_SHA_HEADER) && v.trim() == UNSIGNED_PAYLOAD);
    if unsigned {
        UNSIGNED_PAYLOAD.to_string()
    } else {
        hex::encode(Sha256::digest(body))
    }
}

pub fn canonical_request(
    method: &str,
    path: &str,
    query: &[(String, String)],
    headers: &[(String, String)],
    signed: &[String],
    body: &[u8],
) -> String {
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        method.to_ascii_uppercase(),
        canonical_uri(path),
        canonical_query(query),
        canonical_headers(headers, signed),
        signed.join(";"),
        payload_hash(headers, body)
    )
}

pub fn string_to_sign(date: &str, canonical: &str) -> String {
    format!(
        "{ALGORITHM}\n{date}\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    )
}

/// HMAC-SHA256 with the secret key itself: no key derivation.
pub fn signature(secret: &str, string_to_sign: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(string_to_sign.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Adds `X-Sdk-Date` (and `X-Security-Token`), then signs every header present.
pub fn sign(req: &SignableRequest<'_>, creds: &Credentials, ctx: &SignContext) -> SignOutput {
    let date = timestamp(ctx.now);
    let mut added = vec![(DATE_HEADER.to_string(), date.clone())];
    if let Some(tok) = &creds.session_token {
        added.push((TOKEN_HEADER.to_string(), tok.expose().to_string()));
    }
    // A non-JSON body is not hashed: the SDK marks it UNSIGNED-PAYLOAD in a signed header.
    let content_type = req
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.to_ascii_lowercase());
    if content_type.is_some_and(|ct| {
        !(ct.starts_with("application/json") || ct.starts_with("application/bson"))
    }) {
        added.push((CONTENT_SHA_HEADER.to_string(), UNSIGNED_PAYLOAD.to_string()));
    }
    let all: Vec<(String, String)> = req.headers.iter().chain(added.iter()).cloned().collect();
    let signed = signed_header_names(&all);
    let canonical = canonical_request(req.method, req.path, req.query, &all, &signed, req.body);
    let sts = string_to_sign(&date, &canonical);
    let sig = signature(creds.secret_access_key.expose(), &sts);
    added.push((
        "authorization".to_string(),
        format!(
            "{ALGORITHM} Access={}, SignedHeaders={}, Signature={sig}",
            creds.access_key_id,
            signed.join(";")
        ),
    ));
    SignOutput {
        headers: added,
        query: Vec::new(),
        canonical_request: canonical,
        string_to_sign: sts,
        signature: sig,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    #[test]
    fn documented_known_answer() {
        // Huawei "Constructing a Standard Request" example.
        let q = vec![
            ("limit".to_string(), "2".to_string()),
            (
                "marker".to_string(),
                "13551d6b-755d-4757-b956-536f674975c0".to_string(),
            ),
        ];
        let h = vec![
            ("Content-Type".to_string(), "application/json".to_string()),
            ("Host".to_string(), "service.region.example.com".to_string()),
            ("X-Sdk-Date".to_string(), "20191115T033655Z".to_string()),
        ];
        let signed = signed_header_names(&h);
        assert_eq!(signed, ["content-type", "host", "x-sdk-date"]);
        let c = canonical_request(
            "GET",
            "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs",
            &q,
            &h,
            &signed,
            b"",
        );
        assert_eq!(
            hex::encode(Sha256::digest(c.as_bytes())),
            "b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a"
        );
    }

    #[test]
    fn canonical_uri_and_query_rules() {
        assert_eq!(
            canonical_uri("/v1/cloudimages/abc/copy"),
            "/v1/cloudimages/abc/copy/"
        );
        assert_eq!(canonical_uri("/a b/c*~/"), "/a%20b/c%2A~/");
        let q = vec![
            ("a-b".to_string(), "2".to_string()),
            ("a".to_string(), "1".to_string()),
            ("a".to_string(), "0".to_string()),
            ("x".to_string(), "p/q r".to_string()),
        ];
        assert_eq!(canonical_query(&q), "a=0&a=1&a-b=2&x=p%2Fq%20r");
    }

    #[test]
    fn underscored_headers_are_not_signed_and_non_json_is_unsigned_payload() {
        let h = vec![
            ("Host".to_string(), "h".to_string()),
            ("x_odd".to_string(), "1".to_string()),
            ("Content-Type".to_string(), "text/plain".to_string()),
        ];
        let req = SignableRequest {
            method: "POST",
            path: "/v1/x",
            query: &[],
            headers: &h,
            body: b"hello",
        };
        let creds = Credentials {
            access_key_id: "AK".into(),
            secret_access_key: Secret::new("SK"),
            session_token: Some(Secret::new("tok")),
        };
        let ctx = SignContext {
            now: time::macros::datetime!(2024-05-01 12:34:56 UTC),
            nonce: String::new(),
        };
        let out = sign(&req, &creds, &ctx);
        let auth = &out.headers.last().unwrap().1;
        let p = crate::emulator::huawei::auth::parse_authorization(auth).unwrap();
        assert_eq!(
            p.signed_headers,
            [
                "content-type",
                "host",
                "x-sdk-content-sha256",
                "x-sdk-date",
                "x-security-token"
            ]
        );
        assert!(out.canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
        assert!(auth.starts_with("SDK-HMAC-SHA256 Access=AK, SignedHeaders="));
        assert_eq!(p.signature, signature("SK", &out.string_to_sign));
        assert!(out
            .string_to_sign
            .starts_with("SDK-HMAC-SHA256\n20240501T123456Z\n"));
    }
}
