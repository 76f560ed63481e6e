use super::*;

#[test]
fn statuses_map_to_states() {
    assert_eq!(
        update_from_status(Kind::Image, "Available").state,
        CopyState::Available
    );
    assert_eq!(
        update_from_status(Kind::Image, "Creating").state,
        CopyState::Copying
    );
    for s in ["CreateFailed", "NotAvailable", "Error"] {
        let u = update_from_status(Kind::Image, s);
        assert_eq!(u.state, CopyState::Failed, "{s}");
        assert_eq!(u.error.unwrap().code, format!("Image.{s}"));
    }
    let u = update_from_status(Kind::Snapshot, "CreatedFailed");
    assert_eq!(u.state, CopyState::Failed);
    assert_eq!(u.error.unwrap().code, "Snapshot.CreatedFailed");
    assert_eq!(
        update_from_status(Kind::Image, "Weird").state,
        CopyState::Copying
    );
}
