//! Huawei project ids: every IMS call names the project of its region.

use crate::config::{CloudProfile, EnvMap};
use crate::error::{Error, Result};
use std::collections::BTreeMap;

/// The environment variable of the Huawei project id.
pub const PROJECT_ID_ENV: &str = "HUAWEICLOUD_SDK_PROJECT_ID";

/// Huawei project ids: one for every region and/or one per region.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectIds {
    pub default: Option<String>,
    pub by_region: BTreeMap<String, String>,
}

impl ProjectIds {
    pub fn get(&self, region: &str) -> Option<&str> {
        self.by_region
            .get(region)
            .or(self.default.as_ref())
            .map(String::as_str)
    }

    /// From `--project-id` values (`ID` or `REGION=ID`), then the environment, then the
    /// profile; the first source that names a region (or a default) wins for it.
    pub fn resolve(flags: &[String], env: &EnvMap, profile: Option<&CloudProfile>) -> Result<Self> {
        let mut ids = ProjectIds::default();
        for f in flags {
            let (region, id) = match f.split_once('=') {
                Some((r, id)) => (Some(r.trim()), id.trim()),
                None => (None, f.trim()),
            };
            check_project_id("--project-id", id)?;
            match region {
                Some(r) => {
                    ids.by_region.insert(r.to_string(), id.to_string());
                }
                None => ids.default = Some(id.to_string()),
            }
        }
        if ids.default.is_none() {
            ids.default = env.get(PROJECT_ID_ENV).filter(|v| !v.is_empty()).cloned();
            if let Some(id) = &ids.default {
                check_project_id(PROJECT_ID_ENV, id)?;
            }
        }
        if let Some(p) = profile {
            if ids.default.is_none() {
                ids.default = p.project_id.clone();
                if let Some(id) = &ids.default {
                    check_project_id("project_id in the profile", id)?;
                }
            }
            for (r, id) in &p.project_ids {
                check_project_id("project_ids in the profile", id)?;
                ids.by_region.entry(r.clone()).or_insert_with(|| id.clone());
            }
        }
        Ok(ids)
    }
}

/// A Huawei project id is 32 hexadecimal characters, wherever it comes from (it goes into
/// request paths).
pub(crate) fn check_project_id(from: &str, id: &str) -> Result<()> {
    if id.len() != 32 || !id.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(Error::usage(
            from,
            "is not a project id (32 hexadecimal characters)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> EnvMap {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn project_ids_from_flags_env_and_profile() {
        let a = "0123456789abcdef0123456789abcdef";
        let b = "fedcba9876543210fedcba9876543210";
        let profile: CloudProfile = toml::from_str(&format!(
            "project_id = '{b}'\n[project_ids]\ncn-east-3 = '{b}'\n"
        ))
        .unwrap();
        let ids = ProjectIds::resolve(
            &[format!("cn-north-4={a}")],
            &env(&[(PROJECT_ID_ENV, a)]),
            Some(&profile),
        )
        .unwrap();
        assert_eq!(ids.get("cn-north-4"), Some(a));
        assert_eq!(ids.get("cn-east-3"), Some(b));
        assert_eq!(
            ids.get("ap-southeast-1"),
            Some(a),
            "the environment is the default"
        );
        let err = ProjectIds::resolve(&["nope".into()], &env(&[]), None).unwrap_err();
        assert!(err.message().starts_with("--project-id"));
    }
}
