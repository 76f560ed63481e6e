use super::resume_command;
use std::path::Path;

#[test]
fn the_resume_command_names_the_report_quoted_for_a_shell() {
    assert_eq!(
        resume_command(Some(Path::new("out/r.json")), true),
        "imgcopy status --report out/r.json --wait"
    );
    assert_eq!(
        resume_command(Some(Path::new("my report's.json")), false),
        "imgcopy status --report 'my report'\\''s.json'"
    );
    assert_eq!(
        resume_command(None, true),
        "imgcopy status --report FILE --wait"
    );
}
