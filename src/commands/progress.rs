//! Progress on stderr (bars on a terminal, lines otherwise) and NDJSON events on stdout.
//!
//! A run of up to `PER_COPY_MAX` copies shows each copy; a larger one shows one bar or line
//! per cloud, kind and destination region (how many copies, in which states), and still
//! names every copy that fails. NDJSON is one event per change of any copy either way.

use crate::engine::Observer;
use crate::model::{Cloud, CopyId, CopyRecord, CopyState, Kind, Report};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

/// The most copies shown one by one.
pub const PER_COPY_MAX: usize = 20;
/// The longest a region's line waits to be printed again while its copies change.
const REGION_LINE_EVERY: Duration = Duration::from_secs(5);

enum Display {
    Off,
    /// One line per state change (progress ticks are not printed); the last state per copy.
    Lines(HashMap<CopyId, CopyState>),
    Bars {
        multi: MultiProgress,
        bars: HashMap<CopyId, ProgressBar>,
    },
    /// One line or bar per destination region.
    Regions {
        /// The last state of each copy, and which region it counts in.
        last: HashMap<CopyId, (String, CopyState)>,
        regions: BTreeMap<String, Region>,
        /// `Some` on a terminal: the bars.
        multi: Option<MultiProgress>,
    },
}

#[derive(Default)]
struct Region {
    counts: BTreeMap<&'static str, usize>,
    /// The copies expected, and those seen so far.
    total: usize,
    seen: usize,
    bar: Option<ProgressBar>,
    printed: Option<Instant>,
    /// Changed since its line was last printed.
    dirty: bool,
}

impl Region {
    /// A copy's state changed from `before` (`None`: a copy not seen yet) to `now`.
    fn count(&mut self, before: Option<CopyState>, now: CopyState) {
        match before {
            Some(s) => {
                if let Some(n) = self.counts.get_mut(s.as_str()) {
                    *n = n.saturating_sub(1);
                }
            }
            None => self.seen += 1,
        }
        // A copy the run did not expect (e.g. one an earlier run left in the report).
        self.total = self.total.max(self.seen);
        *self.counts.entry(now.as_str()).or_default() += 1;
        self.dirty = true;
    }

    fn done(&self) -> usize {
        [
            CopyState::Available,
            CopyState::Source,
            CopyState::Failed,
            CopyState::Canceled,
            CopyState::TimedOut,
        ]
        .iter()
        .map(|s| self.counts.get(s.as_str()).copied().unwrap_or(0))
        .sum()
    }

    fn describe(&self) -> String {
        let states: Vec<String> = self
            .counts
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(s, n)| format!("{n} {s}"))
            .collect();
        let copies = if self.total == 1 { "copy" } else { "copies" };
        format!("{} {copies}: {}", self.total, states.join(", "))
    }
}

pub struct Progress {
    display: Display,
    ndjson: bool,
    started: Instant,
    /// When a line was last printed (lines, not bars): a quiet minute gets a heartbeat.
    last_line: Instant,
}

/// The longest a wait goes without a line on stderr when stderr is not a terminal (CI logs
/// show life; CI systems that stop silent jobs do not stop this one).
pub const HEARTBEAT: Duration = Duration::from_secs(60);

fn bar_style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .expect("valid template")
        .progress_chars("=> ")
}

impl Progress {
    /// `expected`: how many copies the run follows into each region (`region_name`); their
    /// number decides between one display per copy and one per region.
    pub fn new(
        stderr_is_terminal: bool,
        quiet: bool,
        ndjson: bool,
        expected: BTreeMap<String, usize>,
    ) -> Self {
        let multi = || MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let copies: usize = expected.values().sum();
        let display = if quiet {
            Display::Off
        } else if copies > PER_COPY_MAX {
            // A region's first line comes when there is something to count.
            let now = Instant::now();
            let regions = expected
                .into_iter()
                .map(|(name, total)| {
                    let r = Region {
                        total,
                        printed: Some(now),
                        ..Region::default()
                    };
                    (name, r)
                })
                .collect();
            Display::Regions {
                last: HashMap::new(),
                regions,
                multi: stderr_is_terminal.then(multi),
            }
        } else if stderr_is_terminal {
            Display::Bars {
                multi: multi(),
                bars: HashMap::new(),
            }
        } else {
            Display::Lines(HashMap::new())
        };
        let now = Instant::now();
        Progress {
            display,
            ndjson,
            started: now,
            last_line: now,
        }
    }

    /// The heartbeat line, when stderr takes lines (not bars, not `-q`) and none was printed
    /// for `HEARTBEAT`.
    fn heartbeat(&self, report: &Report, next_check: Duration) -> Option<String> {
        let lines = matches!(self.display, Display::Lines(_))
            || matches!(&self.display, Display::Regions { multi: None, .. });
        if !lines || self.last_line.elapsed() < HEARTBEAT {
            return None;
        }
        let secs = |d: Duration| humantime::format_duration(Duration::from_secs(d.as_secs()));
        Some(format!(
            "imgcopy: waiting: {}; {} elapsed, next check in {}",
            states_per_cloud(report),
            secs(self.started.elapsed()),
            secs(next_check.max(Duration::from_secs(1)))
        ))
    }

    /// Leaves the bars on screen as they are; prints the regions' lines not printed yet.
    pub fn finish(&mut self) {
        match &mut self.display {
            Display::Bars { bars, .. } => {
                for b in bars.values().filter(|b| !b.is_finished()) {
                    b.abandon();
                }
                // What follows (the table) starts on a line of its own.
                if !bars.is_empty() {
                    crate::errln!("");
                }
            }
            Display::Regions { regions, multi, .. } => {
                if multi.is_some() && regions.values().any(|r| r.bar.is_some()) {
                    crate::errln!("");
                }
                for (name, r) in regions.iter_mut() {
                    match &r.bar {
                        Some(b) if !b.is_finished() => b.abandon(),
                        Some(_) => {}
                        None if r.dirty => crate::errln!("imgcopy: {name}: {}", r.describe()),
                        None => {}
                    }
                }
            }
            _ => {}
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

/// What a region's line or bar is called: `aws image → eu-west-1`.
pub fn region_name(cloud: Cloud, kind: Kind, dest: &str) -> String {
    format!("{cloud} {kind} → {dest}")
}

/// Prints a line of its own on stderr, and when (a quiet minute gets a heartbeat).
fn say(last_line: &mut Instant, text: &str) {
    crate::errln!("{text}");
    *last_line = Instant::now();
}

/// `aws: 120 copying, 30 available; baidu: 4 copying`: the states of the copies per cloud.
fn states_per_cloud(report: &Report) -> String {
    let mut by: BTreeMap<Cloud, BTreeMap<&'static str, usize>> = BTreeMap::new();
    for r in &report.records {
        *by.entry(r.provider)
            .or_default()
            .entry(r.state.as_str())
            .or_default() += 1;
    }
    by.iter()
        .map(|(cloud, states)| {
            let s: Vec<String> = states.iter().map(|(s, n)| format!("{n} {s}")).collect();
            format!("{cloud}: {}", s.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

impl Observer for Progress {
    fn waiting(&mut self, report: &Report, next_check: Duration) {
        if let Some(line) = self.heartbeat(report, next_check) {
            say(&mut self.last_line, &line);
        }
    }

    fn changed(&mut self, r: &CopyRecord) {
        if self.ndjson {
            crate::outln!("{}", crate::report::record_event(r));
        }
        let Progress {
            display, last_line, ..
        } = self;
        match display {
            Display::Off => {}
            Display::Lines(last) => {
                if last.insert(r.id(), r.state) != Some(r.state) {
                    say(
                        last_line,
                        &format!("imgcopy: {}: {}", r.label(), describe(r)),
                    );
                }
            }
            Display::Bars { multi, bars } => copy_bar(multi, bars, r),
            Display::Regions {
                last,
                regions,
                multi,
            } => {
                let name = region_name(r.provider, r.kind, &r.dest_region);
                let before = last.insert(r.id(), (name.clone(), r.state));
                if before.as_ref().map(|(_, s)| *s) == Some(r.state) {
                    return;
                }
                // A failure is named, whatever the display.
                if r.state == CopyState::Failed {
                    let line = format!("imgcopy: {}: {}", r.label(), describe(r));
                    match multi {
                        Some(m) => {
                            let _ = m.println(line);
                        }
                        None => say(last_line, &line),
                    }
                }
                let region = regions.entry(name.clone()).or_insert_with(|| Region {
                    printed: Some(Instant::now()),
                    ..Region::default()
                });
                region.count(before.map(|(_, s)| s), r.state);
                match multi {
                    Some(m) => region_bar(m, region, &name),
                    None => region_line(last_line, region, &name),
                }
            }
        }
    }
}

/// The bar of one copy: its progress, its state; left as it is when the copy ends.
fn copy_bar(multi: &MultiProgress, bars: &mut HashMap<CopyId, ProgressBar>, r: &CopyRecord) {
    let bar = bars.entry(r.id()).or_insert_with(|| {
        let b = multi.add(ProgressBar::new(100));
        b.set_style(bar_style(
            "{spinner} {prefix:32} [{bar:20}] {pos:>3}% {elapsed:>4} {msg}",
        ));
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

/// The bar of one destination region: copies done of the copies expected.
fn region_bar(m: &MultiProgress, region: &mut Region, name: &str) {
    let (done, text) = (region.done(), region.describe());
    let bar = region.bar.get_or_insert_with(|| {
        let b = m.add(ProgressBar::new(0));
        b.set_style(bar_style(
            "{spinner} {prefix:32} [{bar:20}] {pos}/{len} {elapsed:>4} {msg}",
        ));
        b.set_prefix(name.to_string());
        b.enable_steady_tick(Duration::from_millis(200));
        b
    });
    bar.set_length(region.total as u64);
    bar.set_position(done as u64);
    bar.set_message(text);
}

/// The line of one destination region, at most every `REGION_LINE_EVERY` (and when done).
fn region_line(last_line: &mut Instant, region: &mut Region, name: &str) {
    let finished = region.done() == region.total;
    let due = region
        .printed
        .is_none_or(|t| t.elapsed() >= REGION_LINE_EVERY);
    if due || finished {
        say(
            last_line,
            &format!("imgcopy: {name}: {}", region.describe()),
        );
        region.printed = Some(Instant::now());
        region.dirty = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CopyRequest, Kind};

    fn report_with_one_copying() -> Report {
        let req = CopyRequest {
            cloud: Cloud::Aws,
            kind: Kind::Image,
            source_id: "ami-1".into(),
            source_region: "us-east-1".into(),
            dest_regions: vec!["eu-west-1".into()],
            name: Some("n".into()),
            client_token: None,
            description: None,
            options: Default::default(),
            force_new: None,
            attempts: Default::default(),
        };
        let now = time::OffsetDateTime::now_utc();
        let mut rep = Report::new(now, false, None);
        let mut r = CopyRecord::new(&req, "eu-west-1", now);
        r.state = CopyState::Copying;
        rep.put(r);
        rep
    }

    #[test]
    fn a_quiet_minute_without_a_terminal_gets_a_heartbeat() {
        let rep = report_with_one_copying();
        let mut lines = Progress::new(false, false, false, BTreeMap::new());
        let next = Duration::from_secs(30);
        assert_eq!(lines.heartbeat(&rep, next), None, "a line was just printed");
        lines.last_line -= HEARTBEAT + Duration::from_secs(1);
        lines.started -= Duration::from_secs(600);
        let beat = lines.heartbeat(&rep, next).expect("a heartbeat");
        assert!(beat.contains("aws: 1 copying"), "{beat}");
        assert!(
            beat.contains("10m elapsed") && beat.contains("next check in 30s"),
            "{beat}"
        );
        // Bars show life themselves; -q shows nothing.
        for (terminal, quiet) in [(true, false), (false, true)] {
            let mut p = Progress::new(terminal, quiet, false, BTreeMap::new());
            p.last_line -= HEARTBEAT + Duration::from_secs(1);
            assert_eq!(p.heartbeat(&rep, next), None);
        }
    }
}
