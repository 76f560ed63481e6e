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

/// `now` in UTC, in a signer's timestamp format.
fn utc(now: OffsetDateTime, format: &[time::format_description::BorrowedFormatItem<'_>]) -> String {
    now.to_offset(time::UtcOffset::UTC)
        .format(format)
        .expect("a calendar date formats")
}
