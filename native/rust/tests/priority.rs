//! Worker threads run at the control region's worker_nice (priority.rs),
//! and only they: the thread that created the pool keeps its own value.
//! Its own test binary, so no other test's pool threads share the names.
#![cfg(target_os = "linux")]

use std::time::{Duration, Instant};

use crossfair_rust::heap::SharedBuf;
use crossfair_rust::pool::Pool;
use crossfair_rust::priority::{current_thread_nice, nice_in_stat};
use crossfair_rust::ring::{required_len, ControlRegion};

/// Nice values of this process's threads named crossfair-rust-*.
fn worker_nices() -> Vec<i32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        let dir = e.path();
        let Ok(comm) = std::fs::read_to_string(dir.join("comm")) else {
            continue;
        };
        if !comm.starts_with("crossfair-rust-") {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(dir.join("stat")) else {
            continue;
        };
        out.push(nice_in_stat(&stat).unwrap());
    }
    out
}

fn pool_with_nice(workers: u32, nice: u32) -> (SharedBuf, Pool) {
    let b = SharedBuf::new(required_len(8));
    // SAFETY: aligned and exactly required_len(8) bytes.
    unsafe { ControlRegion::write_header(b.as_ptr(), 8) };
    b.write(28, &nice.to_le_bytes());
    // SAFETY: `b` is returned with the pool and outlives it in each test.
    let p = unsafe { Pool::new(b.as_ptr(), b.len(), workers, Box::new(|| {})) }.unwrap();
    (b, p)
}

/// Polls until `want` holds for the workers' values (a worker sets its nice
/// as its first step, so right after Pool::new it may not have yet).
fn wait_for(want: impl Fn(&[i32]) -> bool) -> Vec<i32> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let got = worker_nices();
        if want(&got) || Instant::now() > deadline {
            return got;
        }
        std::thread::yield_now();
    }
}

#[test]
fn workers_take_the_headers_nice_and_the_caller_keeps_its_own() {
    let caller = current_thread_nice().unwrap();
    let (_b, pool) = pool_with_nice(3, 9);
    let got = wait_for(|v| v.len() == 3 && v.iter().all(|&n| n == 9));
    assert_eq!(got, vec![9, 9, 9]);
    assert_eq!(current_thread_nice().unwrap(), caller);
    assert_eq!(pool.close(Duration::from_secs(5)), 0);
    let (_b, pool) = pool_with_nice(2, 0);
    // nice 0 leaves the workers at the creating thread's value.
    // (The first pool's threads may linger in /proc a moment after close.)
    let got = wait_for(|v| v.len() == 2 && v.iter().all(|&n| n == caller));
    assert_eq!(got, vec![caller, caller]);
    assert_eq!(pool.close(Duration::from_secs(5)), 0);
}
