//! Pool counters: queued, running, completed, panics, workers.
//!
//! Owns: the numbers `stats()` reports. Invariants and design:
//! - Hot counters are per worker, in cache-line-padded cells written only
//!   by their worker, so counting costs a plain load+store (no locked RMW,
//!   no line shared between workers). `snapshot` sums them.
//! - `queued` is derived: accepted - started - aborted_in_queue. A task is
//!   "started" when a worker takes it out of its chunk (even if it then
//!   ends ABORTED without running).
//! - All loads/stores are `Relaxed`: counters are monitoring data, read
//!   without synchronising anything else; a snapshot may be a few tasks
//!   stale, and subtractions saturate so a racy read never goes negative.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// Per-worker counters. 128-byte alignment: two cache lines, because
/// Intel's adjacent-line prefetcher pairs lines (same choice as
/// crossbeam's `CachePadded` on x86-64).
#[repr(align(128))]
#[derive(Default)]
pub struct WorkerCell {
    started: AtomicU64,
    completed: AtomicU64,
    panics: AtomicU64,
    running: AtomicU32,
}

/// Single-writer increment: the owning worker is the only writer.
fn bump(a: &AtomicU64) {
    a.store(a.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
}

impl WorkerCell {
    pub fn task_started(&self) {
        bump(&self.started);
    }
    pub fn set_running(&self, on: bool) {
        self.running.store(u32::from(on), Ordering::Relaxed);
    }
    pub fn task_completed(&self) {
        bump(&self.completed);
    }
    pub fn task_panicked(&self) {
        bump(&self.panics);
    }
}

/// A point-in-time view, in `stats()` order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub queued: u64,
    pub running: u64,
    pub completed: u64,
    pub panics: u64,
    pub workers: u64,
}

impl Stats {
    /// `[queued, running, completed, panics, workers]`.
    pub fn to_array(self) -> [u64; 5] {
        [
            self.queued,
            self.running,
            self.completed,
            self.panics,
            self.workers,
        ]
    }
}

/// All of a pool's counters.
pub struct Counters {
    accepted: AtomicU64,
    aborted_in_queue: AtomicU64,
    cells: Box<[WorkerCell]>,
}

impl Counters {
    pub fn new(workers: usize) -> Counters {
        Counters {
            accepted: AtomicU64::new(0),
            aborted_in_queue: AtomicU64::new(0),
            cells: (0..workers).map(|_| WorkerCell::default()).collect(),
        }
    }

    /// Worker `i`'s cell.
    pub fn cell(&self, i: usize) -> &WorkerCell {
        &self.cells[i]
    }

    /// `n` tasks were accepted by a submit call.
    pub fn accepted(&self, n: u64) {
        self.accepted.fetch_add(n, Ordering::Relaxed);
    }

    /// `n` queued tasks were completed ABORTED by close without a worker.
    pub fn aborted_in_queue(&self, n: u64) {
        self.aborted_in_queue.fetch_add(n, Ordering::Relaxed);
    }

    /// Sums the cells. `live_workers`: worker threads not yet exited.
    pub fn snapshot(&self, live_workers: usize) -> Stats {
        let mut s = Stats {
            workers: live_workers as u64,
            ..Stats::default()
        };
        let mut started = 0;
        for c in self.cells.iter() {
            started += c.started.load(Ordering::Relaxed);
            s.completed += c.completed.load(Ordering::Relaxed);
            s.panics += c.panics.load(Ordering::Relaxed);
            s.running += u64::from(c.running.load(Ordering::Relaxed));
        }
        let aborted = self.aborted_in_queue.load(Ordering::Relaxed);
        s.completed += aborted;
        s.queued = self
            .accepted
            .load(Ordering::Relaxed)
            .saturating_sub(started)
            .saturating_sub(aborted);
        s
    }
}
