//! Tencent Cloud CVM reply shapes (API 2017-03-12), as the SDK's models name them: every
//! reply is `{"Response": {…, "RequestId"}}`, an error `{"Response": {"Error": {…}}}`.

use crate::provider::null_default;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Envelope<T> {
    #[serde(rename = "Response")]
    pub response: T,
}

#[derive(Debug, Default, Deserialize)]
pub struct ErrorReply {
    #[serde(rename = "Error")]
    pub error: Option<ErrorBody>,
    #[serde(rename = "RequestId")]
    pub request_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ErrorBody {
    #[serde(rename = "Code", default, deserialize_with = "null_default")]
    pub code: String,
    #[serde(rename = "Message", default, deserialize_with = "null_default")]
    pub message: String,
}

#[derive(Debug, Deserialize)]
pub struct SyncImagesResponse {
    /// The copies, by destination region (with `ImageSetRequired`).
    #[serde(rename = "ImageSet", default, deserialize_with = "null_default")]
    pub image_set: Vec<SyncImage>,
}

#[derive(Debug, Deserialize)]
pub struct SyncImage {
    #[serde(rename = "ImageId")]
    pub image_id: String,
    #[serde(rename = "Region")]
    pub region: String,
}

#[derive(Debug, Deserialize)]
pub struct DescribeImagesResponse {
    #[serde(rename = "ImageSet", default, deserialize_with = "null_default")]
    pub image_set: Vec<Image>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Image {
    #[serde(rename = "ImageId")]
    pub image_id: String,
    #[serde(rename = "ImageName", default, deserialize_with = "null_default")]
    pub image_name: String,
    /// CREATING, NORMAL, CREATEFAILED, SYNCING, IMPORTING, IMPORTFAILED.
    #[serde(rename = "ImageState", default, deserialize_with = "null_default")]
    pub image_state: String,
    /// PUBLIC_IMAGE, PRIVATE_IMAGE, SHARED_IMAGE.
    #[serde(rename = "ImageType", default, deserialize_with = "null_default")]
    pub image_type: String,
    /// ISO 8601 in UTC.
    #[serde(rename = "CreatedTime", default)]
    pub created_time: Option<String>,
    /// A copy's progress while SYNCING; may be null.
    #[serde(rename = "SyncPercent", default)]
    pub sync_percent: Option<i64>,
}
