//! Alibaba Cloud ECS: CopyImage per destination, CancelCopyImage, and waiting through
//! DescribeImages with up to 100 ids per call.

pub mod api;
pub mod driver;
pub mod error;
pub mod options;
pub mod wire;

use super::{Api, PlannedCall, Provider, Target};
use crate::config::{Credentials, Endpoint};
use crate::error::{Error, ErrorKind, Result};
use crate::http::{Client, Dialect, HttpRequest, HttpResponse};
use crate::model::{Cloud, CopyRecord, CopyRequest, CopyState, Kind, PollUpdate, RecordError};
use crate::sign::{aliyun, SignContext};
use async_trait::async_trait;
use std::sync::Arc;
use time::OffsetDateTime;

pub struct AlibabaDialect {
    creds: Option<Credentials>,
}

impl Dialect for AlibabaDialect {
    fn cloud(&self) -> Cloud {
        Cloud::Alibaba
    }

    /// RPC parameters live in the query: the signature adds parameters, not headers.
    fn sign(&self, req: &mut HttpRequest, ctx: &SignContext) -> Result<()> {
        let Some(creds) = &self.creds else {
            return Ok(());
        };
        let mut params = req.query_pairs();
        let out = aliyun::sign_rpc(&req.method, &params, creds, ctx);
        params.extend(out.query);
        req.url.set_query(Some(&aliyun::wire_query(&params)));
        Ok(())
    }

    fn parse_error(&self, resp: &HttpResponse) -> Error {
        error::parse_error(resp)
    }

    fn encode_query(&self, query: &[(String, String)]) -> String {
        aliyun::wire_query(query)
    }

    fn request_id_header(&self) -> &'static str {
        "x-acs-request-id"
    }

    /// RPC-style: the signature is a query parameter.
    fn signs_query(&self) -> bool {
        true
    }
}

pub struct AlibabaProvider {
    api: Api,
    concurrency: usize,
}

/// The read call that looks for `id` in `region` (for `--dry-run` without `--region`).
pub fn plan_lookup(region: &str, id: &str, endpoint: &Endpoint) -> Result<PlannedCall> {
    let d = AlibabaDialect { creds: None };
    super::planned(endpoint, &d, &api::describe_images(region, &[id]))
}

/// The calls a copy would make, for `--dry-run`.
pub fn plan(req: &CopyRequest, endpoint: &Endpoint) -> Result<Vec<PlannedCall>> {
    let d = AlibabaDialect { creds: None };
    req.dest_regions
        .iter()
        .map(|dest| super::planned(endpoint, &d, &api::copy_image(req, dest)))
        .collect()
}

/// Image status → state. `Progress` is written like `42%`.
pub fn update_from_image(img: &wire::Image) -> PollUpdate {
    let progress = img
        .progress
        .as_deref()
        .and_then(|p| p.trim().trim_end_matches('%').parse::<f64>().ok())
        .map(|p| p.clamp(0.0, 100.0).round() as u8);
    let (state, progress, error) = match img.status.as_str() {
        "Available" => (CopyState::Available, Some(100), None),
        "Waiting" => (CopyState::Submitted, progress, None),
        "Creating" => (CopyState::Copying, progress, None),
        "CreateFailed" | "UnAvailable" => (
            CopyState::Failed,
            progress,
            Some(RecordError {
                code: format!("Image.{}", img.status),
                message: format!("the copy ended in status {}", img.status),
                request_id: None,
                resubmit_may_pass: false,
            }),
        ),
        other => {
            tracing::warn!(
                status = other,
                "unknown Alibaba image status; still waiting"
            );
            (CopyState::Copying, progress, None)
        }
    };
    PollUpdate {
        state,
        dest_id: None,
        progress,
        cloud_status: Some(img.status.clone()),
        error,
        missing: false,
    }
}

impl AlibabaProvider {
    pub fn new(
        client: Arc<Client>,
        creds: Credentials,
        endpoint: Endpoint,
        concurrency: usize,
    ) -> Self {
        AlibabaProvider {
            api: Api {
                client,
                dialect: Box::new(AlibabaDialect { creds: Some(creds) }),
                endpoint,
            },
            concurrency: concurrency.max(1),
        }
    }

    async fn start(&self, req: &CopyRequest, dest: &str) -> Result<CopyRecord> {
        let call = api::copy_image(req, dest);
        let (reply, attempts) = self.api.send::<wire::CopyImageResponse>(&call).await?;
        let mut r = CopyRecord::new(req, dest, OffsetDateTime::now_utc());
        r.dest_id = Some(reply.image_id);
        r.attempts = attempts;
        r.client_token = Some(api::client_token(req, dest));
        Ok(r)
    }

    /// One DescribeImages for up to 100 copies in one region.
    async fn describe(&self, region: &str, recs: &[&CopyRecord]) -> Vec<Result<PollUpdate>> {
        let ids: Vec<&str> = recs.iter().filter_map(|r| r.dest_id.as_deref()).collect();
        let call = api::describe_images(region, &ids);
        let found = match self.api.send::<wire::DescribeImagesResponse>(&call).await {
            Ok((resp, _)) => resp.images.image,
            Err(e) => return recs.iter().map(|_| Err(e.clone())).collect(),
        };
        recs.iter()
            .map(|r| {
                match found
                    .iter()
                    .find(|i| Some(i.image_id.as_str()) == r.dest_id.as_deref())
                {
                    Some(img) => Ok(update_from_image(img)),
                    // The listing lags the copy call; or the copy was canceled or deleted.
                    None => Ok(PollUpdate::missing(
                        "InvalidImageId.NotFound",
                        "the copy is not listed in its region",
                    )),
                }
            })
            .collect()
    }
}

#[async_trait]
impl Provider for AlibabaProvider {
    fn cloud(&self) -> Cloud {
        Cloud::Alibaba
    }

    async fn submit(&self, req: &CopyRequest) -> Result<Vec<CopyRecord>> {
        super::submit_each(req, self.concurrency, |dest| async move {
            self.start(req, &dest).await
        })
        .await
    }

    /// One DescribeImages per region and 100 copies, however many copies wait.
    async fn poll(&self, records: &[CopyRecord]) -> Vec<Result<PollUpdate>> {
        let key = |r: &CopyRecord| r.dest_region.clone();
        super::poll_batched(
            records,
            key,
            api::MAX_IDS,
            self.concurrency,
            |region, idx| async move {
                let recs: Vec<&CopyRecord> = idx.iter().map(|&i| &records[i]).collect();
                let updates = self.describe(&region, &recs).await;
                (idx, updates)
            },
        )
        .await
    }

    async fn cancel(&self, kind: Kind, region: &str, dest_id: &str) -> Result<()> {
        if kind != Kind::Image {
            return Err(Error::new(
                ErrorKind::Usage,
                "only image copies can be canceled",
            ));
        }
        let call = api::cancel_copy_image(region, dest_id);
        self.api.send::<serde_json::Value>(&call).await.map(|_| ())
    }

    /// A Creating or Waiting image is a copy in progress; its `imgcopy:source` tag is the
    /// provenance.
    async fn inspect(&self, _: Kind, region: &str, id: &str) -> Result<Option<Target>> {
        let call = api::describe_images(region, &[id]);
        let (resp, _) = self.api.send::<wire::DescribeImagesResponse>(&call).await?;
        Ok(resp
            .images
            .image
            .iter()
            .find(|i| i.image_id == id)
            .map(|i| Target {
                in_progress: !update_from_image(i).state.is_terminal(),
                status: i.status.clone(),
                provenance: i.tag(api::SOURCE_TAG).map(str::to_string),
                name: i.image_name.clone(),
            }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn img(status: &str, progress: Option<&str>) -> wire::Image {
        wire::Image {
            image_id: "m-1".into(),
            image_name: None,
            status: status.into(),
            progress: progress.map(str::to_string),
            tags: None,
        }
    }

    #[test]
    fn statuses_and_progress() {
        let u = update_from_image(&img("Creating", Some("42%")));
        assert_eq!((u.state, u.progress), (CopyState::Copying, Some(42)));
        assert_eq!(
            update_from_image(&img("Waiting", Some("0%"))).state,
            CopyState::Submitted
        );
        assert_eq!(
            update_from_image(&img("Available", Some("100%"))).state,
            CopyState::Available
        );
        for s in ["CreateFailed", "UnAvailable"] {
            let u = update_from_image(&img(s, None));
            assert_eq!(u.state, CopyState::Failed);
            assert_eq!(u.error.unwrap().code, format!("Image.{s}"));
        }
        assert_eq!(
            update_from_image(&img("Creating", Some("junk"))).progress,
            None
        );
    }
}
