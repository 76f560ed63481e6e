//! Baidu Cloud BCC: image and snapshot remote copy, followed through the detail calls.

pub mod api;
mod credentials;
mod dialect;
pub mod driver;
pub mod error;
pub mod wire;

use super::{PlannedCall, Provider, Target};
use crate::config::{Credentials, Endpoint};
use crate::error::{Error, ErrorKind, Result};
use crate::http::Client;
use crate::model::{
    AdoptedBy, Cloud, CopyRecord, CopyRequest, CopyState, Kind, PollUpdate, RecordError,
};
use crate::provider::driver::CloudDriver;
use crate::provider::Api;
use async_trait::async_trait;
pub use dialect::BaiduDialect;
use std::sync::Arc;
use time::OffsetDateTime;

/// The read call that looks for `id` in `region` (for `--dry-run` without `--region`).
pub fn plan_lookup(kind: Kind, region: &str, id: &str, endpoint: &Endpoint) -> Result<PlannedCall> {
    crate::provider::planned(
        endpoint,
        &BaiduDialect::unsigned(),
        &api::detail(kind, region, id),
    )
}

/// The calls a copy would make, for `--dry-run`.
pub fn plan(req: &CopyRequest, endpoint: &Endpoint) -> Result<Vec<PlannedCall>> {
    let calls = match req.kind {
        Kind::Image => vec![api::remote_copy_image(req)],
        Kind::Snapshot if req.client_token.is_some() => vec![api::remote_copy_snapshot(req)],
        Kind::Snapshot => req
            .dest_regions
            .iter()
            .map(|d| {
                api::remote_copy_snapshot(&CopyRequest {
                    dest_regions: vec![d.clone()],
                    ..req.clone()
                })
            })
            .collect(),
    };
    calls
        .iter()
        .map(|c| crate::provider::planned(endpoint, &BaiduDialect::unsigned(), c))
        .collect()
}

/// The most pages of one region's image listing read (1000 images a page).
const MAX_LIST_PAGES: usize = 1000;

pub struct BaiduProvider {
    api: Api,
    concurrency: usize,
    listings: super::Listings<wire::ImageModel>,
}

impl BaiduProvider {
    pub fn new(
        client: Arc<Client>,
        creds: Credentials,
        endpoint: Endpoint,
        concurrency: usize,
    ) -> Self {
        BaiduProvider {
            api: Api {
                client,
                dialect: Box::new(BaiduDialect { creds }),
                endpoint,
            },
            concurrency: concurrency.max(1),
            listings: Default::default(),
        }
    }

    /// Image copies carry no client token, so a re-run first looks in each destination for
    /// a copy an earlier run made: a Custom image with the copy's name (`--name`, else the
    /// source's, as Baidu names copies), created no earlier than the source, not failed. It
    /// is adopted; only the other destinations are copied. A copy call whose outcome is
    /// unknown is reconciled the same way before it is tried again.
    async fn submit_image(&self, req: &CopyRequest) -> Result<Vec<CopyRecord>> {
        // The source's name: every copy is sent with a name (`--name`, else the source's),
        // so that a copy the reply does not name can be found.
        let src = self
            .source_image(&req.source_region, &req.source_id)
            .await?;
        let name = req.name.clone().unwrap_or_else(|| src.name.clone());
        let req = &CopyRequest {
            name: Some(name.clone()),
            ..req.clone()
        };
        // A forced copy is new: earlier copies of that name are not it.
        let look = req.force_new.is_none();
        let mut records = Vec::new();
        let mut remaining = req.dest_regions.clone();
        for round in 1..=super::RECONCILE_ROUNDS {
            if look {
                remaining = self
                    .adopt_found(req, &src, &name, remaining, &mut records)
                    .await?;
            }
            if remaining.is_empty() {
                break;
            }
            let sub = CopyRequest {
                dest_regions: std::mem::take(&mut remaining),
                ..req.clone()
            };
            match self.remote_copy_image(&sub).await {
                Ok(made) => {
                    for rec in made {
                        records.push(self.name_untracked(&src, rec, round).await);
                    }
                }
                Err(e) if e.outcome_unknown() && look && round < super::RECONCILE_ROUNDS => {
                    tracing::warn!(
                        "image copy call for {}: {e}; looking for what it made before trying again",
                        req.source_id
                    );
                    for d in &sub.dest_regions {
                        self.listings.forget(d);
                    }
                    // Let the listings catch up before looking (eventual consistency).
                    tokio::time::sleep(self.api.client.reconcile_pause(round)).await;
                    remaining = sub.dest_regions;
                }
                Err(e) => {
                    if e.kind() == ErrorKind::Auth && records.is_empty() {
                        return Err(e);
                    }
                    records.extend(self.refused_image_copy(&sub, &e, &name));
                }
            }
        }
        Ok(records)
    }

    /// Adopts the copies an earlier run made into `remaining` (found by name); the
    /// destinations still without one.
    async fn adopt_found(
        &self,
        req: &CopyRequest,
        src: &wire::ImageModel,
        name: &str,
        remaining: Vec<String>,
        records: &mut Vec<CopyRecord>,
    ) -> Result<Vec<String>> {
        let found =
            futures::future::join_all(remaining.iter().map(|d| self.find_image_copy(src, name, d)))
                .await;
        let mut still = Vec::new();
        for (dest, f) in remaining.into_iter().zip(found) {
            match f? {
                Some(id) => {
                    records.push(super::adopted(req, &dest, &id, Some(name), AdoptedBy::Name))
                }
                None => still.push(dest),
            }
        }
        Ok(still)
    }

    /// The records of an image copy call that failed for good. One whose outcome is unknown
    /// may have made the copies: the next look lists afresh; a forced one is never sent
    /// again (it carries no mark to look for).
    fn refused_image_copy(&self, sub: &CopyRequest, e: &Error, name: &str) -> Vec<CopyRecord> {
        let now = OffsetDateTime::now_utc();
        let mut re = RecordError::from(e);
        if e.outcome_unknown() {
            for d in &sub.dest_regions {
                self.listings.forget(d);
            }
            if sub.force_new.is_some() {
                re.resubmit_may_pass = false;
                re.message.push_str(&format!(
                    "; with --force-new the copy cannot be looked for, so it is not sent again: look for an image named {name} in the destination before running again"
                ));
            }
        }
        sub.dest_regions
            .iter()
            .map(|d| CopyRecord::rejected(sub, d, re.clone(), now))
            .collect()
    }

    /// A copy the remoteCopy reply accepted without naming (the reply may carry no
    /// per-region result): found in its region by name right away, a poll interval apart,
    /// and followed; the call is never sent again for it. Still unseen, the record keeps
    /// `NoCopyId` and the wait goes on looking for it by name.
    async fn name_untracked(
        &self,
        src: &wire::ImageModel,
        mut rec: CopyRecord,
        round: u32,
    ) -> CopyRecord {
        if rec.dest_id.is_some() || rec.state != CopyState::Submitted {
            return rec;
        }
        let name = rec.name.clone().unwrap_or_default();
        for pause in 1..=super::RECONCILE_ROUNDS {
            self.listings.forget(&rec.dest_region);
            tokio::time::sleep(self.api.client.reconcile_pause(pause.max(round))).await;
            if let Ok(Some(id)) = self.find_image_copy(src, &name, &rec.dest_region).await {
                tracing::info!(
                    "{}: the reply named no copy; found {id} by name",
                    rec.label()
                );
                rec.dest_id = Some(id);
                rec.error = None;
                break;
            }
        }
        rec
    }

    /// The source image's name and creation time.
    async fn source_image(&self, region: &str, id: &str) -> Result<wire::ImageModel> {
        let call = api::detail(Kind::Image, region, id);
        let (d, _): (wire::SourceDetail, u32) = self.api.send(&call).await?;
        Ok(d.image)
    }

    /// A copy of `src` named `name` in `dest`, made by an earlier run.
    async fn find_image_copy(
        &self,
        src: &wire::ImageModel,
        name: &str,
        dest: &str,
    ) -> Result<Option<String>> {
        let images = self
            .listings
            .get(dest, || async {
                let mut all = Vec::new();
                let mut marker: Option<String> = None;
                let mut seen = std::collections::HashSet::new();
                for _ in 0..MAX_LIST_PAGES {
                    let call = api::list_images(dest, marker.as_deref());
                    let (page, _): (wire::ImageList, u32) = self.api.send(&call).await?;
                    all.extend(page.images);
                    match page
                        .next_marker
                        .filter(|m| page.is_truncated && !m.is_empty())
                    {
                        // A marker seen before would list the same pages for ever.
                        Some(m) if !seen.insert(m.clone()) => {
                            return Err(Error::protocol(format!(
                                "the image listing of {dest} repeats its marker {m}; it would never end"
                            ))
                            .with_provider(Cloud::Baidu))
                        }
                        Some(m) => marker = Some(m),
                        None => return Ok(all),
                    }
                }
                Err(Error::protocol(format!(
                    "the image listing of {dest} did not end within {MAX_LIST_PAGES} pages"
                ))
                .with_provider(Cloud::Baidu))
            })
            .await?;
        Ok(images
            .iter()
            .filter(|i| {
                i.id != src.id
                    && i.name == name
                    && i.image_type.eq_ignore_ascii_case("custom")
                    && update_from_status(Kind::Image, &i.status).state != CopyState::Failed
                    && super::made_after(i.create_time.as_deref(), src.create_time.as_deref())
            })
            .max_by(|a, b| a.create_time.cmp(&b.create_time))
            .map(|i| i.id.clone()))
    }

    /// One remoteCopy call for every destination of `req`.
    async fn remote_copy_image(&self, req: &CopyRequest) -> Result<Vec<CopyRecord>> {
        let call = api::remote_copy_image(req);
        let (reply, attempts): (wire::RemoteCopyImageResult, u32) = self.api.send(&call).await?;
        let now = OffsetDateTime::now_utc();
        Ok(req
            .dest_regions
            .iter()
            .map(|region| {
                let found = reply.result.iter().find(|m| &m.region == region);
                let mut rec = match found {
                    Some(m) if is_success(m) => {
                        let mut r = CopyRecord::new(req, region, now);
                        r.dest_id = m.image_id.clone();
                        r
                    }
                    Some(m) => CopyRecord::rejected(
                        req,
                        region,
                        RecordError {
                            code: m.code.clone().unwrap_or_else(|| "Unknown".into()),
                            message: m.err_msg.clone().unwrap_or_default(),
                            request_id: None,
                            resubmit_may_pass: false,
                        },
                        now,
                    ),
                    None => untracked(req, region, now),
                };
                rec.attempts = attempts;
                rec
            })
            .collect())
    }

    /// One remote copy call per destination, each with the token derived for that
    /// destination alone: any order or set of `--dest` is the same request per destination,
    /// so a re-run with other destinations copies none twice (a single destination's token
    /// is the one earlier versions derived). A `--client-token` given covers one call for all.
    async fn submit_snapshot(&self, req: &CopyRequest) -> Result<Vec<CopyRecord>> {
        if req.client_token.is_some() || req.dest_regions.len() == 1 {
            return self.snapshot_call(req).await;
        }
        super::submit_each(req, self.concurrency, |dest| async move {
            let one = CopyRequest {
                dest_regions: vec![dest],
                ..req.clone()
            };
            let mut records = self.snapshot_call(&one).await?;
            records
                .pop()
                .ok_or_else(|| Error::protocol("no record for the destination"))
        })
        .await
    }

    async fn snapshot_call(&self, req: &CopyRequest) -> Result<Vec<CopyRecord>> {
        let call = api::remote_copy_snapshot(req);
        let token = call.query[0].1.clone();
        let (reply, attempts): (wire::RemoteCopySnapshotResult, u32) = self.api.send(&call).await?;
        let now = OffsetDateTime::now_utc();
        let name = api::snapshot_copy_name(req);
        Ok(req
            .dest_regions
            .iter()
            .map(|region| {
                let mut rec = match reply.result.iter().find(|m| &m.region == region) {
                    Some(m) => {
                        let mut r = CopyRecord::new(req, region, now);
                        r.dest_id = Some(m.snapshot_id.clone());
                        r
                    }
                    None => untracked(req, region, now),
                };
                rec.name = Some(name.clone());
                rec.client_token = Some(token.clone());
                rec.attempts = attempts;
                rec
            })
            .collect())
    }

    async fn poll_one(&self, rec: &CopyRecord) -> Result<PollUpdate> {
        let Some(id) = rec.dest_id.as_deref() else {
            return self.find_unnamed(rec).await;
        };
        let call = api::detail(rec.kind, &rec.dest_region, id);
        let status = match rec.kind {
            Kind::Image => self
                .api
                .send::<wire::ImageDetail>(&call)
                .await
                .map(|(d, _)| d.image),
            Kind::Snapshot => self
                .api
                .send::<wire::SnapshotDetail>(&call)
                .await
                .map(|(d, _)| d.snapshot),
        };
        match status {
            Ok(model) => Ok(update_from_status(rec.kind, &model.status)),
            // Not visible yet (just made), or gone (deleted or canceled): the engine tells
            // the two apart by how long it stays missing.
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(PollUpdate::missing(
                e.code().unwrap_or("NotFound"),
                e.message(),
            )),
            Err(e) => Err(e),
        }
    }
}

impl BaiduProvider {
    /// A copy the reply did not name, looked for by its name in its region: found, it is
    /// followed by id from now on; not found, it is missing (failed once the grace passes).
    async fn find_unnamed(&self, rec: &CopyRecord) -> Result<PollUpdate> {
        let (Some(name), Kind::Image) = (rec.name.as_deref(), rec.kind) else {
            return Err(Error::protocol("no destination id to follow").with_provider(Cloud::Baidu));
        };
        let src = self
            .source_image(&rec.source_region, &rec.source_id)
            .await?;
        self.listings.forget(&rec.dest_region);
        match self.find_image_copy(&src, name, &rec.dest_region).await? {
            // Its id from now on; the next look follows it by id.
            Some(id) => Ok(PollUpdate {
                state: rec.state,
                dest_id: Some(id),
                progress: rec.progress,
                cloud_status: rec.cloud_status.clone(),
                error: None,
                missing: false,
            }),
            None => Ok(PollUpdate::missing(
                "NoCopyId",
                format!("no image named {name} in {} yet", rec.dest_region),
            )),
        }
    }
}

fn is_success(m: &wire::RemoteCopyImageModel) -> bool {
    let code_ok = m
        .code
        .as_deref()
        .is_none_or(|c| c.is_empty() || c.eq_ignore_ascii_case("success"));
    code_ok && m.image_id.as_deref().is_some_and(|i| !i.is_empty())
}

/// A copy the cloud accepted without naming its id: kept in the report, but not followable.
fn untracked(req: &CopyRequest, region: &str, now: OffsetDateTime) -> CopyRecord {
    let mut r = CopyRecord::new(req, region, now);
    r.error = Some(RecordError {
        code: "NoCopyId".into(),
        message: format!("the reply named no copy for region {region}; look for it in that region"),
        request_id: None,
        resubmit_may_pass: false,
    });
    r
}

/// Maps the status words of the vendor's Go SDK model to our states. Every end state other
/// than Available is a failure; an unknown word keeps the copy in progress.
pub fn update_from_status(kind: Kind, status: &str) -> PollUpdate {
    let (state, progress, error) = match status {
        "Available" => (CopyState::Available, Some(100), None),
        "Creating" | "dest_copying" => (CopyState::Copying, None, None),
        "CreateFailed" | "CreatedFailed" | "NotAvailable" | "Error" => (
            CopyState::Failed,
            None,
            Some(RecordError {
                code: format!(
                    "{}.{status}",
                    if kind == Kind::Image {
                        "Image"
                    } else {
                        "Snapshot"
                    }
                ),
                message: format!("the copy ended in status {status}"),
                request_id: None,
                resubmit_may_pass: false,
            }),
        ),
        other => {
            tracing::warn!(status = other, "unknown Baidu {kind} status; still waiting");
            (CopyState::Copying, None, None)
        }
    };
    PollUpdate {
        state,
        dest_id: None,
        progress,
        cloud_status: Some(status.to_string()),
        error,
        missing: false,
    }
}

#[async_trait]
impl Provider for BaiduProvider {
    fn cloud(&self) -> Cloud {
        Cloud::Baidu
    }

    async fn submit(&self, req: &CopyRequest) -> Result<Vec<CopyRecord>> {
        match req.kind {
            Kind::Image => self.submit_image(req).await,
            Kind::Snapshot => self.submit_snapshot(req).await,
        }
    }

    /// Snapshot copies carry the salted token; image copies carry nothing to find.
    fn finds_forced_copies(&self, kind: Kind) -> bool {
        kind == Kind::Snapshot
    }

    async fn poll(&self, records: &[CopyRecord]) -> Vec<Result<PollUpdate>> {
        super::poll_each(records, self.concurrency, |r| async move {
            self.poll_one(&r).await
        })
        .await
    }

    async fn cancel(&self, kind: Kind, region: &str, dest_id: &str) -> Result<()> {
        if kind == Kind::Snapshot {
            return Err(Error::new(
                ErrorKind::Usage,
                "Baidu has no call to cancel a snapshot copy",
            ));
        }
        api::check_id(Kind::Image, dest_id)?;
        driver::Baidu.check_region("--region", region, true)?;
        let call = api::cancel_remote_copy(region, dest_id);
        self.api.send::<serde_json::Value>(&call).await.map(|_| ())
    }

    /// A Creating image may be a copy in progress. Baidu's copies carry no mark, so only the
    /// report (or `--force`) ties one to imgcopy.
    async fn inspect(&self, kind: Kind, region: &str, id: &str) -> Result<Option<Target>> {
        let call = api::detail(kind, region, id);
        let status = match kind {
            Kind::Image => self
                .api
                .send::<wire::ImageDetail>(&call)
                .await
                .map(|(d, _)| d.image),
            Kind::Snapshot => self
                .api
                .send::<wire::SnapshotDetail>(&call)
                .await
                .map(|(d, _)| d.snapshot),
        };
        match status {
            Ok(model) => Ok(Some(Target {
                in_progress: update_from_status(kind, &model.status).state == CopyState::Copying,
                status: model.status,
                provenance: None,
                name: model.name,
            })),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests;
