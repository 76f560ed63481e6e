//! TC3-HMAC-SHA256, as `tencentcloud-sdk-python-common` signs (`AbstractClient
//! ._get_tc3_signature`, `Sign.sign_tc3`): the canonical request covers the method, the path,
//! the query (empty for a JSON POST), `content-type` and `host`, and the payload's SHA-256;
//! the key is derived from `TC3` + secret, the UTC date, the service and `tc3_request`.

use super::{SignContext, SignOutput, SignableRequest};
use crate::config::Credentials;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

pub const ALGORITHM: &str = "TC3-HMAC-SHA256";
pub const TIMESTAMP_HEADER: &str = "x-tc-timestamp";
pub const TOKEN_HEADER: &str = "x-tc-token";
/// The headers every signature covers, in order.
pub const SIGNED_HEADERS: &str = "content-type;host";

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

fn hmac(key: &[u8], msg: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    mac.update(msg.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// The canonical request: `query` is the encoded query string (empty for a JSON POST).
pub fn canonical_request(
    method: &str,
    path: &str,
    query: &str,
    content_type: &str,
    host: &str,
    body: &[u8],
) -> String {
    format!(
        "{method}\n{path}\n{query}\ncontent-type:{content_type}\nhost:{host}\n\n{SIGNED_HEADERS}\n{}",
        hex::encode(Sha256::digest(body))
    )
}

/// `TC3-HMAC-SHA256\n{timestamp}\n{date}/{service}/tc3_request\n{hash of the canonical request}`.
pub fn string_to_sign(timestamp: i64, date: &str, service: &str, canonical: &str) -> String {
    format!(
        "{ALGORITHM}\n{timestamp}\n{date}/{service}/tc3_request\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    )
}

/// The hex signature of `string_to_sign` with the key derived for `date` and `service`.
pub fn signature(secret: &str, date: &str, service: &str, string_to_sign: &str) -> String {
    let k_date = hmac(format!("TC3{secret}").as_bytes(), date);
    let k_service = hmac(&k_date, service);
    let k_signing = hmac(&k_service, "tc3_request");
    hex::encode(hmac(&k_signing, string_to_sign))
}

/// The UTC date of a Unix timestamp, as the credential scope names it.
pub fn date_of(timestamp: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(timestamp)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    super::utc(t, time::macros::format_description!("[year]-[month]-[day]"))
}

/// Adds `X-TC-Timestamp` (and `X-TC-Token`) and the Authorization header. The request's
/// `X-TC-Action`, `X-TC-Version` and `X-TC-Region` are the caller's; only `content-type` and
/// `host` are signed, as the SDK signs.
pub fn sign(
    req: &SignableRequest<'_>,
    creds: &Credentials,
    ctx: &SignContext,
    service: &str,
) -> SignOutput {
    let timestamp = ctx.now.unix_timestamp();
    let date = date_of(timestamp);
    let mut added = vec![(TIMESTAMP_HEADER.to_string(), timestamp.to_string())];
    if let Some(t) = &creds.session_token {
        added.push((TOKEN_HEADER.to_string(), t.expose().to_string()));
    }
    let query = super::enc_query(req.query);
    let canonical = canonical_request(
        req.method,
        req.path,
        &query,
        header(req.headers, "content-type"),
        header(req.headers, "host"),
        req.body,
    );
    let sts = string_to_sign(timestamp, &date, service, &canonical);
    let sig = signature(creds.secret_access_key.expose(), &date, service, &sts);
    added.push((
        "authorization".to_string(),
        format!(
            "{ALGORITHM} Credential={}/{date}/{service}/tc3_request, SignedHeaders={SIGNED_HEADERS}, Signature={sig}",
            creds.access_key_id
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

    /// The example request of Tencent Cloud's signature v3 documentation ("签名方法 v3":
    /// DescribeInstances on cvm, timestamp 1551113065, its content type and keys), signed
    /// by the official SDK's `Sign.sign_tc3` (tencentcloud-sdk-python-common 3.1.195).
    #[test]
    fn documented_known_answer() {
        let body = br#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#;
        let canonical = canonical_request(
            "POST",
            "/",
            "",
            "application/json; charset=utf-8",
            "cvm.tencentcloudapi.com",
            body,
        );
        let sts = string_to_sign(1551113065, "2019-02-25", "cvm", &canonical);
        assert_eq!(
            signature(
                "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
                "2019-02-25",
                "cvm",
                &sts
            ),
            "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
        );
    }

    #[test]
    fn sign_adds_timestamp_token_and_authorization() {
        let headers = vec![
            ("content-type".to_string(), "application/json".to_string()),
            ("host".to_string(), "cvm.tencentcloudapi.com".to_string()),
        ];
        let creds = Credentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: Secret::new("secret"),
            session_token: Some(Secret::new("tok")),
        };
        let ctx = SignContext {
            now: time::macros::datetime!(2024-05-01 12:34:56 UTC),
            nonce: String::new(),
        };
        let out = sign(
            &SignableRequest {
                method: "POST",
                path: "/",
                query: &[],
                headers: &headers,
                body: b"{}",
            },
            &creds,
            &ctx,
            "cvm",
        );
        let names: Vec<&str> = out.headers.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, [TIMESTAMP_HEADER, TOKEN_HEADER, "authorization"]);
        assert_eq!(out.headers[0].1, "1714566896");
        assert!(out.headers[2].1.starts_with(
            "TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2024-05-01/cvm/tc3_request, SignedHeaders=content-type;host, Signature="
        ));
        assert!(out.headers[2].1.ends_with(&out.signature));
    }
}
