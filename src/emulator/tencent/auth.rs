//! How the emulated CVM checks a request: the TC3-HMAC-SHA256 header parsed from the wire, its
//! timestamp and scope, and its signature re-computed over the headers it lists.

use super::*;
use crate::sign::tc3;
use sha2::{Digest, Sha256};

/// The fields of `TC3-HMAC-SHA256 Credential=ID/DATE/SERVICE/tc3_request, SignedHeaders=…,
/// Signature=…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAuth {
    pub secret_id: String,
    pub date: String,
    pub service: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

pub fn parse_authorization(value: &str) -> Option<ParsedAuth> {
    let f = crate::emulator::auth::auth_fields(
        value,
        tc3::ALGORITHM,
        &["Credential", "SignedHeaders", "Signature"],
    )?;
    let scope: Vec<&str> = crate::emulator::auth::field(&f, "Credential")?
        .split('/')
        .collect();
    if scope.len() != 4 || scope[3] != "tc3_request" || scope[0].is_empty() {
        return None;
    }
    Some(ParsedAuth {
        secret_id: scope[0].to_string(),
        date: scope[1].to_string(),
        service: scope[2].to_string(),
        signed_headers: crate::emulator::auth::field(&f, "SignedHeaders")?
            .split(';')
            .map(str::to_ascii_lowercase)
            .collect(),
        signature: crate::emulator::auth::field(&f, "Signature")?.to_string(),
    })
}

/// The canonical request over the headers the signer listed (`name:value`, trimmed).
fn canonical(req: &EmuRequest, signed: &[String]) -> String {
    let headers: String = signed
        .iter()
        .map(|n| format!("{n}:{}\n", req.header(n).unwrap_or("").trim()))
        .collect();
    format!(
        "{}\n{}\n{}\n{headers}\n{}\n{}",
        req.method,
        req.raw_path,
        crate::sign::enc_query(&req.query),
        signed.join(";"),
        hex::encode(Sha256::digest(&req.body))
    )
}

fn auth_error(code: &str, message: &str) -> EmuResponse {
    error(200, code, message)
}

/// The secret id of a request whose signature checks out.
pub fn verify(w: &World, req: &EmuRequest, now: OffsetDateTime) -> Result<String, EmuResponse> {
    let Some(value) = req.header("authorization") else {
        return Err(auth_error(
            "AuthFailure.SignatureFailure",
            "The request is not signed.",
        ));
    };
    let Some(auth) = parse_authorization(value) else {
        return Err(auth_error(
            "AuthFailure.InvalidAuthorization",
            "The Authorization header is malformed.",
        ));
    };
    let Some(secret) = w.credentials.get(&auth.secret_id) else {
        return Err(auth_error(
            "AuthFailure.SecretIdNotFound",
            "The SecretId does not exist.",
        ));
    };
    let Some(ts) = req
        .header(tc3::TIMESTAMP_HEADER)
        .and_then(|t| t.trim().parse::<i64>().ok())
    else {
        return Err(auth_error("MissingParameter", "X-TC-Timestamp is missing."));
    };
    if (now.unix_timestamp() - ts).abs() > CLOCK_SKEW_SECS {
        return Err(auth_error(
            "AuthFailure.SignatureExpire",
            "The signature expired: the timestamp is more than five minutes from the server's time.",
        ));
    }
    let must = ["content-type", "host"];
    if auth.date != tc3::date_of(ts)
        || auth.service != SERVICE
        || !must
            .iter()
            .all(|m| auth.signed_headers.iter().any(|s| s == m))
    {
        return Err(auth_error(
            "AuthFailure.SignatureFailure",
            "The credential scope or the signed headers are wrong.",
        ));
    }
    let sts = tc3::string_to_sign(
        ts,
        &auth.date,
        &auth.service,
        &canonical(req, &auth.signed_headers),
    );
    if tc3::signature(secret, &auth.date, &auth.service, &sts) != auth.signature {
        return Err(auth_error(
            "AuthFailure.SignatureFailure",
            "The provided credentials could not be validated. Please check your signature is correct.",
        ));
    }
    Ok(auth.secret_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_sdk_header_and_refuses_garbage() {
        let a = parse_authorization(
            "TC3-HMAC-SHA256 Credential=AKID/2026-11-21/cvm/tc3_request, SignedHeaders=content-type;host, Signature=abc",
        )
        .unwrap();
        assert_eq!(
            (a.secret_id.as_str(), a.date.as_str(), a.service.as_str()),
            ("AKID", "2026-11-21", "cvm")
        );
        assert_eq!(a.signed_headers, ["content-type", "host"]);
        assert!(parse_authorization(
            "TC3-HMAC-SHA256 Credential=AKID/2026-11-21/cvm, SignedHeaders=host, Signature=x"
        )
        .is_none());
        assert!(parse_authorization(
            "AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request, SignedHeaders=host, Signature=x"
        )
        .is_none());
    }
}
