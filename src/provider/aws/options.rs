//! The copy options of this cloud's commands, as requests and reports carry them.

use serde::{Deserialize, Serialize};

/// AWS CopyImage / CopySnapshot settings.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AwsOptions {
    pub encrypted: bool,
    /// The KMS key in every destination (`--kms-key-id`).
    pub kms_key_id: Option<String>,
    /// KMS keys by destination region (`--kms-key REGION=KEY`).
    pub kms_keys: std::collections::BTreeMap<String, String>,
    /// Copy the source AMI's tags (`CopyImageTags`).
    pub copy_tags: bool,
    pub tags: Vec<(String, String)>,
}
