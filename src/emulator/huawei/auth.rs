//! How the emulated Huawei IMS checks a request: the `SDK-HMAC-SHA256` header parsed from the
//! wire and its signature re-computed.

use super::*;
use crate::sign::huawei::ALGORITHM;

pub(super) fn auth_error(detail: &str) -> EmuResponse {
    apig_error(
        401,
        "APIGW.0301",
        &format!("Incorrect IAM authentication information: {detail}"),
    )
}

/// Re-computes `SDK-HMAC-SHA256` from what arrived; returns the access key on success.
pub fn verify(w: &World, req: &EmuRequest, now: OffsetDateTime) -> Result<String, EmuResponse> {
    let Some(value) = req.header("authorization") else {
        return Err(auth_error("Authorization header is missing"));
    };
    let Some(auth) = parse_authorization(value) else {
        return Err(auth_error("Authorization header is malformed"));
    };
    let Some(secret) = w.credentials.get(&auth.access_key_id) else {
        return Err(auth_error(&format!("ak {} not exist", auth.access_key_id)));
    };
    let date = req.header(sig::DATE_HEADER).unwrap_or("");
    let Ok(ts) = time::PrimitiveDateTime::parse(date, sig::TIMESTAMP) else {
        return Err(auth_error("X-Sdk-Date is missing or malformed"));
    };
    if ((now - ts.assume_utc()).whole_seconds()).abs() > CLOCK_SKEW_SECS {
        return Err(auth_error("request time out of range"));
    }
    let canonical = sig::canonical_request(
        &req.method,
        &req.raw_path,
        &req.query,
        &req.headers,
        &auth.signed_headers,
        &req.body,
    );
    if sig::signature(secret, &sig::string_to_sign(date, &canonical)) != auth.signature {
        return Err(auth_error("verify aksk signature fail"));
    }
    Ok(auth.access_key_id)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAuth {
    pub access_key_id: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

/// Parses `SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex`.
pub fn parse_authorization(value: &str) -> Option<ParsedAuth> {
    let f = crate::emulator::auth::auth_fields(
        value,
        ALGORITHM,
        &["Access", "SignedHeaders", "Signature"],
    )?;
    Some(ParsedAuth {
        access_key_id: crate::emulator::auth::field(&f, "Access")?.to_string(),
        signed_headers: crate::emulator::auth::field(&f, "SignedHeaders")?
            .split(';')
            .map(str::to_string)
            .collect(),
        signature: crate::emulator::auth::field(&f, "Signature")?.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_authorization_rejects_garbage() {
        assert!(
            parse_authorization("SDK-HMAC-SHA256 Access=, SignedHeaders=a, Signature=b").is_none()
        );
        assert!(parse_authorization("bce-auth-v1/x").is_none());
        assert!(parse_authorization("SDK-HMAC-SHA256 Access=a, Signature=b").is_none());
    }
}
