//! Huawei IMS JSON shapes (as the official SDK models name them).

use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize)]
pub struct CopyInRegionBody<'a> {
    pub name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cmk_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enterprise_project_id: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct CrossRegionBody<'a> {
    pub name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    pub region: &'a str,
    pub project_name: &'a str,
    pub agency_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vault_id: Option<&'a str>,
}

#[derive(Debug, Deserialize)]
pub struct JobCreated {
    pub job_id: String,
}

#[derive(Debug, Deserialize)]
pub struct Job {
    #[serde(default, deserialize_with = "crate::provider::null_default")]
    pub status: String,
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub fail_reason: Option<String>,
    #[serde(default, deserialize_with = "crate::provider::null_default")]
    pub entities: JobEntities,
}

#[derive(Debug, Default, Deserialize)]
pub struct JobEntities {
    #[serde(default)]
    pub image_id: Option<String>,
    #[serde(default)]
    pub process_percent: Option<f64>,
}

/// An IMS `__*` flag: `true`/`false` as a boolean or a string (any case); anything else is
/// unset.
fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::Bool(b)) => Some(b),
        Some(serde_json::Value::String(s)) => match s.to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        _ => None,
    })
}

#[derive(Debug, Deserialize)]
pub struct ImageList {
    #[serde(default, deserialize_with = "crate::provider::null_default")]
    pub images: Vec<ImageInfo>,
}

/// The attributes preflight looks at (IMS image attributes).
#[derive(Debug, Clone, Deserialize)]
pub struct ImageInfo {
    pub id: String,
    #[serde(default, deserialize_with = "crate::provider::null_default")]
    pub name: String,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "crate::provider::null_default")]
    pub status: String,
    #[serde(default)]
    pub disk_format: Option<String>,
    /// A string (`"true"`) in the public models, a boolean in the query doc: both read.
    #[serde(rename = "__whole_image", default, deserialize_with = "flag")]
    pub whole_image: Option<bool>,
    #[serde(rename = "__system__cmkid", default)]
    pub cmk_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_image_flags_read_as_strings_or_booleans() {
        for (raw, want) in [
            (r#""true""#, Some(true)),
            (r#""True""#, Some(true)),
            ("true", Some(true)),
            (r#""false""#, Some(false)),
            ("false", Some(false)),
            ("null", None),
            (r#""maybe""#, None),
        ] {
            let img: ImageInfo =
                serde_json::from_str(&format!(r#"{{"id":"x","__whole_image":{raw}}}"#)).unwrap();
            assert_eq!(img.whole_image, want, "{raw}");
        }
        let absent: ImageInfo = serde_json::from_str(r#"{"id":"x"}"#).unwrap();
        assert_eq!(absent.whole_image, None);
    }
}
