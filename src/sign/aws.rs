//! AWS Signature Version 4, computed by the `aws-sigv4` crate behind the same seam as the
//! other signers (time is an input; the emulator re-signs what it received to verify).

use super::{SignContext, SignOutput, SignableRequest};
use crate::config::Credentials;
use aws_sigv4::http_request::{sign as sigv4_sign, SignableBody, SigningSettings};
use aws_sigv4::sign::v4;
use std::time::SystemTime;

pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// `YYYYMMDDThhmmssZ`, the `X-Amz-Date` format.
pub const TIMESTAMP: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");

/// The query string as signed: pairs in order, RFC 3986 encoded.
fn uri(path: &str, query: &[(String, String)]) -> String {
    if query.is_empty() {
        return path.to_string();
    }
    let q: Vec<String> = query
        .iter()
        .map(|(k, v)| format!("{}={}", super::aliyun::enc(k), super::aliyun::enc(v)))
        .collect();
    format!("{path}?{}", q.join("&"))
}

/// The `aws-sigv4` identity of `creds`.
fn identity(creds: &Credentials) -> aws_smithy_runtime_api::client::identity::Identity {
    aws_credential_types::Credentials::new(
        creds.access_key_id.clone(),
        creds.secret_access_key.expose().to_string(),
        creds.session_token.as_ref().map(|t| t.expose().to_string()),
        None,
        "imgcopy",
    )
    .into()
}

/// Signs for `service` in `region`; returns the headers to add (`x-amz-date`, the token and
/// `authorization`). Errors only on a request `aws-sigv4` cannot represent.
pub fn sign(
    req: &SignableRequest<'_>,
    creds: &Credentials,
    ctx: &SignContext,
    region: &str,
    service: &str,
) -> Result<SignOutput, String> {
    let identity = identity(creds);
    let time: SystemTime = ctx.now.into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| e.to_string())?
        .into();
    let signable = aws_sigv4::http_request::SignableRequest::new(
        req.method,
        uri(req.path, req.query),
        req.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        SignableBody::Bytes(req.body),
    )
    .map_err(|e| e.to_string())?;
    let (instructions, signature) = sigv4_sign(signable, &params)
        .map_err(|e| e.to_string())?
        .into_parts();
    let headers = instructions
        .headers()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
        .collect();
    Ok(SignOutput {
        headers,
        query: Vec::new(),
        canonical_request: String::new(),
        string_to_sign: signature,
    })
}

/// A presigned GET (SigV4 in the query, as botocore's `SigV4QueryAuth` computes it: the host
/// the only signed header, the empty payload's hash, `expires` seconds of validity): the
/// query to send, the operation's parameters first, then the `X-Amz-*` ones.
#[allow(clippy::too_many_arguments)]
pub fn presign_get(
    host: &str,
    path: &str,
    query: &[(String, String)],
    creds: &Credentials,
    ctx: &SignContext,
    region: &str,
    service: &str,
    expires: std::time::Duration,
) -> Result<Vec<(String, String)>, String> {
    use aws_sigv4::http_request::SignatureLocation;
    let identity = identity(creds);
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(expires);
    let time: SystemTime = ctx.now.into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(time)
        .settings(settings)
        .build()
        .map_err(|e| e.to_string())?
        .into();
    let signable = aws_sigv4::http_request::SignableRequest::new(
        "GET",
        uri(path, query),
        std::iter::once(("host", host)),
        SignableBody::Bytes(b""),
    )
    .map_err(|e| e.to_string())?;
    let (instructions, _) = sigv4_sign(signable, &params)
        .map_err(|e| e.to_string())?
        .into_parts();
    let mut out = query.to_vec();
    out.extend(
        instructions
            .params()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    Ok(out)
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
    let f = super::auth_fields(
        value,
        ALGORITHM,
        &["Credential", "SignedHeaders", "Signature"],
    )?;
    let sh: Vec<String> = super::field(&f, "SignedHeaders")?
        .split(';')
        .map(str::to_string)
        .collect();
    let sig = super::field(&f, "Signature")?.to_string();
    let parts: Vec<&str> = super::field(&f, "Credential")?.split('/').collect();
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
    fn documented_get_vanilla_known_answer() {
        // The AWS SigV4 test suite's "get-vanilla" case.
        let headers = vec![("host".to_string(), "example.amazonaws.com".to_string())];
        let out = sign(
            &SignableRequest {
                method: "GET",
                path: "/",
                query: &[],
                headers: &headers,
                body: b"",
            },
            &creds(None),
            &SignContext {
                now: time::macros::datetime!(2015-08-30 12:36:00 UTC),
                nonce: String::new(),
            },
            "us-east-1",
            "service",
        )
        .unwrap();
        let auth = &out
            .headers
            .iter()
            .find(|(k, _)| k == "authorization")
            .unwrap()
            .1;
        assert_eq!(
            auth,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
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
