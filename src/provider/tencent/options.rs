//! The copy options of this cloud's commands, as requests and reports carry them.

use serde::{Deserialize, Serialize};

/// Tencent Cloud SyncImages settings: `Encrypt` + `KmsKeyId` make an encrypted copy, which
/// the API allows only into the source region.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TencentOptions {
    pub encrypted: bool,
    pub kms_key_id: Option<String>,
}
