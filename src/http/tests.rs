//! Retry behaviour of `Client` over a scripted transport, on tokio's paused clock.

use super::*;
use std::collections::VecDeque;

struct Scripted {
    replies: Mutex<VecDeque<std::result::Result<HttpResponse, TransportError>>>,
    seen: Mutex<Vec<HttpRequest>>,
}

impl Scripted {
    fn new(r: Vec<std::result::Result<HttpResponse, TransportError>>) -> Arc<Self> {
        Arc::new(Scripted {
            replies: Mutex::new(r.into()),
            seen: Mutex::new(Vec::new()),
        })
    }
}

#[async_trait]
impl Transport for Scripted {
    async fn send(&self, req: HttpRequest) -> std::result::Result<HttpResponse, TransportError> {
        self.seen.lock().unwrap().push(req);
        self.replies
            .lock()
            .unwrap()
            .pop_front()
            .expect("more requests than scripted replies")
    }
}

struct TestDialect;

impl Dialect for TestDialect {
    fn cloud(&self) -> Cloud {
        Cloud::Baidu
    }
    fn sign(&self, req: &mut HttpRequest, ctx: &SignContext) -> Result<()> {
        req.set_header("x-nonce", ctx.nonce.clone());
        Ok(())
    }
    fn parse_error(&self, resp: &HttpResponse) -> Error {
        let kind = if resp.status == 429 {
            ErrorKind::Throttled
        } else if resp.status >= 500 {
            ErrorKind::Server
        } else {
            ErrorKind::Rejected
        };
        Error::new(kind, format!("status {}", resp.status))
    }
    fn encode_query(&self, query: &[(String, String)]) -> String {
        crate::sign::bce::canonical_query(query)
    }
    fn request_id_header(&self) -> &'static str {
        "x-request-id"
    }
}

fn reply(
    status: u16,
    headers: &[(&str, &str)],
) -> std::result::Result<HttpResponse, TransportError> {
    Ok(HttpResponse {
        status,
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body: Bytes::new(),
    })
}

fn request() -> HttpRequest {
    HttpRequest {
        method: "POST".into(),
        region: "bj".into(),
        url: Url::parse("http://127.0.0.1:1/v2/image/m-1?remoteCopy=").unwrap(),
        headers: vec![],
        body: Bytes::from_static(b"{}"),
    }
}

#[tokio::test(start_paused = true)]
async fn retries_throttling_honouring_retry_after_and_resigns_each_attempt() {
    let t = Scripted::new(vec![
        reply(429, &[("Retry-After", "7")]),
        reply(503, &[]),
        reply(200, &[]),
    ]);
    let c = Client::new(t.clone(), RetryPolicy::default(), Some(1));
    let start = tokio::time::Instant::now();
    let r = c
        .execute(&TestDialect, &request(), Safety::NotIdempotent)
        .await
        .unwrap();
    assert_eq!(r.attempts, 3);
    assert!(start.elapsed() >= Duration::from_secs(7));
    let seen = t.seen.lock().unwrap();
    let nonces: Vec<_> = seen
        .iter()
        .map(|r| {
            r.headers
                .iter()
                .find(|(k, _)| k == "x-nonce")
                .unwrap()
                .1
                .clone()
        })
        .collect();
    assert_eq!(nonces.len(), 3);
    assert!(nonces[0] != nonces[1] && nonces[1] != nonces[2]);
    assert!(seen[0]
        .headers
        .iter()
        .any(|(k, v)| k == "host" && v == "127.0.0.1:1"));
    assert!(seen[0]
        .headers
        .iter()
        .any(|(k, v)| k == "content-length" && v == "2"));
}

#[tokio::test(start_paused = true)]
async fn unsafe_write_is_not_resent_after_an_ambiguous_failure() {
    let t = Scripted::new(vec![Err(TransportError::Broken("reset".into()))]);
    let c = Client::new(t.clone(), RetryPolicy::default(), Some(1));
    let (err, attempts) = c
        .execute(&TestDialect, &request(), Safety::NotIdempotent)
        .await
        .unwrap_err();
    assert_eq!(attempts, 1);
    assert_eq!(err.kind(), ErrorKind::Network);
    assert!(
        err.message().contains("not sent again"),
        "{}",
        err.message()
    );
    assert!(!err.retryable());
}

#[tokio::test(start_paused = true)]
async fn connect_errors_retry_until_the_attempt_limit() {
    let policy = RetryPolicy {
        max_attempts: 3,
        ..RetryPolicy::default()
    };
    let t = Scripted::new(
        (0..3)
            .map(|_| Err(TransportError::Connect("refused".into())))
            .collect(),
    );
    let c = Client::new(t.clone(), policy, Some(1));
    let (_, attempts) = c
        .execute(&TestDialect, &request(), Safety::NotIdempotent)
        .await
        .unwrap_err();
    assert_eq!(attempts, 3);
    assert_eq!(c.requests_sent(), 3);
}

#[tokio::test(start_paused = true)]
async fn idempotent_reads_retry_500_and_timeouts() {
    let t = Scripted::new(vec![
        reply(500, &[]),
        Err(TransportError::Timeout("slow".into())),
        reply(200, &[]),
    ]);
    let c = Client::new(t, RetryPolicy::default(), Some(1));
    let r = c
        .execute(&TestDialect, &request(), Safety::Idempotent)
        .await
        .unwrap();
    assert_eq!(r.attempts, 3);
}

#[test]
fn redact_url_drops_query_values() {
    let u = Url::parse("http://127.0.0.1:8080/v2/x?clientToken=abc&remoteCopy=").unwrap();
    assert_eq!(
        redact_url(&u),
        "http://127.0.0.1:8080/v2/x?clientToken&remoteCopy"
    );
}

/// A dialect whose signer always fails, the way a signing library refuses credentials.
struct Unsignable;

impl Dialect for Unsignable {
    fn cloud(&self) -> Cloud {
        Cloud::Baidu
    }
    fn sign(&self, req: &mut HttpRequest, _: &SignContext) -> Result<()> {
        req.sign_with(&[], |_| Err("the signer refused".to_string()))
            .map(drop)
    }
    fn parse_error(&self, resp: &HttpResponse) -> Error {
        TestDialect.parse_error(resp)
    }
    fn encode_query(&self, query: &[(String, String)]) -> String {
        TestDialect.encode_query(query)
    }
    fn request_id_header(&self) -> &'static str {
        "x-request-id"
    }
}

#[tokio::test(start_paused = true)]
async fn a_request_that_cannot_be_signed_is_never_sent() {
    let t = Scripted::new(vec![]);
    let c = Client::new(t.clone(), RetryPolicy::default(), Some(1));
    let (e, attempts) = c
        .execute(&Unsignable, &request(), Safety::Idempotent)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Auth, "{e:?}");
    assert!(e.message().contains("could not sign"), "{}", e.message());
    assert_eq!(attempts, 1);
    assert!(t.seen.lock().unwrap().is_empty(), "nothing was sent");
}
