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
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub fail_reason: Option<String>,
    #[serde(default)]
    pub entities: JobEntities,
}

#[derive(Debug, Default, Deserialize)]
pub struct JobEntities {
    #[serde(default)]
    pub image_id: Option<String>,
    #[serde(default)]
    pub process_percent: Option<f64>,
}

#[derive(Debug, Deserialize)]
pub struct ImageList {
    #[serde(default)]
    pub images: Vec<ImageInfo>,
}

/// The attributes preflight looks at (IMS image attributes).
#[derive(Debug, Clone, Deserialize)]
pub struct ImageInfo {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub disk_format: Option<String>,
    #[serde(rename = "__whole_image", default)]
    pub whole_image: Option<String>,
    #[serde(rename = "__system__cmkid", default)]
    pub cmk_id: Option<String>,
}
