//! How Baidu BCC calls are signed (`bce-auth-v1`), encoded and their errors read.

use super::error;
use crate::config::Credentials;
use crate::error::{Error, Result};
use crate::http::{Dialect, HttpRequest, HttpResponse};
use crate::model::Cloud;
use crate::sign::{bce, SignContext};

pub struct BaiduDialect {
    pub(super) creds: Credentials,
}

impl Dialect for BaiduDialect {
    fn cloud(&self) -> Cloud {
        Cloud::Baidu
    }

    fn sign(&self, req: &mut HttpRequest, ctx: &SignContext) -> Result<()> {
        let out = req.sign_with(&[], |r| Ok(bce::sign(r, &self.creds, ctx)))?;
        tracing::trace!(canonical_request = %redact_canonical(&out.canonical_request), "bce-auth-v1");
        Ok(())
    }

    fn parse_error(&self, resp: &HttpResponse) -> Error {
        error::parse_error(resp)
    }

    /// Sorted and encoded as in the signature; the SDK sends the same string.
    fn encode_query(&self, query: &[(String, String)]) -> String {
        bce::canonical_query(query)
    }

    fn request_id_header(&self) -> &'static str {
        "x-bce-request-id"
    }
}

impl BaiduDialect {
    /// For planning (URLs), never for signing.
    pub(super) fn unsigned() -> Self {
        BaiduDialect {
            creds: Credentials {
                access_key_id: String::new(),
                secret_access_key: crate::config::Secret::new(""),
                session_token: None,
            },
        }
    }
}

/// The canonical request for logs: the security token's line keeps its name, not its value.
fn redact_canonical(canonical: &str) -> String {
    canonical
        .lines()
        .map(|l| {
            if l.starts_with(bce::SECURITY_TOKEN_HEADER) {
                format!("{}:<redacted>", bce::SECURITY_TOKEN_HEADER)
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
