//! Huawei Cloud IMS: in-region and cross-region image copy, followed through async jobs.

pub mod api;
mod credentials;
pub mod driver;
pub mod error;
pub mod options;
pub mod project;
pub mod wire;

use super::{Api, PlannedCall, Provider, Slots, Target};

fn no_cancel() -> Error {
    Error::new(
        ErrorKind::Usage,
        "Huawei IMS has no call to cancel an image copy",
    )
}
use crate::config::{Credentials, Endpoint};
use crate::error::{Error, ErrorKind, Result};
use crate::http::{Client, Dialect, HttpRequest, HttpResponse};
use crate::model::{
    AdoptedBy, Cloud, CopyRecord, CopyRequest, CopyState, Kind, PollUpdate, RecordError,
};
use crate::sign::{huawei, SignContext};
use async_trait::async_trait;
use project::ProjectIds;
use std::sync::Arc;
use time::OffsetDateTime;

pub struct HuaweiDialect {
    creds: Option<Credentials>,
}

impl Dialect for HuaweiDialect {
    fn cloud(&self) -> Cloud {
        Cloud::Huawei
    }

    fn sign(&self, req: &mut HttpRequest, ctx: &SignContext) -> Result<()> {
        let Some(creds) = &self.creds else {
            return Ok(());
        };
        // Content-Length is added by the HTTP layer after signing in the SDK: not signed.
        req.sign_with(&["content-length"], |r| Ok(huawei::sign(r, creds, ctx)))
            .map(drop)
    }

    fn parse_error(&self, resp: &HttpResponse) -> Error {
        error::parse_error(resp)
    }

    /// The SDK sends the canonical (sorted, quoted) query.
    fn encode_query(&self, query: &[(String, String)]) -> String {
        huawei::canonical_query(query)
    }

    fn request_id_header(&self) -> &'static str {
        "x-request-id"
    }
}

pub struct HuaweiProvider {
    api: Api,
    project_ids: ProjectIds,
    concurrency: usize,
}

/// The read call that looks for `id` in `region` (for `--dry-run` without `--region`).
pub fn plan_lookup(region: &str, id: &str, endpoint: &Endpoint) -> Result<PlannedCall> {
    let d = HuaweiDialect { creds: None };
    super::planned(endpoint, &d, &api::list_image(region, "{project_id}", id))
}

/// The calls a copy would make, for `--dry-run` (preflight and job queries left out).
pub fn plan(req: &CopyRequest, endpoint: &Endpoint) -> Result<Vec<PlannedCall>> {
    let d = HuaweiDialect { creds: None };
    let calls: Vec<_> = if api::is_in_region(req) {
        vec![api::copy_in_region(req, "{project_id}")]
    } else {
        req.dest_regions
            .iter()
            .map(|dest| api::cross_region_copy(req, dest, "{project_id}"))
            .collect()
    };
    calls
        .iter()
        .map(|c| super::planned(endpoint, &d, c))
        .collect()
}

/// Why preflight refuses a source, as a record error.
fn refused(code: &str, message: String) -> RecordError {
    RecordError {
        code: format!("Preflight.{code}"),
        message,
        request_id: None,
        resubmit_may_pass: false,
    }
}

impl HuaweiProvider {
    pub fn new(
        client: Arc<Client>,
        creds: Credentials,
        endpoint: Endpoint,
        project_ids: ProjectIds,
        concurrency: usize,
    ) -> Self {
        HuaweiProvider {
            api: Api {
                client,
                dialect: Box::new(HuaweiDialect { creds: Some(creds) }),
                endpoint,
            },
            project_ids,
            concurrency: concurrency.max(1),
        }
    }

    fn project_id(&self, region: &str) -> Result<String> {
        self.project_ids.get(region).map(str::to_string).ok_or_else(|| {
            Error::auth(format!(
                "no Huawei project id for region {region}: set {}, pass --project-id, or add project_id to the profile",
                project::PROJECT_ID_ENV
            ))
            .with_provider(Cloud::Huawei)
        })
    }

    /// Checks the source against what the copy APIs forbid: `Err(_)` refuses the copy,
    /// `Ok(_)` is the source image (adoption compares against it).
    async fn preflight(
        &self,
        req: &CopyRequest,
        project_id: &str,
    ) -> Result<std::result::Result<wire::ImageInfo, RecordError>> {
        let call = api::list_image(&req.source_region, project_id, &req.source_id);
        let (list, _) = self.api.send::<wire::ImageList>(&call).await?;
        let cross = !api::is_in_region(req);
        let Some(img) = list.images.into_iter().find(|i| i.id == req.source_id) else {
            return Ok(Err(refused(
                "ImageNotFound",
                format!("no image {} in {}", req.source_id, req.source_region),
            )));
        };
        let whole = img.whole_image == Some(true);
        let o = api::options(req);
        let reason = if img.status != "active" {
            Some((
                "ImageNotActive",
                format!(
                    "the image is {}; only active (Normal) images can be copied",
                    img.status
                ),
            ))
        } else if img.disk_format.as_deref() == Some("iso") {
            Some((
                "IsoImage",
                "images created from ISO files cannot be copied".to_string(),
            ))
        } else if whole && !cross {
            Some((
                "FullEcsImage",
                "full-ECS images cannot be copied within a region".to_string(),
            ))
        } else if whole && o.vault_id.is_none() {
            Some((
                "VaultRequired",
                "a full-ECS image needs --vault-id (a CBR vault in the destination)".to_string(),
            ))
        } else if cross && img.cmk_id.as_deref().is_some_and(|k| !k.is_empty()) {
            Some((
                "EncryptedCrossRegion",
                "encrypted images cannot be copied across regions".to_string(),
            ))
        } else {
            None
        };
        Ok(match reason {
            Some((c, m)) => Err(refused(c, m)),
            None => Ok(img),
        })
    }

    /// Copies carry no client token, so before each try the destination is searched for a
    /// copy an earlier run (or an earlier try whose outcome was unknown) made: an image with
    /// the copy's name whose description carries this request's provenance marker, not
    /// failed. Found, it is adopted; otherwise the copy call goes out and its record carries
    /// the job id. A same-named image without the marker is never taken for the copy.
    async fn start(
        &self,
        req: &CopyRequest,
        src: &wire::ImageInfo,
        dest: &str,
        call: super::ApiCall,
    ) -> Result<CopyRecord> {
        let name = req.name.as_deref().unwrap_or_default();
        let marker = api::marker(req, dest);
        let find = || async {
            let found = self.find_copy(src, name, &marker, dest).await?;
            Ok(found.map(|id| super::adopted(req, dest, &id, Some(name), AdoptedBy::Marker)))
        };
        let copy = || async {
            let (job, attempts) = self.api.send::<wire::JobCreated>(&call).await?;
            let mut r = CopyRecord::new(req, dest, OffsetDateTime::now_utc());
            r.job_id = Some(job.job_id);
            r.attempts = attempts;
            Ok(r)
        };
        super::find_or_copy(&self.api.client, req, dest, find, copy).await
    }

    /// A copy of `src` named `name`, marked `marker`, in `dest`.
    async fn find_copy(
        &self,
        src: &wire::ImageInfo,
        name: &str,
        marker: &str,
        dest: &str,
    ) -> Result<Option<String>> {
        let call = api::list_images_named(dest, &self.project_id(dest)?, name);
        let (list, _) = self.api.send::<wire::ImageList>(&call).await?;
        Ok(list
            .images
            .into_iter()
            .filter(|i| {
                i.id != src.id
                    && i.name == name
                    && i.description.as_deref().is_some_and(|d| d.contains(marker))
                    && !matches!(i.status.as_str(), "killed" | "deleted")
                    && super::made_after(i.created_at.as_deref(), src.created_at.as_deref())
            })
            .max_by(|a, b| a.created_at.cmp(&b.created_at))
            .map(|i| i.id))
    }

    /// What one listing of `region`'s private images (paged until every record is found,
    /// the listing ends, or as many pages as the records fill and two more, at most
    /// `MAX_PAGES`) says of each of `records`: `None` where it says
    /// nothing useful (the job is asked then). A listing that fails says nothing.
    async fn list_for(&self, region: &str, records: &[&CopyRecord]) -> Vec<Option<PollUpdate>> {
        let mut found: Vec<Option<PollUpdate>> = records.iter().map(|_| None).collect();
        let Ok(project_id) = self.project_id(region) else {
            return found;
        };
        let mut marker: Option<String> = None;
        // The copies are the newest images: their pages come first.
        let pages = (records.len() / api::LIST_PAGE + 2).min(MAX_PAGES);
        for _ in 0..pages {
            let call = api::list_private_images(region, &project_id, marker.as_deref());
            let page = match self.api.send::<wire::ImageList>(&call).await {
                Ok((list, _)) => list.images,
                Err(e) => {
                    tracing::debug!("listing {region}'s images failed; asking the jobs: {e}");
                    break;
                }
            };
            let index = PageIndex::new(&page);
            for (slot, rec) in found.iter_mut().zip(records) {
                if slot.is_none() {
                    *slot = listed_copy(rec, &index);
                }
            }
            let last = page.last().map(|i| i.id.clone());
            if page.len() < api::LIST_PAGE || found.iter().all(Option::is_some) || last.is_none() {
                break;
            }
            marker = last;
        }
        found
    }

    /// An adopted copy has no job to follow: its image is looked at in the destination.
    async fn poll_image(&self, rec: &CopyRecord, id: &str) -> Result<PollUpdate> {
        let call = api::list_image(&rec.dest_region, &self.project_id(&rec.dest_region)?, id);
        let (list, _) = self.api.send::<wire::ImageList>(&call).await?;
        let status = list
            .images
            .iter()
            .find(|i| i.id == id)
            .map(|i| i.status.clone());
        let (state, error) = match status.as_deref() {
            Some("active") => (CopyState::Available, None),
            Some("queued" | "saving") => (CopyState::Copying, None),
            Some(other @ ("killed" | "deleted")) => (
                CopyState::Failed,
                Some(refused("ImageFailed", format!("the copy is {other}"))),
            ),
            None => {
                return Ok(PollUpdate::missing(
                    "Preflight.ImageNotFound",
                    format!("no image {id} in {}", rec.dest_region),
                ))
            }
            Some(other) => {
                tracing::warn!(status = other, "unknown Huawei image status; still waiting");
                (CopyState::Copying, None)
            }
        };
        Ok(PollUpdate {
            state,
            dest_id: None,
            progress: (state == CopyState::Available).then_some(100),
            cloud_status: status,
            error,
            missing: false,
        })
    }

    async fn poll_one(&self, rec: &CopyRecord) -> Result<PollUpdate> {
        let Some(job_id) = rec.job_id.as_deref() else {
            return match rec.dest_id.as_deref() {
                Some(id) => self.poll_image(rec, id).await,
                None => Err(Error::protocol("no job id to follow").with_provider(Cloud::Huawei)),
            };
        };
        let project_id = self.project_id(&rec.source_region)?;
        // The documented job query first (the IMS API reference's "Querying a Job"); where it
        // is gone (404), the newer ShowJobProgress, which the SDK offers in its place.
        let call = api::show_job(&rec.source_region, &project_id, job_id);
        let reply = match self.api.send::<wire::Job>(&call).await {
            Err(e) if e.kind() == ErrorKind::NotFound => {
                let newer = api::show_job_progress(&rec.source_region, &project_id, job_id);
                self.api.send::<wire::Job>(&newer).await
            }
            other => other,
        };
        match reply {
            Ok((job, _)) => Ok(update_from_job(&job)),
            // An unknown (or expired) job: missing, failed once that is confirmed.
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(PollUpdate::missing(
                e.code().unwrap_or("JobNotFound"),
                e.message(),
            )),
            Err(e) => Err(e),
        }
    }
}

/// The fewest copies into one region that are looked at in one listing rather than one job
/// query each (below it, the jobs also give each copy's progress).
pub const BATCH_FROM: usize = 10;
/// The most pages (of `api::LIST_PAGE` images) one look at a region reads.
pub const MAX_PAGES: usize = 20;

/// What a page of a region's images says of the copy `rec`. By its image id, once known
/// (an adopted copy): copying or done. Else by its name and the provenance marker imgcopy
/// put in its description: only "still copying" (an image of that name and source being
/// saved), never done or failed and never an id, which the job alone says for sure (an
/// older copy of the same name and source may be in the listing too).
/// A page of images by id and by name: looking a copy up in it is one look-up, not a scan.
pub struct PageIndex<'a> {
    by_id: std::collections::HashMap<&'a str, &'a wire::ImageInfo>,
    by_name: std::collections::HashMap<&'a str, Vec<&'a wire::ImageInfo>>,
}

impl<'a> PageIndex<'a> {
    pub fn new(page: &'a [wire::ImageInfo]) -> Self {
        let mut index = PageIndex {
            by_id: Default::default(),
            by_name: Default::default(),
        };
        for i in page {
            index.by_id.insert(i.id.as_str(), i);
            index.by_name.entry(i.name.as_str()).or_default().push(i);
        }
        index
    }
}

fn listed_copy(rec: &CopyRecord, page: &PageIndex<'_>) -> Option<PollUpdate> {
    let copying = |status: &str| matches!(status, "queued" | "saving");
    let update = |state, dest_id, status: &str| PollUpdate {
        state,
        dest_id,
        progress: if state == CopyState::Available {
            Some(100)
        } else {
            rec.progress
        },
        cloud_status: Some(status.to_string()),
        error: None,
        missing: false,
    };
    if let Some(id) = rec.dest_id.as_deref() {
        let image = *page.by_id.get(id)?;
        return match image.status.as_str() {
            "active" => Some(update(
                CopyState::Available,
                Some(image.id.clone()),
                "active",
            )),
            s if copying(s) => Some(update(CopyState::Copying, None, s)),
            _ => None,
        };
    }
    let name = rec.name.as_deref()?;
    let source = format!(
        "{}={}/{} ",
        crate::provider::SOURCE_TAG,
        rec.source_region,
        rec.source_id
    );
    page.by_name
        .get(name)?
        .iter()
        .find(|i| {
            copying(&i.status)
                && i.description
                    .as_deref()
                    .is_some_and(|d| d.contains(&source))
        })
        .map(|i| update(CopyState::Copying, None, &i.status))
}

/// Job status → state. `process_percent` may be a fraction or a percentage.
pub fn update_from_job(job: &wire::Job) -> PollUpdate {
    let progress = job.entities.process_percent.map(|p| {
        let pct = if p <= 1.0 { p * 100.0 } else { p };
        pct.clamp(0.0, 100.0).round() as u8
    });
    let (state, progress, error) = match job.status.as_str() {
        "SUCCESS" => (CopyState::Available, Some(100), None),
        "FAIL" => (
            CopyState::Failed,
            progress,
            Some(RecordError {
                code: job
                    .error_code
                    .clone()
                    .filter(|c| !c.is_empty())
                    .unwrap_or_else(|| "JobFailed".into()),
                message: job
                    .fail_reason
                    .clone()
                    .unwrap_or_else(|| "the copy job failed".into()),
                request_id: None,
                resubmit_may_pass: false,
            }),
        ),
        "INIT" => (CopyState::Submitted, progress, None),
        "RUNNING" => (CopyState::Copying, progress, None),
        other => {
            tracing::warn!(status = other, "unknown Huawei job status; still waiting");
            (CopyState::Copying, progress, None)
        }
    };
    PollUpdate {
        state,
        dest_id: if state == CopyState::Available {
            job.entities.image_id.clone()
        } else {
            None
        },
        progress,
        cloud_status: Some(job.status.clone()),
        error,
        missing: false,
    }
}

#[async_trait]
impl Provider for HuaweiProvider {
    fn cloud(&self) -> Cloud {
        Cloud::Huawei
    }

    async fn submit(&self, req: &CopyRequest) -> Result<Vec<CopyRecord>> {
        let project_id = self.project_id(&req.source_region)?;
        let src = match self.preflight(req, &project_id).await? {
            Ok(src) => src,
            Err(why) => {
                let now = OffsetDateTime::now_utc();
                return Ok(req
                    .dest_regions
                    .iter()
                    .map(|d| CopyRecord::rejected(req, d, why.clone(), now))
                    .collect());
            }
        };
        if api::is_in_region(req) {
            let call = api::copy_in_region(req, &project_id);
            let r = self.start(req, &src, &req.source_region, call).await;
            return super::settle(req, vec![(req.source_region.clone(), r)]);
        }
        let (project_id, src) = (&project_id, &src);
        super::submit_each(req, self.concurrency, |dest| async move {
            let call = api::cross_region_copy(req, &dest, project_id);
            self.start(req, src, &dest, call).await
        })
        .await
    }

    /// Many copies into one region (`BATCH_FROM` or more) are looked at in one listing of
    /// the region's private images (paged, newest first) instead of one job query each;
    /// a copy the listing does not show as copying or done (not visible yet, or failed,
    /// whose reason only its job has) asks its job, as small groups do.
    async fn poll(&self, records: &[CopyRecord]) -> Vec<Result<PollUpdate>> {
        let mut groups: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
        for (i, r) in records.iter().enumerate() {
            groups.entry(r.dest_region.as_str()).or_default().push(i);
        }
        let listings = groups
            .into_iter()
            .filter(|(_, idx)| idx.len() >= BATCH_FROM)
            .map(|(region, idx)| async move {
                let wanted: Vec<&CopyRecord> = idx.iter().map(|&i| &records[i]).collect();
                (idx, self.list_for(region, &wanted).await)
            });
        let mut out: Vec<Option<Result<PollUpdate>>> = (0..records.len()).map(|_| None).collect();
        for (idx, found) in futures::future::join_all(listings).await {
            for (i, u) in idx.into_iter().zip(found) {
                out[i] = u.map(Ok);
            }
        }
        let rest: Vec<usize> = (0..records.len()).filter(|&i| out[i].is_none()).collect();
        let asked: Vec<CopyRecord> = rest.iter().map(|&i| records[i].clone()).collect();
        let answers = super::poll_each(&asked, self.concurrency, |r| async move {
            self.poll_one(&r).await
        })
        .await;
        for (i, u) in rest.into_iter().zip(answers) {
            out[i] = Some(u);
        }
        out.into_iter()
            .map(|u| u.expect("every record is answered"))
            .collect()
    }

    async fn cancel(&self, _: Kind, _: &str, _: &str) -> Result<()> {
        Err(no_cancel())
    }

    /// The image in `region`, by id (IMS has no cancel; this serves finding a source).
    async fn inspect(&self, _: Kind, region: &str, id: &str) -> Result<Option<Target>> {
        let call = api::list_image(region, &self.project_id(region)?, id);
        let (list, _) = self.api.send::<wire::ImageList>(&call).await?;
        Ok(list
            .images
            .into_iter()
            .find(|i| i.id == id)
            .map(|i| Target {
                in_progress: matches!(i.status.as_str(), "queued" | "saving"),
                provenance: None,
                name: Some(i.name).filter(|n| !n.is_empty()),
                status: i.status,
            }))
    }

    /// IMS runs at most five cross-region copies per tenant at once.
    fn slots(&self, _kind: Kind, source_region: &str, dest: &str) -> Option<Slots> {
        (source_region != dest).then(|| Slots {
            key: "huawei cross-region copies".into(),
            max: api::CROSS_REGION_SLOTS,
        })
    }

    fn is_slot_error(&self, code: &str) -> bool {
        api::CROSS_REGION_LIMIT_CODES.contains(&code)
    }
}

#[cfg(test)]
mod tests;
