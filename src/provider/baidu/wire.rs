//! Baidu BCC JSON shapes (field names as in the vendor's Go SDK model).

use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoteCopyImageArgs<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    pub dest_region: &'a [String],
}

#[derive(Debug, Deserialize)]
pub struct RemoteCopyImageResult {
    #[serde(default, deserialize_with = "crate::provider::null_default")]
    pub result: Vec<RemoteCopyImageModel>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoteCopyImageModel {
    pub region: String,
    #[serde(default)]
    pub image_id: Option<String>,
    #[serde(default)]
    pub err_msg: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoteCopySnapshotArgs<'a> {
    pub dest_region_infos: Vec<DestRegionInfo<'a>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DestRegionInfo<'a> {
    pub name: &'a str,
    pub dest_region: &'a str,
}

#[derive(Debug, Deserialize)]
pub struct RemoteCopySnapshotResult {
    #[serde(default, deserialize_with = "crate::provider::null_default")]
    pub result: Vec<RemoteCopySnapshotModel>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoteCopySnapshotModel {
    pub region: String,
    pub snapshot_id: String,
}

#[derive(Debug, Deserialize)]
pub struct ImageDetail {
    pub image: StatusModel,
}

#[derive(Debug, Deserialize)]
pub struct SnapshotDetail {
    pub snapshot: StatusModel,
}

/// The part of an image or snapshot model that tracking a copy needs.
#[derive(Debug, Deserialize)]
pub struct StatusModel {
    pub id: String,
    #[serde(default, deserialize_with = "crate::provider::null_default")]
    pub status: String,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub request_id: Option<String>,
}

/// `GET /v2/image` (ListImages): one page.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageList {
    #[serde(default, deserialize_with = "crate::provider::null_default")]
    pub images: Vec<ImageModel>,
    #[serde(default, deserialize_with = "crate::provider::null_default")]
    pub is_truncated: bool,
    #[serde(default)]
    pub next_marker: Option<String>,
}

/// The image attributes adoption looks at.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageModel {
    pub id: String,
    #[serde(default, deserialize_with = "crate::provider::null_default")]
    pub name: String,
    #[serde(default, deserialize_with = "crate::provider::null_default")]
    pub status: String,
    #[serde(
        rename = "type",
        default,
        deserialize_with = "crate::provider::null_default"
    )]
    pub image_type: String,
    #[serde(default)]
    pub create_time: Option<String>,
}

/// `GET /v2/image/{id}` with the attributes adoption needs.
#[derive(Debug, Deserialize)]
pub struct SourceDetail {
    pub image: ImageModel,
}
