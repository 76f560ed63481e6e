//! Writing to stdout and stderr without ever failing: a closed pipe (`imgcopy … | head -1`)
//! stops the printing, never the work. The run goes on, finishes its report and exits with
//! the code it earned.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);
static STDERR_CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes `text` to stdout; after the first failed write (EPIPE), nothing more is tried.
pub fn stdout(text: &str) {
    write_to(&mut std::io::stdout().lock(), &STDOUT_CLOSED, text);
}

/// Writes `text` to stderr; after the first failed write, nothing more is tried.
pub fn stderr(text: &str) {
    write_to(&mut std::io::stderr().lock(), &STDERR_CLOSED, text);
}

/// Writes to stdout through `write` (buffered), for output too large to build in memory
/// first; after the first failed write (EPIPE), nothing more is tried.
pub fn stdout_with(write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut w = std::io::BufWriter::with_capacity(64 << 10, std::io::stdout().lock());
    if write(&mut w).and_then(|_| w.flush()).is_err() {
        STDOUT_CLOSED.store(true, Ordering::Relaxed);
    }
}

fn write_to(w: &mut dyn Write, closed: &AtomicBool, text: &str) {
    if closed.load(Ordering::Relaxed) {
        return;
    }
    if w.write_all(text.as_bytes())
        .and_then(|_| w.flush())
        .is_err()
    {
        closed.store(true, Ordering::Relaxed);
    }
}

/// `println!` that never panics: see [`stdout`].
#[macro_export]
macro_rules! outln {
    () => { $crate::output::stdout("\n") };
    ($($arg:tt)*) => { $crate::output::stdout(&format!("{}\n", format_args!($($arg)*))) };
}

/// `print!` that never panics: see [`stdout`].
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => { $crate::output::stdout(&format!($($arg)*)) };
}

/// `eprintln!` that never panics: see [`stderr`].
#[macro_export]
macro_rules! errln {
    ($($arg:tt)*) => { $crate::output::stderr(&format!("{}\n", format_args!($($arg)*))) };
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Broken;
    impl Write for Broken {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_broken_pipe_is_remembered_not_raised() {
        let closed = AtomicBool::new(false);
        write_to(&mut Broken, &closed, "x");
        assert!(closed.load(Ordering::Relaxed));
        let mut buf = Vec::new();
        write_to(&mut buf, &closed, "y");
        assert!(buf.is_empty(), "nothing is written once the pipe closed");
    }
}
