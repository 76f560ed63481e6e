//! Alibaba Cloud's credential files, in the order of the official `alibabacloud-credentials`
//! chain after the environment (its `CLIProfileCredentialsProvider`, then its
//! `ProfileCredentialsProvider`):
//! 1. the aliyun CLI's `~/.aliyun/config.json`: the profile `ALIBABA_CLOUD_PROFILE` names, else
//!    its `current`; skipped with `ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true`;
//! 2. `ALIBABA_CLOUD_CREDENTIALS_FILE`, else `~/.alibabacloud/credentials` (INI): the section
//!    `ALIBABA_CLOUD_PROFILE` names, else `default`.
//!
//! Static keys are taken from both (`AK` and `StsToken` modes; `type = access_key`). Modes that
//! need an STS or metadata call (RamRoleArn, EcsRamRole, OIDC, …) are refused by name rather
//! than skipped, so a run never falls through to other credentials than the ones configured.

use crate::config::{read_if_present, Credentials, EnvMap, Secret};
use crate::error::{Error, ErrorKind, Result};
use std::path::PathBuf;

fn var<'a>(env: &'a EnvMap, k: &str) -> Option<&'a str> {
    env.get(k).map(String::as_str).filter(|v| !v.is_empty())
}

fn home(env: &EnvMap) -> Option<PathBuf> {
    var(env, "HOME").map(PathBuf::from)
}

fn cli_file(env: &EnvMap) -> Option<PathBuf> {
    if var(env, "ALIBABA_CLOUD_CLI_PROFILE_DISABLED")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        return None;
    }
    home(env).map(|h| h.join(".aliyun").join("config.json"))
}

fn ini_file(env: &EnvMap) -> Option<PathBuf> {
    var(env, "ALIBABA_CLOUD_CREDENTIALS_FILE")
        .map(PathBuf::from)
        .or_else(|| home(env).map(|h| h.join(".alibabacloud").join("credentials")))
}

fn unsupported(place: &str, mode: &str) -> Error {
    Error::auth(format!(
        "{place} uses credentials of mode/type `{mode}`, which imgcopy does not obtain (it takes static keys: AK, StsToken, access_key); set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, or use an AK profile"
    ))
}

fn keys(
    id: Option<&str>,
    secret: Option<&str>,
    token: Option<&str>,
    place: &str,
) -> Result<Credentials> {
    match (
        id.filter(|s| !s.is_empty()),
        secret.filter(|s| !s.is_empty()),
    ) {
        (Some(id), Some(secret)) => Ok(Credentials {
            access_key_id: id.to_string(),
            secret_access_key: Secret::new(secret),
            session_token: token.filter(|t| !t.is_empty()).map(Secret::new),
        }),
        _ => Err(Error::auth(format!(
            "{place} has no access_key_id and access_key_secret"
        ))),
    }
}

/// The aliyun CLI's profile, when the file and the profile exist.
fn from_cli(env: &EnvMap) -> Result<Option<Credentials>> {
    let Some(path) = cli_file(env) else {
        return Ok(None);
    };
    let Some(text) = read_if_present(&path)? else {
        return Ok(None);
    };
    let config: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::new(ErrorKind::Usage, format!("{}: {e}", path.display())))?;
    let name = var(env, "ALIBABA_CLOUD_PROFILE")
        .or_else(|| config.get("current").and_then(|c| c.as_str()))
        .unwrap_or("default");
    let Some(p) = config
        .get("profiles")
        .and_then(|p| p.as_array())
        .and_then(|ps| {
            ps.iter()
                .find(|p| p.get("name").and_then(|n| n.as_str()) == Some(name))
        })
    else {
        return Ok(None);
    };
    let get = |k: &str| p.get(k).and_then(|v| v.as_str());
    let place = format!("aliyun CLI profile `{name}` ({})", path.display());
    match get("mode").unwrap_or("AK") {
        "AK" => keys(get("access_key_id"), get("access_key_secret"), None, &place).map(Some),
        "StsToken" => keys(
            get("access_key_id"),
            get("access_key_secret"),
            get("sts_token"),
            &place,
        )
        .map(Some),
        other => Err(unsupported(&place, other)),
    }
}

/// The credentials file's section, when the file and the section exist.
fn from_ini(env: &EnvMap) -> Result<Option<Credentials>> {
    let Some(path) = ini_file(env) else {
        return Ok(None);
    };
    let Some(text) = read_if_present(&path)? else {
        return Ok(None);
    };
    let ini = ini::Ini::load_from_str(&text)
        .map_err(|e| Error::new(ErrorKind::Usage, format!("{}: {e}", path.display())))?;
    let name = var(env, "ALIBABA_CLOUD_PROFILE").unwrap_or("default");
    let Some(sec) = ini.section(Some(name)) else {
        return Ok(None);
    };
    let place = format!("section [{name}] of {}", path.display());
    match sec.get("type").map(str::trim).unwrap_or("access_key") {
        "access_key" => keys(
            sec.get("access_key_id").map(str::trim),
            sec.get("access_key_secret").map(str::trim),
            None,
            &place,
        )
        .map(Some),
        other => Err(unsupported(&place, other)),
    }
}

pub fn credentials(env: &EnvMap) -> Result<Option<Credentials>> {
    match from_cli(env)? {
        Some(c) => Ok(Some(c)),
        None => from_ini(env),
    }
}

/// Where `credentials` looks, for people.
pub fn source(env: &EnvMap) -> String {
    let profile = var(env, "ALIBABA_CLOUD_PROFILE");
    let mut places = Vec::new();
    if cli_file(env).is_some() {
        places.push(format!(
            "the aliyun CLI's ~/.aliyun/config.json (profile {})",
            profile.unwrap_or("`current`")
        ));
    }
    if let Some(p) = ini_file(env) {
        places.push(format!(
            "{} [{}]",
            p.display(),
            profile.unwrap_or("default")
        ));
    }
    places.join(", then ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(home: &std::path::Path, extra: &[(&str, &str)]) -> EnvMap {
        let mut e: EnvMap = extra
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        e.insert("HOME".into(), home.to_string_lossy().into());
        e
    }

    #[test]
    fn cli_profile_then_credentials_file() {
        let dir = tempfile::tempdir().unwrap();
        let h = dir.path();
        assert!(
            credentials(&env(h, &[])).unwrap().is_none(),
            "no file, nothing"
        );
        std::fs::create_dir_all(h.join(".alibabacloud")).unwrap();
        std::fs::write(
            h.join(".alibabacloud/credentials"),
            "[default]\ntype = access_key\naccess_key_id = INI\naccess_key_secret = INIS\n[ci]\ntype = ecs_ram_role\nrole_name = r\n",
        )
        .unwrap();
        assert_eq!(
            credentials(&env(h, &[])).unwrap().unwrap().access_key_id,
            "INI"
        );
        let e = credentials(&env(h, &[("ALIBABA_CLOUD_PROFILE", "ci")])).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Auth);
        assert!(e.message().contains("ecs_ram_role"), "{}", e.message());
        std::fs::create_dir_all(h.join(".aliyun")).unwrap();
        std::fs::write(
            h.join(".aliyun/config.json"),
            r#"{"current":"sts","profiles":[
                {"name":"default","mode":"AK","access_key_id":"CLI","access_key_secret":"CLIS"},
                {"name":"sts","mode":"StsToken","access_key_id":"STS","access_key_secret":"STSS","sts_token":"TOK"},
                {"name":"role","mode":"RamRoleArn","access_key_id":"a","access_key_secret":"ROLESECRET","ram_role_arn":"acs:ram::1:role/x"}]}"#,
        )
        .unwrap();
        let c = credentials(&env(h, &[])).unwrap().unwrap();
        assert_eq!(
            (c.access_key_id.as_str(), c.session_token.unwrap().expose()),
            ("STS", "TOK")
        );
        let c = credentials(&env(h, &[("ALIBABA_CLOUD_PROFILE", "default")]))
            .unwrap()
            .unwrap();
        assert_eq!(c.access_key_id, "CLI");
        let e = credentials(&env(h, &[("ALIBABA_CLOUD_PROFILE", "role")])).unwrap_err();
        assert!(e.message().contains("RamRoleArn"), "{}", e.message());
        assert!(
            !e.message().contains("ROLESECRET"),
            "no secret in the message"
        );
        let off = env(h, &[("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true")]);
        assert_eq!(credentials(&off).unwrap().unwrap().access_key_id, "INI");
        assert!(source(&env(h, &[])).contains(".aliyun/config.json"));
    }
}
