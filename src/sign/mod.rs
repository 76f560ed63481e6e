//! Pure request signers: no clock, randomness or environment inside; time and nonce are inputs.

pub mod aliyun;
pub mod aws;
pub mod bce;
pub mod huawei;
pub mod tc3;

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

/// What the signer adds, and what it signed (visible to tests and `-vvv` debugging). The
/// same fields mean the same for every cloud.
#[derive(Debug, Clone, Default)]
pub struct SignOutput {
    /// Headers to add (the signature's own included, where it goes in a header).
    pub headers: Vec<(String, String)>,
    /// Query parameters to add (the signature's own included, where it goes in the query).
    pub query: Vec<(String, String)>,
    /// The request in the cloud's canonical form; empty where the signing library keeps it
    /// to itself (`aws-sigv4`).
    pub canonical_request: String,
    /// What the final HMAC covers; empty where the signing library keeps it to itself.
    pub string_to_sign: String,
    /// The signature, as it goes on the wire.
    pub signature: String,
}

/// What RFC 3986 leaves unencoded: letters, digits and `-_.~`.
const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// RFC 3986 encoding: `A-Za-z0-9-_.~` literal, everything else upper-case `%XX` of UTF-8
/// (so space is `%20`, `*` is `%2A`, `~` stays), as the Alibaba and AWS signers encode.
pub fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, UNRESERVED).to_string()
}

/// `k=v` pairs, each RFC 3986-encoded, joined with `&` in the order given.
pub fn enc_query(query: &[(String, String)]) -> String {
    query
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// `now` in UTC, in a signer's timestamp format.
fn utc(now: OffsetDateTime, format: &[time::format_description::BorrowedFormatItem<'_>]) -> String {
    now.to_offset(time::UtcOffset::UTC)
        .format(format)
        .expect("a calendar date formats")
}
