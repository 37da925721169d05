//! A worker's completions that are written but not yet published.
//!
//! Owns: the grouping policy for Complete step 2-3 (TRANSPORT.md). Each
//! task's result fields are written to its slot as soon as it ends (step
//! 1); its ring entry waits here and is published with others in one
//! group: one completion-mutex acquisition, one `comp_tail` store, one
//! wake handshake per group. Per task, publishing costs a contended cache
//! line (the header, which JS writes too) and a full fence; per group it
//! costs that once. JS observes the same protocol: ring entries before the
//! tail (release), then the wake CAS.
//!
//! A group is published (see `worker.rs`):
//! 1. when the worker runs out of queued work, before it blocks;
//! 2. when a pop leaves fewer than [`LOW_WATER`] tasks queued (once per
//!    crossing), so JS can refill the queue before the worker runs dry;
//! 3. before a task that may run long ([`may_run_long`]), so a quick result
//!    never waits behind a slow one;
//! 4. when the oldest pending completion is [`FLUSH_AFTER`] old (checked
//!    between tasks);
//! 5. when the group is full ([`MAX_GROUP`]) and when the worker exits.
//!
//! So a result is delayed by at most FLUSH_AFTER plus one short task.

use std::time::{Duration, Instant};

use crate::descriptor::Descriptor;
use crate::kinds::Kind;

/// Longest a written result waits for its group. A JS wake-up costs
/// ~6-10 us (docs/NATIVE-RULES.md), so 20 us keeps the added latency at the
/// scale of one wake-up while letting a busy worker publish a few hundred
/// tiny tasks at once. Tune with `benchNative` and the TS latency bench.
pub const FLUSH_AFTER: Duration = Duration::from_micros(20);

/// Queue length below which a worker publishes early (rule 2): about one
/// JS wake-up (~6-10 us) of tiny tasks at ~40 ns each. Lower it if JS
/// wake-ups get cheaper; raising it adds publishes per batch.
pub const LOW_WATER: usize = 256;

/// Most completions per group: bounds the buffer and the time the
/// completion mutex is held (~1 ns per entry).
pub const MAX_GROUP: usize = 512;

/// Inputs above this may make sha256/echo run for tens of microseconds
/// (SHA-256 at ~0.5-2 GB/s: 16 KiB is 8-30 us), so they flush first.
pub const LONG_INPUT_BYTES: u32 = 16 * 1024;

/// Whether a task may run long enough that pending results should be
/// published before it starts.
pub fn may_run_long(d: &Descriptor, faults_active: bool) -> bool {
    faults_active
        || d.in_len > LONG_INPUT_BYTES
        || matches!(Kind::from_id(d.kind), Some(Kind::Spin | Kind::Sleep))
}

/// Slot indices whose results are written but not yet on the ring.
pub struct Pending {
    idxs: Vec<u32>,
    oldest: Option<Instant>,
}

impl Default for Pending {
    fn default() -> Self {
        Pending::new()
    }
}

impl Pending {
    pub fn new() -> Pending {
        Pending {
            idxs: Vec::with_capacity(MAX_GROUP),
            oldest: None,
        }
    }

    /// Adds a completed slot; `now` is when its result was written.
    pub fn push(&mut self, idx: u32, now: Instant) {
        if self.idxs.is_empty() {
            self.oldest = Some(now);
        }
        self.idxs.push(idx);
    }

    pub fn is_empty(&self) -> bool {
        self.idxs.is_empty()
    }

    /// Rule 3 and 4: the group is full or its oldest entry is too old.
    pub fn due(&self, now: Instant) -> bool {
        self.idxs.len() >= MAX_GROUP
            || self
                .oldest
                .is_some_and(|t| now.saturating_duration_since(t) >= FLUSH_AFTER)
    }

    /// Hands the group to `publish` and empties it (no-op when empty).
    pub fn flush(&mut self, publish: impl FnOnce(&[u32])) {
        if !self.idxs.is_empty() {
            publish(&self.idxs);
            self.idxs.clear();
            self.oldest = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_after_flush_after_or_when_full() {
        let t0 = Instant::now();
        let mut p = Pending::new();
        assert!(!p.due(t0));
        p.push(1, t0);
        assert!(!p.due(t0));
        assert!(p.due(t0 + FLUSH_AFTER));
        let mut seen = Vec::new();
        p.flush(|g| seen.extend_from_slice(g));
        assert_eq!(seen, vec![1]);
        assert!(p.is_empty() && !p.due(t0 + FLUSH_AFTER * 2));
        for i in 0..MAX_GROUP as u32 {
            p.push(i, t0);
        }
        assert!(p.due(t0));
    }

    #[test]
    fn long_tasks_are_recognised() {
        let d = |kind: Kind, in_len| Descriptor {
            kind: kind.id(),
            in_len,
            ..Descriptor::default()
        };
        assert!(!may_run_long(&d(Kind::Echo, 8), false));
        assert!(may_run_long(&d(Kind::Echo, 8), true));
        assert!(may_run_long(&d(Kind::Sha256, LONG_INPUT_BYTES + 1), false));
        assert!(may_run_long(&d(Kind::Sleep, 3), false));
        assert!(may_run_long(&d(Kind::Spin, 3), false));
    }
}
