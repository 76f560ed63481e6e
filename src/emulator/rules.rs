//! The emulator's own statement of each cloud's documented rules: the regions each emulated
//! cloud serves and the shapes it accepts. It never uses the client's validators or tables,
//! so a client that reads a rule wrongly meets a server that disagrees.

/// Baidu BCC regions (BCC endpoint list: `bcc.{region}.baidubce.com`); `bd` serves no
/// copies in the emulator (its demo "region not supported" case).
pub const BAIDU_REGIONS: &[&str] = &[
    "bj", "bd", "gz", "su", "fsh", "hkg", "fwh", "sin", "yq", "cd", "nj",
];

/// Huawei IMS regions, as huaweicloudsdkims 3.1.219 lists them (`v2/region/ims_region.py`).
pub const HUAWEI_REGIONS: &[&str] = &[
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

/// Alibaba ECS public regions (ECS endpoint list: `ecs.{region}.aliyuncs.com`).
pub const ALIBABA_REGIONS: &[&str] = &[
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

/// EC2 regions, as botocore's `endpoints.json` lists them: the `aws`, `aws-cn` and
/// `aws-us-gov` partitions.
pub const AWS_REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "cn-north-1",
    "cn-northwest-1",
    "us-gov-east-1",
    "us-gov-west-1",
];

/// The header that names a Huawei request's project (the IMS API reference).
pub const HUAWEI_PROJECT_HEADER: &str = "X-Project-Id";

/// Whether `region` is one any emulated cloud serves (for the `/{region}` path prefix).
pub fn any_region(region: &str) -> bool {
    super::registry::all().any(|(_, c)| c.regions().contains(&region))
}

/// A UUID in its canonical 8-4-4-4-12 hexadecimal form (Huawei image, key and project ids).
pub fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8usize, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// IMS image names: 1–128 characters of letters, digits, Chinese characters, spaces and
/// `_ - .`, not starting or ending with a space (IMS "copying an image" parameter table).
pub fn huawei_name_ok(name: &str) -> bool {
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

/// ECS image names (CopyImage `DestinationImageName`): 2–128 characters, starting with a
/// letter (or a Chinese character), not with `http://`, `https://`, `acs:` or `aliyun`;
/// letters, digits, `.`, `_`, `-` and `:` only.
pub fn alibaba_name_ok(name: &str) -> bool {
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
pub fn alibaba_description_ok(d: &str) -> bool {
    (2..=256).contains(&d.chars().count())
        && !d.starts_with("http://")
        && !d.starts_with("https://")
}

/// EC2 resource ids: the prefix, then 8 or 17 lower-case hexadecimal characters.
pub fn aws_id_ok(prefix: &str, id: &str) -> bool {
    id.strip_prefix(prefix).is_some_and(|rest| {
        (rest.len() == 8 || rest.len() == 17)
            && rest
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_shapes() {
        assert!(is_uuid("6f1f3b3c-0000-4000-8000-000000000001"));
        assert!(!is_uuid("6f1f3b3c-0000-4000-8000-00000000001"));
        assert!(huawei_name_ok("golden 镜像_1.0"));
        assert!(!huawei_name_ok(" golden") && !huawei_name_ok("a/b") && !huawei_name_ok(""));
        assert!(alibaba_name_ok("golden-2026:1") && alibaba_name_ok("镜像a"));
        assert!(!alibaba_name_ok("acs:x") && !alibaba_name_ok("1abc") && !alibaba_name_ok("a"));
        assert!(alibaba_description_ok("ok") && !alibaba_description_ok("https://x"));
        assert!(aws_id_ok("ami-", "ami-0abc00000000000a1") && aws_id_ok("snap-", "snap-12345678"));
        assert!(!aws_id_ok("ami-", "ami-../../x") && !aws_id_ok("ami-", "snap-12345678"));
        assert!(any_region("cn-north-4") && any_region("gz") && !any_region("mars"));
    }
}
