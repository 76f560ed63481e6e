//! How the emulated EC2 checks a request: the SigV4 header parsed from the wire and re-signed,
//! and CopySnapshot's presigned URL.

use super::*;
use crate::config::Credentials;
use crate::sign::aws::{presign_get, sign, ALGORITHM, TIMESTAMP};
use crate::sign::{SignContext, SignableRequest};

fn auth_failure() -> EmuResponse {
    error(
        401,
        "AuthFailure",
        "AWS was not able to validate the provided access credentials",
    )
}

pub fn verify(w: &World, req: &EmuRequest, now: OffsetDateTime) -> Result<(), EmuResponse> {
    let Some(auth) = req.header("authorization").and_then(parse_authorization) else {
        return Err(auth_failure());
    };
    let Some(secret) = w.credentials.get(&auth.access_key_id) else {
        return Err(auth_failure());
    };
    let date = req.header("x-amz-date").unwrap_or("");
    match time::PrimitiveDateTime::parse(date, sigv4::TIMESTAMP) {
        Ok(t) if (now - t.assume_utc()).whole_seconds().abs() <= CLOCK_SKEW_SECS => {}
        _ => return Err(error(400, "RequestExpired", "Request has expired.")),
    }
    let expected = expected_signature(
        &req.method,
        &req.raw_path,
        &req.query,
        &req.headers,
        &req.body,
        &auth,
        secret,
    );
    if expected.as_deref() != Some(auth.signature.as_str()) {
        return Err(auth_failure());
    }
    Ok(())
}

/// CopySnapshot's `PresignedUrl` (the API reference: required to copy an encrypted
/// snapshot): a CopySnapshot of the same source, presigned in the source region by a known
/// key, its signature right (its expiry is not checked). Present on an unencrypted source, it
/// is checked the same way.
pub(super) fn check_presigned_url(
    w: &World,
    p: &[(String, String)],
    source: usize,
    source_region: &str,
) -> Result<(), EmuResponse> {
    let invalid = |why: &str| {
        Err(error(
            400,
            "InvalidParameterValue",
            &format!("The PresignedUrl parameter is invalid: {why}."),
        ))
    };
    let Some(presigned) = param(p, "PresignedUrl") else {
        return if w.resources[source]
            .attrs
            .get("encrypted")
            .map(String::as_str)
            == Some("true")
        {
            Err(error(
                400,
                "MissingParameter",
                "The request must contain the parameter PresignedUrl to copy an encrypted snapshot.",
            ))
        } else {
            Ok(())
        };
    };
    let Ok(url) = url::Url::parse(presigned) else {
        return invalid("not a URL");
    };
    let q: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let credential = get("X-Amz-Credential").unwrap_or("");
    let ak = credential.split('/').next().unwrap_or("");
    let Some(secret) = w.credentials.get(ak) else {
        return invalid("unknown access key");
    };
    if get("Action") != Some("CopySnapshot")
        || get("SourceSnapshotId") != param(p, "SourceSnapshotId")
        || !credential.contains(&format!("/{source_region}/ec2/"))
    {
        return invalid("it does not presign this CopySnapshot in the source region");
    }
    match presigned_matches(&url, secret) {
        Some(true) => Ok(()),
        _ => invalid("its signature does not match"),
    }
}

/// Checks a presigned GET URL (`presign_get`'s form) against `secret`: recomputes its
/// signature from what the URL says (time, region, service, expiry, parameters) and says
/// whether it matches. `None` when the URL is not a presigned SigV4 URL.
pub fn presigned_matches(url: &url::Url, secret: &str) -> Option<bool> {
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let credential: Vec<&str> = get("X-Amz-Credential")?.split('/').collect();
    if credential.len() != 5 || get("X-Amz-Algorithm")? != ALGORITHM {
        return None;
    }
    let date = time::PrimitiveDateTime::parse(get("X-Amz-Date")?, TIMESTAMP).ok()?;
    let expires = std::time::Duration::from_secs(get("X-Amz-Expires")?.parse().ok()?);
    let creds = Credentials {
        access_key_id: credential[0].to_string(),
        secret_access_key: crate::config::Secret::new(secret),
        session_token: get("X-Amz-Security-Token").map(crate::config::Secret::new),
    };
    let ctx = SignContext {
        now: date.assume_utc(),
        nonce: String::new(),
    };
    let params: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| !k.starts_with("X-Amz-"))
        .cloned()
        .collect();
    let host = match url.port() {
        Some(p) => format!("{}:{p}", url.host_str()?),
        None => url.host_str()?.to_string(),
    };
    let signed = presign_get(
        &host,
        url.path(),
        &params,
        &creds,
        &ctx,
        credential[2],
        credential[3],
        expires,
    )
    .ok()?;
    let expected = signed.iter().find(|(k, _)| k == "X-Amz-Signature")?;
    Some(Some(expected.1.as_str()) == get("X-Amz-Signature"))
}

/// The fields of `AWS4-HMAC-SHA256 Credential=AK/DATE/REGION/SERVICE/aws4_request, …`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAuth {
    pub access_key_id: String,
    pub date: String,
    pub region: String,
    pub service: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

pub fn parse_authorization(value: &str) -> Option<ParsedAuth> {
    let f = crate::emulator::auth::auth_fields(
        value,
        ALGORITHM,
        &["Credential", "SignedHeaders", "Signature"],
    )?;
    let sh: Vec<String> = crate::emulator::auth::field(&f, "SignedHeaders")?
        .split(';')
        .map(str::to_string)
        .collect();
    let sig = crate::emulator::auth::field(&f, "Signature")?.to_string();
    let parts: Vec<&str> = crate::emulator::auth::field(&f, "Credential")?
        .split('/')
        .collect();
    if parts.len() != 5 || parts[4] != "aws4_request" || parts[0].is_empty() {
        return None;
    }
    Some(ParsedAuth {
        access_key_id: parts[0].to_string(),
        date: parts[1].to_string(),
        region: parts[2].to_string(),
        service: parts[3].to_string(),
        signed_headers: sh,
        signature: sig,
    })
}

/// The signature the sender must have computed: the received request re-signed over the
/// headers it listed, at the time it stated.
pub fn expected_signature(
    method: &str,
    path: &str,
    query: &[(String, String)],
    headers: &[(String, String)],
    body: &[u8],
    auth: &ParsedAuth,
    secret: &str,
) -> Option<String> {
    let header = |n: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.clone())
    };
    let date = header("x-amz-date")?;
    let when = time::PrimitiveDateTime::parse(&date, TIMESTAMP)
        .ok()?
        .assume_utc();
    let token = header("x-amz-security-token");
    // x-amz-date and the token are added by the signer itself; pass the others it signed.
    let signed: Vec<(String, String)> = auth
        .signed_headers
        .iter()
        .filter(|n| !matches!(n.as_str(), "x-amz-date" | "x-amz-security-token"))
        .map(|n| Some((n.clone(), header(n)?)))
        .collect::<Option<_>>()?;
    let creds = Credentials {
        access_key_id: auth.access_key_id.clone(),
        secret_access_key: crate::config::Secret::new(secret),
        session_token: token.map(crate::config::Secret::new),
    };
    let out = sign(
        &SignableRequest {
            method,
            path,
            query,
            headers: &signed,
            body,
        },
        &creds,
        &SignContext {
            now: when,
            nonce: String::new(),
        },
        &auth.region,
        &auth.service,
    )
    .ok()?;
    let value = out
        .headers
        .iter()
        .find(|(k, _)| k == "authorization")?
        .1
        .clone();
    parse_authorization(&value).map(|a| a.signature)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    fn creds(token: Option<&str>) -> Credentials {
        Credentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: Secret::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            session_token: token.map(Secret::new),
        }
    }

    #[test]
    fn verification_re_signs_what_arrived() {
        let body = b"Action=DescribeImages&Version=2016-11-15";
        let headers = vec![
            ("host".to_string(), "127.0.0.1:9".to_string()),
            (
                "content-type".to_string(),
                "application/x-www-form-urlencoded; charset=utf-8".to_string(),
            ),
        ];
        let out = sign(
            &SignableRequest {
                method: "POST",
                path: "/",
                query: &[],
                headers: &headers,
                body,
            },
            &creds(Some("tok")),
            &SignContext {
                now: time::OffsetDateTime::now_utc(),
                nonce: String::new(),
            },
            "eu-west-1",
            "ec2",
        )
        .unwrap();
        let received: Vec<(String, String)> =
            headers.iter().cloned().chain(out.headers.clone()).collect();
        let auth_value = &received
            .iter()
            .find(|(k, _)| k == "authorization")
            .unwrap()
            .1;
        let auth = parse_authorization(auth_value).unwrap();
        assert_eq!(
            (auth.region.as_str(), auth.service.as_str()),
            ("eu-west-1", "ec2")
        );
        assert!(auth
            .signed_headers
            .contains(&"x-amz-security-token".to_string()));
        let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
        let expect =
            |b: &[u8], s: &str| expected_signature("POST", "/", &[], &received, b, &auth, s);
        assert_eq!(
            expect(body, secret).as_deref(),
            Some(auth.signature.as_str())
        );
        assert_ne!(
            expect(body, "other").as_deref(),
            Some(auth.signature.as_str())
        );
        assert_ne!(
            expect(b"Action=X", secret).as_deref(),
            Some(auth.signature.as_str())
        );
    }
}
