//! HTTP plumbing shared by every cloud: the transport seam, the reqwest transport and the
//! signed, retried call.

pub mod backoff;
pub mod pace;
pub mod retry;

use crate::error::{Error, ErrorKind, Result};
use crate::model::Cloud;
use crate::sign::SignContext;
use async_trait::async_trait;
use bytes::Bytes;
use rand::{Rng, SeedableRng};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use url::Url;

pub use retry::{RetryPolicy, Safety};

/// The most of a reply body we read; anything larger is a protocol error.
pub const MAX_BODY: usize = 4 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub method: String,
    /// The cloud region the request is for (SigV4 signs it).
    pub region: String,
    pub url: Url,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl HttpRequest {
    /// `host` or `host:port` as it goes in the Host header (port only when not the default).
    pub fn host_header(&self) -> String {
        let host = self.url.host_str().unwrap_or_default();
        match self.url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.to_string(),
        }
    }

    /// The decoded query pairs of the URL.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        self.url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    /// Signs with `signer` over what will be sent (headers named in `unsigned` left out) and
    /// adds the headers it returns. When the signer fails the request is unchanged.
    pub fn sign_with(
        &mut self,
        unsigned: &[&str],
        signer: impl FnOnce(
            &crate::sign::SignableRequest<'_>,
        ) -> std::result::Result<crate::sign::SignOutput, String>,
    ) -> Result<crate::sign::SignOutput> {
        let query = self.query_pairs();
        let path = self.url.path().to_string();
        let headers: Vec<(String, String)> = self
            .headers
            .iter()
            .filter(|(k, _)| !unsigned.iter().any(|u| k.eq_ignore_ascii_case(u)))
            .cloned()
            .collect();
        let out = signer(&crate::sign::SignableRequest {
            method: &self.method,
            path: &path,
            query: &query,
            headers: &headers,
            body: &self.body,
        })
        .map_err(unsignable)?;
        for (k, v) in &out.headers {
            self.set_header(k, v.clone());
        }
        Ok(out)
    }

    pub fn set_header(&mut self, name: &str, value: String) {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name.to_string(), value));
    }
}

/// A signer's failure as the error of the call: the credentials cannot make a signature
/// (exit 3); the request is not sent.
pub fn unsignable(why: String) -> Error {
    Error::auth(format!("could not sign the request: {why}"))
}

#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// How a request failed before a complete reply arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    /// The request never left (connection refused, DNS, TLS handshake).
    Connect(String),
    /// No complete reply in time; the request may have been processed.
    Timeout(String),
    /// The connection broke after the request was sent; it may have been processed.
    Broken(String),
    /// The reply body was larger than we read.
    TooLarge(usize),
}

impl TransportError {
    /// True when the server may have acted on the request.
    pub fn ambiguous(&self) -> bool {
        matches!(self, TransportError::Timeout(_) | TransportError::Broken(_))
    }
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TransportError::Connect(m) => write!(f, "could not connect: {m}"),
            TransportError::Timeout(m) => write!(f, "timed out waiting for the reply: {m}"),
            TransportError::Broken(m) => write!(f, "connection broke during the exchange: {m}"),
            TransportError::TooLarge(n) => write!(f, "reply body larger than {n} bytes"),
        }
    }
}

#[async_trait]
pub trait Transport: Send + Sync {
    async fn send(&self, req: HttpRequest) -> std::result::Result<HttpResponse, TransportError>;
}

/// The real transport: one pooled reqwest client for the whole run.
pub struct ReqwestTransport {
    client: reqwest::Client,
}

impl ReqwestTransport {
    pub fn new(request_timeout: Duration, use_proxy: bool) -> Result<Self> {
        let mut b = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(request_timeout)
            .user_agent(concat!("imgcopy/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none());
        if !use_proxy {
            b = b.no_proxy();
        }
        let client = b
            .build()
            .map_err(|e| Error::new(ErrorKind::Io, format!("building the HTTP client: {e}")))?;
        Ok(ReqwestTransport { client })
    }
}

fn classify_reqwest(e: &reqwest::Error) -> TransportError {
    let msg = error_chain(e);
    if e.is_connect() {
        TransportError::Connect(msg)
    } else if e.is_timeout() {
        TransportError::Timeout(msg)
    } else {
        TransportError::Broken(msg)
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

#[async_trait]
impl Transport for ReqwestTransport {
    async fn send(&self, req: HttpRequest) -> std::result::Result<HttpResponse, TransportError> {
        let method = reqwest::Method::from_bytes(req.method.as_bytes())
            .map_err(|e| TransportError::Connect(e.to_string()))?;
        let mut rb = self.client.request(method, req.url.clone());
        for (k, v) in &req.headers {
            if !k.eq_ignore_ascii_case("host") {
                rb = rb.header(k.as_str(), v.as_str());
            }
        }
        let mut resp = rb
            .body(req.body.clone())
            .send()
            .await
            .map_err(|e| classify_reqwest(&e))?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        if resp.content_length().is_some_and(|n| n > MAX_BODY as u64) {
            return Err(TransportError::TooLarge(MAX_BODY));
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| classify_reqwest(&e))? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(TransportError::TooLarge(MAX_BODY));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HttpResponse {
            status,
            headers,
            body: body.into(),
        })
    }
}

/// What each cloud contributes to a call: how to sign and how to read an error reply.
pub trait Dialect: Send + Sync {
    fn cloud(&self) -> Cloud;
    /// Adds the authentication to a request that is otherwise ready to send. A request that
    /// cannot be signed is an error and is never sent.
    fn sign(&self, req: &mut HttpRequest, ctx: &SignContext) -> Result<()>;
    /// Turns a non-2xx reply into an error with kind, code and retryability.
    fn parse_error(&self, resp: &HttpResponse) -> Error;
    /// The query string as it goes on the wire.
    fn encode_query(&self, query: &[(String, String)]) -> String;
    /// An error a cloud reports in a 2xx reply's body (Tencent Cloud answers errors with
    /// HTTP 200): handled like an error status, retries and pacing included.
    fn error_in_reply(&self, _resp: &HttpResponse) -> Option<Error> {
        None
    }
    /// The reply header that carries the cloud's request id.
    fn request_id_header(&self) -> &'static str;
    /// Where the signature goes: the `Authorization` header (most clouds) or the query.
    fn signs_query(&self) -> bool {
        false
    }
}

/// Sends signed requests with retries; shared by every provider for the whole run.
pub struct Client {
    transport: Arc<dyn Transport>,
    policy: RetryPolicy,
    pacer: pace::Pacer,
    /// At most this many requests in flight at once, across every cloud and region.
    slots: Option<tokio::sync::Semaphore>,
    rng: Mutex<rand::rngs::StdRng>,
    sent: AtomicU64,
}

impl Client {
    /// The pause before reconciling an unknown outcome, for its `round` (1, 2, …).
    pub fn reconcile_pause(&self, round: u32) -> Duration {
        self.policy.reconcile_pause * round
    }
}

/// A successful reply and how many attempts it took.
#[derive(Debug)]
pub struct Reply {
    pub response: HttpResponse,
    pub attempts: u32,
}

impl Client {
    pub fn new(transport: Arc<dyn Transport>, policy: RetryPolicy, seed: Option<u64>) -> Self {
        let rng = match seed {
            Some(s) => rand::rngs::StdRng::seed_from_u64(s),
            None => rand::rngs::StdRng::from_entropy(),
        };
        Client {
            transport,
            policy,
            pacer: pace::Pacer::default(),
            slots: None,
            rng: Mutex::new(rng),
            sent: AtomicU64::new(0),
        }
    }

    /// Paces requests per (cloud, region).
    pub fn with_pacer(mut self, pacer: pace::Pacer) -> Self {
        self.pacer = pacer;
        self
    }

    /// Caps the requests in flight at once.
    pub fn with_max_in_flight(mut self, n: usize) -> Self {
        self.slots = Some(tokio::sync::Semaphore::new(n.max(1)));
        self
    }

    /// Requests sent so far (every attempt counts).
    pub fn requests_sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// A non-2xx reply as an error and what to do about it (throttling slows the bucket).
    fn refused(
        &self,
        dialect: &dyn Dialect,
        req: &HttpRequest,
        resp: &HttpResponse,
        safety: Safety,
    ) -> (Error, retry::Decision) {
        let err = dialect
            .error_in_reply(resp)
            .unwrap_or_else(|| dialect.parse_error(resp))
            .with_provider(dialect.cloud());
        let retry_after = resp
            .header("retry-after")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        if err.kind() == ErrorKind::Throttled || resp.status == 429 {
            self.pacer.throttled(dialect.cloud(), &req.region);
        }
        let d = retry::classify_reply(&err, resp.status, safety, retry_after);
        (err, d)
    }

    fn jitter(&self) -> f64 {
        self.rng.lock().map(|mut r| r.gen::<f64>()).unwrap_or(0.5)
    }

    /// Signs (afresh on every attempt) and sends `req`, retrying what is safe to retry.
    pub async fn execute(
        &self,
        dialect: &dyn Dialect,
        req: &HttpRequest,
        safety: Safety,
    ) -> std::result::Result<Reply, (Error, u32)> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            // Wait for a turn before signing, so the signature is fresh when it leaves.
            self.pacer.acquire(dialect.cloud(), &req.region).await;
            let permit = match &self.slots {
                Some(s) => Some(s.acquire().await.expect("the semaphore is never closed")),
                None => None,
            };
            let mut signed = req.clone();
            signed.set_header("host", signed.host_header());
            signed.set_header("content-length", signed.body.len().to_string());
            let ctx = SignContext {
                now: time::OffsetDateTime::now_utc(),
                nonce: uuid::Uuid::new_v4().simple().to_string(),
            };
            if let Err(e) = dialect.sign(&mut signed, &ctx) {
                return Err((e.with_provider(dialect.cloud()), attempt));
            }
            tracing::debug!(
                cloud = %dialect.cloud(),
                method = %signed.method,
                url = %redact_url(&signed.url),
                attempt,
                "sending"
            );
            self.sent.fetch_add(1, Ordering::Relaxed);
            let result = self.transport.send(signed).await;
            drop(permit);
            let (err, decision) = match result {
                Ok(resp)
                    if (200..300).contains(&resp.status)
                        && dialect.error_in_reply(&resp).is_none() =>
                {
                    self.pacer.succeeded(dialect.cloud(), &req.region);
                    return Ok(Reply {
                        response: resp,
                        attempts: attempt,
                    });
                }
                Ok(resp) => self.refused(dialect, req, &resp, safety),
                Err(te) => failed(dialect, &te, safety),
            };
            match decision {
                retry::Decision::Retry(after) if attempt < self.policy.max_attempts => {
                    let delay = after.unwrap_or_else(|| {
                        backoff::retry_delay(
                            attempt,
                            self.policy.base_delay,
                            self.policy.max_delay,
                            self.jitter(),
                        )
                    });
                    tracing::info!(
                        cloud = %dialect.cloud(),
                        attempt,
                        delay_ms = delay.as_millis() as u64,
                        error = %err,
                        "retrying"
                    );
                    tokio::time::sleep(delay.min(self.policy.max_delay)).await;
                }
                _ => return Err((err, attempt)),
            }
        }
    }
}

/// A request that got no complete reply, as an error and what to do about it: a call that
/// may have been acted on and is not idempotent is not sent again.
fn failed(dialect: &dyn Dialect, te: &TransportError, safety: Safety) -> (Error, retry::Decision) {
    let d = retry::classify_transport(te, safety);
    let kind = if matches!(te, TransportError::TooLarge(_)) {
        ErrorKind::Protocol
    } else {
        ErrorKind::Network
    };
    let mut err = Error::new(kind, te.to_string()).with_provider(dialect.cloud());
    if te.ambiguous() && safety == Safety::NotIdempotent {
        err = err
            .with_more("; the request may have been acted on, so it was not sent again")
            .with_retryable(false);
    }
    (err, d)
}

/// A URL for logs: scheme, host and path only (query values may carry tokens).
pub fn redact_url(u: &Url) -> String {
    let mut s = format!(
        "{}://{}{}",
        u.scheme(),
        u.host_str().unwrap_or(""),
        u.path()
    );
    if let Some(p) = u.port() {
        s = s.replacen(
            u.host_str().unwrap_or(""),
            &format!("{}:{p}", u.host_str().unwrap_or("")),
            1,
        );
    }
    if let Some(q) = u.query() {
        let keys: Vec<&str> = q
            .split('&')
            .map(|kv| kv.split('=').next().unwrap_or(""))
            .collect();
        s.push('?');
        s.push_str(&keys.join("&"));
    }
    s
}

#[cfg(test)]
mod tests;

/// A short, printable excerpt of a reply body for error messages.
pub fn body_excerpt(body: &[u8]) -> String {
    if body.is_empty() {
        return "(empty body)".to_string();
    }
    let text = String::from_utf8_lossy(&body[..body.len().min(200)]);
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let clean = crate::error::redact_credentials(clean.trim());
    if body.len() > 200 {
        format!("{clean}… ({} bytes)", body.len())
    } else {
        clean
    }
}
