//! Credentials, profiles and endpoints. The environment arrives as an injected map.

use crate::error::{Error, ErrorKind, Result};
use crate::model::Cloud;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use url::Url;

pub type EnvMap = HashMap<String, String>;

/// A secret string: its `Debug` and `Display` never show the value.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Option<Secret>,
}

/// One cloud's settings inside a profile.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudProfile {
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<Secret>,
    pub session_token: Option<Secret>,
    /// Endpoint template, `{region}` is replaced by the region.
    pub endpoint: Option<String>,
    /// The project id used in every region without its own entry (a cloud whose calls
    /// name a project).
    pub project_id: Option<String>,
    /// Project ids by region.
    #[serde(default)]
    pub project_ids: BTreeMap<String, String>,
    /// The region a source is looked in first when `--region` is not given.
    pub region: Option<String>,
}

/// One profile: a table per cloud, named as the cloud (an unknown name is an error).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct Profile(BTreeMap<Cloud, CloudProfile>);

impl Profile {
    pub fn cloud(&self, cloud: Cloud) -> Option<&CloudProfile> {
        self.0.get(&cloud)
    }
}

/// imgcopy's config file (TOML): `[profiles.NAME.<cloud>]` tables, one per cloud.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// Where the config file lives: `$IMGCOPY_CONFIG`, else `$XDG_CONFIG_HOME/imgcopy/config.toml`,
/// else `$HOME/.config/imgcopy/config.toml`.
pub fn config_path(env: &EnvMap) -> Option<PathBuf> {
    if let Some(p) = env.get("IMGCOPY_CONFIG").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let base = env
        .get("XDG_CONFIG_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| env.get("HOME").map(|h| Path::new(h).join(".config")))?;
    Some(base.join("imgcopy").join("config.toml"))
}

/// The largest config file read.
pub const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// A credentials or config file of another tool (capped like the config file), `None` when
/// it does not exist; any other failure to read it is an error naming it.
pub fn read_if_present(path: &Path) -> Result<Option<String>> {
    match read_capped(path, MAX_CONFIG_BYTES) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(format!("reading {}", path.display()), e)),
    }
}

/// Reads a regular file of at most `max` bytes as UTF-8: a device, a FIFO or an endless file
/// is refused instead of read until memory runs out (or forever).
pub fn read_capped(path: &Path, max: u64) -> std::io::Result<String> {
    use std::io::Read;
    // Looked at before opening: opening a FIFO would wait for a writer.
    if !std::fs::metadata(path)?.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(max + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > max {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("larger than {max} bytes"),
        ));
    }
    Ok(text)
}

/// Reads the config file if it exists. Warnings (e.g. loose permissions) go to `warn`.
pub fn load_config(env: &EnvMap, warn: &mut dyn FnMut(String)) -> Result<Option<ConfigFile>> {
    let Some(path) = config_path(env) else {
        return Ok(None);
    };
    let named = env.get("IMGCOPY_CONFIG").is_some_and(|p| !p.is_empty());
    let text = match read_capped(&path, MAX_CONFIG_BYTES) {
        Ok(t) => t,
        // The default place may well hold nothing; a file named on purpose must exist.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !named => return Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::new(
                ErrorKind::Usage,
                format!(
                    "IMGCOPY_CONFIG names {}, which does not exist",
                    path.display()
                ),
            ))
        }
        Err(e) => return Err(Error::io(format!("reading {}", path.display()), e)),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(&path) {
            if meta.permissions().mode() & 0o077 != 0 {
                warn(format!(
                    "config file {} is readable by other users; run `chmod 600 {}`",
                    path.display(),
                    path.display()
                ));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = warn;
    toml::from_str(&text).map(Some).map_err(|e| {
        let at = e
            .span()
            .map(|span| {
                let before = &text[..span.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
                format!(":{line}:{column}")
            })
            .unwrap_or_default();
        Error::new(
            ErrorKind::Usage,
            format!("config file {}{at}: {}", path.display(), e.message()),
        )
    })
}

/// Refuses a credential that would be sent mangled or unsigned: a line break, a space, a
/// control or non-ASCII character. The message names where it came from, never the value.
fn check_credentials(c: Credentials, from: [&str; 3]) -> Result<Credentials> {
    let fields = [
        (Some(c.access_key_id.as_str()), from[0]),
        (Some(c.secret_access_key.expose()), from[1]),
        (c.session_token.as_ref().map(Secret::expose), from[2]),
    ];
    for (value, name) in fields {
        if value.is_some_and(|v| v.chars().any(|ch| !ch.is_ascii_graphic())) {
            return Err(Error::auth(format!(
                "{name} holds a space, line break, control or non-ASCII character; credentials are printable ASCII (check how it was set)"
            )));
        }
    }
    Ok(c)
}

/// Where `resolve_credentials` takes `cloud`'s credentials from, in its order, for people
/// (`doctor`): names of places, never values.
pub fn credential_source(
    cloud: Cloud,
    env: &EnvMap,
    profile: Option<&str>,
    file: Option<&ConfigFile>,
) -> String {
    let driver = cloud.driver();
    let names = driver.credential_env();
    let has_table = |p: &str| {
        file.and_then(|f| f.profiles.get(p))
            .and_then(|p| p.cloud(cloud))
            .is_some()
    };
    let set = |k: &str| env.get(k).is_some_and(|v| !v.is_empty());
    if let Some(p) = profile {
        return format!("profile `{p}` of the config file");
    }
    if set(names.access_key_id) || set(names.secret_access_key) {
        let token = if set(names.session_token) {
            format!(", {}", names.session_token)
        } else {
            String::new()
        };
        return format!(
            "environment ({}, {}{token})",
            names.access_key_id, names.secret_access_key
        );
    }
    if has_table("default") {
        return "profile `default` of the config file".into();
    }
    driver
        .shared_source(env)
        .unwrap_or_else(|| "none found".into())
}

/// Finds the credentials: an explicit `--profile` first, then the environment, then the
/// `default` profile.
pub fn resolve_credentials(
    cloud: Cloud,
    env: &EnvMap,
    profile: Option<&str>,
    file: Option<&ConfigFile>,
) -> Result<Credentials> {
    let names = cloud.driver().credential_env();
    let from_env = env.get(names.access_key_id).is_some_and(|v| !v.is_empty()) && profile.is_none();
    let found = find_credentials(cloud, env, profile, file)?;
    if from_env {
        check_credentials(
            found,
            [
                names.access_key_id,
                names.secret_access_key,
                names.session_token,
            ],
        )
    } else {
        check_credentials(
            found,
            [
                "the access key id",
                "the secret access key",
                "the session token",
            ],
        )
    }
}

fn find_credentials(
    cloud: Cloud,
    env: &EnvMap,
    profile: Option<&str>,
    file: Option<&ConfigFile>,
) -> Result<Credentials> {
    let driver = cloud.driver();
    let names = driver.credential_env();
    let from_profile = |name: &str| -> Result<Option<Credentials>> {
        let Some(p) = file.and_then(|f| f.profiles.get(name)) else {
            return Ok(None);
        };
        let Some(cp) = p.cloud(cloud) else {
            return Ok(None);
        };
        match (&cp.access_key_id, &cp.secret_access_key) {
            (Some(ak), Some(sk)) if !ak.is_empty() && !sk.expose().is_empty() => {
                Ok(Some(Credentials {
                    access_key_id: ak.clone(),
                    secret_access_key: sk.clone(),
                    session_token: cp.session_token.clone(),
                }))
            }
            _ => Err(Error::auth(format!(
                "profile `{name}` has a [{cloud}] table without both access_key_id and secret_access_key"
            ))),
        }
    };
    if let Some(name) = profile {
        if file.is_none_or(|f| !f.profiles.contains_key(name)) {
            return Err(Error::usage(
                "--profile",
                format!("no profile `{name}` in the config file"),
            ));
        }
        return from_profile(name)?
            .ok_or_else(|| Error::auth(format!("profile `{name}` has no [{cloud}] credentials")));
    }
    let get = |k: &str| env.get(k).filter(|v| !v.is_empty()).cloned();
    match (get(names.access_key_id), get(names.secret_access_key)) {
        (Some(ak), Some(sk)) => {
            return Ok(Credentials {
                access_key_id: ak,
                secret_access_key: Secret::new(sk),
                session_token: get(names.session_token).map(Secret::new),
            })
        }
        (Some(_), None) | (None, Some(_)) => {
            return Err(Error::auth(format!(
                "set both {} and {} (only one is set)",
                names.access_key_id, names.secret_access_key
            )))
        }
        (None, None) => {}
    }
    if let Some(c) = from_profile("default")? {
        return Ok(c);
    }
    if let Some(c) = driver.shared_credentials(env)? {
        return Ok(c);
    }
    Err(Error::auth(format!(
        "no {cloud} credentials: set {} and {}, or add a [profiles.default.{cloud}] table to the config file{}",
        names.access_key_id,
        names.secret_access_key,
        driver.shared_source(env).map(|s| format!(", or use {s}")).unwrap_or_default()
    )))
}

/// The cloud's default-region setting, and its name: the cloud's standard setting
/// (`CloudDriver::standard_region`), then the imgcopy profile's `region`.
pub fn default_region(
    cloud: Cloud,
    env: &EnvMap,
    profile: Option<&CloudProfile>,
) -> Option<(String, String)> {
    cloud.driver().standard_region(env).or_else(|| {
        profile
            .and_then(|p| p.region.clone())
            .map(|r| (r, "the imgcopy profile's region".to_string()))
    })
}

/// A non-empty environment setting, trimmed, and its name.
pub fn env_setting(env: &EnvMap, name: &str) -> Option<(String, String)> {
    env.get(name)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .map(|v| (v.to_string(), name.to_string()))
}

/// Every `{…}` in `text`, in order (an unclosed one runs to the end).
pub fn placeholders(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let tail = &rest[start..];
        let end = tail.find('}').map_or(tail.len(), |e| e + 1);
        found.push(&tail[..end]);
        rest = &tail[end..];
    }
    found
}

/// An endpoint template such as `https://bcc.{region}.baidubce.com` or `http://127.0.0.1:8080/{region}`.
#[derive(Debug, Clone)]
pub struct Endpoint {
    template: String,
    /// What `{dns_suffix}` stands for in a region (a cloud's built-in endpoint only).
    dns_suffix: Option<fn(&str) -> &'static str>,
}

impl Endpoint {
    /// Parses and checks a template; `flag` names where it came from for error messages.
    pub fn parse(template: &str, flag: &str) -> Result<Self> {
        let ep = Endpoint {
            template: template.trim_end_matches('/').to_string(),
            dns_suffix: None,
        };
        if let Some(found) = placeholders(template)
            .into_iter()
            .find(|p| *p != "{region}")
        {
            return Err(Error::usage(
                flag,
                format!("unknown placeholder `{found}` in `{template}`; the one placeholder is `{{region}}` (lower case)"),
            ));
        }
        let probe = ep
            .url_for("region")
            .map_err(|e| Error::usage(flag, e.message()))?;
        match probe.scheme() {
            "https" => {}
            "http" if is_loopback(&probe) => {}
            "http" => {
                return Err(Error::usage(
                    flag,
                    format!(
                        "plain http is only allowed to loopback addresses, not `{}`",
                        probe.host_str().unwrap_or("")
                    ),
                ))
            }
            other => return Err(Error::usage(flag, format!("unsupported scheme `{other}`"))),
        }
        // Credentials come from the environment or a profile; a password in a URL would be
        // recorded in the report and sent as Basic auth.
        if !probe.username().is_empty() || probe.password().is_some() {
            return Err(Error::usage(
                flag,
                "the endpoint may not carry a user name or password (user@host); credentials come from the environment or a profile",
            ));
        }
        if probe.query().is_some() || probe.fragment().is_some() {
            return Err(Error::usage(
                flag,
                "the endpoint may not carry a query or fragment",
            ));
        }
        Ok(ep)
    }

    /// A cloud's built-in endpoint: `template` may also hold `{dns_suffix}`, which
    /// `dns_suffix` gives per region (a cloud whose regions answer under more than one domain).
    pub fn builtin(template: &str, dns_suffix: Option<fn(&str) -> &'static str>) -> Result<Self> {
        // Checked as any template, with the suffix standing in for a domain.
        Endpoint::parse(
            &template.replace("{dns_suffix}", "suffix"),
            "the default endpoint",
        )?;
        Ok(Endpoint {
            template: template.trim_end_matches('/').to_string(),
            dns_suffix,
        })
    }

    pub fn template(&self) -> &str {
        &self.template
    }

    /// True when every region shares one URL (no `{region}` in the template).
    pub fn is_shared(&self) -> bool {
        !self.template.contains("{region}")
    }

    /// The base URL for one region.
    pub fn url_for(&self, region: &str) -> Result<Url> {
        let s = self
            .template
            .replace("{region}", region)
            .replace("{dns_suffix}", self.dns_suffix.map_or("", |f| f(region)));
        Url::parse(&s)
            .map_err(|e| Error::new(ErrorKind::Usage, format!("invalid endpoint URL `{s}`: {e}")))
            .and_then(|u| {
                if u.host_str().is_none_or(str::is_empty) {
                    Err(Error::new(
                        ErrorKind::Usage,
                        format!("endpoint URL `{s}` has no host"),
                    ))
                } else {
                    Ok(u)
                }
            })
    }
}

/// Whether an endpoint template points at this machine only.
pub fn is_loopback_endpoint(template: &str) -> bool {
    Url::parse(&template.replace("{region}", "region"))
        .map(|u| is_loopback(&u))
        .unwrap_or(false)
}

fn is_loopback(u: &Url) -> bool {
    match u.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
