//! The process exit codes, defined once: the code returns these, `--help` lists them, and
//! the README's table is this table (a test keeps the two equal).

/// Every copy the command asked for reached the goal.
pub const OK: i32 = 0;
/// A copy failed or was canceled.
pub const FAILED: i32 = 1;
/// Usage or validation error: nothing was sent.
pub const USAGE: i32 = 2;
/// Credentials, authentication or permission error.
pub const AUTH: i32 = 3;
/// Copies still in progress at the deadline, or still queued.
pub const UNFINISHED: i32 = 4;
/// Interrupted (Ctrl-C or SIGTERM).
pub const INTERRUPTED: i32 = 130;

/// Each code and what it means, for people.
pub const MEANINGS: [(i32, &str); 6] = [
    (OK, "every copy reached the goal: submitted, or `available` with `--wait`"),
    (
        FAILED,
        "at least one copy failed or was canceled (copies `--on-timeout cancel` canceled count as 4)",
    ),
    (USAGE, "usage or validation error; nothing was sent"),
    (AUTH, "credentials, authentication or permission error"),
    (
        UNFINISHED,
        "the deadline passed with copies still in progress (resume with `imgcopy status --report FILE --wait`), also when `--on-timeout cancel` canceled them; or copies are still `queued` behind a cloud's limit on copies at once (never started)",
    ),
    (
        INTERRUPTED,
        "interrupted (Ctrl-C or SIGTERM): the report is printed and written, in-flight copies are listed",
    ),
];

/// The README's table.
pub fn markdown_table() -> String {
    let mut out = String::from("| code | meaning |\n|---|---|\n");
    for (code, meaning) in MEANINGS {
        out.push_str(&format!("| {code} | {meaning} |\n"));
    }
    out
}

/// The one-paragraph form at the end of `--help`.
pub fn help() -> String {
    let short: Vec<String> = MEANINGS
        .iter()
        .map(|(code, meaning)| {
            let first = meaning.split([';', '(', ':']).next().unwrap_or(meaning);
            format!("{code} {}", first.trim().trim_end_matches(','))
        })
        .collect();
    format!("Exit codes: {}.", short.join(", "))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_readme_table_is_this_table() {
        let readme = include_str!("../README.md");
        assert!(
            readme.contains(&super::markdown_table()),
            "README.md's exit-code table differs from src/exit.rs; paste:\n{}",
            super::markdown_table()
        );
    }
}
