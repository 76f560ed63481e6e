//! The emulated clouds, in one place (the emulator's own list: it stands apart from the
//! client's registry so it can disagree with the client).

use super::cloud::EmulatedCloud;
use super::{alibaba, aws, baidu, huawei, tencent};
use crate::model::Cloud;

/// The emulator of `cloud`.
pub fn emulated(cloud: Cloud) -> &'static dyn EmulatedCloud {
    match cloud {
        Cloud::Baidu => &baidu::Emulated,
        Cloud::Huawei => &huawei::Emulated,
        Cloud::Alibaba => &alibaba::Emulated,
        Cloud::Aws => &aws::Emulated,
        Cloud::Tencent => &tencent::Emulated,
    }
}

/// Every emulated cloud with its name.
pub fn all() -> impl Iterator<Item = (Cloud, &'static dyn EmulatedCloud)> {
    Cloud::all().iter().map(|&c| (c, emulated(c)))
}
