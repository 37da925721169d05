//! Cancellation: the slot's `cancel` word plus the pool's shutdown flag.
//!
//! Owns: the one question long-running code asks ("should I stop?") and the
//! waits built on it. `spin`, `sleep`, the hang and delay faults all poll a
//! [`CancelToken`] at least every [`POLL_INTERVAL`] (docs/TRANSPORT.md:
//! "check cancel (and pool shutdown) at least every 1 ms").
//!
//! Orderings: both flags are read `Relaxed`. They are stop requests, not
//! data hand-offs: nothing read after seeing them depends on writes made
//! before they were set, and the worst case of a stale read is one more
//! poll interval.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Longest gap between two cancel checks (TRANSPORT.md: "at least every 1 ms").
pub const POLL_INTERVAL: Duration = Duration::from_millis(1);

/// Below this much remaining time, precise waits spin instead of sleeping:
/// Linux timer slack (50 us default) plus wake-up latency make a shorter
/// sleep overshoot by more than the wait itself. Measured on the dev box;
/// retune if delay-fault accuracy matters on other kernels.
pub const SPIN_BELOW: Duration = Duration::from_micros(100);

static NEVER: AtomicBool = AtomicBool::new(false);

/// "Should this task stop?"
#[derive(Clone, Copy)]
pub struct CancelToken<'a> {
    slot_cancel: Option<&'a AtomicU32>,
    shutdown: &'a AtomicBool,
}

/// The task was cancelled or the pool shut down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

impl<'a> CancelToken<'a> {
    /// Token over a slot's cancel word and the pool's shutdown flag.
    pub fn new(slot_cancel: &'a AtomicU32, shutdown: &'a AtomicBool) -> CancelToken<'a> {
        CancelToken {
            slot_cancel: Some(slot_cancel),
            shutdown,
        }
    }

    /// Token that only watches a shutdown flag (tests, drivers).
    pub fn shutdown_only(shutdown: &'a AtomicBool) -> CancelToken<'a> {
        CancelToken {
            slot_cancel: None,
            shutdown,
        }
    }

    /// A token that never fires.
    pub fn never() -> CancelToken<'static> {
        CancelToken::shutdown_only(&NEVER)
    }

    /// True once cancel was requested (any non-zero word) or shutdown began.
    pub fn is_cancelled(&self) -> bool {
        self.shutdown.load(Ordering::Relaxed)
            || self
                .slot_cancel
                .is_some_and(|c| c.load(Ordering::Relaxed) != 0)
    }

    /// Burns CPU until `deadline`, checking the token on every iteration
    /// (each iteration is one clock read, far below 1 ms).
    pub fn spin_until(&self, deadline: Instant) -> Result<(), Cancelled> {
        loop {
            if self.is_cancelled() {
                return Err(Cancelled);
            }
            if Instant::now() >= deadline {
                return Ok(());
            }
            std::hint::spin_loop();
        }
    }

    /// Waits without CPU until `deadline`, in sleeps of at most
    /// [`POLL_INTERVAL`] with a check between them.
    pub fn sleep_until(&self, deadline: Instant) -> Result<(), Cancelled> {
        loop {
            if self.is_cancelled() {
                return Err(Cancelled);
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(());
            }
            std::thread::sleep((deadline - now).min(POLL_INTERVAL));
        }
    }

    /// Waits until `deadline` as precisely as a short wait needs: sleeps
    /// while more than [`SPIN_BELOW`] remains, then spins.
    pub fn wait_until_precise(&self, deadline: Instant) -> Result<(), Cancelled> {
        if let Some(sleep_end) = deadline.checked_sub(SPIN_BELOW) {
            if Instant::now() < sleep_end {
                self.sleep_until(sleep_end)?;
            }
        }
        self.spin_until(deadline)
    }

    /// Waits without CPU until the token fires (the hang fault).
    pub fn wait_forever(&self) -> Cancelled {
        while !self.is_cancelled() {
            std::thread::sleep(POLL_INTERVAL);
        }
        Cancelled
    }
}
