//! The emulator's own statement of this cloud's documented rules (never the client's).

/// CVM's regions, as the CVM API documentation lists them.
pub const REGIONS: &[&str] = &[
    "ap-bangkok",
    "ap-beijing",
    "ap-chengdu",
    "ap-chongqing",
    "ap-guangzhou",
    "ap-hongkong",
    "ap-jakarta",
    "ap-mumbai",
    "ap-nanjing",
    "ap-seoul",
    "ap-shanghai",
    "ap-shanghai-fsi",
    "ap-shenzhen-fsi",
    "ap-singapore",
    "ap-tokyo",
    "eu-frankfurt",
    "na-ashburn",
    "na-siliconvalley",
    "sa-saopaulo",
];

/// An image id: `img-` and 8 lower-case letters or digits.
pub fn id_ok(id: &str) -> bool {
    id.strip_prefix("img-").is_some_and(|r| {
        r.len() == 8
            && r.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    })
}
