use super::*;

fn image(id: &str, name: &str, status: &str, description: &str) -> wire::ImageInfo {
    serde_json::from_value(serde_json::json!({
        "id": id, "name": name, "status": status, "description": description
    }))
    .unwrap()
}

fn look(rec: &CopyRecord, page: &[wire::ImageInfo]) -> Option<PollUpdate> {
    listed_copy(rec, &PageIndex::new(page))
}

fn copying_record() -> CopyRecord {
    let req = CopyRequest {
        cloud: Cloud::Huawei,
        kind: Kind::Image,
        source_id: "src-1".into(),
        source_region: "cn-north-4".into(),
        dest_regions: vec!["cn-north-4".into()],
        name: Some("golden".into()),
        client_token: None,
        description: None,
        options: Default::default(),
        force_new: None,
        attempts: Default::default(),
    };
    let mut r = CopyRecord::new(&req, "cn-north-4", OffsetDateTime::now_utc());
    r.job_id = Some("job-1".into());
    r.progress = Some(40);
    r
}

#[test]
fn a_listing_says_still_copying_but_never_done_for_a_copy_followed_by_its_job() {
    let rec = copying_record();
    let mark = "imgcopy:source=cn-north-4/src-1 imgcopy:copy=abc";
    // An older copy of the same name and source, done: not taken for this one.
    let old = image("old", "golden", "active", mark);
    assert_eq!(look(&rec, std::slice::from_ref(&old)), None);
    let saving = image("new", "golden", "saving", mark);
    let u = look(&rec, &[old.clone(), saving]).unwrap();
    assert_eq!(u.state, CopyState::Copying);
    assert_eq!(u.dest_id, None, "the id comes from the job");
    assert_eq!(u.progress, Some(40), "the job's last progress is kept");
    // Another source's copy of that name, or one without the marker, says nothing.
    let other = image(
        "x",
        "golden",
        "saving",
        "imgcopy:source=cn-north-4/src-10 imgcopy:copy=abc",
    );
    let bare = image("y", "golden", "saving", "");
    assert_eq!(look(&rec, &[other, bare]), None);
}

#[test]
fn a_listing_says_done_for_a_copy_known_by_its_id() {
    let mut rec = copying_record();
    rec.dest_id = Some("img-9".into());
    let u = look(&rec, &[image("img-9", "any", "active", "")]).unwrap();
    assert_eq!(
        (u.state, u.dest_id.as_deref()),
        (CopyState::Available, Some("img-9"))
    );
    assert_eq!(look(&rec, &[image("img-9", "any", "killed", "")]), None);
    assert_eq!(look(&rec, &[]), None);
}

fn job(status: &str, pct: Option<f64>) -> wire::Job {
    wire::Job {
        status: status.into(),
        error_code: Some("IMG.0046".into()),
        fail_reason: Some("The image is unavailable.".into()),
        entities: wire::JobEntities {
            image_id: Some("new-id".into()),
            process_percent: pct,
        },
    }
}

#[test]
fn job_states() {
    assert_eq!(
        update_from_job(&job("INIT", None)).state,
        CopyState::Submitted
    );
    let u = update_from_job(&job("RUNNING", Some(0.42)));
    assert_eq!((u.state, u.progress), (CopyState::Copying, Some(42)));
    assert_eq!(
        update_from_job(&job("RUNNING", Some(42.0))).progress,
        Some(42)
    );
    assert!(u.dest_id.is_none());
    let u = update_from_job(&job("SUCCESS", Some(1.0)));
    assert_eq!(
        (u.state, u.dest_id.as_deref()),
        (CopyState::Available, Some("new-id"))
    );
    let u = update_from_job(&job("FAIL", None));
    assert_eq!(u.state, CopyState::Failed);
    let e = u.error.unwrap();
    assert_eq!(
        (e.code.as_str(), e.message.as_str()),
        ("IMG.0046", "The image is unavailable.")
    );
}
