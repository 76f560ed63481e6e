//! The crate error: one kind that tells the user what to do, plus what the cloud said.

use crate::model::Cloud;
use std::fmt;

/// What went wrong, in terms of what the user can do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad flags or values: nothing was sent (exit 2).
    Usage,
    /// Missing or rejected credentials, or a permission error (exit 3).
    Auth,
    /// The cloud does not know the resource.
    NotFound,
    /// The cloud refused the operation as requested (state, quota, parameters).
    Rejected,
    /// The cloud asked us to slow down.
    Throttled,
    /// The cloud failed on its side (5xx).
    Server,
    /// The connection failed or timed out.
    Network,
    /// The reply could not be understood (truncated, HTML, not JSON, too large).
    Protocol,
    /// Local I/O (report file, config file).
    Io,
}

/// The crate error. `code`, `message` and `request_id` come from the cloud when it answered.
/// Its fields are read through accessors and set through the `with_*` builders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    provider: Option<Cloud>,
    code: Option<String>,
    message: String,
    request_id: Option<String>,
    status: Option<u16>,
    retryable: bool,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            provider: None,
            code: None,
            message: message.into(),
            request_id: None,
            status: None,
            retryable: matches!(
                kind,
                ErrorKind::Throttled | ErrorKind::Server | ErrorKind::Network
            ),
        }
    }

    /// A usage error that names the flag at fault.
    pub fn usage(flag: &str, message: impl fmt::Display) -> Self {
        Error::new(ErrorKind::Usage, format!("{flag}: {message}"))
    }

    pub fn auth(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Auth, message)
    }

    pub fn io(context: impl fmt::Display, err: impl fmt::Display) -> Self {
        Error::new(ErrorKind::Io, format!("{context}: {err}"))
    }

    pub fn protocol(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Protocol, message)
    }

    /// The request may or may not have been acted on, and another try may succeed: a broken
    /// or timed-out exchange, a server failure, an unreadable reply, throttling.
    pub fn outcome_unknown(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Network | ErrorKind::Server | ErrorKind::Protocol | ErrorKind::Throttled
        )
    }

    pub fn with_provider(mut self, cloud: Cloud) -> Self {
        self.provider = Some(cloud);
        self
    }

    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    pub fn with_request_id(mut self, id: Option<String>) -> Self {
        self.request_id = id;
        self
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    pub fn with_retryable(mut self, retryable: bool) -> Self {
        self.retryable = retryable;
        self
    }

    /// The same error with `more` added to its message.
    pub fn with_more(mut self, more: &str) -> Self {
        self.message.push_str(more);
        self
    }

    /// What went wrong, as a kind that decides the exit code.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The cloud that answered (or was being asked).
    pub fn provider(&self) -> Option<Cloud> {
        self.provider
    }

    /// The cloud's error code.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// The cloud's request id, for its support.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The HTTP status of the reply, when there was one.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// Whether sending the same request again is safe and may succeed.
    pub fn retryable(&self) -> bool {
        self.retryable
    }

    /// An error reply of `cloud`: `code` may be empty when the body carried none.
    pub fn from_reply(
        cloud: Cloud,
        (kind, retryable): (ErrorKind, bool),
        status: u16,
        code: String,
        message: String,
        request_id: Option<String>,
    ) -> Self {
        // A reply that names no error still says what it was; one that echoes the request
        // keeps no credential.
        let message = if message.trim().is_empty() {
            format!("HTTP {status} with no error message")
        } else {
            redact_credentials(&message)
        };
        let mut err = Error::new(kind, message)
            .with_provider(cloud)
            .with_status(status)
            .with_request_id(request_id)
            .with_retryable(retryable);
        if !code.is_empty() {
            err = err.with_code(code);
        }
        err
    }

    /// The process exit code this error leads to when it ends the run.
    pub fn exit_code(&self) -> i32 {
        match self.kind {
            ErrorKind::Usage => crate::exit::USAGE,
            ErrorKind::Auth => crate::exit::AUTH,
            _ => crate::exit::FAILED,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = self.provider {
            write!(f, "{p}: ")?;
        }
        if let Some(code) = &self.code {
            write!(f, "{code}: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(status) = self.status {
            write!(f, " (HTTP {status})")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// Names under which a credential can travel, in any cloud's requests (`Authorization`,
/// and each driver's `secret_names`), lower case: a server that echoes what it received must
/// not put one into a message, a log or the report.
fn credential_names() -> &'static [&'static str] {
    static NAMES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names = vec!["authorization"];
        for c in Cloud::all() {
            names.extend(c.driver().secret_names());
        }
        names
    })
}

/// `text` with the value after every credential name replaced by `<redacted>`.
pub fn redact_credentials(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let hit = credential_names()
            .iter()
            .filter(|n| lower[i..].starts_with(*n))
            .max_by_key(|n| n.len());
        let Some(name) = hit else {
            let ch = text[i..].chars().next().expect("in bounds");
            out.push(ch);
            i += ch.len_utf8();
            continue;
        };
        let mut j = i + name.len();
        out.push_str(&text[i..j]);
        // Separators between the name and its value: `: `, `=`, `":"`, `>` (spaces alone
        // are prose: "the signature is wrong").
        let mut marked = false;
        while let Some(c) = text[j..]
            .chars()
            .next()
            .filter(|c| " \t:=\"'>".contains(*c))
        {
            marked |= c != ' ' && c != '\t';
            out.push(c);
            j += c.len_utf8();
        }
        let value_end = text[j..]
            .find(|c: char| c.is_whitespace() || "\"'&<,;".contains(c))
            .map_or(text.len(), |k| j + k);
        // `Authorization: bce-auth-v1/…` and `SigV4 Credential=…`: the whole value goes.
        let value_end = if name.eq_ignore_ascii_case("authorization") {
            text[j..]
                .find(['\n', '\r', '"', '<'])
                .map_or(text.len(), |k| j + k)
        } else {
            value_end
        };
        // A name run into other letters (`SignatureDoesNotMatch`) or prose is not a field.
        if !marked {
            i = j;
            continue;
        }
        if value_end > j {
            out.push_str("<redacted>");
        }
        i = value_end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::redact_credentials;

    #[test]
    fn echoed_credentials_are_redacted() {
        let cases = [
            (
                "bad header x-bce-security-token:ST.secret123 in request",
                "bad header x-bce-security-token:<redacted> in request",
            ),
            (
                r#"{"headers":{"X-Security-Token":"tok/abc==","Host":"h"}}"#,
                r#"{"headers":{"X-Security-Token":"<redacted>","Host":"h"}}"#,
            ),
            (
                "query SecurityToken=abc&Signature=xyz&Action=CopyImage",
                "query SecurityToken=<redacted>&Signature=<redacted>&Action=CopyImage",
            ),
            (
                "Authorization: bce-auth-v1/ak/2026/1800/host/abc\nnext",
                "Authorization: <redacted>\nnext",
            ),
            ("no secrets here, 中文 too", "no secrets here, 中文 too"),
            (
                "SignatureDoesNotMatch: the signature is wrong",
                "SignatureDoesNotMatch: the signature is wrong",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(redact_credentials(input), want, "{input}");
        }
    }
}
