//! The HTTP call layer every provider sends through: a call before it has a URL, its URL in
//! a region, signing and retries through the shared client, JSON replies, and the dry-run
//! form of a call.

use crate::config::Endpoint;
use crate::error::{Error, Result};
use crate::http::{Client, Dialect, HttpRequest, Safety};
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// A cloud call before it has a URL: the region picks the endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiCall {
    pub method: &'static str,
    pub region: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    /// Headers of this call besides what signing adds.
    pub headers: Vec<(String, String)>,
    /// The body: JSON unless `headers` names another content type.
    pub body: Option<String>,
    pub safety: Safety,
}

/// Sends a cloud's calls: endpoint per region, signing and retries, JSON replies.
pub struct Api {
    pub client: Arc<Client>,
    pub dialect: Box<dyn Dialect>,
    pub endpoint: Endpoint,
}

/// The region's endpoint and path prefix, then the API path and the encoded query.
pub fn call_url(endpoint: &Endpoint, dialect: &dyn Dialect, call: &ApiCall) -> Result<url::Url> {
    let mut url = endpoint.url_for(&call.region)?;
    let base = url.path().trim_end_matches('/').to_string();
    url.set_path(&format!("{base}{}", call.path));
    if !call.query.is_empty() {
        url.set_query(Some(&dialect.encode_query(&call.query)));
    }
    Ok(url)
}

/// A call as `--dry-run` prints it.
pub fn planned(endpoint: &Endpoint, dialect: &dyn Dialect, call: &ApiCall) -> Result<PlannedCall> {
    Ok(PlannedCall {
        method: call.method.to_string(),
        url: call_url(endpoint, dialect, call)?.to_string(),
        body: call.body.clone(),
        signed_in: if dialect.signs_query() {
            "query"
        } else {
            "header"
        },
    })
}

impl Api {
    fn http_request(&self, call: &ApiCall) -> Result<HttpRequest> {
        let mut headers = call.headers.clone();
        let typed = headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
        if call.body.is_some() && !typed {
            headers.push((
                "content-type".to_string(),
                "application/json;charset=utf-8".to_string(),
            ));
        }
        Ok(HttpRequest {
            method: call.method.to_string(),
            region: call.region.clone(),
            url: call_url(&self.endpoint, self.dialect.as_ref(), call)?,
            headers,
            body: call.body.clone().unwrap_or_default().into(),
        })
    }

    /// Sends a call; the successful reply and the attempts it took.
    pub async fn send_raw(&self, call: &ApiCall) -> Result<crate::http::Reply> {
        let req = self.http_request(call)?;
        self.client
            .execute(self.dialect.as_ref(), &req, call.safety)
            .await
            .map_err(|(e, _)| e)
    }

    /// A reply body that could not be read, as an error naming the call.
    pub fn unreadable(&self, call: &ApiCall, reply: &crate::http::Reply, why: &str) -> Error {
        Error::protocol(format!(
            "could not read the reply to {} {}: {why}: {}",
            call.method,
            call.path,
            crate::http::body_excerpt(&reply.response.body)
        ))
        .with_provider(self.dialect.cloud())
        .with_request_id(
            reply
                .response
                .header(self.dialect.request_id_header())
                .map(str::to_string),
        )
    }

    /// Sends a call and decodes its JSON reply (an empty body decodes as `{}`), returning
    /// the attempts it took.
    pub async fn send<T: DeserializeOwned>(&self, call: &ApiCall) -> Result<(T, u32)> {
        let reply = self.send_raw(call).await?;
        let body: &[u8] = if reply.response.body.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &reply.response.body
        };
        let value = serde_json::from_slice(body)
            .map_err(|e| self.unreadable(call, &reply, &e.to_string()))?;
        Ok((value, reply.attempts))
    }
}

/// One request `submit` would send, as `--dry-run` prints it (never signed, never secret).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PlannedCall {
    pub method: String,
    pub url: String,
    pub body: Option<String>,
    /// Where the signature will go: `header` (Authorization) or `query`.
    pub signed_in: &'static str,
}
