//! The engine over a scripted provider.

use super::*;
use crate::model::{Kind, PollUpdate};
use async_trait::async_trait;
use std::sync::Mutex;

struct Fake {
    submit_error: Option<Error>,
    /// Status sequence every poll walks through, one step per poll.
    script: Vec<CopyState>,
    polls: Mutex<usize>,
}

#[async_trait]
impl Provider for Fake {
    fn cloud(&self) -> Cloud {
        Cloud::Baidu
    }
    async fn submit(&self, req: &CopyRequest) -> Result<Vec<CopyRecord>, Error> {
        if let Some(e) = &self.submit_error {
            return Err(e.clone());
        }
        let now = OffsetDateTime::now_utc();
        Ok(req
            .dest_regions
            .iter()
            .map(|d| {
                let mut r = CopyRecord::new(req, d, now);
                r.dest_id = Some(format!("m-{d}"));
                r
            })
            .collect())
    }
    async fn poll(&self, records: &[CopyRecord]) -> Vec<Result<PollUpdate, Error>> {
        let mut n = self.polls.lock().unwrap();
        let state = self.script[(*n).min(self.script.len() - 1)];
        *n += 1;
        records
            .iter()
            .map(|_| {
                Ok(PollUpdate {
                    state,
                    dest_id: None,
                    progress: None,
                    cloud_status: None,
                    error: None,
                    missing: false,
                })
            })
            .collect()
    }
    async fn cancel(&self, _: Kind, _: &str, _: &str) -> Result<(), Error> {
        Ok(())
    }
    async fn inspect(
        &self,
        _: Kind,
        _: &str,
        _: &str,
    ) -> Result<Option<crate::provider::Target>, Error> {
        Ok(None)
    }
}

#[derive(Default)]
struct Sink {
    changes: Vec<CopyState>,
    saves: usize,
    lines: usize,
}
impl Observer for Sink {
    fn changed(&mut self, r: &CopyRecord) {
        self.changes.push(r.state);
    }
}
impl Journal for Sink {
    fn save(&mut self, _: &mut Report) -> Result<(), Error> {
        self.saves += 1;
        Ok(())
    }
    fn changed(&mut self, _: &CopyRecord) -> Result<(), Error> {
        self.lines += 1;
        Ok(())
    }
    fn checkpoint(&mut self, _: &mut Report) -> Result<(), Error> {
        self.saves += 1;
        Ok(())
    }
}

fn request() -> CopyRequest {
    CopyRequest {
        cloud: Cloud::Baidu,
        kind: Kind::Image,
        source_id: "m-a".into(),
        source_region: "bj".into(),
        dest_regions: vec!["gz".into(), "su".into()],
        name: None,
        client_token: None,
        description: None,
        options: Default::default(),
        force_new: None,
        attempts: Default::default(),
    }
}

async fn run(fake: Fake, timeout: Duration) -> (Report, Stop, bool, Sink) {
    let providers: BTreeMap<Cloud, Arc<dyn Provider>> =
        BTreeMap::from([(Cloud::Baidu, Arc::new(fake) as Arc<dyn Provider>)]);
    let (_tx, rx) = watch::channel(false);
    let mut obs = Sink::default();
    let mut journal = Sink::default();
    let mut report = Report::new(OffsetDateTime::now_utc(), false, None);
    let mut e = Engine {
        providers: &providers,
        observer: &mut obs,
        journal: &mut journal,
        concurrency: 4,
        interrupt: rx,
        auth_error: None,
        missing_grace: Duration::from_secs(300),
        look_again: Duration::from_millis(10),
        journal_error: false,
    };
    e.submit_all(&mut report, &[request()], true).await;
    let opts = WaitOptions {
        timeout,
        poll_initial: Duration::from_secs(10),
        poll_max: Duration::from_secs(60),
    };
    let stop = e.wait(&mut report, &opts).await;
    let auth = e.auth_error.is_some();
    obs.saves = journal.saves;
    (report, stop, auth, obs)
}

#[tokio::test(start_paused = true)]
async fn waits_through_copying_to_available() {
    let fake = Fake {
        submit_error: None,
        script: vec![CopyState::Copying, CopyState::Copying, CopyState::Available],
        polls: Mutex::new(0),
    };
    let (report, stop, auth, sink) = run(fake, Duration::from_secs(3600)).await;
    assert_eq!(stop, Stop::Done);
    assert!(report
        .records
        .iter()
        .all(|r| r.state == CopyState::Available));
    assert_eq!(
        exit_code(
            &report.records.iter().collect::<Vec<_>>(),
            true,
            &stop,
            auth
        ),
        0
    );
    assert!(sink.saves >= 3, "journal written on every change");
}

#[tokio::test(start_paused = true)]
async fn deadline_marks_timed_out_and_exits_4() {
    let fake = Fake {
        submit_error: None,
        script: vec![CopyState::Copying],
        polls: Mutex::new(0),
    };
    let (report, stop, auth, _) = run(fake, Duration::from_secs(120)).await;
    assert_eq!(stop, Stop::Deadline);
    assert!(report
        .records
        .iter()
        .all(|r| r.state == CopyState::TimedOut));
    assert_eq!(
        exit_code(
            &report.records.iter().collect::<Vec<_>>(),
            true,
            &stop,
            auth
        ),
        4
    );
}

#[tokio::test(start_paused = true)]
async fn failed_submit_is_recorded_per_destination() {
    let fake = Fake {
        submit_error: Some(Error::auth("denied").with_code("AccessDenied")),
        script: vec![CopyState::Copying],
        polls: Mutex::new(0),
    };
    let (report, stop, auth, _) = run(fake, Duration::from_secs(60)).await;
    assert_eq!(report.records.len(), 2);
    assert!(report
        .records
        .iter()
        .all(|r| r.state == CopyState::Failed && r.error.as_ref().unwrap().code == "AccessDenied"));
    assert_eq!(
        exit_code(
            &report.records.iter().collect::<Vec<_>>(),
            true,
            &stop,
            auth
        ),
        3
    );
}

#[test]
fn exit_code_precedence() {
    let mut rep = Report::new(OffsetDateTime::now_utc(), false, None);
    let now = OffsetDateTime::now_utc();
    let mut a = CopyRecord::new(&request(), "gz", now);
    a.state = CopyState::Available;
    rep.records.push(a.clone());
    assert_eq!(
        exit_code(
            &rep.records.iter().collect::<Vec<_>>(),
            true,
            &Stop::Done,
            false
        ),
        0
    );
    let mut s = a.clone();
    s.state = CopyState::Copying;
    rep.records.push(s);
    assert_eq!(
        exit_code(
            &rep.records.iter().collect::<Vec<_>>(),
            false,
            &Stop::Done,
            false
        ),
        0
    );
    assert_eq!(
        exit_code(
            &rep.records.iter().collect::<Vec<_>>(),
            true,
            &Stop::Done,
            false
        ),
        4
    );
    let mut f = a;
    f.state = CopyState::Failed;
    rep.records.push(f);
    assert_eq!(
        exit_code(
            &rep.records.iter().collect::<Vec<_>>(),
            true,
            &Stop::Done,
            false
        ),
        1
    );
    assert_eq!(
        exit_code(
            &rep.records.iter().collect::<Vec<_>>(),
            true,
            &Stop::Done,
            true
        ),
        3
    );
    assert_eq!(
        exit_code(
            &rep.records.iter().collect::<Vec<_>>(),
            true,
            &Stop::Interrupted,
            true
        ),
        130
    );
}
