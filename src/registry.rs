//! The clouds imgcopy knows, in one place: each cloud's name, its driver (everything the
//! rest of imgcopy asks of it) and its copy options. Adding a cloud is a folder under
//! `provider/` with its driver, a line in each list here, and its CLI subcommand.

use crate::provider::driver::CloudDriver;
use crate::provider::{alibaba, aws, baidu, huawei, tencent};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A cloud, as commands, config files and reports name it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    PartialOrd,
    Ord,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Cloud {
    Baidu,
    Huawei,
    Alibaba,
    Aws,
    Tencent,
}

impl Cloud {
    /// Every cloud, in the order commands list them.
    pub fn all() -> &'static [Cloud] {
        <Cloud as clap::ValueEnum>::value_variants()
    }

    /// What the rest of imgcopy asks of this cloud.
    pub fn driver(self) -> &'static dyn CloudDriver {
        match self {
            Cloud::Baidu => &baidu::driver::Baidu,
            Cloud::Huawei => &huawei::driver::Huawei,
            Cloud::Alibaba => &alibaba::driver::Alibaba,
            Cloud::Aws => &aws::driver::Aws,
            Cloud::Tencent => &tencent::driver::Tencent,
        }
    }

    /// The name commands, config files and reports use.
    pub fn name(self) -> &'static str {
        match self {
            Cloud::Baidu => "baidu",
            Cloud::Huawei => "huawei",
            Cloud::Alibaba => "alibaba",
            Cloud::Aws => "aws",
            Cloud::Tencent => "tencent",
        }
    }
}

impl fmt::Display for Cloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Cloud {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Cloud::all()
            .iter()
            .copied()
            .find(|c| c.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Cloud::all().iter().map(|c| c.name()).collect();
                format!("unknown cloud `{s}` ({})", names.join(", "))
            })
    }
}

/// Per-cloud copy options.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(into = "OptionsRepr", try_from = "OptionsInput")]
pub enum CloudOptions {
    #[default]
    None,
    Huawei(huawei::options::HuaweiOptions),
    Alibaba(alibaba::options::AlibabaOptions),
    Aws(aws::options::AwsOptions),
    Tencent(tencent::options::TencentOptions),
}

/// How `CloudOptions` is written: always an object with one key (`{"none":{}}` for a cloud
/// without options of its own), so every cloud's `options` has one type.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
enum OptionsRepr {
    None(NoOptions),
    Huawei(huawei::options::HuaweiOptions),
    Alibaba(alibaba::options::AlibabaOptions),
    Aws(aws::options::AwsOptions),
    Tencent(tencent::options::TencentOptions),
}

#[derive(Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct NoOptions {}

/// What is read: the object form, or the string `"none"` earlier versions wrote.
#[derive(Deserialize)]
#[serde(untagged)]
enum OptionsInput {
    Object(OptionsRepr),
    Word(String),
}

impl From<CloudOptions> for OptionsRepr {
    fn from(o: CloudOptions) -> Self {
        match o {
            CloudOptions::None => OptionsRepr::None(NoOptions {}),
            CloudOptions::Huawei(h) => OptionsRepr::Huawei(h),
            CloudOptions::Alibaba(a) => OptionsRepr::Alibaba(a),
            CloudOptions::Aws(a) => OptionsRepr::Aws(a),
            CloudOptions::Tencent(t) => OptionsRepr::Tencent(t),
        }
    }
}

impl TryFrom<OptionsInput> for CloudOptions {
    type Error = String;
    fn try_from(i: OptionsInput) -> Result<Self, String> {
        Ok(match i {
            OptionsInput::Object(OptionsRepr::None(_)) => CloudOptions::None,
            OptionsInput::Object(OptionsRepr::Huawei(h)) => CloudOptions::Huawei(h),
            OptionsInput::Object(OptionsRepr::Alibaba(a)) => CloudOptions::Alibaba(a),
            OptionsInput::Object(OptionsRepr::Aws(a)) => CloudOptions::Aws(a),
            OptionsInput::Object(OptionsRepr::Tencent(t)) => CloudOptions::Tencent(t),
            OptionsInput::Word(w) if w == "none" => CloudOptions::None,
            OptionsInput::Word(w) => Err(format!("unknown options `{w}`"))?,
        })
    }
}
