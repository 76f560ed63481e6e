//! AWS EC2: CopyImage and CopySnapshot issued in each destination region, followed with
//! batched DescribeImages / DescribeSnapshots.

pub mod api;
pub mod driver;
pub mod error;
pub mod options;
pub mod shared;
pub mod wire;

use super::{Api, ApiCall, PlannedCall, Provider, Slots, Target};
use crate::config::{Credentials, Endpoint};
use crate::error::{Error, ErrorKind, Result};
use crate::http::{Client, Dialect, HttpRequest, HttpResponse};
use crate::model::{
    AdoptedBy, Cloud, CopyRecord, CopyRequest, CopyState, Kind, PollUpdate, RecordError,
};
use crate::sign::{aws as sigv4, SignContext};
use async_trait::async_trait;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use time::OffsetDateTime;

pub struct AwsDialect {
    creds: Option<Credentials>,
}

impl Dialect for AwsDialect {
    fn cloud(&self) -> Cloud {
        Cloud::Aws
    }

    /// SigV4 for the request's region: with one endpoint for every region (moto), the region
    /// travels in the signature's scope.
    fn sign(&self, req: &mut HttpRequest, ctx: &SignContext) -> Result<()> {
        let Some(creds) = &self.creds else {
            return Ok(());
        };
        presign_copy_snapshot(req, creds, ctx)
            .map_err(|e| crate::http::unsignable(format!("the CopySnapshot PresignedUrl: {e}")))?;
        let region = req.region.clone();
        req.sign_with(&["content-length"], |r| {
            sigv4::sign(r, creds, ctx, &region, "ec2")
        })
        .map(drop)
    }

    fn parse_error(&self, resp: &HttpResponse) -> Error {
        error::parse_error(resp)
    }

    fn encode_query(&self, query: &[(String, String)]) -> String {
        crate::sign::enc_query(query)
    }

    fn request_id_header(&self) -> &'static str {
        "x-amzn-requestid"
    }
}

/// What botocore adds to every CopySnapshot (`inject_presigned_url_ec2`), and what the API
/// reference requires for an encrypted source: `PresignedUrl`, a CopySnapshot GET to the
/// source region carrying the same parameters (and `DestinationRegion`), presigned there with
/// SigV4 for an hour. Made at signing time, so each attempt's is fresh.
fn presign_copy_snapshot(
    req: &mut HttpRequest,
    creds: &Credentials,
    ctx: &SignContext,
) -> std::result::Result<(), String> {
    let params: Vec<(String, String)> = url::form_urlencoded::parse(&req.body)
        .into_owned()
        .collect();
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    if get("Action").as_deref() != Some("CopySnapshot") || get("PresignedUrl").is_some() {
        return Ok(());
    }
    let source = get("SourceRegion").ok_or("no SourceRegion")?;
    // The source region's endpoint, as botocore finds it: the destination's, its region
    // name replaced.
    let url = url::Url::parse(&req.url.as_str().replace(&req.region, &source))
        .map_err(|e| e.to_string())?;
    let host = match url.port() {
        Some(p) => format!("{}:{p}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_string(),
    };
    let query = sigv4::presign_get(
        &host,
        url.path(),
        &params,
        creds,
        ctx,
        &source,
        "ec2",
        std::time::Duration::from_secs(3600),
    )?;
    let presigned = format!(
        "{}://{host}{}?{}",
        url.scheme(),
        url.path(),
        crate::sign::enc_query(&query)
    );
    let body = format!(
        "{}&PresignedUrl={}",
        String::from_utf8_lossy(&req.body),
        api::form(&presigned)
    );
    req.body = body.into_bytes().into();
    req.set_header("content-length", req.body.len().to_string());
    Ok(())
}

pub struct AwsProvider {
    api: Api,
    concurrency: usize,
}

/// The read call that looks for `id` in `region` (for `--dry-run` without `--region`).
pub fn plan_lookup(kind: Kind, region: &str, id: &str, endpoint: &Endpoint) -> Result<PlannedCall> {
    let d = AwsDialect { creds: None };
    super::planned(endpoint, &d, &api::describe(kind, region, &[id]))
}

/// The calls a copy would make, for `--dry-run`.
pub fn plan(req: &CopyRequest, endpoint: &Endpoint) -> Result<Vec<PlannedCall>> {
    let d = AwsDialect { creds: None };
    req.dest_regions
        .iter()
        .map(|dest| {
            let call = match req.kind {
                Kind::Image => api::copy_image(req, dest),
                Kind::Snapshot => api::copy_snapshot(req, dest),
            };
            super::planned(endpoint, &d, &call)
        })
        .collect()
}

fn failed(code: String, message: String) -> Option<RecordError> {
    Some(RecordError {
        code,
        message,
        request_id: None,
        resubmit_may_pass: false,
    })
}

/// AMI state → our state; `failed` carries the StateReason.
pub fn update_from_image(img: &wire::Image) -> PollUpdate {
    let (state, progress, error) = match img.image_state.as_str() {
        "available" => (CopyState::Available, Some(100), None),
        "pending" | "transient" => (CopyState::Copying, None, None),
        s @ ("failed" | "error" | "invalid" | "deregistered" | "disabled") => {
            let reason = img.state_reason.as_ref();
            (
                CopyState::Failed,
                None,
                failed(
                    reason
                        .and_then(|r| r.code.clone())
                        .unwrap_or_else(|| format!("Image.{s}")),
                    reason
                        .and_then(|r| r.message.clone())
                        .unwrap_or_else(|| format!("the copy ended in state {s}")),
                ),
            )
        }
        other => {
            tracing::warn!(state = other, "unknown AMI state; still waiting");
            (CopyState::Copying, None, None)
        }
    };
    PollUpdate {
        state,
        dest_id: None,
        progress,
        cloud_status: Some(img.image_state.clone()),
        error,
        missing: false,
    }
}

/// Snapshot status → our state, with `Progress` (`42%`).
pub fn update_from_snapshot(s: &wire::Snapshot) -> PollUpdate {
    let progress = s
        .progress
        .as_deref()
        .and_then(|p| p.trim().trim_end_matches('%').parse::<f64>().ok())
        .map(|p| p.clamp(0.0, 100.0).round() as u8);
    let (state, progress, error) = match s.status.as_str() {
        "completed" => (CopyState::Available, Some(100), None),
        "pending" | "recoverable" | "recovering" => (CopyState::Copying, progress, None),
        "error" => (
            CopyState::Failed,
            progress,
            failed(
                "Snapshot.error".into(),
                s.state_message
                    .clone()
                    .unwrap_or_else(|| "the copy ended in state error".into()),
            ),
        ),
        other => {
            tracing::warn!(state = other, "unknown snapshot state; still waiting");
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

impl AwsProvider {
    pub fn new(
        client: Arc<Client>,
        creds: Credentials,
        endpoint: Endpoint,
        concurrency: usize,
    ) -> Self {
        AwsProvider {
            api: Api {
                client,
                dialect: Box::new(AwsDialect { creds: Some(creds) }),
                endpoint,
            },
            concurrency: concurrency.max(1),
        }
    }

    async fn send_xml<T: DeserializeOwned>(&self, call: &ApiCall) -> Result<(T, u32)> {
        let reply = self.api.send_raw(call).await?;
        let value = wire::from_xml(&reply.response.body)
            .map_err(|e| self.api.unreadable(call, &reply, &e))?;
        Ok((value, reply.attempts))
    }

    /// A snapshot copy made earlier from the same source (found by its provenance tag).
    async fn existing_snapshot(
        &self,
        req: &CopyRequest,
        dest: &str,
    ) -> Result<Option<wire::Snapshot>> {
        let call = api::find_snapshot_copy(req, dest);
        // A failed lookup fails the submit (it is submitted again later): copying without
        // looking could make a second copy.
        let (r, _) = self
            .send_xml::<wire::DescribeSnapshotsResponse>(&call)
            .await?;
        // The copy asked for: its spec tag matches. A copy made before imgcopy wrote spec
        // tags stands in only for a plain (unencrypted, unforced) request.
        let spec = api::spec(req, dest);
        let plain = req.force_new.is_none() && !api::options(req).encrypted;
        Ok(r.snapshot_set.items.into_iter().find(|s| {
            s.status != "error"
                && match wire::tag(&s.tag_set, api::SPEC_TAG) {
                    Some(t) => t == spec,
                    None => plain,
                }
        }))
    }

    async fn start(&self, req: &CopyRequest, dest: &str) -> Result<CopyRecord> {
        let now = OffsetDateTime::now_utc();
        match req.kind {
            Kind::Image => {
                let (reply, attempts) = self
                    .send_xml::<wire::CopyImageResponse>(&api::copy_image(req, dest))
                    .await?;
                let mut r = CopyRecord::new(req, dest, now);
                r.dest_id = Some(reply.image_id);
                r.attempts = attempts;
                r.client_token = Some(api::client_token(req, dest));
                Ok(r)
            }
            // CopySnapshot takes no client token: look for the tagged copy before every try.
            Kind::Snapshot => {
                let find = || async {
                    let found = self.existing_snapshot(req, dest).await?;
                    Ok(found.map(|s| {
                        let mut a = super::adopted(
                            req,
                            dest,
                            &s.snapshot_id,
                            req.name.as_deref(),
                            AdoptedBy::Tag,
                        );
                        a.apply(&update_from_snapshot(&s), now);
                        a
                    }))
                };
                let copy = || async {
                    let call = api::copy_snapshot(req, dest);
                    let (reply, attempts) =
                        self.send_xml::<wire::CopySnapshotResponse>(&call).await?;
                    let mut r = CopyRecord::new(req, dest, now);
                    r.dest_id = Some(reply.snapshot_id);
                    r.attempts = attempts;
                    Ok(r)
                };
                super::find_or_copy(&self.api.client, req, dest, find, copy).await
            }
        }
    }

    /// DescribeImages or DescribeSnapshots for `ids` in `region`: each item's state and its
    /// `imgcopy:source` provenance tag.
    async fn look(&self, kind: Kind, region: &str, ids: &[&str]) -> Result<Vec<Seen>> {
        let call = api::describe(kind, region, ids);
        let source =
            |tags: &wire::ItemSet<wire::Tag>| wire::tag(tags, api::SOURCE_TAG).map(str::to_string);
        Ok(match kind {
            Kind::Image => self
                .send_xml::<wire::DescribeImagesResponse>(&call)
                .await?
                .0
                .images_set
                .items
                .iter()
                .map(|i| Seen {
                    id: i.image_id.clone(),
                    update: update_from_image(i),
                    source: source(&i.tag_set),
                    name: i.name.clone(),
                })
                .collect(),
            Kind::Snapshot => self
                .send_xml::<wire::DescribeSnapshotsResponse>(&call)
                .await?
                .0
                .snapshot_set
                .items
                .iter()
                .map(|s| Seen {
                    id: s.snapshot_id.clone(),
                    update: update_from_snapshot(s),
                    source: source(&s.tag_set),
                    name: None,
                })
                .collect(),
        })
    }

    /// One describe call for up to 100 copies of one kind in one region. A copy that no
    /// longer exists fails the whole call, so then each is asked about alone.
    async fn describe(
        &self,
        kind: Kind,
        region: &str,
        recs: &[&CopyRecord],
    ) -> Vec<Result<PollUpdate>> {
        let ids: Vec<&str> = recs.iter().filter_map(|r| r.dest_id.as_deref()).collect();
        let found = self.look(kind, region, &ids).await;
        match found {
            Ok(list) => recs
                .iter()
                .map(|r| {
                    list.iter()
                        .find(|seen| Some(seen.id.as_str()) == r.dest_id.as_deref())
                        .map(|seen| Ok(seen.update.clone()))
                        .unwrap_or_else(|| Ok(gone(kind)))
                })
                .collect(),
            Err(e) if e.kind() == ErrorKind::NotFound && recs.len() > 1 => {
                let mut out = Vec::with_capacity(recs.len());
                for r in recs {
                    out.extend(Box::pin(self.describe(kind, region, &[*r])).await);
                }
                out
            }
            Err(e) if e.kind() == ErrorKind::NotFound => vec![Ok(gone(kind))],
            Err(e) => recs.iter().map(|_| Err(e.clone())).collect(),
        }
    }
}

/// What one describe call said of one item.
struct Seen {
    id: String,
    update: PollUpdate,
    /// The `imgcopy:source` provenance tag, if the item carries one.
    source: Option<String>,
    /// An AMI's name (snapshots have none).
    name: Option<String>,
}

/// A copy its region does not know: not visible yet (EC2 is eventually consistent), or
/// deregistered or deleted.
fn gone(kind: Kind) -> PollUpdate {
    let code = match kind {
        Kind::Image => "InvalidAMIID.NotFound",
        Kind::Snapshot => "InvalidSnapshot.NotFound",
    };
    PollUpdate::missing(code, "the copy does not exist in its region")
}

#[async_trait]
impl Provider for AwsProvider {
    fn cloud(&self) -> Cloud {
        Cloud::Aws
    }

    async fn submit(&self, req: &CopyRequest) -> Result<Vec<CopyRecord>> {
        super::submit_each(req, self.concurrency, |dest| async move {
            self.start(req, &dest).await
        })
        .await
    }

    /// One describe call per (kind, region) and 100 copies.
    async fn poll(&self, records: &[CopyRecord]) -> Vec<Result<PollUpdate>> {
        let key = |r: &CopyRecord| (r.kind == Kind::Image, r.dest_region.clone());
        super::poll_batched(
            records,
            key,
            api::MAX_IDS,
            self.concurrency,
            |(image, region), idx| async move {
                let kind = if image { Kind::Image } else { Kind::Snapshot };
                let recs: Vec<&CopyRecord> = idx.iter().map(|&i| &records[i]).collect();
                let updates = self.describe(kind, &region, &recs).await;
                (idx, updates)
            },
        )
        .await
    }

    /// Deregistering a pending AMI copy stops it.
    async fn cancel(&self, kind: Kind, region: &str, dest_id: &str) -> Result<()> {
        if kind != Kind::Image {
            return Err(Error::new(
                ErrorKind::Usage,
                "only AMI copies can be canceled",
            ));
        }
        self.send_xml::<wire::ReturnResponse>(&api::deregister_image(region, dest_id))
            .await
            .map(|_| ())
    }

    /// A pending AMI is a copy in progress; its `imgcopy:source` tag is the provenance.
    async fn inspect(&self, kind: Kind, region: &str, id: &str) -> Result<Option<Target>> {
        let found = self.look(kind, region, &[id]).await.map(|items| {
            items
                .into_iter()
                .find(|seen| seen.id == id)
                .map(|seen| (seen.update, seen.source, seen.name))
        });
        match found {
            Ok(f) => Ok(f.map(|(u, provenance, name)| Target {
                in_progress: !u.state.is_terminal(),
                status: u.cloud_status.unwrap_or_default(),
                provenance,
                name,
            })),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// EC2 runs a limited number of snapshot copies into one region at once.
    fn slots(&self, kind: Kind, _source_region: &str, dest: &str) -> Option<Slots> {
        (kind == Kind::Snapshot).then(|| Slots {
            key: format!("aws snapshot copies into {dest}"),
            max: api::SNAPSHOT_COPY_SLOTS,
        })
    }

    fn is_slot_error(&self, code: &str) -> bool {
        code == "ResourceLimitExceeded"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_and_snapshot_states() {
        let img = |s: &str| wire::Image {
            image_id: "ami-1".into(),
            name: None,
            image_state: s.into(),
            state_reason: Some(wire::StateReason {
                code: Some("Client.InvalidKMSKey".into()),
                message: Some("the KMS key is not usable".into()),
            }),
            tag_set: Default::default(),
        };
        assert_eq!(update_from_image(&img("pending")).state, CopyState::Copying);
        assert_eq!(
            update_from_image(&img("available")).state,
            CopyState::Available
        );
        let f = update_from_image(&img("failed"));
        assert_eq!(f.state, CopyState::Failed);
        assert_eq!(f.error.unwrap().code, "Client.InvalidKMSKey");
        let snap = |s: &str, p: &str| wire::Snapshot {
            snapshot_id: "snap-1".into(),
            status: s.into(),
            progress: Some(p.into()),
            state_message: None,
            tag_set: Default::default(),
        };
        let u = update_from_snapshot(&snap("pending", "42%"));
        assert_eq!((u.state, u.progress), (CopyState::Copying, Some(42)));
        assert_eq!(
            update_from_snapshot(&snap("completed", "100%")).state,
            CopyState::Available
        );
        assert_eq!(
            update_from_snapshot(&snap("error", "3%")).state,
            CopyState::Failed
        );
    }
}
