//! A native stand-in for the JS side of the rings (benchmarks, tests).
//!
//! Owns: a heap control region, heap segments, and a [`Pool`] over them,
//! and plays the TS scheduler's part of the protocol (TRANSPORT.md):
//! submit steps 1-3 and drain steps 1-3, with the notify callback setting a
//! flag the driver blocks on. No JS in the loop, so `benchNative` measures
//! the native side alone and `cargo test` exercises the full ring path.
//!
//! Field order matters: `pool` is declared (so dropped) before the memory
//! it points into; `Pool::drop` closes and waits for the workers.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::descriptor::Descriptor;
use crate::errors::PoolError;
use crate::heap::SharedBuf;
use crate::pool::Pool;
use crate::ring::{required_len, ControlRegion, Slot, SlotIndex};

/// A flag set by the notify callback, waited on by the driver.
#[derive(Default)]
pub struct Signal {
    set: Mutex<bool>,
    cv: Condvar,
    calls: AtomicU64,
}

impl Signal {
    pub fn notify(&self) {
        // Relaxed: a statistic for tests; the mutex orders the flag.
        self.calls.fetch_add(1, Ordering::Relaxed);
        *self.set.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.cv.notify_one();
    }

    /// How many times the pool called notify.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// Waits until set (then clears it) or until `timeout`; true if set.
    pub fn wait(&self, timeout: Duration) -> bool {
        let g = self.set.lock().unwrap_or_else(|p| p.into_inner());
        let (mut g, _) = self
            .cv
            .wait_timeout_while(g, timeout, |set| !*set)
            .unwrap_or_else(|p| p.into_inner());
        std::mem::replace(&mut *g, false)
    }
}

/// Pool + memory + the JS half of the protocol.
pub struct Driver {
    pool: Pool,
    region: ControlRegion,
    ctrl: SharedBuf,
    segments: Vec<(u32, SharedBuf)>,
    signal: Arc<Signal>,
    submit_pos: u32,
    head: u32,
    seq: u32,
}

impl Driver {
    /// A pool of `workers` over `slots` slots, with the given segments
    /// (id, length) registered.
    pub fn new(slots: u32, workers: u32, segments: &[(u32, usize)]) -> Result<Driver, PoolError> {
        let ctrl = SharedBuf::new(required_len(slots));
        // SAFETY: `ctrl` is 16-aligned and exactly required_len(slots) long.
        unsafe { ControlRegion::write_header(ctrl.as_ptr(), slots) };
        let signal = Arc::new(Signal::default());
        let s = Arc::clone(&signal);
        // SAFETY: `ctrl` lives in the Driver, which drops `pool` first.
        let pool = unsafe {
            Pool::new(
                ctrl.as_ptr(),
                ctrl.len(),
                workers,
                Box::new(move || s.notify()),
            )?
        };
        // SAFETY: validated by Pool::new a moment ago; same lifetime argument.
        let region = unsafe { ControlRegion::from_raw(ctrl.as_ptr(), ctrl.len()) }
            .map_err(|e| PoolError::BadOptions(e.to_string()))?;
        let mut d = Driver {
            pool,
            region,
            ctrl,
            segments: Vec::new(),
            signal,
            submit_pos: 0,
            head: 0,
            seq: 0,
        };
        for &(id, len) in segments {
            d.add_segment(id, len)?;
        }
        Ok(d)
    }

    /// Registers a fresh zeroed segment `id` of `len` bytes.
    pub fn add_segment(&mut self, id: u32, len: usize) -> Result<(), PoolError> {
        let buf = SharedBuf::new(len);
        // SAFETY: `buf` is kept in `self.segments`, dropped after `pool`.
        unsafe { self.pool.register_segment(id, buf.as_ptr(), len)? };
        self.segments.push((id, buf));
        Ok(())
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    pub fn region(&self) -> &ControlRegion {
        &self.region
    }

    /// Segment `id`'s memory.
    pub fn segment(&self, id: u32) -> &SharedBuf {
        &self
            .segments
            .iter()
            .rev()
            .find(|(i, _)| *i == id)
            .expect("segment not added")
            .1
    }

    /// Slot `idx` (panics if out of range).
    pub fn slot(&self, idx: u32) -> Slot<'_> {
        self.region
            .slot(self.region.index(idx).expect("slot index < N"))
    }

    /// Submit step 1: descriptor + presets for slot `idx`.
    pub fn prepare(&mut self, idx: u32, d: &Descriptor) {
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        self.slot(idx).write_descriptor(seq, d);
    }

    /// Submit steps 2-3: raw ring entries (bad ones included, for tests).
    pub fn submit_raw(&mut self, entries: &[u32]) -> Result<u32, PoolError> {
        let start = self.submit_pos;
        for (i, &e) in entries.iter().enumerate() {
            self.region
                .set_submit_entry(start.wrapping_add(i as u32), e);
        }
        self.submit_pos = start.wrapping_add(entries.len() as u32);
        self.pool.submit(start, entries.len() as u32)
    }

    /// Drain steps 1-3: appends completed slot indices to `out`.
    pub fn drain(&mut self, out: &mut Vec<u32>) -> usize {
        // Step 1 (SeqCst = Atomics.store): clear the wake word first.
        self.region.wake().store(0, Ordering::SeqCst);
        // Step 2 (SeqCst = Atomics.load; its acquire half pairs with the
        // release store of comp_tail in Shared::publish).
        let tail = self.region.comp_tail().load(Ordering::SeqCst);
        let mut n = 0;
        while self.head != tail {
            out.push(self.region.complete_entry(self.head));
            self.head = self.head.wrapping_add(1);
            n += 1;
        }
        // Step 3.
        self.region.comp_head().store(tail, Ordering::SeqCst);
        n
    }

    /// Drains until `n` completions arrived or `timeout` passed; returns
    /// the completed indices (fewer than `n` on timeout).
    pub fn wait_for(&mut self, n: usize, timeout: Duration) -> Vec<u32> {
        let deadline = Instant::now() + timeout;
        let mut out = Vec::with_capacity(n);
        loop {
            self.drain(&mut out);
            if out.len() >= n {
                return out;
            }
            let now = Instant::now();
            if now >= deadline {
                return out;
            }
            self.signal.wait(deadline - now);
        }
    }

    /// How many times the pool called notify so far.
    pub fn notify_calls(&self) -> u64 {
        self.signal.calls()
    }

    /// True if the complete ring has entries not yet drained (an acquire
    /// peek at comp_tail, as a polling JS loop would do).
    pub fn has_completions(&self) -> bool {
        // Acquire: pairs with the release half of the comp_tail store in
        // Shared::publish_group.
        self.region.comp_tail().load(Ordering::Acquire) != self.head
    }

    /// Blocks until the notify callback fires or `timeout` passes.
    pub fn wait_signal(&self, timeout: Duration) -> bool {
        self.signal.wait(timeout)
    }

    /// Index of a slot as a checked [`SlotIndex`].
    pub fn index(&self, idx: u32) -> Option<SlotIndex> {
        self.region.index(idx)
    }

    /// The control region's memory (for tests that poke at raw bytes).
    pub fn ctrl(&self) -> &SharedBuf {
        &self.ctrl
    }
}
