//! `benchNative`: empty echo tasks through a private pool, no JS in the loop.
//!
//! Measures the native side of the per-task path: submit (ring read, queue
//! push, wake), worker (chunk pop, descriptor, bounds checks, handler,
//! result stores, publish, wake CAS) and drain, with the [`Driver`] playing
//! the JS role on the calling thread.
//!
//! Protocol:
//! 1. N = the next power of two >= 2 x batch (>= 8), so one batch can be in
//!    flight while the driver prepares the next (a pipelined scheduler,
//!    like the TS side, rather than a stop-and-wait one).
//! 2. While at least one batch of slots is free and tasks remain: prepare
//!    `batch` echo descriptors (in_len 0), write the submit ring, submit.
//! 3. Drain; every completed slot must be OK; free it. If nothing was
//!    drained, poll `comp_tail` for up to [`DRIVER_POLL`], then block until
//!    the notify callback fires.
//!
//! Why the driver polls before blocking: on this 2-vCPU VM a thread that
//! blocks costs 10-30 us to wake (the idle vCPU is descheduled by the
//! host), which at batch 256 (~10 us of work) would make the benchmark
//! measure the hypervisor. A JS event loop is rarely idle at such rates
//! either. Workers still block on their condvar when the queue is empty,
//! and every publish still runs the wake handshake and notify.
//! 4. Stop when all `n` completed; return the elapsed wall time.

use std::time::{Duration, Instant};

use crate::descriptor::Descriptor;
use crate::driver::Driver;
use crate::errors::PoolError;
use crate::kinds::Kind;
use crate::pool::MAX_WORKERS;
use crate::ring::{MAX_SLOTS, MIN_SLOTS};
use crate::status::Status;

/// Largest batch: two batches must fit in the largest ring.
pub const MAX_BATCH: u32 = MAX_SLOTS / 2;

/// How long the driver polls for completions before blocking (see the
/// module header). Long enough to cover a refill round trip at batch
/// 256-4096, short enough that a stalled pool parks the driver quickly.
const DRIVER_POLL: Duration = Duration::from_micros(50);

/// A wait longer than this means the pool lost a wake-up: fail loudly
/// rather than hang the caller.
const STALL_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs `n` empty echo tasks in batches of `batch` on `workers` workers.
pub fn bench_native(n: u64, batch: u32, workers: u32) -> Result<Duration, PoolError> {
    if !(1..=MAX_BATCH).contains(&batch) {
        return Err(PoolError::BadOptions(format!(
            "batch must be 1..={MAX_BATCH}, got {batch}"
        )));
    }
    if !(1..=MAX_WORKERS).contains(&workers) {
        return Err(PoolError::BadOptions(format!(
            "workers must be 1..={MAX_WORKERS}, got {workers}"
        )));
    }
    // Step 1.
    let slots = (2 * batch).next_power_of_two().max(MIN_SLOTS);
    let mut d = Driver::new(slots, workers, &[(0, 64)])?;
    let echo = Descriptor {
        kind: Kind::Echo.id(),
        ..Descriptor::default()
    };
    let mut free: Vec<u32> = (0..slots).rev().collect();
    let mut entries = Vec::with_capacity(batch as usize);
    let mut done = Vec::with_capacity(slots as usize);
    let (mut submitted, mut completed) = (0u64, 0u64);
    let start = Instant::now();
    while completed < n {
        // Step 2.
        loop {
            let want = (n - submitted).min(u64::from(batch)) as usize;
            if want == 0 || free.len() < want {
                break;
            }
            entries.clear();
            for _ in 0..want {
                let idx = free.pop().expect("checked free.len()");
                d.prepare(idx, &echo);
                entries.push(idx);
            }
            let accepted = d.submit_raw(&entries)?;
            debug_assert_eq!(accepted as usize, want);
            submitted += want as u64;
        }
        // Step 3.
        done.clear();
        if d.drain(&mut done) == 0 {
            let poll_end = Instant::now() + DRIVER_POLL;
            while !d.has_completions() && Instant::now() < poll_end {
                std::hint::spin_loop();
            }
            if !d.has_completions() && !d.wait_signal(STALL_TIMEOUT) {
                return Err(PoolError::Internal(
                    "benchNative stalled: no wake-up".into(),
                ));
            }
            continue;
        }
        for &idx in &done {
            let st = d.slot(idx).status();
            if st != Status::Ok.code() {
                return Err(PoolError::Internal(format!(
                    "echo task ended with status {st}"
                )));
            }
            free.push(idx);
        }
        completed += done.len() as u64;
    }
    // Step 4.
    Ok(start.elapsed())
}
