//! A local emulator of the clouds' copy APIs: a real HTTP server on loopback that verifies
//! signatures and moves copies through their states on a virtual clock.

mod admin;
pub mod alibaba;
pub mod auth;
pub mod aws;
pub mod baidu;
pub mod cloud;
pub mod huawei;
pub mod registry;
pub mod rules;
pub mod state;
pub mod tencent;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use state::{BodyFault, Fault, LoggedRequest, Resource, World};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// Credentials the sandbox uses (and the emulator accepts unless told otherwise).
pub const SANDBOX_ACCESS_KEY: &str = "imgcopy-sandbox-ak";
pub const SANDBOX_SECRET_KEY: &str = "imgcopy-sandbox-sk";
/// The Huawei project id the sandbox uses in every region.
pub const SANDBOX_PROJECT_ID: &str = "5a9d0000000000000000000000000000";

#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    pub listen: SocketAddr,
    pub access_key: String,
    pub secret_key: String,
    /// Virtual seconds per real second.
    pub speed: f64,
    /// Virtual seconds a copy takes.
    pub copy_seconds: f64,
    /// Virtual seconds a new copy stays out of reads, for every cloud (`state::DEFAULT_LAG`
    /// when none is given; `POST /_emulator/lag` sets it per cloud).
    pub visibility_lag: Option<f64>,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            access_key: SANDBOX_ACCESS_KEY.into(),
            secret_key: SANDBOX_SECRET_KEY.into(),
            speed: 60.0,
            copy_seconds: 300.0,
            visibility_lag: None,
        }
    }
}

/// A request as it arrived, in the form the cloud handlers verify and route.
#[derive(Debug, Clone)]
pub struct EmuRequest {
    pub method: String,
    /// The path as received, region prefix included (signatures cover it).
    pub raw_path: String,
    /// The path with any `/{region}` prefix removed.
    pub path: String,
    /// The region named by a `/{region}` path prefix.
    pub region: Option<String>,
    pub query: Vec<(String, String)>,
    /// Lower-case names, as received.
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl EmuRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn has_query(&self, key: &str) -> bool {
        self.query.iter().any(|(k, _)| k == key)
    }
    pub fn query_value(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone)]
pub struct EmuResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl EmuResponse {
    pub fn json(status: u16, value: &serde_json::Value) -> Self {
        EmuResponse {
            status,
            headers: vec![(
                "content-type".into(),
                "application/json;charset=UTF-8".into(),
            )],
            body: serde_json::to_vec(value).expect("json value serialises"),
        }
    }
}

impl IntoResponse for EmuResponse {
    fn into_response(self) -> Response {
        let mut r = (
            StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            self.body,
        )
            .into_response();
        for (k, v) in self.headers {
            if let (Ok(k), Ok(v)) = (
                axum::http::HeaderName::try_from(k),
                axum::http::HeaderValue::try_from(v),
            ) {
                r.headers_mut().insert(k, v);
            }
        }
        r
    }
}

/// A resource's status word as its cloud shows it.
pub fn status_of(r: &Resource, now: f64) -> String {
    registry::emulated(r.provider).status_of(r, now)
}

/// What one cloud plugs into the emulator.
pub struct Route {
    pub provider: crate::model::Cloud,
    pub action: &'static str,
}

struct App {
    world: Mutex<World>,
}

/// A running emulator; dropping it does not stop it, `shutdown` does.
pub struct Handle {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Handle {
    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The endpoint template that reaches every region of this emulator.
    pub fn endpoint_template(&self) -> String {
        format!("{}/{{region}}", self.base_url())
    }

    pub async fn shutdown(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        let _ = self.task.await;
    }
}

/// Binds and serves in the background.
pub async fn start(cfg: EmulatorConfig) -> std::io::Result<Handle> {
    let listener = tokio::net::TcpListener::bind(cfg.listen).await?;
    let addr = listener.local_addr()?;
    let creds = HashMap::from([(cfg.access_key.clone(), cfg.secret_key.clone())]);
    let app = Arc::new(App {
        world: Mutex::new({
            let mut w = World::new(cfg.speed, cfg.copy_seconds, creds);
            if let Some(lag) = cfg.visibility_lag {
                for (p, _) in registry::all() {
                    w.lags.insert(p, lag);
                }
            }
            w
        }),
    });
    let router = axum::Router::new().fallback(handle).with_state(app);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let serve = axum::serve(listener, router).with_graceful_shutdown(async {
            let _ = rx.await;
        });
        if let Err(e) = serve.await {
            tracing::error!("emulator stopped: {e}");
        }
    });
    Ok(Handle {
        addr,
        stop: Some(tx),
        task,
    })
}

/// Query and form values: `+` is a space (the newer Alibaba SDK sends spaces so).
fn decode(s: &str) -> String {
    let s = s.replace('+', " ");
    percent_encoding::percent_decode_str(&s)
        .decode_utf8_lossy()
        .into_owned()
}

pub fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(kv), String::new()),
        })
        .collect()
}

/// Splits a leading `/{region}` segment off when it names a region the emulator serves.
fn split_region(path: &str) -> (Option<String>, String) {
    let trimmed = path.trim_start_matches('/');
    let (first, rest) = trimmed.split_once('/').unwrap_or((trimmed, ""));
    if rules::any_region(first) {
        (Some(first.to_string()), format!("/{rest}"))
    } else {
        (None, path.to_string())
    }
}

async fn handle(
    axum::extract::State(app): axum::extract::State<Arc<App>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let raw_path = uri.path().to_string();
    if let Some(rest) = raw_path.strip_prefix("/_emulator/") {
        return admin::admin(&app, &method, rest, uri.query().unwrap_or(""), &body).into_response();
    }
    let (region, path) = split_region(&raw_path);
    let req = EmuRequest {
        method: method.as_str().to_string(),
        raw_path,
        path,
        region,
        query: parse_query(uri.query().unwrap_or("")),
        headers: headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body,
    };
    let route = match claim(&req) {
        Ok(route) => route,
        Err(resp) => return resp.into_response(),
    };
    let cloud = registry::emulated(route.provider);
    let draw = rand::random::<f64>();
    let fault =
        app.world
            .lock()
            .expect("world lock")
            .take_fault(route.provider, route.action, draw);
    let slow = fault
        .as_ref()
        .is_some_and(|f| f.body == Some(BodyFault::Slow));
    if let Some(ms) = fault.as_ref().and_then(|f| f.latency_ms).filter(|_| !slow) {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
    let mut world = app.world.lock().expect("world lock");
    let refused = fault.as_ref().filter(|f| f.status.is_some() || f.throttle);
    let resp = match refused {
        Some(f) => injected_error(cloud, f),
        None => cloud.handle(&mut world, &req, route.action),
    };
    let resp = match fault.as_ref().and_then(|f| f.reply.as_ref()) {
        Some(body) if refused.is_none() => EmuResponse::json(200, body),
        _ => resp,
    };
    world.log(logged(cloud, &route, &req, resp.status));
    drop(world);
    match fault {
        Some(f) if refused.is_none() => spoiled(resp, &f),
        _ => resp.into_response(),
    }
}

/// The one cloud whose API `req` is; none or more than one is the emulator's own error
/// (routing never depends on the order of the list).
fn claim(req: &EmuRequest) -> Result<Route, EmuResponse> {
    let mut claims: Vec<Route> = registry::all().filter_map(|(_, c)| c.route(req)).collect();
    if claims.len() == 1 {
        return Ok(claims.remove(0));
    }
    let (status, message) = if claims.is_empty() {
        (
            404,
            format!("no emulated API at {} {}", req.method, req.path),
        )
    } else {
        (
            500,
            format!(
                "more than one emulated cloud claims {} {}",
                req.method, req.path
            ),
        )
    };
    Err(EmuResponse::json(
        status,
        &serde_json::json!({"code": "NotFound", "message": message}),
    ))
}

/// The log entry of a request and the status it was answered with.
fn logged(
    cloud: &dyn cloud::EmulatedCloud,
    route: &Route,
    req: &EmuRequest,
    status: u16,
) -> LoggedRequest {
    let mut query_keys: Vec<String> = req.query.iter().map(|(k, _)| k.clone()).collect();
    query_keys.sort();
    query_keys.dedup();
    LoggedRequest {
        seq: 0,
        provider: route.provider,
        action: route.action.into(),
        method: req.method.clone(),
        path: req.raw_path.clone(),
        region: cloud.region_of(req),
        status,
        ids: cloud.ids(req),
        route: req.path.clone(),
        query_keys,
        body_keys: body_shape(&req.body),
    }
}

/// The shape of a request body, for request-shape parity checks: a JSON body's keys with
/// their types (`name:string`, `destRegion:array`, nested keys dotted), a form body's keys.
fn body_shape(body: &[u8]) -> Vec<String> {
    fn walk(prefix: &str, v: &serde_json::Value, out: &mut Vec<String>) {
        if let serde_json::Value::Object(m) = v {
            for (k, val) in m {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                let ty = match val {
                    serde_json::Value::Null => "null",
                    serde_json::Value::Bool(_) => "bool",
                    serde_json::Value::Number(_) => "number",
                    serde_json::Value::String(_) => "string",
                    serde_json::Value::Array(_) => "array",
                    serde_json::Value::Object(_) => "object",
                };
                out.push(format!("{key}:{ty}"));
                walk(&key, val, out);
                if let serde_json::Value::Array(items) = val {
                    for item in items {
                        walk(&format!("{key}[]"), item, out);
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    if body.is_empty() {
        return out;
    }
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(v) => walk("", &v, &mut out),
        Err(_) => out.extend(
            parse_query(&String::from_utf8_lossy(body))
                .into_iter()
                .map(|(k, _)| k),
        ),
    }
    out.sort();
    out.dedup();
    out
}

/// The reply a `status` or `throttle` fault gives instead of handling the request.
fn injected_error(cloud: &dyn cloud::EmulatedCloud, f: &Fault) -> EmuResponse {
    let (status, code) = if f.throttle {
        cloud.throttle()
    } else {
        (
            f.status.unwrap_or(500),
            f.code.as_deref().unwrap_or("InternalError"),
        )
    };
    cloud.error(
        status,
        code,
        f.message.as_deref().unwrap_or("injected fault"),
    )
}

/// A reply after the request was handled, spoiled as the fault says: a broken connection,
/// a truncated, HTML, huge or slow body.
fn spoiled(resp: EmuResponse, f: &Fault) -> Response {
    use futures::StreamExt;
    type Chunk = Result<Bytes, std::io::Error>;
    let half = resp.body.len() / 2;
    let head = Bytes::copy_from_slice(&resp.body[..half]);
    let tail = Bytes::copy_from_slice(&resp.body[half..]);
    let streamed = |parts: futures::stream::BoxStream<'static, Chunk>| {
        let mut r = EmuResponse {
            body: Vec::new(),
            ..resp.clone()
        }
        .into_response();
        *r.body_mut() = axum::body::Body::from_stream(parts);
        r
    };
    if f.drop_after {
        // Headers and half the body, then the connection breaks.
        let broken: Chunk = Err(std::io::Error::other("injected: connection dropped"));
        return streamed(futures::stream::iter([Ok(head), broken]).boxed());
    }
    match f.body {
        Some(BodyFault::Truncated) => {
            let mut r = resp.clone();
            r.body.truncate(half);
            r.into_response()
        }
        Some(BodyFault::Html) => EmuResponse {
            status: 502,
            headers: vec![("content-type".into(), "text/html".into())],
            body: b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>".to_vec(),
        }
        .into_response(),
        Some(BodyFault::Huge) => EmuResponse {
            body: vec![b' '; 8 * 1024 * 1024],
            ..resp
        }
        .into_response(),
        Some(BodyFault::Slow) => {
            let pause = std::time::Duration::from_millis(f.latency_ms.unwrap_or(30_000));
            let rest = futures::stream::once(async move {
                tokio::time::sleep(pause).await;
                Ok::<_, std::io::Error>(tail)
            });
            streamed(futures::stream::iter([Ok(head)]).chain(rest).boxed())
        }
        None => resp.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_prefix_is_split_only_for_known_regions() {
        assert_eq!(
            split_region("/gz/v2/image/m-1"),
            (Some("gz".into()), "/v2/image/m-1".into())
        );
        assert_eq!(
            split_region("/v2/image/m-1"),
            (None, "/v2/image/m-1".into())
        );
    }

    #[test]
    fn query_parsing_keeps_key_only_params() {
        assert_eq!(
            parse_query("remoteCopy=&a=%2Fb&c"),
            vec![
                ("remoteCopy".into(), String::new()),
                ("a".into(), "/b".into()),
                ("c".into(), String::new())
            ]
        );
    }
}
