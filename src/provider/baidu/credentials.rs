//! The bce CLI's credentials (github.com/baidubce/bce-cli, `internal/config`): `~/.bce/config.json`,
//! `{"current": NAME, "profiles": [{"name", "mode": "AK" | "StsToken", "access_key_id",
//! "secret_access_key", "security_token", …}]}`; the `current` profile is used.

use crate::config::{read_if_present, Credentials, EnvMap, Secret};
use crate::error::{Error, ErrorKind, Result};
use std::path::PathBuf;

fn path(env: &EnvMap) -> Option<PathBuf> {
    env.get("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| PathBuf::from(h).join(".bce").join("config.json"))
}

pub fn credentials(env: &EnvMap) -> Result<Option<Credentials>> {
    let Some(path) = path(env) else {
        return Ok(None);
    };
    let Some(text) = read_if_present(&path)? else {
        return Ok(None);
    };
    let config: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::new(ErrorKind::Usage, format!("{}: {e}", path.display())))?;
    let name = config
        .get("current")
        .and_then(|c| c.as_str())
        .filter(|c| !c.is_empty())
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
    let get = |k: &str| p.get(k).and_then(|v| v.as_str()).filter(|v| !v.is_empty());
    let place = format!("bce CLI profile `{name}` ({})", path.display());
    let token = match get("mode").unwrap_or("AK") {
        "AK" => None,
        "StsToken" => Some(get("security_token").ok_or_else(|| {
            Error::auth(format!(
                "{place} is of mode StsToken without a security_token"
            ))
        })?),
        other => {
            return Err(Error::auth(format!(
                "{place} is of mode `{other}`, which imgcopy does not obtain (AK and StsToken are)"
            )))
        }
    };
    match (get("access_key_id"), get("secret_access_key")) {
        (Some(id), Some(secret)) => Ok(Some(Credentials {
            access_key_id: id.to_string(),
            secret_access_key: Secret::new(secret),
            session_token: token.map(Secret::new),
        })),
        _ => Err(Error::auth(format!(
            "{place} has no access_key_id and secret_access_key"
        ))),
    }
}

/// Where `credentials` looks, for people.
pub fn source(env: &EnvMap) -> Option<String> {
    path(env).map(|p| format!("the bce CLI's {} (its current profile)", p.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_profile() {
        let dir = tempfile::tempdir().unwrap();
        let env: EnvMap = [("HOME".to_string(), dir.path().to_string_lossy().to_string())].into();
        assert!(credentials(&env).unwrap().is_none());
        std::fs::create_dir_all(dir.path().join(".bce")).unwrap();
        let file = dir.path().join(".bce/config.json");
        std::fs::write(&file, r#"{"current":"prod","profiles":[
            {"name":"dev","mode":"AK","access_key_id":"D","secret_access_key":"DS"},
            {"name":"prod","mode":"StsToken","access_key_id":"P","secret_access_key":"PS","security_token":"T"}]}"#).unwrap();
        let c = credentials(&env).unwrap().unwrap();
        assert_eq!(
            (c.access_key_id.as_str(), c.session_token.unwrap().expose()),
            ("P", "T")
        );
        std::fs::write(
            &file,
            r#"{"current":"x","profiles":[{"name":"x","mode":"Sso"}]}"#,
        )
        .unwrap();
        assert!(credentials(&env).unwrap_err().message().contains("Sso"));
    }
}
