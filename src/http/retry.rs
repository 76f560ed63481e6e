//! Which failures are worth another attempt, and which must never be re-sent blindly.

use crate::error::{Error, ErrorKind};
use std::time::Duration;

use super::TransportError;

/// Whether repeating a request can create something twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Safety {
    /// Reads, and writes the cloud deduplicates by a client token.
    Idempotent,
    /// Writes without a token: only re-sent when the first try certainly did nothing.
    NotIdempotent,
}

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// How long to let the cloud's listings catch up before looking for a copy whose call
    /// had an unknown outcome (times the round: one pause, then two…). Listings are
    /// eventually consistent: looking at once could miss the copy and make a second.
    pub reconcile_pause: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(20),
            reconcile_pause: Duration::from_secs(10),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Try again, after the given delay when the server named one.
    Retry(Option<Duration>),
    Stop,
}

/// A complete error reply. Throttling and 503 (refused before any work) are safe to repeat
/// for every request; other 5xx replies only for idempotent ones.
pub fn classify_reply(
    err: &Error,
    status: u16,
    safety: Safety,
    retry_after: Option<Duration>,
) -> Decision {
    let throttled = err.kind() == ErrorKind::Throttled || status == 429;
    if throttled || status == 503 {
        return Decision::Retry(retry_after);
    }
    if status >= 500 && safety == Safety::Idempotent {
        return Decision::Retry(retry_after);
    }
    if err.retryable() && safety == Safety::Idempotent {
        return Decision::Retry(retry_after);
    }
    Decision::Stop
}

/// No complete reply. A request that never left is always safe to repeat.
pub fn classify_transport(err: &TransportError, safety: Safety) -> Decision {
    match err {
        TransportError::Connect(_) => Decision::Retry(None),
        TransportError::TooLarge(_) => Decision::Stop,
        _ if safety == Safety::Idempotent => Decision::Retry(None),
        _ => Decision::Stop,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(kind: ErrorKind) -> Error {
        Error::new(kind, "x")
    }

    #[test]
    fn throttling_and_503_retry_even_for_unsafe_writes() {
        let d = classify_reply(&err(ErrorKind::Throttled), 400, Safety::NotIdempotent, None);
        assert_eq!(d, Decision::Retry(None));
        let after = Some(Duration::from_secs(3));
        assert_eq!(
            classify_reply(&err(ErrorKind::Server), 503, Safety::NotIdempotent, after),
            Decision::Retry(after)
        );
    }

    #[test]
    fn ambiguous_5xx_only_retries_idempotent_requests() {
        assert_eq!(
            classify_reply(&err(ErrorKind::Server), 500, Safety::NotIdempotent, None),
            Decision::Stop
        );
        assert_eq!(
            classify_reply(&err(ErrorKind::Server), 500, Safety::Idempotent, None),
            Decision::Retry(None)
        );
    }

    #[test]
    fn client_errors_stop() {
        assert_eq!(
            classify_reply(&err(ErrorKind::Rejected), 409, Safety::Idempotent, None),
            Decision::Stop
        );
        assert_eq!(
            classify_reply(&err(ErrorKind::Auth), 403, Safety::Idempotent, None),
            Decision::Stop
        );
    }

    #[test]
    fn transport_failures() {
        let c = TransportError::Connect("refused".into());
        let t = TransportError::Timeout("t".into());
        assert_eq!(
            classify_transport(&c, Safety::NotIdempotent),
            Decision::Retry(None)
        );
        assert_eq!(
            classify_transport(&t, Safety::NotIdempotent),
            Decision::Stop
        );
        assert_eq!(
            classify_transport(&t, Safety::Idempotent),
            Decision::Retry(None)
        );
        assert_eq!(
            classify_transport(&TransportError::TooLarge(1), Safety::Idempotent),
            Decision::Stop
        );
    }
}
