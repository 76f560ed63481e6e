//! huaweicloudsdkcore's profile file (its `ProfileCredentialProvider`): the `[basic]` section
//! of `HUAWEICLOUD_SDK_CREDENTIALS_FILE`, else `~/.huaweicloud/credentials` (INI: `ak`, `sk`,
//! `security_token`, `project_id`, or `idp_id` + `id_token_file` for federated keys).
//! Static keys are taken; federated ones need an exchange at IAM that imgcopy does not make,
//! and are refused by name.

use crate::config::{read_if_present, Credentials, EnvMap, Secret};
use crate::error::{Error, ErrorKind, Result};
use std::path::PathBuf;

fn path(env: &EnvMap) -> Option<PathBuf> {
    let get = |k: &str| env.get(k).filter(|v| !v.is_empty());
    get("HUAWEICLOUD_SDK_CREDENTIALS_FILE")
        .map(PathBuf::from)
        .or_else(|| get("HOME").map(|h| PathBuf::from(h).join(".huaweicloud").join("credentials")))
}

/// The `[basic]` section, when the file has one.
fn basic(env: &EnvMap) -> Result<Option<(PathBuf, ini::Properties)>> {
    let Some(path) = path(env) else {
        return Ok(None);
    };
    let Some(text) = read_if_present(&path)? else {
        return Ok(None);
    };
    let ini = ini::Ini::load_from_str(&text)
        .map_err(|e| Error::new(ErrorKind::Usage, format!("{}: {e}", path.display())))?;
    Ok(ini.section(Some("basic")).cloned().map(|s| (path, s)))
}

pub fn credentials(env: &EnvMap) -> Result<Option<Credentials>> {
    let Some((path, sec)) = basic(env)? else {
        return Ok(None);
    };
    let get = |k: &str| sec.get(k).map(str::trim).filter(|v| !v.is_empty());
    if get("idp_id").is_some() && get("id_token_file").is_some() {
        return Err(Error::auth(format!(
            "[basic] of {} names federated credentials (idp_id, id_token_file), which need an exchange at IAM that imgcopy does not make; set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK, or put ak and sk there",
            path.display()
        )));
    }
    match (get("ak"), get("sk")) {
        (Some(ak), Some(sk)) => Ok(Some(Credentials {
            access_key_id: ak.to_string(),
            secret_access_key: Secret::new(sk),
            session_token: get("security_token").map(Secret::new),
        })),
        _ => Err(Error::auth(format!(
            "[basic] of {} has no ak and sk",
            path.display()
        ))),
    }
}

/// The file's `project_id`, the SDK's default project.
pub fn project_id(env: &EnvMap) -> Option<String> {
    let (_, sec) = basic(env).ok()??;
    sec.get("project_id")
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// Where `credentials` looks, for people.
pub fn source(env: &EnvMap) -> Option<String> {
    path(env).map(|p| format!("[basic] of {}", p.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_basic_section() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("credentials");
        let env: EnvMap = [(
            "HUAWEICLOUD_SDK_CREDENTIALS_FILE".to_string(),
            file.to_string_lossy().to_string(),
        )]
        .into();
        assert!(credentials(&env).unwrap().is_none());
        std::fs::write(
            &file,
            "[basic]\nak = AK1\nsk = SK1\nsecurity_token = TOK\nproject_id = 0123456789abcdef0123456789abcdef\n",
        )
        .unwrap();
        let c = credentials(&env).unwrap().unwrap();
        assert_eq!(
            (c.access_key_id.as_str(), c.session_token.unwrap().expose()),
            ("AK1", "TOK")
        );
        assert_eq!(
            project_id(&env).as_deref(),
            Some("0123456789abcdef0123456789abcdef")
        );
        std::fs::write(&file, "[basic]\nidp_id = idp\nid_token_file = /t\n").unwrap();
        let e = credentials(&env).unwrap_err();
        assert!(e.message().contains("federated"), "{}", e.message());
    }
}
