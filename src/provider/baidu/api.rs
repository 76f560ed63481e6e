//! Pure builders of Baidu BCC requests and the documented input rules.

use super::driver::Baidu;
use super::wire;
use crate::error::{Error, Result};
use crate::http::Safety;
use crate::model::{CopyRequest, Kind};
use crate::provider::driver::CloudDriver;
use crate::provider::ApiCall;
use sha2::{Digest, Sha256};

/// BCC regions (the `bcc.{region}.baidubce.com` endpoints).
pub const REGIONS: &[&str] = &[
    "bj", "bd", "gz", "su", "fsh", "hkg", "fwh", "sin", "yq", "cd", "nj",
];

/// `POST /v2/image/{id}?remoteCopy=`: one call for every destination. No client token exists,
/// so after an unknown outcome the destinations are searched before it is sent again.
pub fn remote_copy_image(req: &CopyRequest) -> ApiCall {
    let body = wire::RemoteCopyImageArgs {
        name: req.name.as_deref(),
        dest_region: &req.dest_regions,
    };
    ApiCall {
        method: "POST",
        region: req.source_region.clone(),
        path: format!("/v2/image/{}", req.source_id),
        query: vec![("remoteCopy".into(), String::new())],
        headers: Vec::new(),
        body: Some(serde_json::to_string(&body).expect("plain struct serialises")),
        safety: Safety::NotIdempotent,
    }
}

/// `PUT /v2/snapshot/remote_copy/{id}?clientToken=…` (PUT as in the SDK and the request table).
pub fn remote_copy_snapshot(req: &CopyRequest) -> ApiCall {
    let name = snapshot_copy_name(req);
    let body = wire::RemoteCopySnapshotArgs {
        dest_region_infos: req
            .dest_regions
            .iter()
            .map(|r| wire::DestRegionInfo {
                name: &name,
                dest_region: r,
            })
            .collect(),
    };
    ApiCall {
        method: "PUT",
        region: req.source_region.clone(),
        path: format!("/v2/snapshot/remote_copy/{}", req.source_id),
        query: vec![(
            "clientToken".into(),
            req.client_token
                .clone()
                .unwrap_or_else(|| client_token(req)),
        )],
        headers: Vec::new(),
        body: Some(serde_json::to_string(&body).expect("plain struct serialises")),
        safety: Safety::Idempotent,
    }
}

/// `POST /v2/image/{destImageId}?cancelRemoteCopy=` in the destination region.
pub fn cancel_remote_copy(region: &str, dest_image_id: &str) -> ApiCall {
    ApiCall {
        method: "POST",
        region: region.to_string(),
        path: format!("/v2/image/{dest_image_id}"),
        query: vec![("cancelRemoteCopy".into(), String::new())],
        headers: Vec::new(),
        body: None,
        safety: Safety::NotIdempotent,
    }
}

/// Image or snapshot detail, used to follow a copy in its destination region.
pub fn detail(kind: Kind, region: &str, id: &str) -> ApiCall {
    let path = match kind {
        Kind::Image => format!("/v2/image/{id}"),
        Kind::Snapshot => format!("/v2/snapshot/{id}"),
    };
    ApiCall {
        method: "GET",
        region: region.to_string(),
        path,
        query: Vec::new(),
        headers: Vec::new(),
        body: None,
        safety: Safety::Idempotent,
    }
}

/// The snapshot copy's name: `--name`, or one derived from the source id (the API requires one).
pub fn snapshot_copy_name(req: &CopyRequest) -> String {
    req.name
        .clone()
        .unwrap_or_else(|| format!("copy-of-{}", req.source_id))
}

/// A client token derived from everything that defines the copy, so that the same command
/// run again is the same request to the server (at most 64 ASCII characters).
pub fn client_token(req: &CopyRequest) -> String {
    let mut h = Sha256::new();
    h.update(format!(
        "imgcopy/v1|baidu|{}|{}|{}|{}",
        req.kind,
        req.source_region,
        req.source_id,
        snapshot_copy_name(req)
    ));
    for r in &req.dest_regions {
        h.update(b"|");
        h.update(r.as_bytes());
    }
    if let Some(salt) = &req.force_new {
        h.update(b"|new:");
        h.update(salt.as_bytes());
    }
    // One destination per call (see `submit_snapshot`): its attempt number, after a failure.
    if let [dest] = req.dest_regions.as_slice() {
        if let n @ 1.. = req.attempt(dest) {
            h.update(format!("|attempt:{n}").as_bytes());
        }
    }
    format!("imgcopy-{}", &hex::encode(h.finalize())[..48])
}

/// `GET /v2/image?imageType=Custom`: one page of a region's custom images.
pub fn list_images(region: &str, marker: Option<&str>) -> ApiCall {
    let mut query = vec![
        ("imageType".to_string(), "Custom".to_string()),
        ("maxKeys".to_string(), "1000".to_string()),
    ];
    if let Some(m) = marker {
        query.push(("marker".to_string(), m.to_string()));
    }
    ApiCall {
        method: "GET",
        region: region.to_string(),
        path: "/v2/image".to_string(),
        query,
        headers: Vec::new(),
        body: None,
        safety: Safety::Idempotent,
    }
}

/// Image ids look like `m-nky7qeom`, snapshot ids like `s-AJcboed5`.
pub fn check_id(kind: Kind, id: &str) -> Result<()> {
    let prefix = match kind {
        Kind::Image => "m-",
        Kind::Snapshot => "s-",
    };
    let rest = id.strip_prefix(prefix).unwrap_or("");
    if id.is_empty() {
        return Err(Error::usage("--id", "must not be empty"));
    }
    if rest.is_empty() || rest.len() > 32 || !rest.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(Error::usage(
            "--id",
            format!("`{id}` is not a Baidu {kind} id (expected `{prefix}` followed by letters and digits, e.g. {prefix}nky7qeom)"),
        ));
    }
    Ok(())
}

/// BCC naming rule: 1–65 characters; letters, digits, Chinese characters and `-_/.`;
/// starting with a letter or a Chinese character.
pub fn check_name(name: &str) -> Result<()> {
    let count = name.chars().count();
    let is_cjk = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
    if count == 0 || count > 65 {
        return Err(Error::usage(
            "--name",
            format!("must be 1 to 65 characters long (it has {count})"),
        ));
    }
    let first = name.chars().next().unwrap_or(' ');
    if !(first.is_ascii_alphabetic() || is_cjk(first)) {
        return Err(Error::usage(
            "--name",
            "must start with a letter or a Chinese character",
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || is_cjk(c) || "-_/.".contains(c)))
    {
        return Err(Error::usage(
            "--name",
            format!(
                "`{bad}` is not allowed (letters, digits, Chinese characters and - _ / . only)"
            ),
        ));
    }
    Ok(())
}

pub fn check_client_token(token: &str) -> Result<()> {
    if token.is_empty() || token.len() > 64 || !token.chars().all(|c| c.is_ascii_graphic()) {
        return Err(Error::usage(
            "--client-token",
            "must be 1 to 64 printable ASCII characters without spaces",
        ));
    }
    Ok(())
}

/// Every documented rule of the two copy calls, checked before anything is sent.
/// `any_region`: another endpoint is in use, so any well-formed region name is accepted.
pub fn validate(req: &CopyRequest, any_region: bool) -> Result<()> {
    check_id(req.kind, &req.source_id)?;
    Baidu.check_region("--region", &req.source_region, any_region)?;
    crate::provider::check_dests(&req.dest_regions, |r| {
        Baidu.check_region("--dest", r, any_region)?;
        if req.kind == Kind::Snapshot && r == req.source_region {
            return Err(Error::usage(
                "--dest",
                format!(
                    "`{r}` is the source region; a snapshot remote copy goes to another region"
                ),
            ));
        }
        Ok(())
    })?;
    if let Some(name) = &req.name {
        check_name(name)?;
    }
    if let Some(t) = &req.client_token {
        if req.kind == Kind::Image {
            return Err(Error::usage(
                "--client-token",
                "Baidu image copies take no client token",
            ));
        }
        check_client_token(t)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::model::Cloud;

    fn req(kind: Kind) -> CopyRequest {
        CopyRequest {
            cloud: Cloud::Baidu,
            kind,
            source_id: if kind == Kind::Image {
                "m-abc123"
            } else {
                "s-abc123"
            }
            .into(),
            source_region: "bj".into(),
            dest_regions: vec!["gz".into(), "su".into()],
            name: Some("golden-1".into()),
            client_token: None,
            description: None,
            options: Default::default(),
            force_new: None,
            attempts: Default::default(),
        }
    }

    #[test]
    fn image_copy_request_matches_the_seed() {
        let c = remote_copy_image(&req(Kind::Image));
        assert_eq!(c.method, "POST");
        assert_eq!(c.path, "/v2/image/m-abc123");
        assert_eq!(c.query, vec![("remoteCopy".to_string(), String::new())]);
        assert_eq!(
            c.body.as_deref(),
            Some(r#"{"name":"golden-1","destRegion":["gz","su"]}"#)
        );
        let mut r = req(Kind::Image);
        r.name = None;
        assert_eq!(
            remote_copy_image(&r).body.as_deref(),
            Some(r#"{"destRegion":["gz","su"]}"#)
        );
    }

    #[test]
    fn snapshot_copy_request_and_derived_token() {
        let r = req(Kind::Snapshot);
        let c = remote_copy_snapshot(&r);
        assert_eq!(c.method, "PUT");
        assert_eq!(c.path, "/v2/snapshot/remote_copy/s-abc123");
        assert_eq!(
            c.body.as_deref(),
            Some(
                r#"{"destRegionInfos":[{"name":"golden-1","destRegion":"gz"},{"name":"golden-1","destRegion":"su"}]}"#
            )
        );
        let token = &c.query[0].1;
        assert_eq!(token, &client_token(&r));
        assert!(token.len() <= 64 && token.is_ascii());
        // Same request, same token; anything that changes the copy changes it.
        assert_eq!(client_token(&req(Kind::Snapshot)), *token);
        let mut other = req(Kind::Snapshot);
        other.dest_regions.push("hkg".into());
        assert_ne!(client_token(&other), *token);
        let mut named = req(Kind::Snapshot);
        named.name = Some("x".into());
        assert_ne!(client_token(&named), *token);
        let mut given = req(Kind::Snapshot);
        given.client_token = Some("mine".into());
        assert_eq!(remote_copy_snapshot(&given).query[0].1, "mine");
    }

    #[test]
    fn validation_names_the_flag() {
        type Mutation = Box<dyn Fn(&mut CopyRequest)>;
        let cases: Vec<(Mutation, &str)> = vec![
            (Box::new(|r| r.source_id = String::new()), "--id"),
            (Box::new(|r| r.source_id = "s-abc".into()), "--id"),
            (Box::new(|r| r.source_id = "m-a b".into()), "--id"),
            (Box::new(|r| r.source_region = "mars".into()), "--region"),
            (Box::new(|r| r.dest_regions.clear()), "--dest"),
            (
                Box::new(|r| r.dest_regions = vec!["gz".into(), "gz".into()]),
                "--dest",
            ),
            (Box::new(|r| r.dest_regions = vec!["xx".into()]), "--dest"),
            (Box::new(|r| r.name = Some("a".repeat(66))), "--name"),
            (Box::new(|r| r.name = Some("1abc".into())), "--name"),
            (Box::new(|r| r.name = Some("ab c".into())), "--name"),
            (Box::new(|r| r.name = Some(String::new())), "--name"),
            (
                Box::new(|r| r.client_token = Some("t".into())),
                "--client-token",
            ),
        ];
        for (i, (mutate, flag)) in cases.iter().enumerate() {
            let mut r = req(Kind::Image);
            mutate(&mut r);
            let e = validate(&r, false).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Usage, "case {i}");
            assert!(e.message().starts_with(flag), "case {i}: {}", e.message());
        }
        assert!(validate(&req(Kind::Image), false).is_ok());
        let mut r = req(Kind::Image);
        r.name = Some("镜像-copy_1/x.y".into());
        assert!(validate(&r, false).is_ok());
        let mut s = req(Kind::Snapshot);
        s.dest_regions = vec!["bj".into()];
        assert!(validate(&s, false)
            .unwrap_err()
            .message()
            .starts_with("--dest"));
        s.dest_regions = vec!["hkg".into()];
        s.client_token = Some("a".repeat(65));
        assert!(validate(&s, false)
            .unwrap_err()
            .message()
            .starts_with("--client-token"));
    }
}
