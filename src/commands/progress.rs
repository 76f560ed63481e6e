//! Progress on stderr (bars on a terminal, lines otherwise) and NDJSON events on stdout.

use crate::engine::Observer;
use crate::model::{CopyRecord, CopyState};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::time::Duration;

enum Display {
    Off,
    /// One line per state change (progress ticks are not printed); the last state per copy.
    Lines(HashMap<String, CopyState>),
    Bars {
        multi: MultiProgress,
        bars: HashMap<String, ProgressBar>,
    },
}

pub struct Progress {
    display: Display,
    ndjson: bool,
}

impl Progress {
    pub fn new(stderr_is_terminal: bool, quiet: bool, ndjson: bool) -> Self {
        let display = if quiet {
            Display::Off
        } else if stderr_is_terminal {
            Display::Bars {
                multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
                bars: HashMap::new(),
            }
        } else {
            Display::Lines(HashMap::new())
        };
        Progress { display, ndjson }
    }

    /// Leaves the bars on screen as they are.
    pub fn finish(&mut self) {
        if let Display::Bars { bars, .. } = &mut self.display {
            for b in bars.values().filter(|b| !b.is_finished()) {
                b.abandon();
            }
        }
    }
}

fn describe(r: &CopyRecord) -> String {
    let mut s = r.state.to_string();
    if let Some(id) = &r.dest_id {
        s.push_str(&format!(" {id}"));
    }
    let detail = crate::report::detail(r);
    if !detail.is_empty() {
        s.push_str(&format!(" ({detail})"));
    }
    s
}

impl Observer for Progress {
    fn changed(&mut self, r: &CopyRecord) {
        if self.ndjson {
            crate::outln!("{}", crate::report::record_event(r));
        }
        let key = format!(
            "{}|{}|{}|{}",
            r.provider, r.kind, r.source_id, r.dest_region
        );
        match &mut self.display {
            Display::Off => {}
            Display::Lines(last) => {
                if last.insert(key, r.state) != Some(r.state) {
                    crate::errln!("imgcopy: {}: {}", r.label(), describe(r));
                }
            }
            Display::Bars { multi, bars } => {
                let bar = bars.entry(key).or_insert_with(|| {
                    let b = multi.add(ProgressBar::new(100));
                    b.set_style(
                        ProgressStyle::with_template(
                            "{spinner} {prefix:32} [{bar:20}] {pos:>3}% {elapsed:>4} {msg}",
                        )
                        .expect("valid template")
                        .progress_chars("=> "),
                    );
                    b.set_prefix(r.label());
                    b.enable_steady_tick(Duration::from_millis(200));
                    b
                });
                bar.set_position(u64::from(r.progress.unwrap_or(0)));
                bar.set_message(describe(r));
                if r.state.is_terminal() || r.state == CopyState::TimedOut {
                    // abandon, not finish: finish would fill the bar of a failed copy.
                    bar.abandon();
                }
            }
        }
    }
}
