//! The emulator's own statement of this cloud's documented rules (never the client's).

/// Baidu BCC regions (BCC endpoint list: `bcc.{region}.baidubce.com`); `bd` serves no
/// copies in the emulator (its demo "region not supported" case).
pub const REGIONS: &[&str] = &[
    "bj", "bd", "gz", "su", "fsh", "hkg", "fwh", "sin", "yq", "cd", "nj",
];
