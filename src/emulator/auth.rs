//! Reading what a client put in its Authorization header, for the emulated clouds' checks.

/// The `Key=value` fields after the algorithm name in an Authorization header
/// (`ALG K1=v1, K2=v2` or `ALG K1=v1,K2=v2`), only when every field is one of `keys`.
pub fn auth_fields<'a>(
    value: &'a str,
    algorithm: &str,
    keys: &[&str],
) -> Option<Vec<(&'a str, &'a str)>> {
    let rest = value.trim().strip_prefix(algorithm)?.trim_start();
    let fields: Vec<(&str, &str)> = rest
        .split(',')
        .map(|part| part.trim().split_once('='))
        .collect::<Option<_>>()?;
    fields
        .iter()
        .all(|(k, _)| keys.contains(k))
        .then_some(fields)
}

/// The value of `key` among `fields`, when present and not empty.
pub fn field<'a>(fields: &[(&str, &'a str)], key: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| *v)
        .filter(|v| !v.is_empty())
}
