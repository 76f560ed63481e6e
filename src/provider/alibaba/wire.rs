//! Alibaba ECS JSON shapes (RPC, `Format=JSON`).

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CopyImageResponse {
    pub image_id: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeImagesResponse {
    #[serde(default, deserialize_with = "crate::provider::null_default")]
    pub images: Images,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Images {
    #[serde(default, deserialize_with = "crate::provider::null_default")]
    pub image: Vec<Image>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Image {
    pub image_id: String,
    #[serde(default)]
    pub image_name: Option<String>,
    #[serde(default, deserialize_with = "crate::provider::null_default")]
    pub status: String,
    /// A percentage written like `42%`.
    #[serde(default)]
    pub progress: Option<String>,
    #[serde(default)]
    pub tags: Option<Tags>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CopySnapshotResponse {
    pub snapshot_id: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeSnapshotsResponse {
    #[serde(default, deserialize_with = "crate::provider::null_default")]
    pub snapshots: Snapshots,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Snapshots {
    #[serde(default, deserialize_with = "crate::provider::null_default")]
    pub snapshot: Vec<Snapshot>,
}

/// A snapshot as DescribeSnapshots lists it (`Status`: progressing, accomplished, failed).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Snapshot {
    pub snapshot_id: String,
    #[serde(default)]
    pub snapshot_name: Option<String>,
    #[serde(default, deserialize_with = "crate::provider::null_default")]
    pub status: String,
    /// A percentage written like `42%`.
    #[serde(default)]
    pub progress: Option<String>,
    #[serde(default)]
    pub tags: Option<Tags>,
}

impl Snapshot {
    /// The value of tag `key`, if the snapshot carries it.
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags.as_ref()?.get(key)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tags {
    #[serde(default, deserialize_with = "crate::provider::null_default")]
    pub tag: Vec<Tag>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    #[serde(default, deserialize_with = "crate::provider::null_default")]
    pub tag_key: String,
    #[serde(default, deserialize_with = "crate::provider::null_default")]
    pub tag_value: String,
}

impl Tags {
    /// The value of tag `key`, if there is one.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.tag
            .iter()
            .find(|t| t.tag_key == key)
            .map(|t| t.tag_value.as_str())
    }
}

impl Image {
    /// The value of tag `key`, if the image carries it.
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags.as_ref()?.get(key)
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ErrorBody {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub request_id: Option<String>,
}
