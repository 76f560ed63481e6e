//! EC2 query API XML replies (2016-11-15).

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CopyImageResponse {
    pub image_id: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CopySnapshotResponse {
    pub snapshot_id: String,
}

#[derive(Debug, Deserialize)]
pub struct ItemSet<T> {
    #[serde(rename = "item", default = "Vec::new")]
    pub items: Vec<T>,
}

impl<T> Default for ItemSet<T> {
    fn default() -> Self {
        ItemSet { items: Vec::new() }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeImagesResponse {
    #[serde(default = "ItemSet::default")]
    pub images_set: ItemSet<Image>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Image {
    pub image_id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub image_state: String,
    #[serde(default)]
    pub state_reason: Option<StateReason>,
    #[serde(default = "ItemSet::default")]
    pub tag_set: ItemSet<Tag>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Tag {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub value: String,
}

/// The value of tag `key`, if the resource carries it.
pub fn tag<'a>(tags: &'a ItemSet<Tag>, key: &str) -> Option<&'a str> {
    tags.items
        .iter()
        .find(|t| t.key == key)
        .map(|t| t.value.as_str())
}

#[derive(Debug, Deserialize)]
pub struct StateReason {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeSnapshotsResponse {
    #[serde(default = "ItemSet::default")]
    pub snapshot_set: ItemSet<Snapshot>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    pub snapshot_id: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub progress: Option<String>,
    /// `Snapshot.StateMessage`, which EC2 serialises as `statusMessage`.
    #[serde(rename = "statusMessage", alias = "stateMessage", default)]
    pub state_message: Option<String>,
    #[serde(default = "ItemSet::default")]
    pub tag_set: ItemSet<Tag>,
}

/// Replies that only say whether the call worked (`DeregisterImage`).
#[derive(Debug, Deserialize)]
pub struct ReturnResponse {
    #[serde(rename = "return", default)]
    pub ret: Option<String>,
}

/// `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>`
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ErrorResponse {
    #[serde(default)]
    pub errors: Errors,
    #[serde(rename = "RequestID", default)]
    pub request_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Errors {
    #[serde(rename = "Error", default)]
    pub error: Vec<ErrorItem>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ErrorItem {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

/// Decodes an EC2 XML reply.
pub fn from_xml<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    let text = std::str::from_utf8(body).map_err(|e| e.to_string())?;
    quick_xml::de::from_str(text).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_documented_replies() {
        let r: CopyImageResponse = from_xml(
            br#"<?xml version="1.0" encoding="UTF-8"?>
<CopyImageResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
   <requestId>60bc441d-fa2c-494d-b155-5d6a3EXAMPLE</requestId>
   <imageId>ami-4d3c2b1a</imageId>
</CopyImageResponse>"#,
        )
        .unwrap();
        assert_eq!(r.image_id, "ami-4d3c2b1a");
        let d: DescribeImagesResponse = from_xml(br#"<DescribeImagesResponse><requestId>x</requestId><imagesSet>
<item><imageId>ami-1</imageId><imageState>pending</imageState></item>
<item><imageId>ami-2</imageId><imageState>failed</imageState><stateReason><code>Client.UserInitiated</code><message>boom</message></stateReason></item>
</imagesSet></DescribeImagesResponse>"#).unwrap();
        assert_eq!(d.images_set.items.len(), 2);
        assert_eq!(
            d.images_set.items[1]
                .state_reason
                .as_ref()
                .unwrap()
                .message
                .as_deref(),
            Some("boom")
        );
        let empty: DescribeImagesResponse =
            from_xml(b"<DescribeImagesResponse><imagesSet/></DescribeImagesResponse>").unwrap();
        assert!(empty.images_set.items.is_empty());
        let s: DescribeSnapshotsResponse = from_xml(br#"<DescribeSnapshotsResponse><snapshotSet><item><snapshotId>snap-1</snapshotId><status>pending</status><progress>42%</progress></item></snapshotSet></DescribeSnapshotsResponse>"#).unwrap();
        assert_eq!(s.snapshot_set.items[0].progress.as_deref(), Some("42%"));
        let e: ErrorResponse = from_xml(br#"<?xml version="1.0" encoding="utf-8"?>
<Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><Errors><Error><Code>InvalidAMIID.NotFound</Code><Message>The image id '[ami-0]' does not exist</Message></Error></Errors><RequestID>request-id</RequestID></Response>"#).unwrap();
        assert_eq!(
            e.errors.error[0].code.as_deref(),
            Some("InvalidAMIID.NotFound")
        );
        assert_eq!(e.request_id.as_deref(), Some("request-id"));
        assert!(from_xml::<CopyImageResponse>(b"<html>oops").is_err());
    }
}
