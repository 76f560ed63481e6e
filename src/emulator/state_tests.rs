use super::*;

#[test]
fn copy_status_follows_virtual_time() {
    let mut w = World::new(0.0, 100.0, HashMap::new());
    let r = Resource {
        ready_at: Some(100.0),
        ..w.resources[0].clone()
    };
    assert_eq!(r.status_at(w.now()), "Creating");
    assert_eq!(r.progress_at(50.0), 50);
    w.clock.advance(100.0);
    assert_eq!(r.status_at(w.now()), r.copy_outcome);
}

#[test]
fn faults_count_down() {
    let mut w = World::new(1.0, 1.0, HashMap::new());
    w.faults.push(Fault {
        provider: Some(Cloud::Baidu),
        action: None,
        status: Some(500),
        code: None,
        message: None,
        latency_ms: None,
        times: Some(1),
        rate: None,
        throttle: false,
        drop_after: false,
        body: None,
        reply: None,
    });
    assert!(w.take_fault(Cloud::Baidu, "x", 0.5).is_some());
    assert!(w.take_fault(Cloud::Baidu, "x", 0.5).is_none());
}

#[test]
fn fault_rates_add_up_in_order() {
    let mut w = World::new(1.0, 1.0, HashMap::new());
    let fault = |status, rate| Fault {
        provider: None,
        action: None,
        status: Some(status),
        code: None,
        message: None,
        latency_ms: None,
        times: None,
        rate: Some(rate),
        throttle: false,
        drop_after: false,
        body: None,
        reply: None,
    };
    w.faults = vec![fault(500, 0.2), fault(503, 0.1)];
    let status = |w: &mut World, d| w.take_fault(Cloud::Aws, "x", d).and_then(|f| f.status);
    assert_eq!(status(&mut w, 0.1), Some(500));
    assert_eq!(status(&mut w, 0.25), Some(503));
    assert_eq!(status(&mut w, 0.35), None);
    assert_eq!(w.faults_fired, 2);
}
