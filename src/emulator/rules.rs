//! The rules every emulated cloud shares. Each cloud states its own documented rules (its
//! regions and the shapes it accepts) in `emulator/<cloud>/rules.rs`; none uses the client's
//! validators or tables, so a client that reads a rule wrongly meets a server that disagrees.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_shapes() {
        assert!(is_uuid("6f1f3b3c-0000-4000-8000-000000000001"));
        assert!(!is_uuid("6f1f3b3c-0000-4000-8000-00000000001"));
        assert!(any_region("cn-north-4") && any_region("gz") && !any_region("mars"));
    }
}
