//! Pure request signers: no clock, randomness or environment inside; time and nonce are inputs.

pub mod aliyun;
pub mod aws;
pub mod bce;
pub mod huawei;

use time::OffsetDateTime;

/// What a signer sees of a request: exactly what will go on the wire.
#[derive(Debug, Clone)]
pub struct SignableRequest<'a> {
    pub method: &'a str,
    /// The path as sent (already encoded where needed).
    pub path: &'a str,
    /// Decoded query pairs; a key-only parameter has an empty value.
    pub query: &'a [(String, String)],
    /// Header names and values as they will be sent (`host` included).
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

/// The inputs a signature depends on besides the request and the credentials.
#[derive(Debug, Clone)]
pub struct SignContext {
    pub now: OffsetDateTime,
    pub nonce: String,
}

/// What the signer adds, and what it signed (visible to tests and `-vv` debugging).
#[derive(Debug, Clone, Default)]
pub struct SignOutput {
    pub headers: Vec<(String, String)>,
    pub query: Vec<(String, String)>,
    pub canonical_request: String,
    pub string_to_sign: String,
}

/// The `Key=value` fields after the algorithm name in an Authorization header
/// (`ALG K1=v1, K2=v2` or `ALG K1=v1,K2=v2`), only when every field is one of `keys`.
pub fn auth_fields<'a>(
    value: &'a str,
    algorithm: &str,
    keys: &[&str],
) -> Option<Vec<(&'a str, &'a str)>> {
    let rest = value.trim().strip_prefix(algorithm)?.trim_start();
    let fields: Vec<(&str, &str)> = rest
        .split(',')
        .map(|part| part.trim().split_once('='))
        .collect::<Option<_>>()?;
    fields
        .iter()
        .all(|(k, _)| keys.contains(k))
        .then_some(fields)
}

/// The value of `key` among `fields`, when present and not empty.
pub fn field<'a>(fields: &[(&str, &'a str)], key: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| *v)
        .filter(|v| !v.is_empty())
}

/// `now` in UTC, in a signer's timestamp format.
fn utc(now: OffsetDateTime, format: &[time::format_description::BorrowedFormatItem<'_>]) -> String {
    now.to_offset(time::UtcOffset::UTC)
        .format(format)
        .expect("a calendar date formats")
}
