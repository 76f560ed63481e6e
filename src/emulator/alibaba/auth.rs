//! How the emulated Alibaba ECS checks a request: RPC signatures (v2) and ACS3 headers,
//! timestamps and nonces.

use super::*;
use crate::sign::aliyun::{ACS3, TIMESTAMP};

fn check_time(ts: &str, now: OffsetDateTime) -> Result<(), EmuResponse> {
    match parse_timestamp(ts) {
        Some(t) if (now - t).whole_seconds().abs() <= CLOCK_SKEW_SECS => Ok(()),
        _ => Err(error(
            400,
            "InvalidTimeStamp.Expired",
            "Specified time stamp or date value is expired.",
        )),
    }
}

fn use_nonce(w: &mut World, nonce: &str) -> Result<(), EmuResponse> {
    if nonce.is_empty() || !w.nonces.insert(nonce.to_string()) {
        return Err(error(
            400,
            "SignatureNonceUsed",
            "Specified signature nonce was used already.",
        ));
    }
    Ok(())
}

fn mismatch(string_to_sign: &str) -> EmuResponse {
    // The old SDK compares the part after ':' with its own string to sign.
    error(
        400,
        "SignatureDoesNotMatch",
        &format!("Specified signature is not matched with our calculation. server string to sign is:{string_to_sign}"),
    )
}

/// Verifies the RPC signature or ACS3 from what arrived; returns the access key.
pub fn verify(w: &mut World, req: &EmuRequest, now: OffsetDateTime) -> Result<String, EmuResponse> {
    if let Some(auth) = req
        .header("authorization")
        .filter(|a| a.starts_with(sig::ACS3))
    {
        let Some(a) = parse_acs3(auth) else {
            return Err(error(
                400,
                "IncompleteSignature",
                "The request signature does not conform to Aliyun standards.",
            ));
        };
        let Some(secret) = w.credentials.get(&a.access_key_id).cloned() else {
            return Err(error(
                404,
                "InvalidAccessKeyId.NotFound",
                "Specified access key is not found.",
            ));
        };
        check_time(req.header("x-acs-date").unwrap_or(""), now)?;
        let payload = hex::encode(Sha256::digest(&req.body));
        let canonical = sig::acs3_canonical_request(
            &req.method,
            &req.raw_path,
            &req.query,
            &req.headers,
            &a.signed_headers,
            &payload,
        );
        if sig::acs3_signature(&secret, &canonical) != a.signature {
            return Err(mismatch(&format!(
                "{}\n{}",
                sig::ACS3,
                hex::encode(Sha256::digest(canonical.as_bytes()))
            )));
        }
        use_nonce(w, req.header("x-acs-signature-nonce").unwrap_or(""))?;
        return Ok(a.access_key_id);
    }
    let p = params(req);
    let (Some(ak), Some(signature)) = (param(&p, "AccessKeyId"), param(&p, "Signature")) else {
        return Err(error(
            400,
            "IncompleteSignature",
            "The request signature does not conform to Aliyun standards.",
        ));
    };
    let Some(secret) = w.credentials.get(ak).cloned() else {
        return Err(error(
            404,
            "InvalidAccessKeyId.NotFound",
            "Specified access key is not found.",
        ));
    };
    check_time(param(&p, "Timestamp").unwrap_or(""), now)?;
    let sts = sig::rpc_string_to_sign(&req.method, &p);
    if sig::rpc_signature(&secret, &sts) != signature {
        return Err(mismatch(&sts));
    }
    use_nonce(w, param(&p, "SignatureNonce").unwrap_or(""))?;
    Ok(ak.to_string())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acs3Auth {
    pub access_key_id: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

/// Parses `ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=a;b,Signature=hex`.
pub fn parse_acs3(value: &str) -> Option<Acs3Auth> {
    let f = crate::emulator::auth::auth_fields(
        value,
        ACS3,
        &["Credential", "SignedHeaders", "Signature"],
    )?;
    Some(Acs3Auth {
        access_key_id: crate::emulator::auth::field(&f, "Credential")?.to_string(),
        signed_headers: crate::emulator::auth::field(&f, "SignedHeaders")?
            .split(';')
            .map(str::to_string)
            .collect(),
        signature: crate::emulator::auth::field(&f, "Signature")?.to_string(),
    })
}

/// The current time in the format the emulator checks Timestamp / x-acs-date against.
pub fn parse_timestamp(s: &str) -> Option<OffsetDateTime> {
    time::PrimitiveDateTime::parse(s, TIMESTAMP)
        .ok()
        .map(|t| t.assume_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acs3_authorization_parses() {
        let a =
            parse_acs3("ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host;x-acs-date,Signature=ab")
                .unwrap();
        assert_eq!(a.signed_headers, ["host", "x-acs-date"]);
        assert!(parse_acs3("ACS3-HMAC-SHA256 Credential=,SignedHeaders=a,Signature=b").is_none());
    }
}
