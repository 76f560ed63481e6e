//! The emulator's own statement of this cloud's documented rules (never the client's).

/// Alibaba ECS public regions (ECS endpoint list: `ecs.{region}.aliyuncs.com`).
pub const REGIONS: &[&str] = &[
    "cn-hangzhou",
    "cn-shanghai",
    "cn-beijing",
    "cn-qingdao",
    "cn-zhangjiakou",
    "cn-huhehaote",
    "cn-wulanchabu",
    "cn-shenzhen",
    "cn-heyuan",
    "cn-guangzhou",
    "cn-chengdu",
    "cn-nanjing",
    "cn-fuzhou",
    "cn-hongkong",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-southeast-1",
    "ap-southeast-3",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "us-east-1",
    "us-west-1",
    "eu-central-1",
    "eu-west-1",
    "me-east-1",
    "me-central-1",
];

/// ECS image names (CopyImage `DestinationImageName`): 2–128 characters, starting with a
/// letter (or a Chinese character), not with `http://`, `https://`, `acs:` or `aliyun`;
/// letters, digits, `.`, `_`, `-` and `:` only.
pub fn name_ok(name: &str) -> bool {
    let n = name.chars().count();
    let lower = name.to_ascii_lowercase();
    (2..=128).contains(&n)
        && name.chars().next().is_some_and(char::is_alphabetic)
        && !["http://", "https://", "acs:", "aliyun"]
            .iter()
            .any(|p| lower.starts_with(p))
        && !lower.contains("http://")
        && !lower.contains("https://")
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || ".:_-".contains(c))
}

/// ECS descriptions (`DestinationDescription`): 2–256 characters, not starting with
/// `http://` or `https://`.
pub fn description_ok(d: &str) -> bool {
    (2..=256).contains(&d.chars().count())
        && !d.starts_with("http://")
        && !d.starts_with("https://")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_shapes() {
        assert!(name_ok("golden-2026:1") && name_ok("镜像a"));
        assert!(!name_ok("acs:x") && !name_ok("1abc") && !name_ok("a"));
        assert!(description_ok("ok") && !description_ok("https://x"));
    }
}
