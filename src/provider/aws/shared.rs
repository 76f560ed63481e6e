//! The AWS CLI's shared files (`~/.aws/credentials`, `~/.aws/config`): static keys and the
//! profile's region.

use crate::config::{read_capped, Credentials, EnvMap, Secret, MAX_CONFIG_BYTES};
use crate::error::{Error, ErrorKind, Result};
use std::path::PathBuf;

/// Where the shared files are looked at, for people.
pub fn source(env: &EnvMap) -> String {
    let (p, _) = shared_files(env);
    format!("the shared AWS files (~/.aws), profile `{p}`")
}

/// The shared AWS files and the section of `AWS_PROFILE` (or `default`) in each.
fn shared_files(env: &EnvMap) -> (String, [(Option<PathBuf>, String); 2]) {
    let profile = env
        .get("AWS_PROFILE")
        .filter(|p| !p.is_empty())
        .map(String::as_str)
        .unwrap_or("default");
    let home = env.get("HOME").map(PathBuf::from);
    let file = |var: &str, name: &str| {
        env.get(var)
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".aws").join(name)))
    };
    let config_section = if profile == "default" {
        "default".to_string()
    } else {
        format!("profile {profile}")
    };
    (
        profile.to_string(),
        [
            (
                file("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
                profile.to_string(),
            ),
            (file("AWS_CONFIG_FILE", "config"), config_section),
        ],
    )
}

/// The `region` of the AWS profile in the shared config file.
pub fn profile_region(env: &EnvMap) -> Option<(String, String)> {
    let (profile, [_, (path, section)]) = shared_files(env);
    let text = read_capped(&path?, MAX_CONFIG_BYTES).ok()?;
    let ini = ini::Ini::load_from_str(&text).ok()?;
    let region = ini.section(Some(section.as_str()))?.get("region")?.trim();
    (!region.is_empty()).then(|| {
        (
            region.to_string(),
            format!("the region of AWS profile {profile}"),
        )
    })
}

/// The AWS CLI's shared files: `AWS_PROFILE` (else `default`) in `~/.aws/credentials`
/// (`[name]`), then in `~/.aws/config` (`[profile name]`, or `[default]`).
/// `AWS_SHARED_CREDENTIALS_FILE` and `AWS_CONFIG_FILE` move them.
pub fn credentials(env: &EnvMap) -> Result<Option<Credentials>> {
    let (profile, sources) = shared_files(env);
    for (path, section) in sources {
        let Some(path) = path else { continue };
        let Some(text) = crate::config::read_if_present(&path)? else {
            continue;
        };
        let ini = ini::Ini::load_from_str(&text)
            .map_err(|e| Error::new(ErrorKind::Usage, format!("{}: {e}", path.display())))?;
        let Some(sec) = ini.section(Some(section.as_str())) else {
            continue;
        };
        if let (Some(ak), Some(sk)) = (
            sec.get("aws_access_key_id"),
            sec.get("aws_secret_access_key"),
        ) {
            return Ok(Some(Credentials {
                access_key_id: ak.trim().to_string(),
                secret_access_key: Secret::new(sk.trim()),
                session_token: sec.get("aws_session_token").map(|t| Secret::new(t.trim())),
            }));
        }
    }
    if env.contains_key("AWS_PROFILE") {
        return Err(Error::auth(format!(
            "AWS_PROFILE={profile}: no such profile with static keys in the shared AWS files"
        )));
    }
    Ok(None)
}
