//! Alibaba Cloud: the RPC signature (v1.0, HMAC-SHA1) as aliyun-python-sdk-core computes it,
//! and ACS3-HMAC-SHA256 as alibabacloud-tea-openapi computes it (the emulator checks both).

use super::{SignContext, SignOutput};
use crate::config::Credentials;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// `YYYY-MM-DDThh:mm:ssZ` in UTC.
pub const TIMESTAMP: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");

pub const ACS3: &str = "ACS3-HMAC-SHA256";

pub use super::enc;

/// Every parameter sorted by key, `enc(k)=enc(v)` joined with `&`.
pub fn canonicalized(params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    sorted
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// `METHOD&%2F&enc(canonicalized)`; `Signature` itself is never part of it.
pub fn rpc_string_to_sign(method: &str, params: &[(String, String)]) -> String {
    let without: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| k != "Signature")
        .cloned()
        .collect();
    format!(
        "{}&%2F&{}",
        method.to_ascii_uppercase(),
        enc(&canonicalized(&without))
    )
}

/// base64(HMAC-SHA1(secret + "&", string to sign)).
pub fn rpc_signature(secret: &str, string_to_sign: &str) -> String {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(format!("{secret}&").as_bytes())
        .expect("any key length");
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The wire query: parameters in the order given, `enc`-encoded (Signature last).
pub fn wire_query(params: &[(String, String)]) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Adds the common parameters (fresh Timestamp and SignatureNonce on every attempt) and the
/// Signature to `params`, which already hold Action, Version and the call's own parameters.
pub fn sign_rpc(
    method: &str,
    params: &[(String, String)],
    creds: &Credentials,
    ctx: &SignContext,
) -> SignOutput {
    let mut added = vec![
        ("Format".to_string(), "JSON".to_string()),
        ("AccessKeyId".to_string(), creds.access_key_id.clone()),
        ("SignatureMethod".to_string(), "HMAC-SHA1".to_string()),
        ("SignatureVersion".to_string(), "1.0".to_string()),
        ("SignatureNonce".to_string(), ctx.nonce.clone()),
        ("Timestamp".to_string(), super::utc(ctx.now, TIMESTAMP)),
    ];
    if let Some(t) = &creds.session_token {
        added.push(("SecurityToken".to_string(), t.expose().to_string()));
    }
    let all: Vec<(String, String)> = params.iter().chain(added.iter()).cloned().collect();
    let sts = rpc_string_to_sign(method, &all);
    let sig = rpc_signature(creds.secret_access_key.expose(), &sts);
    added.push(("Signature".to_string(), sig.clone()));
    SignOutput {
        headers: Vec::new(),
        query: added,
        canonical_request: canonicalized(&all),
        string_to_sign: sts,
        signature: sig,
    }
}

/// ACS3 canonical query: keys sorted, values `enc`-encoded, keys as they are.
pub fn acs3_canonical_query(query: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = query.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    sorted
        .iter()
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// ACS3 canonical request over the listed headers (lower-case names, trimmed values).
pub fn acs3_canonical_request(
    method: &str,
    path: &str,
    query: &[(String, String)],
    headers: &[(String, String)],
    signed: &[String],
    hashed_payload: &str,
) -> String {
    let canonical_headers: String = signed
        .iter()
        .map(|name| {
            let values: Vec<&str> = headers
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim())
                .collect();
            format!("{name}:{}\n", values.join(","))
        })
        .collect();
    format!(
        "{}\n{path}\n{}\n{canonical_headers}\n{}\n{hashed_payload}",
        method.to_ascii_uppercase(),
        acs3_canonical_query(query),
        signed.join(";")
    )
}

/// hex(HMAC-SHA256(secret, "ACS3-HMAC-SHA256\n" + hex(SHA256(canonical)))) — no `&` on the key.
pub fn acs3_signature(secret: &str, canonical: &str) -> String {
    let sts = format!(
        "{ACS3}\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(sts.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn documented_v2_known_answer() {
        // The documented DescribeRegions example (testid / testsecret).
        let params = p(&[
            ("Format", "XML"),
            ("AccessKeyId", "testid"),
            ("Action", "DescribeRegions"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            ("SignatureVersion", "1.0"),
            ("Timestamp", "2016-02-23T12:46:24Z"),
            ("Version", "2014-05-26"),
        ]);
        let sts = rpc_string_to_sign("GET", &params);
        assert!(sts.starts_with("GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions"));
        assert!(sts.contains("Timestamp%3D2016-02-23T12%253A46%253A24Z"));
        assert_eq!(
            rpc_signature("testsecret", &sts),
            "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
        );
    }

    #[test]
    fn encoding_rules() {
        assert_eq!(enc("a b*c~d/e+f=镜"), "a%20b%2Ac~d%2Fe%2Bf%3D%E9%95%9C");
        let c = canonicalized(&p(&[("b", "2"), ("a", "x y"), ("Tag.1.Key", "k")]));
        assert_eq!(c, "Tag.1.Key=k&a=x%20y&b=2");
    }

    #[test]
    fn sign_rpc_adds_fresh_common_parameters() {
        let creds = Credentials {
            access_key_id: "AK".into(),
            secret_access_key: Secret::new("SK"),
            session_token: Some(Secret::new("tok")),
        };
        let ctx = SignContext {
            now: time::macros::datetime!(2024-05-01 12:34:56 UTC),
            nonce: "n-1".into(),
        };
        let out = sign_rpc("POST", &p(&[("Action", "CopyImage")]), &creds, &ctx);
        let keys: Vec<&str> = out.query.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "Format",
                "AccessKeyId",
                "SignatureMethod",
                "SignatureVersion",
                "SignatureNonce",
                "Timestamp",
                "SecurityToken",
                "Signature"
            ]
        );
        let all: Vec<(String, String)> = p(&[("Action", "CopyImage")])
            .into_iter()
            .chain(out.query.iter().cloned())
            .collect();
        let sig = &out.query.last().unwrap().1;
        assert_eq!(*sig, rpc_signature("SK", &rpc_string_to_sign("POST", &all)));
        assert!(out
            .string_to_sign
            .contains("Timestamp%3D2024-05-01T12%253A34%253A56Z"));
    }
}
