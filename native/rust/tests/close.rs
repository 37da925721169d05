//! Close: running tasks see shutdown, queued tasks complete ABORTED,
//! workers exit within the timeout, and nothing happens afterwards.

mod common;

use common::*;
use crossfair_rust::driver::Driver;
use crossfair_rust::errors::PoolError;
use crossfair_rust::kinds::Kind;
use crossfair_rust::pool::NO_WORKER;
use crossfair_rust::status::Status;

#[test]
fn close_with_running_and_queued_tasks() {
    let mut d = Driver::new(8, 2, &[(0, 4096)]).unwrap();
    // Two 60 s tasks occupy both workers; four more wait in the queue.
    prepare(&mut d, 0, Kind::Sleep, b"60000000", 0, 100, 0);
    prepare(&mut d, 1, Kind::Spin, b"60000000", 16, 100, 0);
    d.submit_raw(&[0, 1]).unwrap();
    eventually("both running", || d.pool().stats().running == 2);
    for i in 2..6 {
        prepare(&mut d, i, Kind::Echo, b"x", 32 + i, 200 + i, 1);
    }
    d.submit_raw(&[2, 3, 4, 5]).unwrap();
    assert_eq!(d.pool().stats().queued, 4);

    assert_eq!(d.pool().close(DEADLINE), 0, "all workers exit");
    let mut done = Vec::new();
    d.drain(&mut done);
    done.sort_unstable();
    assert_eq!(
        done,
        vec![0, 1, 2, 3, 4, 5],
        "every task completed exactly once"
    );
    for i in 0..6 {
        let r = d.slot(i).result();
        assert_eq!(r.status, Status::Aborted.code(), "slot {i}");
        if i >= 2 {
            assert_eq!(r.worker, NO_WORKER, "slot {i} was aborted in the queue");
        }
    }
    let s = d.pool().stats();
    assert_eq!((s.queued, s.running, s.completed, s.workers), (0, 0, 6, 0));

    // After close returned 0: refused submits, no more notifies.
    let calls = d.notify_calls();
    assert_eq!(d.submit_raw(&[6]), Err(PoolError::Closed));
    assert_eq!(d.pool().close(DEADLINE), 0, "close is idempotent");
    assert_eq!(d.notify_calls(), calls);
    assert_eq!(
        d.region()
            .comp_tail()
            .load(std::sync::atomic::Ordering::SeqCst),
        6
    );
}

#[test]
fn close_of_an_idle_pool_returns_zero_at_once() {
    let d = Driver::new(8, 4, &[(0, 64)]).unwrap();
    assert_eq!(d.pool().close(std::time::Duration::ZERO.max(DEADLINE)), 0);
    assert_eq!(d.pool().stats().workers, 0);
}

#[test]
fn close_reports_busy_workers_after_a_zero_timeout() {
    let mut d = Driver::new(8, 1, &[(0, 4096)]).unwrap();
    prepare(&mut d, 0, Kind::Sleep, b"60000000", 0, 100, 0);
    d.submit_raw(&[0]).unwrap();
    eventually("running", || d.pool().stats().running == 1);
    // A zero timeout cannot wait for the worker to notice shutdown; a
    // second close waits and gets 0.
    let busy = d.pool().close(std::time::Duration::ZERO);
    assert!(busy <= 1);
    assert_eq!(d.pool().close(DEADLINE), 0);
    assert_eq!(wait_all(&mut d, 1), vec![0]);
    assert_eq!(d.slot(0).result().status, Status::Aborted.code());
}
