//! The code's shape, checked: files of at most 600 lines, functions of at most 80 outside
//! tests, and a cloud named only in its own folders, the registries and the CLI's subcommand
//! definitions (README, "Adding a cloud").

use std::path::{Path, PathBuf};

const MAX_FILE_LINES: usize = 600;
const MAX_FN_LINES: usize = 80;

/// The places a cloud's name may appear in code (paths under `src/`).
const CLOUD_PLACES: &[&str] = &[
    "provider/baidu/",
    "provider/huawei/",
    "provider/alibaba/",
    "provider/aws/",
    "provider/tencent/",
    "sign/bce.rs",
    "sign/huawei.rs",
    "sign/aliyun.rs",
    "sign/aws.rs",
    "sign/tc3.rs",
    "emulator/baidu/",
    "emulator/huawei/",
    "emulator/alibaba/",
    "emulator/aws/",
    "emulator/tencent/",
    "registry.rs",
    "emulator/registry.rs",
    "cli/",
];

const CLOUD_WORDS: &[&str] = &[
    "baidu", "huawei", "alibaba", "aws", "tencent", "bce", "aliyun", "tc3",
];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// The file's lines outside `#[cfg(test)] mod … { … }` blocks, numbered from 1; nothing for
/// a file of tests.
fn code_lines(path: &Path, text: &str) -> Vec<(usize, String)> {
    let name = path.file_name().unwrap().to_string_lossy();
    if name == "tests.rs" || name.ends_with("_tests.rs") {
        return Vec::new();
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let next = lines.get(i + 1).map(|l| l.trim_start()).unwrap_or("");
        if lines[i].trim() == "#[cfg(test)]" && next.starts_with("mod ") && next.ends_with('{') {
            let depth = indent(lines[i + 1]);
            let mut j = i + 2;
            while j < lines.len() && !(indent(lines[j]) == depth && lines[j].trim() == "}") {
                j += 1;
            }
            i = j + 1;
            continue;
        }
        out.push((i + 1, lines[i].to_string()));
        i += 1;
    }
    out
}

fn is_fn_start(line: &str) -> bool {
    let t = line.trim_start();
    let t = t
        .strip_prefix("pub(crate) ")
        .or_else(|| t.strip_prefix("pub(super) "))
        .or_else(|| t.strip_prefix("pub "))
        .unwrap_or(t);
    let t = t.strip_prefix("async ").unwrap_or(t);
    let t = t.strip_prefix("const ").unwrap_or(t);
    t.starts_with("fn ") && !line.trim_end().ends_with(';')
}

fn has_cloud_word(code: &str) -> bool {
    let lower = code.to_ascii_lowercase();
    // `_` separates words here: `BAIDU_REGIONS` names a cloud too.
    let word = |c: char| c.is_ascii_alphanumeric();
    CLOUD_WORDS.iter().any(|w| {
        lower.match_indices(w).any(|(at, _)| {
            let before = lower[..at].chars().next_back();
            let after = lower[at + w.len()..].chars().next();
            !before.is_some_and(word) && !after.is_some_and(word)
        })
    })
}

#[test]
fn files_functions_and_cloud_names_keep_their_places() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    files.sort();
    let mut problems = Vec::new();
    for path in &files {
        let rel = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(path).unwrap();
        let total = text.lines().count();
        if total > MAX_FILE_LINES {
            problems.push(format!("{rel}: {total} lines (at most {MAX_FILE_LINES})"));
        }
        let code = code_lines(path, &text);
        for (k, (n, line)) in code.iter().enumerate() {
            if !is_fn_start(line) {
                continue;
            }
            let end = code[k + 1..]
                .iter()
                .find(|(_, l)| indent(l) == indent(line) && l.trim_start().starts_with('}'));
            if let Some((m, _)) = end {
                if m - n + 1 > MAX_FN_LINES {
                    problems.push(format!(
                        "{rel}:{n}: a function of {} lines (at most {MAX_FN_LINES}): {}",
                        m - n + 1,
                        line.trim()
                    ));
                }
            }
        }
        if CLOUD_PLACES.iter().any(|p| rel.starts_with(p)) {
            continue;
        }
        for (n, line) in &code {
            let t = line.trim_start();
            // Comments may name clouds; so may the declaration of a cloud's module.
            let declaration = t.starts_with("pub mod ") || t.starts_with("mod ");
            let code = line.split("//").next().unwrap_or("");
            if !declaration && has_cloud_word(code) {
                problems.push(format!("{rel}:{n}: names a cloud: {}", line.trim()));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn the_checks_see_what_they_look_for() {
    assert!(has_cloud_word("Cloud::Aws"));
    assert!(has_cloud_word("\"baidu\""));
    assert!(has_cloud_word("BAIDU_REGIONS"));
    assert!(!has_cloud_word("laws and awsome thing"));
    assert!(is_fn_start(
        "    pub(super) async fn submit_round(&mut self) {"
    ));
    assert!(!is_fn_start("    fn title(&self) -> &'static str;"));
    let text = "fn a() {}\n#[cfg(test)]\nmod tests {\n    fn long() {\n    }\n}\nfn b() {}\n";
    let kept: Vec<usize> = code_lines(Path::new("x.rs"), text)
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(kept, [1, 7]);
}
