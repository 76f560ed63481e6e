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
    format!("{path}?{}", super::enc_query(query))
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
        string_to_sign: String::new(),
        signature,
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
}
