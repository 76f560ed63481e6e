use super::*;
use crate::error::ErrorKind;
use crate::model::{Cloud, CloudOptions, Kind};

const IMG: &str = "465076de-dc36-4aec-80f5-ef9d8009428f";
const KEY: &str = "bd66288c-9081-460a-8227-4cbd0c814cb4";

fn req(dests: &[&str], o: HuaweiOptions) -> CopyRequest {
    CopyRequest {
        cloud: Cloud::Huawei,
        kind: Kind::Image,
        source_id: IMG.into(),
        source_region: "cn-north-4".into(),
        dest_regions: dests.iter().map(|s| s.to_string()).collect(),
        name: Some("ims_encrypted_copy3".into()),
        client_token: None,
        description: Some("test copy".into()),
        options: CloudOptions::Huawei(o),
        force_new: None,
        attempts: Default::default(),
    }
}

fn agency() -> HuaweiOptions {
    HuaweiOptions {
        agency: Some("ims_admin_agency".into()),
        ..Default::default()
    }
}

#[test]
fn in_region_request_matches_the_seed() {
    let r = req(
        &["cn-north-4"],
        HuaweiOptions {
            cmk_id: Some(KEY.into()),
            ..Default::default()
        },
    );
    let c = copy_in_region(&r, "p1");
    assert_eq!(c.path, format!("/v1/cloudimages/{IMG}/copy"));
    let marker = marker(&r, "cn-north-4");
    assert!(marker.starts_with(&format!("imgcopy:source=cn-north-4/{IMG} imgcopy:copy=")));
    assert_eq!(
        c.body.as_deref(),
        Some(
            format!(
                r#"{{"name":"ims_encrypted_copy3","description":"test copy {marker}","cmk_id":"{KEY}"}}"#
            )
            .as_str()
        )
    );
    // What the copy is asked to be is in the marker: without the key, another marker.
    let plain = req(&["cn-north-4"], HuaweiOptions::default());
    assert_ne!(super::marker(&plain, "cn-north-4"), marker);
    assert_eq!(
        c.headers,
        vec![(PROJECT_HEADER.to_string(), "p1".to_string())]
    );
    assert_eq!(c.safety, Safety::NotIdempotent);
}

#[test]
fn cross_region_request_and_project_names() {
    let mut o = agency();
    o.project_names
        .insert("cn-east-3".into(), "cn-east-3_prod".into());
    let r = req(&["cn-east-3", "ap-southeast-1"], o.clone());
    let c = cross_region_copy(&r, "cn-east-3", "p1");
    assert_eq!(c.path, format!("/v1/cloudimages/{IMG}/cross_region_copy"));
    let marker = marker(&r, "cn-east-3");
    assert_ne!(marker, super::marker(&r, "ap-southeast-1"));
    assert_eq!(
        c.body.as_deref(),
        Some(
            format!(r#"{{"name":"ims_encrypted_copy3","description":"test copy {marker}","region":"cn-east-3","project_name":"cn-east-3_prod","agency_name":"ims_admin_agency"}}"#).as_str()
        )
    );
    assert_eq!(project_name(&o, "ap-southeast-1"), "ap-southeast-1");
    o.project_name = Some("shared".into());
    assert_eq!(project_name(&o, "ap-southeast-1"), "shared");
    let j = show_job("cn-north-4", "p1", "j1");
    assert_eq!((j.method, j.path.as_str()), ("GET", "/v1/p1/jobs/j1"));
}

#[test]
fn validation_names_the_flag() {
    type Case = (
        Vec<&'static str>,
        HuaweiOptions,
        Box<dyn Fn(&mut CopyRequest)>,
        &'static str,
    );
    let none = || Box::new(|_: &mut CopyRequest| {}) as Box<dyn Fn(&mut CopyRequest)>;
    let cases: Vec<Case> = vec![
        (
            vec!["cn-north-4"],
            Default::default(),
            Box::new(|r| r.source_id = "m-123".into()),
            "--id",
        ),
        (
            vec!["cn-north-4"],
            Default::default(),
            Box::new(|r| r.source_region = "mars-1".into()),
            "--region",
        ),
        (
            vec!["cn-north-4"],
            Default::default(),
            Box::new(|r| r.name = None),
            "--name",
        ),
        (
            vec!["cn-north-4"],
            Default::default(),
            Box::new(|r| r.name = Some("a".repeat(129))),
            "--name",
        ),
        (
            vec!["cn-north-4"],
            Default::default(),
            Box::new(|r| r.name = Some(" x".into())),
            "--name",
        ),
        (
            vec!["cn-north-4"],
            Default::default(),
            Box::new(|r| r.name = Some("a/b".into())),
            "--name",
        ),
        (
            vec!["cn-north-4"],
            Default::default(),
            Box::new(|r| r.description = Some("a\rb".into())),
            "--description",
        ),
        (
            vec!["cn-north-4"],
            Default::default(),
            Box::new(|r| r.description = Some("<b>".into())),
            "--description",
        ),
        (
            vec!["cn-north-4"],
            Default::default(),
            Box::new(|r| r.description = Some("d".repeat(1025))),
            "--description",
        ),
        (
            vec!["cn-north-4"],
            HuaweiOptions {
                cmk_id: Some("k".into()),
                ..Default::default()
            },
            none(),
            "--cmk-id",
        ),
        (vec!["cn-north-4"], agency(), none(), "--agency"),
        (
            vec!["cn-north-4"],
            HuaweiOptions {
                vault_id: Some(KEY.into()),
                ..Default::default()
            },
            none(),
            "--vault-id",
        ),
        (vec!["cn-east-3"], Default::default(), none(), "--agency"),
        (
            vec!["cn-east-3"],
            HuaweiOptions {
                cmk_id: Some(KEY.into()),
                ..agency()
            },
            none(),
            "--cmk-id",
        ),
        (vec!["cn-east-3", "cn-north-4"], agency(), none(), "--dest"),
        (vec!["cn-east-3", "cn-east-3"], agency(), none(), "--dest"),
        (vec!["moon"], agency(), none(), "--dest"),
        (
            vec!["cn-east-3"],
            HuaweiOptions {
                agency: Some("a/b".into()),
                ..Default::default()
            },
            none(),
            "--agency",
        ),
        (
            vec!["cn-east-3"],
            HuaweiOptions {
                project_names: [("cn-east-2".to_string(), "p".to_string())].into(),
                ..agency()
            },
            none(),
            "--project-name",
        ),
    ];
    for (i, (dests, o, mutate, flag)) in cases.into_iter().enumerate() {
        let mut r = req(&dests, o);
        mutate(&mut r);
        let e = validate(&r, false).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Usage, "case {i}");
        assert!(e.message().starts_with(flag), "case {i}: {}", e.message());
    }
    assert!(validate(&req(&["cn-north-4"], Default::default()), false).is_ok());
    assert!(validate(&req(&["cn-east-3", "ap-southeast-1"], agency()), false).is_ok());
    // Another endpoint: any well-formed region name.
    assert!(validate(&req(&["xx-custom-1"], agency()), true).is_ok());
    assert!(validate(&req(&["xx-custom-1"], agency()), false).is_err());
}
