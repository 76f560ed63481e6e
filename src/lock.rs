//! One run owns a report, and one machine runs one copy of the same request at a time:
//! exclusive advisory locks (`flock`), released by the OS when the process ends, even on
//! kill -9. The lock file names the pid that holds it, for the message of the one refused.

use crate::error::{Error, Result};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// Held locks; dropping it releases them.
#[derive(Debug, Default)]
pub struct RunLock {
    files: Vec<File>,
}

impl RunLock {
    pub fn new() -> Self {
        RunLock::default()
    }

    /// Takes the lock of the report at `report`: a `.NAME.lock` file beside it (the report
    /// itself is replaced by every atomic write, so it cannot carry the lock). Creating that
    /// file is also the probe that the report's folder exists and is writable, before
    /// anything is sent. A report in use by another run is a usage error.
    pub fn report(&mut self, report: &Path) -> Result<()> {
        let usage = |why: String| Error::usage("--report", why);
        if report.is_dir() {
            return Err(usage(format!("{} is a directory", report.display())));
        }
        if report.exists() && !report.is_file() {
            return Err(usage(format!(
                "{} is not a regular file (a report is rewritten as a file)",
                report.display()
            )));
        }
        let dir = folder_of(report);
        if !dir.is_dir() {
            return Err(usage(format!(
                "the folder {} does not exist (create it first)",
                dir.display()
            )));
        }
        let name = report
            .file_name()
            .ok_or_else(|| usage(format!("{} names no file", report.display())))?;
        let path = dir.join(format!(".{}.lock", name.to_string_lossy()));
        let file = open(&path).map_err(|e| {
            usage(format!(
                "cannot write in {} ({e}); the report could not be kept",
                dir.display()
            ))
        })?;
        self.take(file, &path, |pid| {
            usage(format!(
                "{} is in use by another imgcopy run{pid}; wait for it to end, or give another file",
                report.display()
            ))
        })?;
        crate::report::remove_stale_temps(report);
        Ok(())
    }

    /// Takes the lock of a request (`key`, a digest of what is copied) in the user's state
    /// folder, so two identical runs at once on one machine do not both copy. When the
    /// folder cannot be used, the run goes on without this lock (with a warning).
    pub fn request(&mut self, state_dir: Option<PathBuf>, key: &str) -> Result<()> {
        let Some(dir) = state_dir else {
            return Ok(());
        };
        let path = dir.join(format!("{key}.lock"));
        let file = match std::fs::create_dir_all(&dir).and_then(|_| open(&path)) {
            Ok(f) => f,
            Err(e) => {
                tracing::warn!(
                    "cannot use {} for run locks ({e}); identical runs at once are not kept apart",
                    dir.display()
                );
                return Ok(());
            }
        };
        self.take(file, &path, |pid| {
            Error::usage(
                "run",
                format!(
                    "an identical imgcopy run is in progress{pid}; it makes these copies (wait for it, or follow its report with `imgcopy status`)"
                ),
            )
        })
    }

    fn take(&mut self, mut file: File, path: &Path, busy: impl Fn(String) -> Error) -> Result<()> {
        match file.try_lock() {
            Ok(()) => {
                let _ = file.set_len(0);
                let _ = file.rewind();
                let _ = write!(file, "{}", std::process::id());
                let _ = file.flush();
                self.files.push(file);
                Ok(())
            }
            Err(TryLockError::WouldBlock) => {
                let mut pid = String::new();
                let _ = file.take(32).read_to_string(&mut pid);
                let pid = pid.trim();
                Err(busy(if pid.is_empty() {
                    String::new()
                } else {
                    format!(" (pid {pid})")
                }))
            }
            Err(TryLockError::Error(e)) => Err(Error::io(format!("locking {}", path.display()), e)),
        }
    }
}

fn open(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
}

/// The folder a file path lives in (`.` for a bare name).
pub fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Where run locks live: `IMGCOPY_STATE_DIR`, else `$XDG_STATE_HOME/imgcopy/locks`, else
/// `~/.local/state/imgcopy/locks`.
pub fn state_dir(vars: &crate::config::EnvMap) -> Option<PathBuf> {
    let get = |k: &str| vars.get(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    get("IMGCOPY_STATE_DIR")
        .or_else(|| get("XDG_STATE_HOME").map(|d| d.join("imgcopy")))
        .or_else(|| get("HOME").map(|h| h.join(".local/state/imgcopy")))
        .map(|d| d.join("locks"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_with_the_pid() {
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("r.json");
        let mut first = RunLock::new();
        first.report(&report).unwrap();
        let e = RunLock::new().report(&report).unwrap_err();
        assert!(e.message().contains("in use"), "{e}");
        assert!(
            e.message().contains(&format!("pid {}", std::process::id())),
            "{e}"
        );
        drop(first);
        RunLock::new().report(&report).unwrap();
    }

    #[test]
    fn impossible_report_paths_are_usage_errors() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, "x").unwrap();
        for p in [
            dir.path().join("missing/r.json"),
            file.join("r.json"),
            dir.path().to_path_buf(),
        ] {
            let e = RunLock::new().report(&p).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{}: {e}", p.display());
            assert!(e.message().starts_with("--report"), "{e}");
        }
    }

    #[test]
    fn identical_requests_exclude_each_other() {
        let dir = tempfile::tempdir().unwrap();
        let mut a = RunLock::new();
        a.request(Some(dir.path().join("locks")), "k1").unwrap();
        assert!(RunLock::new()
            .request(Some(dir.path().join("locks")), "k1")
            .is_err());
        RunLock::new()
            .request(Some(dir.path().join("locks")), "k2")
            .unwrap();
    }
}
