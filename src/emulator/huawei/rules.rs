//! The emulator's own statement of this cloud's documented rules (never the client's).

/// Huawei IMS regions, as huaweicloudsdkims 3.1.219 lists them (`v2/region/ims_region.py`).
pub const REGIONS: &[&str] = &[
    "af-south-1",
    "cn-north-4",
    "cn-north-1",
    "cn-east-2",
    "cn-east-3",
    "cn-south-1",
    "cn-southwest-2",
    "ap-southeast-2",
    "ap-southeast-1",
    "ap-southeast-3",
    "cn-north-2",
    "cn-south-2",
    "cn-north-9",
    "la-south-2",
    "sa-brazil-1",
    "la-north-2",
    "na-mexico-1",
    "ap-southeast-4",
    "cn-south-4",
    "tr-west-1",
    "me-east-1",
    "ae-ad-1",
    "cn-east-4",
    "eu-west-101",
    "cn-east-5",
    "eu-west-0",
    "my-kualalumpur-1",
    "af-north-1",
    "ru-moscow-1",
    "ap-southeast-5",
    "cn-north-12",
    "cn-north-11",
    "cn-southwest-3",
];

/// The header that names a Huawei request's project (the IMS API reference).
pub const PROJECT_HEADER: &str = "X-Project-Id";

/// IMS image names: 1–128 characters of letters, digits, Chinese characters, spaces and
/// `_ - .`, not starting or ending with a space (IMS "copying an image" parameter table).
pub fn name_ok(name: &str) -> bool {
    let n = name.chars().count();
    (1..=128).contains(&n)
        && !name.starts_with(' ')
        && !name.ends_with(' ')
        && name.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || "_-. ".contains(c)
                || ('\u{4e00}'..='\u{9fff}').contains(&c)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_shapes() {
        assert!(name_ok("golden 镜像_1.0"));
        assert!(!name_ok(" golden") && !name_ok("a/b") && !name_ok(""));
    }
}
