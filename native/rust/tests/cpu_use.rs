//! spin burns CPU; sleep waits without it. Measured as the calling
//! thread's CPU time (Linux /proc/thread-self/schedstat), with wide
//! margins: bounds that load on the machine cannot break in the direction
//! asserted (sleep CPU only shrinks under load).

use std::time::{Duration, Instant};

use crossfair_rust::cancel::CancelToken;
use crossfair_rust::kinds::{run, Kind, Outcome};
use crossfair_rust::mem::{Input, Output};

fn thread_cpu() -> Duration {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").expect("Linux schedstat");
    let ns: u64 = s.split_whitespace().next().unwrap().parse().unwrap();
    Duration::from_nanos(ns)
}

fn timed(kind: Kind, micros: &[u8]) -> (Duration, Duration) {
    let mut out = [0u8; 0];
    let (c0, w0) = (thread_cpu(), Instant::now());
    let o = run(
        kind,
        Input::from_slice(micros),
        &mut Output::from_slice(&mut out),
        &CancelToken::never(),
    );
    assert!(matches!(o, Outcome::Ok { out_len: 0 }));
    (thread_cpu() - c0, w0.elapsed())
}

#[test]
fn sleep_waits_without_cpu_and_spin_burns_it() {
    let (cpu, wall) = timed(Kind::Sleep, b"30000");
    assert!(wall >= Duration::from_millis(30));
    assert!(
        cpu < Duration::from_millis(10),
        "sleep used {cpu:?} CPU over {wall:?}"
    );
    let (cpu, wall) = timed(Kind::Spin, b"30000");
    assert!(wall >= Duration::from_millis(30));
    assert!(
        cpu > Duration::from_millis(3),
        "spin used only {cpu:?} CPU over {wall:?}"
    );
}
