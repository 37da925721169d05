//! The pool's local task queue: slot indices waiting for a worker.
//!
//! Owns: hand-off of accepted slot indices from `submit` to workers, idle
//! parking of workers, and the queue side of close.
//!
//! Protocol:
//! 1. `push_batch` (submit): under the lock, append every index of the
//!    batch; read the idle count; unlock; wake idle workers with ONE
//!    condvar call (notify_one for a single task or a single idle worker,
//!    notify_all otherwise). No idle workers: no call, no syscall.
//! 2. `pop_chunk` (worker): under the lock, take up to a chunk of indices;
//!    if there are none, count itself idle and block on the condvar (no
//!    spinning), re-checking after every wake-up.
//! 3. `close`: mark closed, take what is queued (the pool completes it
//!    ABORTED), wake every idle worker; `pop_chunk` then returns None once
//!    nothing is left and the worker exits.
//!
//! Pops report how many indices remain, so a worker can tell JS early that
//! the queue runs low (completions.rs, rule 2).
//!
//! Chunking: a worker takes `len / (2 x workers)` entries, at least 1 and
//! at most [`MAX_CHUNK`], so one lock acquisition serves many tiny tasks
//! while a short queue is still spread over all workers. A taken chunk is
//! private: a long task at its head delays the rest of its chunk (bounded
//! by MAX_CHUNK), the price of not locking per task.
//!
//! Rejected: a lock-free MPMC ring (per-task CAS on shared indices costs
//! about what a chunked mutex costs, and idle parking needs a lock anyway);
//! per-worker deques with stealing (more code; 1-2 workers here).

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard};

/// Most indices a worker takes per lock acquisition. 32 makes the lock
/// cost per task negligible (~1 ns) at batch 256; larger chunks only add
/// head-of-line delay. Picked by measurement with `benchNative`.
pub const MAX_CHUNK: usize = 32;

/// The queue is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closed;

struct State {
    tasks: VecDeque<u32>,
    idle: usize,
    closed: bool,
}

/// Mutex + condvar queue with chunked pops.
pub struct TaskQueue {
    state: Mutex<State>,
    ready: Condvar,
    workers: usize,
}

impl TaskQueue {
    /// A queue for `workers` workers, pre-sized for `capacity` indices so
    /// steady-state pushes never allocate.
    pub fn new(workers: usize, capacity: usize) -> TaskQueue {
        TaskQueue {
            state: Mutex::new(State {
                tasks: VecDeque::with_capacity(capacity),
                idle: 0,
                closed: false,
            }),
            ready: Condvar::new(),
            workers: workers.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Poison only means a thread panicked while holding the lock; the
        // state (a deque of u32 and two scalars) is valid after any panic.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Step 1. `fill` appends indices; returns how many it appended.
    pub fn push_batch(&self, fill: impl FnOnce(&mut VecDeque<u32>)) -> Result<usize, Closed> {
        let (pushed, idle) = {
            let mut st = self.lock();
            if st.closed {
                return Err(Closed);
            }
            let before = st.tasks.len();
            fill(&mut st.tasks);
            (st.tasks.len() - before, st.idle)
        };
        if pushed > 0 && idle > 0 {
            if pushed == 1 || idle == 1 {
                self.ready.notify_one();
            } else {
                self.ready.notify_all();
            }
        }
        Ok(pushed)
    }

    /// Step 2. Fills `out` (cleared first) with a chunk and returns how
    /// many indices are left queued; None when closed and empty (the worker
    /// should exit).
    pub fn pop_chunk(&self, out: &mut Vec<u32>) -> Option<usize> {
        out.clear();
        let mut st = self.lock();
        loop {
            let len = st.tasks.len();
            if len > 0 {
                let take = (len / (2 * self.workers)).clamp(1, MAX_CHUNK);
                out.extend(st.tasks.drain(..take));
                return Some(len - take);
            }
            if st.closed {
                return None;
            }
            st.idle += 1;
            st = self.ready.wait(st).unwrap_or_else(|p| p.into_inner());
            st.idle -= 1;
        }
    }

    /// Step 2 without blocking: None if nothing is queued right now.
    pub fn try_pop_chunk(&self, out: &mut Vec<u32>) -> Option<usize> {
        out.clear();
        let mut st = self.lock();
        let len = st.tasks.len();
        if len == 0 {
            return None;
        }
        let take = (len / (2 * self.workers)).clamp(1, MAX_CHUNK);
        out.extend(st.tasks.drain(..take));
        Some(len - take)
    }

    /// Step 3. Returns the indices that were still queued.
    pub fn close(&self) -> Vec<u32> {
        let left = {
            let mut st = self.lock();
            st.closed = true;
            st.tasks.drain(..).collect()
        };
        self.ready.notify_all();
        left
    }

    pub fn is_closed(&self) -> bool {
        self.lock().closed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_are_bounded_and_fifo() {
        let q = TaskQueue::new(1, 0);
        q.push_batch(|t| t.extend(0..100)).unwrap();
        let mut out = Vec::new();
        assert_eq!(q.pop_chunk(&mut out), Some(100 - MAX_CHUNK));
        assert_eq!(out, (0..MAX_CHUNK as u32).collect::<Vec<_>>());
        let q2 = TaskQueue::new(2, 0);
        q2.push_batch(|t| t.extend(0..3)).unwrap();
        assert_eq!(q2.try_pop_chunk(&mut out), Some(2));
        assert_eq!(out, vec![0]);
    }

    #[test]
    fn close_returns_queued_and_refuses_pushes() {
        let q = TaskQueue::new(1, 0);
        q.push_batch(|t| t.extend([4, 5])).unwrap();
        assert_eq!(q.close(), vec![4, 5]);
        assert_eq!(q.push_batch(|t| t.push_back(1)), Err(Closed));
        let mut out = Vec::new();
        assert_eq!(q.pop_chunk(&mut out), None);
        assert_eq!(q.try_pop_chunk(&mut out), None);
    }
}
