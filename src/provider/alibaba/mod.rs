//! Alibaba Cloud ECS: CopyImage per destination, CancelCopyImage, and waiting through
//! DescribeImages with up to 100 ids per call.

pub mod api;
mod credentials;
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
pub fn plan_lookup(kind: Kind, region: &str, id: &str, endpoint: &Endpoint) -> Result<PlannedCall> {
    let d = AlibabaDialect { creds: None };
    let call = match kind {
        Kind::Image => api::describe_images(region, &[id]),
        Kind::Snapshot => api::describe_snapshots(region, &[id]),
    };
    super::planned(endpoint, &d, &call)
}

/// The calls a copy would make, for `--dry-run`.
pub fn plan(req: &CopyRequest, endpoint: &Endpoint) -> Result<Vec<PlannedCall>> {
    let d = AlibabaDialect { creds: None };
    req.dest_regions
        .iter()
        .map(|dest| super::planned(endpoint, &d, &api::copy(req, dest)))
        .collect()
}

/// A `Progress` written like `42%`, as a whole percent.
fn percent(progress: Option<&str>) -> Option<u8> {
    progress
        .and_then(|p| p.trim().trim_end_matches('%').parse::<f64>().ok())
        .map(|p| p.clamp(0.0, 100.0).round() as u8)
}

/// Image status → state. `Progress` is written like `42%`.
pub fn update_from_image(img: &wire::Image) -> PollUpdate {
    let progress = percent(img.progress.as_deref());
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

/// One image or snapshot as a describe call shows it.
struct Looked {
    id: String,
    update: PollUpdate,
    provenance: Option<String>,
    name: Option<String>,
}

/// Snapshot status → state: `progressing` is `copying` with `Progress`, `accomplished` is
/// `available`, `failed` is `failed`.
pub fn update_from_snapshot(s: &wire::Snapshot) -> PollUpdate {
    let progress = percent(s.progress.as_deref());
    let (state, progress, error) = match s.status.as_str() {
        "accomplished" => (CopyState::Available, Some(100), None),
        "progressing" => (CopyState::Copying, progress, None),
        "failed" => (
            CopyState::Failed,
            progress,
            Some(RecordError {
                code: "Snapshot.failed".into(),
                message: "the snapshot copy failed".into(),
                request_id: None,
                resubmit_may_pass: false,
            }),
        ),
        other => {
            tracing::warn!(
                status = other,
                "unknown Alibaba snapshot status; still waiting"
            );
            (CopyState::Copying, progress, None)
        }
    };
    PollUpdate {
        state,
        dest_id: None,
        progress,
        cloud_status: Some(s.status.clone()),
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
        let call = api::copy(req, dest);
        let (id, attempts) = match req.kind {
            Kind::Image => {
                let (reply, n) = self.api.send::<wire::CopyImageResponse>(&call).await?;
                (reply.image_id, n)
            }
            Kind::Snapshot => {
                let (reply, n) = self.api.send::<wire::CopySnapshotResponse>(&call).await?;
                (reply.snapshot_id, n)
            }
        };
        let mut r = CopyRecord::new(req, dest, OffsetDateTime::now_utc());
        r.dest_id = Some(id);
        r.attempts = attempts;
        r.client_token = Some(api::client_token(req, dest));
        Ok(r)
    }

    /// What DescribeImages or DescribeSnapshots says of `ids` in `region`: each id found,
    /// its update and provenance tag.
    async fn look(&self, kind: Kind, region: &str, ids: &[&str]) -> Result<Vec<Looked>> {
        Ok(match kind {
            Kind::Image => {
                let call = api::describe_images(region, ids);
                let (resp, _) = self.api.send::<wire::DescribeImagesResponse>(&call).await?;
                resp.images
                    .image
                    .iter()
                    .map(|i| Looked {
                        id: i.image_id.clone(),
                        update: update_from_image(i),
                        provenance: i.tag(api::SOURCE_TAG).map(str::to_string),
                        name: i.image_name.clone(),
                    })
                    .collect()
            }
            Kind::Snapshot => {
                let call = api::describe_snapshots(region, ids);
                let (resp, _) = self
                    .api
                    .send::<wire::DescribeSnapshotsResponse>(&call)
                    .await?;
                resp.snapshots
                    .snapshot
                    .iter()
                    .map(|s| Looked {
                        id: s.snapshot_id.clone(),
                        update: update_from_snapshot(s),
                        provenance: s.tag(api::SOURCE_TAG).map(str::to_string),
                        name: s.snapshot_name.clone(),
                    })
                    .collect()
            }
        })
    }

    /// One describe call for up to 100 copies of one kind in one region.
    async fn describe(
        &self,
        (region, kind): (&str, Kind),
        recs: &[&CopyRecord],
    ) -> Vec<Result<PollUpdate>> {
        let ids: Vec<&str> = recs.iter().filter_map(|r| r.dest_id.as_deref()).collect();
        let found = match self.look(kind, region, &ids).await {
            Ok(found) => found,
            Err(e) => return recs.iter().map(|_| Err(e.clone())).collect(),
        };
        let missing = match kind {
            Kind::Image => "InvalidImageId.NotFound",
            Kind::Snapshot => "InvalidSnapshotId.NotFound",
        };
        recs.iter()
            .map(|r| {
                match found
                    .iter()
                    .find(|l| Some(l.id.as_str()) == r.dest_id.as_deref())
                {
                    Some(l) => Ok(l.update.clone()),
                    // The listing lags the copy call; or the copy was canceled or deleted.
                    None => Ok(PollUpdate::missing(
                        missing,
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

    /// One describe call per region, kind and 100 copies, however many copies wait.
    async fn poll(&self, records: &[CopyRecord]) -> Vec<Result<PollUpdate>> {
        let key = |r: &CopyRecord| (r.dest_region.clone(), r.kind == Kind::Snapshot);
        super::poll_batched(
            records,
            key,
            api::MAX_IDS,
            self.concurrency,
            |(region, snapshot), idx| async move {
                let recs: Vec<&CopyRecord> = idx.iter().map(|&i| &records[i]).collect();
                let kind = if snapshot {
                    Kind::Snapshot
                } else {
                    Kind::Image
                };
                let updates = self.describe((&region, kind), &recs).await;
                (idx, updates)
            },
        )
        .await
    }

    async fn cancel(&self, kind: Kind, region: &str, dest_id: &str) -> Result<()> {
        if kind != Kind::Image {
            return Err(Error::new(
                ErrorKind::Usage,
                "ECS has no call to cancel a snapshot copy",
            ));
        }
        let call = api::cancel_copy_image(region, dest_id);
        self.api.send::<serde_json::Value>(&call).await.map(|_| ())
    }

    /// A copy not yet at its end is in progress; its `imgcopy:source` tag is the provenance.
    async fn inspect(&self, kind: Kind, region: &str, id: &str) -> Result<Option<Target>> {
        let found = self.look(kind, region, &[id]).await?;
        Ok(found.into_iter().find(|l| l.id == id).map(|l| Target {
            in_progress: !l.update.state.is_terminal(),
            status: l.update.cloud_status.clone().unwrap_or_default(),
            provenance: l.provenance,
            name: l.name,
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
