//! Baidu `bce-auth-v1`, as the official bce-python-sdk computes it.

use super::{SignContext, SignOutput, SignableRequest};
use crate::config::Credentials;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use time::OffsetDateTime;

/// The SDK's default validity window in seconds.
pub const DEFAULT_EXPIRATION: u32 = 1800;

pub const SECURITY_TOKEN_HEADER: &str = "x-bce-security-token";

/// `YYYY-MM-DDThh:mm:ssZ` in UTC (`get_canonical_time`).
pub const TIMESTAMP: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");

pub fn timestamp(now: OffsetDateTime) -> String {
    super::utc(now, TIMESTAMP)
}

/// `normalize_string`: every UTF-8 byte outside `A-Za-z0-9.~-_` becomes upper-case `%XX`.
pub fn normalize(s: &str, encode_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'.' | b'~' | b'-' | b'_')
            || (b == b'/' && !encode_slash)
        {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Canonical query: the finished `k=v` strings are sorted bytewise, not the keys
/// (so `a-b=2` sorts before `a=1`), and a key-only parameter is `k=`.
pub fn canonical_query(query: &[(String, String)]) -> String {
    let mut items: Vec<String> = query
        .iter()
        .map(|(k, v)| format!("{}={}", normalize(k, true), normalize(v, true)))
        .collect();
    items.sort();
    items.join("&")
}

/// Headers signed when the Authorization lists none: these plus every `x-bce-*`.
const DEFAULT_SIGNED: [&str; 4] = ["host", "content-md5", "content-length", "content-type"];

/// Canonical headers: `x-bce-*` are always signed; empty values are skipped; the finished
/// `name:value` lines are sorted bytewise.
pub fn canonical_headers(headers: &[(String, String)], headers_to_sign: &[String]) -> String {
    let wanted = |name: &str| {
        if name.starts_with("x-bce-") {
            return true;
        }
        if headers_to_sign.is_empty() {
            DEFAULT_SIGNED.contains(&name)
        } else {
            headers_to_sign.iter().any(|h| h.eq_ignore_ascii_case(name))
        }
    };
    let mut lines: Vec<String> = headers
        .iter()
        .filter_map(|(k, v)| {
            let name = k.trim().to_ascii_lowercase();
            let value = v.trim();
            (wanted(&name) && !value.is_empty())
                .then(|| format!("{}:{}", normalize(&name, true), normalize(value, true)))
        })
        .collect();
    lines.sort();
    lines.join("\n")
}

/// `METHOD\nURI\nQUERY\nHEADERS`: no trailing newline and no payload hash; the URI is verbatim.
pub fn canonical_request(
    method: &str,
    path: &str,
    query: &[(String, String)],
    headers: &[(String, String)],
    headers_to_sign: &[String],
) -> String {
    format!(
        "{}\n{}\n{}\n{}",
        method.to_ascii_uppercase(),
        path,
        canonical_query(query),
        canonical_headers(headers, headers_to_sign)
    )
}

pub fn auth_prefix(access_key_id: &str, ts: &str, expiration: u32) -> String {
    format!("bce-auth-v1/{access_key_id}/{ts}/{expiration}")
}

fn hmac_hex(key: &[u8], msg: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(msg.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The signing key is the lower-case hex string of the first HMAC, used as bytes.
pub fn signature(secret: &str, prefix: &str, canonical: &str) -> String {
    let signing_key = hmac_hex(secret.as_bytes(), prefix);
    hmac_hex(signing_key.as_bytes(), canonical)
}

/// Signs like the SDK: adds `x-bce-date` (and the security token when there is one), signs
/// the default header set, and leaves the signedHeaders field empty (`…/1800//sig`).
pub fn sign(req: &SignableRequest<'_>, creds: &Credentials, ctx: &SignContext) -> SignOutput {
    let ts = timestamp(ctx.now);
    let mut added = vec![("x-bce-date".to_string(), ts.clone())];
    if let Some(tok) = &creds.session_token {
        added.push((SECURITY_TOKEN_HEADER.to_string(), tok.expose().to_string()));
    }
    let all: Vec<(String, String)> = req.headers.iter().chain(added.iter()).cloned().collect();
    let prefix = auth_prefix(&creds.access_key_id, &ts, DEFAULT_EXPIRATION);
    let canonical = canonical_request(req.method, req.path, req.query, &all, &[]);
    let sig = signature(creds.secret_access_key.expose(), &prefix, &canonical);
    added.push(("authorization".to_string(), format!("{prefix}//{sig}")));
    // The HMAC covers the canonical request, with a key derived from the prefix.
    SignOutput {
        headers: added,
        query: Vec::new(),
        string_to_sign: canonical.clone(),
        canonical_request: canonical,
        signature: sig,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    fn creds() -> Credentials {
        Credentials {
            access_key_id: "a".repeat(32),
            secret_access_key: Secret::new("b".repeat(32)),
            session_token: None,
        }
    }

    #[test]
    fn documented_known_answer() {
        // Baidu doc "Generate Authentication String": PUT /v1/test/myfolder/readme.txt
        let q = vec![
            ("partNumber".to_string(), "9".to_string()),
            (
                "uploadId".to_string(),
                "a44cc9bab11cbd156984767aad637851".to_string(),
            ),
        ];
        let h = vec![
            ("Host".to_string(), "bj.bcebos.com".to_string()),
            (
                "Date".to_string(),
                "Mon, 27 Apr 2015 16:23:49 +0800".to_string(),
            ),
            ("Content-Type".to_string(), "text/plain".to_string()),
            ("Content-Length".to_string(), "8".to_string()),
            (
                "Content-Md5".to_string(),
                "NFzcPqhviddjRNnSOGo4rw==".to_string(),
            ),
            ("x-bce-date".to_string(), "2015-04-27T08:23:49Z".to_string()),
        ];
        let canonical = canonical_request("PUT", "/v1/test/myfolder/readme.txt", &q, &h, &[]);
        let prefix = auth_prefix(&"a".repeat(32), "2015-04-27T08:23:49Z", 1800);
        assert_eq!(
            signature(creds().secret_access_key.expose(), &prefix, &canonical),
            "d74a04362e6a848f5b39b15421cb449427f419c95a480fd6b8cf9fc783e2999e"
        );
    }

    #[test]
    fn query_sorts_finished_strings_and_keeps_key_only_params() {
        let q = vec![
            ("a".to_string(), "1".to_string()),
            ("a-b".to_string(), "2".to_string()),
            ("remoteCopy".to_string(), String::new()),
        ];
        assert_eq!(canonical_query(&q), "a-b=2&a=1&remoteCopy=");
    }

    #[test]
    fn normalize_encodes_like_the_sdk() {
        assert_eq!(normalize("a b*c~d/e:f=", true), "a%20b%2Ac~d%2Fe%3Af%3D");
        assert_eq!(normalize("a/b", false), "a/b");
        assert_eq!(normalize("镜", true), "%E9%95%9C");
    }

    #[test]
    fn x_bce_headers_always_signed_and_empty_values_skipped() {
        let h = vec![
            ("Host".to_string(), "127.0.0.1:8080".to_string()),
            ("User-Agent".to_string(), "x".to_string()),
            ("x-bce-a".to_string(), "1".to_string()),
            ("x-bce-a-b".to_string(), "2".to_string()),
            ("content-type".to_string(), "  ".to_string()),
        ];
        assert_eq!(
            canonical_headers(&h, &[]),
            "host:127.0.0.1%3A8080\nx-bce-a-b:2\nx-bce-a:1"
        );
        assert_eq!(
            canonical_headers(&h, &["user-agent".to_string()]),
            "user-agent:x\nx-bce-a-b:2\nx-bce-a:1"
        );
    }

    #[test]
    fn sign_adds_date_token_and_authorization() {
        let mut c = creds();
        c.session_token = Some(Secret::new("tok"));
        let headers = vec![
            ("host".to_string(), "bcc.bj.baidubce.com".to_string()),
            ("content-length".to_string(), "0".to_string()),
        ];
        let req = SignableRequest {
            method: "POST",
            path: "/v2/image/m-abc",
            query: &[("cancelRemoteCopy".to_string(), String::new())],
            headers: &headers,
            body: b"",
        };
        let ctx = SignContext {
            now: time::macros::datetime!(2024-05-01 12:34:56 UTC),
            nonce: String::new(),
        };
        let out = sign(&req, &c, &ctx);
        let names: Vec<&str> = out.headers.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            ["x-bce-date", SECURITY_TOKEN_HEADER, "authorization"]
        );
        assert!(out.canonical_request.contains("x-bce-security-token:tok"));
        let auth = crate::emulator::baidu::auth::parse_authorization(&out.headers[2].1).unwrap();
        assert_eq!(auth.timestamp, "2024-05-01T12:34:56Z");
        assert_eq!(auth.expiration, 1800);
        assert!(auth.signed_headers.is_empty());
        let prefix = out.headers[2].1.rsplit_once("//").unwrap().0;
        assert_eq!(auth.signature, out.signature);
        assert_eq!(
            auth.signature,
            signature(&"b".repeat(32), prefix, &out.string_to_sign)
        );
    }
}
