//! The copy options of this cloud's commands, as requests and reports carry them.

use serde::{Deserialize, Serialize};

/// Huawei IMS: in-region copy settings, or the cross-region agency and destination projects.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HuaweiOptions {
    pub cmk_id: Option<String>,
    pub enterprise_project_id: Option<String>,
    pub agency: Option<String>,
    /// Destination project name for every region (`--project-name NAME`).
    pub project_name: Option<String>,
    /// Destination project names by region (`--project-name REGION=NAME`).
    pub project_names: std::collections::BTreeMap<String, String>,
    pub vault_id: Option<String>,
}
