//! What a cloud plugs into imgcopy: one `CloudDriver` value per cloud folder, listed in the
//! registry (`crate::registry`). Everything outside a cloud's folder asks its driver.

use super::{check_region_in, PlannedCall, Provider};
use crate::config::{CloudProfile, Credentials, Endpoint, EnvMap};
use crate::error::Result;
use crate::http::Client;
use crate::model::{CopyRecord, CopyRequest, Kind};
use std::sync::Arc;

/// The environment variable names of a cloud's static credentials.
#[derive(Debug, Clone, Copy)]
pub struct EnvNames {
    pub access_key_id: &'static str,
    pub secret_access_key: &'static str,
    pub session_token: &'static str,
}

/// What `doctor` uses to look at a cloud without touching anything.
#[derive(Debug, Clone, Copy)]
pub struct Probe {
    /// The region looked in when none is given.
    pub region: &'static str,
    /// A well-formed image id no image has: the look proves the credentials, not the image.
    pub absent_image_id: &'static str,
    /// The permissions each command needs (the README's table says the same).
    pub permissions: &'static [&'static str],
}

/// What a driver builds its provider from: the run's shared client and the cloud's resolved
/// settings.
pub struct Setup<'a> {
    pub client: Arc<Client>,
    pub credentials: Credentials,
    pub endpoint: Endpoint,
    /// `--concurrency`: calls of one request at once.
    pub concurrency: usize,
    pub env: &'a EnvMap,
    /// The cloud's table of the imgcopy profile in use.
    pub profile: Option<&'a CloudProfile>,
    /// `--project-id` values (`ID` or `REGION=ID`), for a cloud whose calls name a project.
    pub project_ids: &'a [String],
    /// The project the sandbox emulator serves every region in (with `--sandbox`).
    pub sandbox_project: Option<&'a str>,
}

/// One cloud: its names, regions, endpoints, credentials, rules and provider.
pub trait CloudDriver: Sync {
    /// The cloud's name as people read it in messages ("Huawei Cloud").
    fn title(&self) -> &'static str;

    /// The cloud's public regions (from its SDK or endpoint list).
    fn regions(&self) -> &'static [&'static str];

    /// The public endpoint template: `{region}` is replaced by the region.
    fn default_endpoint(&self) -> &'static str;

    /// What `{dns_suffix}` in `default_endpoint` stands for, per region.
    fn dns_suffix(&self) -> Option<fn(&str) -> &'static str> {
        None
    }

    /// The built-in endpoint.
    fn endpoint(&self) -> Result<Endpoint> {
        Endpoint::builtin(self.default_endpoint(), self.dns_suffix())
    }

    /// Whether a call names its region inside the request (a parameter, or the signature's
    /// scope) rather than only through the host, so one shared endpoint serves every region.
    fn region_in_request(&self) -> bool;

    /// The environment variables of the cloud's static credentials.
    fn credential_env(&self) -> EnvNames;

    /// Names (lower case) under which its credentials travel in a request besides the
    /// `Authorization` header: a header or parameter a server may echo back, redacted
    /// wherever text from a server is shown or kept.
    fn secret_names(&self) -> &'static [&'static str];

    /// The variable naming the project, for a cloud whose calls name one.
    fn project_env(&self) -> Option<&'static str> {
        None
    }

    /// Credentials from the cloud's own shared files, after the environment and the imgcopy
    /// profile (`None` where the cloud has none, or they hold none).
    fn shared_credentials(&self, _env: &EnvMap) -> Result<Option<Credentials>> {
        Ok(None)
    }

    /// Where `shared_credentials` looks, for people (`doctor`, the no-credentials error).
    fn shared_source(&self, _env: &EnvMap) -> Option<String> {
        None
    }

    /// The cloud's standard default-region setting and its name (`None` where its SDKs
    /// define none).
    fn standard_region(&self, _env: &EnvMap) -> Option<(String, String)> {
        None
    }

    /// Requests per second per region that a run starts from (adapted down when throttled).
    fn default_rate(&self) -> f64 {
        20.0
    }

    /// Checks a copy request against the cloud's documented rules. No I/O.
    /// `any_region`: another endpoint than the cloud's own is in use (regions may differ).
    fn validate(&self, req: &CopyRequest, any_region: bool) -> Result<()>;

    /// Checks an image or snapshot id (`--id`, or one read from a report).
    fn check_id(&self, kind: Kind, id: &str) -> Result<()>;

    /// A region of the cloud's list, or with `any_region` any well-formed region name.
    fn check_region(&self, flag: &str, region: &str, any_region: bool) -> Result<()> {
        check_region_in(flag, region, self.title(), self.regions(), any_region)
    }

    /// Checks the arguments of a cancel before anything is sent (refused where the cloud has
    /// no cancel call).
    fn validate_cancel(&self, kind: Kind, id: &str, region: &str, any_region: bool) -> Result<()> {
        self.check_id(kind, id)?;
        self.check_region("--region", region, any_region)
    }

    /// The calls `submit` would make for `req` (for `--dry-run`).
    fn plan(&self, req: &CopyRequest, endpoint: &Endpoint) -> Result<Vec<PlannedCall>>;

    /// The read call that looks for source `id` in `region` (`--dry-run` without `--region`).
    fn plan_lookup(
        &self,
        kind: Kind,
        region: &str,
        id: &str,
        endpoint: &Endpoint,
    ) -> Result<PlannedCall>;

    /// The client token the copy of `req` into `dest` is sent with, where the cloud takes
    /// one and imgcopy derives it.
    fn token_for(&self, _req: &CopyRequest, _dest: &str) -> Option<String> {
        None
    }

    /// Whether a destination equal to the source region asks for a real copy there rather
    /// than naming the source itself.
    fn same_region_copy(&self, _req: &CopyRequest) -> bool {
        false
    }

    /// What `doctor` looks with.
    fn probe(&self) -> Probe;

    /// The provider that talks to the cloud.
    fn build(&self, setup: Setup<'_>) -> Result<Arc<dyn Provider>>;
}

/// Checks a record read from a report as strictly as the same values on the command line
/// (a report is input: an edited region or id must not reach a URL or a signature).
pub fn validate_record(rec: &CopyRecord, any_region: bool) -> Result<()> {
    use crate::error::Error;
    let driver = rec.provider.driver();
    let id = |id: &str| driver.check_id(rec.kind, id);
    let region = |r: &str| driver.check_region("--region", r, any_region);
    // A copy followed by its id alone (`status --id`) names no source, and must name itself.
    let followed = rec.source_id.is_empty() && rec.source_region.is_empty();
    if followed && rec.dest_id.is_none() {
        return Err(Error::usage(
            "--report",
            "a record with no source must have a dest_id",
        ));
    }
    if !followed {
        region(&rec.source_region)?;
        id(&rec.source_id)?;
    }
    region(&rec.dest_region)?;
    if let Some(d) = &rec.dest_id {
        id(d)?;
    }
    if let Some(j) = &rec.job_id {
        if j.is_empty() || j.len() > 64 || !j.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(Error::usage("job_id", format!("`{j}` is not a job id")));
        }
    }
    Ok(())
}
