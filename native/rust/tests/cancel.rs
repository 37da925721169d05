//! Cancellation of spin and sleep tasks, queued and running -> ABORTED.

mod common;

use std::sync::atomic::Ordering;

use common::*;
use crossfair_rust::driver::Driver;
use crossfair_rust::kinds::Kind;
use crossfair_rust::status::Status;

/// 60 s: the longest legal duration, so only cancellation can end it.
const FOREVER: &[u8] = b"60000000";

#[test]
fn running_spin_and_sleep_end_aborted_when_cancelled() {
    for kind in [Kind::Spin, Kind::Sleep] {
        let mut d = Driver::new(8, 1, &[(0, 4096)]).unwrap();
        prepare(&mut d, 0, kind, FOREVER, 0, 100, 0);
        d.submit_raw(&[0]).unwrap();
        eventually("task running", || d.pool().stats().running == 1);
        d.slot(0).cancel().store(1, Ordering::SeqCst);
        assert_eq!(wait_all(&mut d, 1), vec![0]);
        let r = d.slot(0).result();
        assert_eq!(r.status, Status::Aborted.code(), "{kind:?}");
        assert!(r.exec_ns > 0, "{kind:?} ran before it was cancelled");
    }
}

#[test]
fn queued_task_with_cancel_set_ends_aborted_without_running() {
    for kind in [Kind::Spin, Kind::Sleep] {
        let mut d = Driver::new(8, 1, &[(0, 4096)]).unwrap();
        // Slot 0 occupies the only worker; slot 1 waits behind it.
        prepare(&mut d, 0, Kind::Sleep, FOREVER, 0, 100, 0);
        d.submit_raw(&[0]).unwrap();
        eventually("blocker running", || d.pool().stats().running == 1);
        prepare(&mut d, 1, kind, FOREVER, 16, 200, 0);
        d.slot(1).cancel().store(1, Ordering::SeqCst);
        d.submit_raw(&[1]).unwrap();
        assert_eq!(d.pool().stats().queued, 1);
        d.slot(0).cancel().store(1, Ordering::SeqCst);
        let mut done = wait_all(&mut d, 2);
        done.sort_unstable();
        assert_eq!(done, vec![0, 1]);
        let r = d.slot(1).result();
        assert_eq!(r.status, Status::Aborted.code(), "{kind:?}");
        assert_eq!(r.exec_ns, 0, "{kind:?} must not have run");
    }
}

#[test]
fn uncancelled_short_spin_and_sleep_complete_ok() {
    let mut d = Driver::new(8, 2, &[(0, 4096)]).unwrap();
    prepare(&mut d, 0, Kind::Spin, b"2000", 0, 100, 0);
    prepare(&mut d, 1, Kind::Sleep, b"2000", 16, 200, 0);
    d.submit_raw(&[0, 1]).unwrap();
    wait_all(&mut d, 2);
    for i in 0..2 {
        let r = d.slot(i).result();
        assert_eq!(r.status, Status::Ok.code());
        // Lower bound only: a 2 ms task cannot report less than 2 ms.
        assert!(r.exec_ns >= 2_000_000, "slot {i}: {} ns", r.exec_ns);
    }
}
