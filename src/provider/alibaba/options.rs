//! The copy options of this cloud's commands, as requests and reports carry them.

use serde::{Deserialize, Serialize};

/// Alibaba ECS CopyImage settings.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AlibabaOptions {
    pub encrypted: bool,
    pub kms_key_id: Option<String>,
    /// `Tag.N.Key` / `Tag.N.Value`, in order.
    pub tags: Vec<(String, String)>,
    pub resource_group_id: Option<String>,
    /// Days the snapshot copy is kept (CopySnapshot's `RetentionDays`; snapshots only).
    #[serde(default)]
    pub retention_days: Option<u32>,
}
