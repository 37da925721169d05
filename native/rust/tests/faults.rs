//! Fault injection: errorRate, hangRate, delayFactor.

mod common;

use std::sync::atomic::Ordering;

use common::*;
use crossfair_rust::driver::Driver;
use crossfair_rust::errors::PoolError;
use crossfair_rust::faults::{FaultConfig, INJECTED_MSG, MAX_DELAY_FACTOR};
use crossfair_rust::kinds::Kind;
use crossfair_rust::status::Status;

#[test]
fn error_rate_one_fails_every_task_injected() {
    let mut d = Driver::new(64, 2, &[(0, 4096)]).unwrap();
    d.pool()
        .inject(FaultConfig {
            error_rate: 1.0,
            ..FaultConfig::NONE
        })
        .unwrap();
    let idxs: Vec<u32> = (0..64).collect();
    for &i in &idxs {
        prepare(&mut d, i, Kind::Echo, b"abc", i * 4, 1024 + i * 4, 4);
    }
    d.submit_raw(&idxs).unwrap();
    for i in wait_all(&mut d, 64) {
        let r = d.slot(i).result();
        assert_eq!(
            (r.status, r.msg.as_slice()),
            (Status::Injected.code(), INJECTED_MSG.as_bytes())
        );
    }
    // Clearing restores normal service.
    d.pool().inject(FaultConfig::NONE).unwrap();
    prepare(&mut d, 0, Kind::Echo, b"abc", 0, 1024, 4);
    d.submit_raw(&[0]).unwrap();
    wait_all(&mut d, 1);
    assert_eq!(d.slot(0).result().status, Status::Ok.code());
}

/// A one-worker pool with `hang_rate` 1 whose slot 0 is hanging.
fn hanging_task() -> Driver {
    let mut d = Driver::new(8, 1, &[(0, 4096)]).unwrap();
    d.pool()
        .inject(FaultConfig {
            hang_rate: 1.0,
            ..FaultConfig::NONE
        })
        .unwrap();
    prepare(&mut d, 0, Kind::Echo, b"abc", 0, 1024, 4);
    d.submit_raw(&[0]).unwrap();
    eventually("hanging task running", || d.pool().stats().running == 1);
    d
}

#[test]
fn hang_rate_one_hangs_until_cancel_then_aborted() {
    let mut d = hanging_task();
    let mut none = Vec::new();
    assert_eq!(
        d.drain(&mut none),
        0,
        "a hung task does not complete by itself"
    );
    d.slot(0).cancel().store(1, Ordering::SeqCst);
    assert_eq!(wait_all(&mut d, 1), vec![0]);
    assert_eq!(d.slot(0).result().status, Status::Aborted.code());
}

#[test]
fn hang_ends_aborted_on_close() {
    let mut d = hanging_task();
    assert_eq!(d.pool().close(DEADLINE), 0);
    assert_eq!(wait_all(&mut d, 1), vec![0]);
    assert_eq!(d.slot(0).result().status, Status::Aborted.code());
}

#[test]
fn delay_factor_stretches_the_run() {
    let mut d = Driver::new(8, 1, &[(0, 4096)]).unwrap();
    d.pool()
        .inject(FaultConfig {
            delay_factor: 3.0,
            ..FaultConfig::NONE
        })
        .unwrap();
    prepare(&mut d, 0, Kind::Sleep, b"2000", 0, 1024, 0);
    d.submit_raw(&[0]).unwrap();
    wait_all(&mut d, 1);
    let r = d.slot(0).result();
    assert_eq!(r.status, Status::Ok.code());
    // Lower bound only: 3 x (at least 2 ms).
    assert!(r.exec_ns >= 6_000_000, "{} ns", r.exec_ns);
}

#[test]
fn delay_is_cancellable() {
    let mut d = Driver::new(8, 1, &[(0, 4096)]).unwrap();
    d.pool()
        .inject(FaultConfig {
            delay_factor: MAX_DELAY_FACTOR,
            ..FaultConfig::NONE
        })
        .unwrap();
    // 30 ms of sleep stretched to 30 s, past DEADLINE: only the cancel can
    // end it in time. The cancel is sent once the sleep is most likely over,
    // so it lands in the stretch (landing in the sleep would end ABORTED too).
    prepare(&mut d, 0, Kind::Sleep, b"30000", 0, 1024, 0);
    d.submit_raw(&[0]).unwrap();
    eventually("running", || d.pool().stats().running == 1);
    std::thread::sleep(std::time::Duration::from_millis(60));
    d.slot(0).cancel().store(1, Ordering::SeqCst);
    wait_all(&mut d, 1);
    assert_eq!(d.slot(0).result().status, Status::Aborted.code());
}

#[test]
fn bad_fault_settings_are_refused() {
    let d = Driver::new(8, 1, &[]).unwrap();
    let err = d
        .pool()
        .inject(FaultConfig {
            error_rate: 2.0,
            ..FaultConfig::NONE
        })
        .unwrap_err();
    assert!(matches!(err, PoolError::BadOptions(_)));
    assert!(err.to_string().starts_with("E_BAD_OPTIONS: "));
}
