//! How the emulated Baidu BCC checks a request: the `bce-auth-v1` header parsed from the wire
//! and its signature re-computed.

use super::*;

/// Re-computes the `bce-auth-v1` signature from what arrived on the wire.
pub fn verify(w: &World, req: &EmuRequest, now: OffsetDateTime) -> Result<(), EmuResponse> {
    let Some(value) = req.header("authorization") else {
        return Err(error(
            403,
            "AccessDenied",
            "Access denied: no Authorization header.",
        ));
    };
    let Some(auth) = parse_authorization(value) else {
        return Err(error(
            400,
            "InvalidHTTPAuthHeader",
            "The Authorization header is malformed.",
        ));
    };
    let Some(secret) = w.credentials.get(&auth.access_key_id) else {
        return Err(error(
            403,
            "InvalidAccessKeyId",
            "The access key id does not exist.",
        ));
    };
    let Ok(ts) = time::PrimitiveDateTime::parse(&auth.timestamp, bce::TIMESTAMP) else {
        return Err(error(
            400,
            "InvalidHTTPAuthHeader",
            "The timestamp in the Authorization header is malformed.",
        ));
    };
    let ts = ts.assume_utc();
    let age = (now - ts).whole_seconds();
    if age > i64::from(auth.expiration) || age < -CLOCK_SKEW_SECS {
        return Err(error(
            400,
            "RequestExpired",
            "The request has expired or its time is too far from the server's.",
        ));
    }
    let canonical = bce::canonical_request(
        &req.method,
        &req.raw_path,
        &req.query,
        &req.headers,
        &auth.signed_headers,
    );
    let prefix = bce::auth_prefix(&auth.access_key_id, &auth.timestamp, auth.expiration);
    if bce::signature(secret, &prefix, &canonical) != auth.signature {
        return Err(error(
            400,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        ));
    }
    Ok(())
}

/// The fields of a `bce-auth-v1` Authorization header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAuth {
    pub access_key_id: String,
    pub timestamp: String,
    pub expiration: u32,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

/// Parses `bce-auth-v1/{ak}/{ts}/{exp}/{signedHeaders}/{sig}`.
pub fn parse_authorization(value: &str) -> Option<ParsedAuth> {
    let parts: Vec<&str> = value.trim().split('/').collect();
    if parts.len() != 6 || parts[0] != "bce-auth-v1" || parts[1].is_empty() {
        return None;
    }
    let signed_headers = parts[4]
        .split(';')
        .filter(|s| !s.is_empty())
        .map(|s| s.to_ascii_lowercase())
        .collect();
    Some(ParsedAuth {
        access_key_id: parts[1].to_string(),
        timestamp: parts[2].to_string(),
        expiration: parts[3].parse().ok()?,
        signed_headers,
        signature: parts[5].to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_authorization_rejects_garbage() {
        assert!(parse_authorization("bce-auth-v1/ak/ts/x//sig").is_none());
        assert!(parse_authorization("Bearer x").is_none());
        assert!(parse_authorization("bce-auth-v1//ts/1800//sig").is_none());
        let p = parse_authorization("bce-auth-v1/ak/ts/60/host;x-bce-date/sig").unwrap();
        assert_eq!(p.signed_headers, ["host", "x-bce-date"]);
    }
}
