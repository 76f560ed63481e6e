//! Tencent Cloud CVM images: SyncImages into each destination (found again by name, as the
//! call takes no client token), waiting through DescribeImages with up to 100 ids per call.

pub mod api;
pub mod driver;
pub mod error;
pub mod options;
pub mod wire;

use super::{Api, PlannedCall, Provider, Target};
use crate::config::{Credentials, Endpoint};
use crate::error::{Error, ErrorKind, Result};
use crate::http::{Client, Dialect, HttpRequest, HttpResponse};
use crate::model::{
    AdoptedBy, Cloud, CopyRecord, CopyRequest, CopyState, Kind, PollUpdate, RecordError,
};
use crate::sign::{tc3, SignContext};
use async_trait::async_trait;
use std::sync::Arc;
use time::OffsetDateTime;

pub struct TencentDialect {
    creds: Option<Credentials>,
}

impl Dialect for TencentDialect {
    fn cloud(&self) -> Cloud {
        Cloud::Tencent
    }

    fn sign(&self, req: &mut HttpRequest, ctx: &SignContext) -> Result<()> {
        let Some(creds) = &self.creds else {
            return Ok(());
        };
        // Content-Length is the HTTP layer's; TC3 signs content-type and host.
        req.sign_with(&["content-length"], |r| {
            Ok(tc3::sign(r, creds, ctx, api::SERVICE))
        })
        .map(drop)
    }

    fn parse_error(&self, resp: &HttpResponse) -> Error {
        error::parse_error(resp)
    }

    /// Tencent Cloud answers most errors with HTTP 200 and an `Error` in the body.
    fn error_in_reply(&self, resp: &HttpResponse) -> Option<Error> {
        error::error_in(resp)
    }

    fn encode_query(&self, query: &[(String, String)]) -> String {
        crate::sign::enc_query(query)
    }

    fn request_id_header(&self) -> &'static str {
        "x-tc-requestid"
    }
}

/// The read call that looks for `id` in `region` (for `--dry-run` without `--region`).
pub fn plan_lookup(region: &str, id: &str, endpoint: &Endpoint) -> Result<PlannedCall> {
    let d = TencentDialect { creds: None };
    super::planned(endpoint, &d, &api::describe_images(region, &[id]))
}

/// The calls a copy would make, for `--dry-run` (`{source_name}` stands for the source's
/// name when `--name` is not given).
pub fn plan(req: &CopyRequest, endpoint: &Endpoint) -> Result<Vec<PlannedCall>> {
    let d = TencentDialect { creds: None };
    let name = api::copy_name(req, "{source_name}");
    req.dest_regions
        .iter()
        .map(|dest| super::planned(endpoint, &d, &api::sync_images(req, dest, &name)))
        .collect()
}

/// Image state → copy state; `SyncPercent` is the progress while syncing.
pub fn update_from_image(img: &wire::Image) -> PollUpdate {
    let progress = img.sync_percent.map(|p| p.clamp(0, 100) as u8);
    let (state, progress, error) = match img.image_state.as_str() {
        "NORMAL" => (CopyState::Available, Some(100), None),
        "CREATING" => (CopyState::Submitted, progress, None),
        "SYNCING" | "IMPORTING" => (CopyState::Copying, progress, None),
        "CREATEFAILED" | "IMPORTFAILED" => (
            CopyState::Failed,
            progress,
            Some(RecordError {
                code: format!("Image.{}", img.image_state),
                message: format!("the copy ended in state {}", img.image_state),
                request_id: None,
                resubmit_may_pass: false,
            }),
        ),
        other => {
            tracing::warn!(
                state = other,
                "unknown Tencent Cloud image state; still waiting"
            );
            (CopyState::Copying, progress, None)
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

pub struct TencentProvider {
    api: Api,
    concurrency: usize,
}

impl TencentProvider {
    pub fn new(
        client: Arc<Client>,
        creds: Credentials,
        endpoint: Endpoint,
        concurrency: usize,
    ) -> Self {
        TencentProvider {
            api: Api {
                client,
                dialect: Box::new(TencentDialect { creds: Some(creds) }),
                endpoint,
            },
            concurrency: concurrency.max(1),
        }
    }

    async fn describe(&self, region: &str, ids: &[&str]) -> Result<Vec<wire::Image>> {
        let call = api::describe_images(region, ids);
        match self
            .api
            .send::<wire::Envelope<wire::DescribeImagesResponse>>(&call)
            .await
        {
            Ok((r, _)) => Ok(r.response.image_set),
            // One id the region does not know fails the whole call: none is there.
            Err(e) if e.kind() == ErrorKind::NotFound && ids.len() == 1 => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    /// The source image: its name names the copies, its creation time bounds them.
    async fn source(&self, req: &CopyRequest) -> Result<wire::Image> {
        self.describe(&req.source_region, &[&req.source_id])
            .await?
            .into_iter()
            .find(|i| i.image_id == req.source_id)
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::NotFound,
                    format!("no image {} in {}", req.source_id, req.source_region),
                )
                .with_provider(Cloud::Tencent)
                .with_code("InvalidImageId.NotFound")
            })
    }

    /// The account's own images in `region` named exactly `name`.
    async fn named(&self, region: &str, name: &str) -> Result<Vec<wire::Image>> {
        let call = api::images_named(region, name);
        let (r, _) = self
            .api
            .send::<wire::Envelope<wire::DescribeImagesResponse>>(&call)
            .await?;
        let mut images = r.response.image_set;
        images.retain(|i| i.image_name == name);
        Ok(images)
    }

    /// A copy an earlier run (or an earlier try) made in `dest`: one of the account's images
    /// with the copy's name, made no earlier than the source, not failed.
    async fn find_copy(
        &self,
        req: &CopyRequest,
        src: &wire::Image,
        name: &str,
        dest: &str,
    ) -> Result<Option<CopyRecord>> {
        let named = self.named(dest, name).await?;
        let candidates: Vec<&wire::Image> = named
            .iter()
            .filter(|i| i.image_id != src.image_id)
            .filter(|i| !matches!(i.image_state.as_str(), "CREATEFAILED" | "IMPORTFAILED"))
            .filter(|i| super::made_after(i.created_time.as_deref(), src.created_time.as_deref()))
            .collect();
        match candidates.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(super::adopted(
                req,
                dest,
                &one.image_id,
                Some(name),
                AdoptedBy::Name,
            ))),
            // Which one is this source's copy cannot be told: neither is adopted.
            many => Err(Error::new(
                ErrorKind::Rejected,
                format!(
                    "{} images named {name} in {dest} were made after the source ({}); imgcopy cannot tell which is its copy: give the copies a name of their own (--name) or make a new one (--force-new)",
                    many.len(),
                    many.iter().map(|i| i.image_id.as_str()).collect::<Vec<_>>().join(", ")
                ),
            )
            .with_provider(Cloud::Tencent)
            .with_code("AmbiguousCopy")),
        }
    }

    async fn sync(&self, req: &CopyRequest, dest: &str, name: &str) -> Result<CopyRecord> {
        let call = api::sync_images(req, dest, name);
        let (reply, attempts) = self
            .api
            .send::<wire::Envelope<wire::SyncImagesResponse>>(&call)
            .await?;
        let mut r = CopyRecord::new(req, dest, OffsetDateTime::now_utc());
        r.name = Some(name.to_string());
        r.attempts = attempts;
        // The reply names the copy in each region; a reply without it leaves the copy to be
        // found by name while waiting.
        r.dest_id = reply
            .response
            .image_set
            .into_iter()
            .find(|i| i.region == dest)
            .map(|i| i.image_id);
        if r.dest_id.is_none() {
            r.error = Some(RecordError {
                code: "NoCopyId".into(),
                message: format!(
                    "the reply named no copy in {dest}; it is looked for by its name ({name})"
                ),
                request_id: None,
                resubmit_may_pass: false,
            });
        }
        Ok(r)
    }

    /// The copy into `dest`: found again if an earlier run made it (not with `--force-new`),
    /// else synced, reconciled by name when the call's outcome is unknown.
    async fn start(&self, req: &CopyRequest, src: &wire::Image, dest: &str) -> Result<CopyRecord> {
        let name = api::copy_name(req, &src.image_name);
        if req.force_new.is_some() {
            return match self.sync(req, dest, &name).await {
                // A forced copy carries no mark to look for: never sent again.
                Err(e) if e.outcome_unknown() => {
                    let mut re = RecordError::from(&e);
                    re.resubmit_may_pass = false;
                    re.message.push_str(&format!(
                        "; with --force-new the copy cannot be looked for, so it is not sent again: look for an image named {name} in {dest} before running again"
                    ));
                    Ok(CopyRecord::rejected(
                        req,
                        dest,
                        re,
                        OffsetDateTime::now_utc(),
                    ))
                }
                done => done,
            };
        }
        super::find_or_copy(
            &self.api.client,
            req,
            dest,
            || self.find_copy(req, src, &name, dest),
            || self.sync(req, dest, &name),
        )
        .await
    }

    /// Copies whose reply named no id, looked for by name; then one DescribeImages for up to
    /// 100 copies in one region.
    async fn look(&self, region: &str, recs: &[&CopyRecord]) -> Vec<Result<PollUpdate>> {
        let ids: Vec<&str> = recs.iter().filter_map(|r| r.dest_id.as_deref()).collect();
        let found = if ids.is_empty() {
            Vec::new()
        } else {
            match self.describe(region, &ids).await {
                Ok(f) => f,
                Err(e) => return recs.iter().map(|_| Err(e.clone())).collect(),
            }
        };
        let mut out = Vec::with_capacity(recs.len());
        for r in recs {
            out.push(match r.dest_id.as_deref() {
                Some(id) => Ok(match found.iter().find(|i| i.image_id == id) {
                    Some(img) => update_from_image(img),
                    // The listing lags the copy call; or the copy was deleted.
                    None => PollUpdate::missing(
                        "InvalidImageId.NotFound",
                        "the copy is not listed in its region",
                    ),
                }),
                None => self.look_by_name(r).await,
            });
        }
        out
    }

    async fn look_by_name(&self, r: &CopyRecord) -> Result<PollUpdate> {
        let name = r.name.as_deref().unwrap_or_default();
        let made = self
            .named(&r.dest_region, name)
            .await?
            .into_iter()
            .find(|i| i.image_id != r.source_id);
        Ok(match made {
            Some(img) => PollUpdate {
                dest_id: Some(img.image_id.clone()),
                ..update_from_image(&img)
            },
            None => PollUpdate::missing(
                "InvalidImageId.NotFound",
                format!("no image named {name} in {} yet", r.dest_region),
            ),
        })
    }
}

#[async_trait]
impl Provider for TencentProvider {
    fn cloud(&self) -> Cloud {
        Cloud::Tencent
    }

    /// The source is read once (its name and creation time), then one SyncImages per
    /// destination, `concurrency` at a time.
    async fn submit(&self, req: &CopyRequest) -> Result<Vec<CopyRecord>> {
        let src = self.source(req).await?;
        let src = &src;
        super::submit_each(req, self.concurrency, |dest| async move {
            self.start(req, src, &dest).await
        })
        .await
    }

    async fn poll(&self, records: &[CopyRecord]) -> Vec<Result<PollUpdate>> {
        let key = |r: &CopyRecord| r.dest_region.clone();
        super::poll_batched(
            records,
            key,
            api::MAX_IDS,
            self.concurrency,
            |region, idx| async move {
                let recs: Vec<&CopyRecord> = idx.iter().map(|&i| &records[i]).collect();
                let updates = self.look(&region, &recs).await;
                (idx, updates)
            },
        )
        .await
    }

    async fn cancel(&self, _: Kind, _: &str, _: &str) -> Result<()> {
        Err(Error::usage(
            "cancel",
            "Tencent Cloud CVM has no call to cancel an image sync",
        ))
    }

    async fn inspect(&self, _: Kind, region: &str, id: &str) -> Result<Option<Target>> {
        Ok(self
            .describe(region, &[id])
            .await?
            .into_iter()
            .find(|i| i.image_id == id)
            .map(|i| Target {
                in_progress: !update_from_image(&i).state.is_terminal(),
                status: i.image_state.clone(),
                provenance: None,
                name: Some(i.image_name.clone()),
            }))
    }

    /// A copy found again only by its name cannot tell a forced copy from another.
    fn finds_forced_copies(&self, _kind: Kind) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn img(state: &str, percent: Option<i64>) -> wire::Image {
        wire::Image {
            image_id: "img-00000001".into(),
            image_name: "n".into(),
            image_state: state.into(),
            image_type: "PRIVATE_IMAGE".into(),
            created_time: None,
            sync_percent: percent,
        }
    }

    #[test]
    fn states_and_progress() {
        let u = update_from_image(&img("SYNCING", Some(42)));
        assert_eq!((u.state, u.progress), (CopyState::Copying, Some(42)));
        assert_eq!(
            update_from_image(&img("NORMAL", None)).state,
            CopyState::Available
        );
        assert_eq!(
            update_from_image(&img("CREATING", None)).state,
            CopyState::Submitted
        );
        let u = update_from_image(&img("CREATEFAILED", Some(7)));
        assert_eq!(u.state, CopyState::Failed);
        assert_eq!(u.error.unwrap().code, "Image.CREATEFAILED");
        assert_eq!(
            update_from_image(&img("SYNCING", Some(250))).progress,
            Some(100)
        );
    }
}
