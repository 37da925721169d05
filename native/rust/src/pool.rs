//! The worker pool over one control region (docs/TRANSPORT.md).
//!
//! Owns: worker threads, the local queue, the segment table, fault
//! settings, counters, and the completion side of the rings. Does not own
//! any shared memory: the caller (the napi binding, or the native driver)
//! keeps the control region and segments alive until `close` returns 0.
//!
//! Protocol (numbers match TRANSPORT.md):
//!
//! Start. `Pool::new` validates the header JS wrote, installs the quiet
//! panic hook, and spawns `workers` threads that park on the queue condvar.
//!
//! Submit (caller's thread, once per batch).
//! 3. `submit(start, count)` copies the indices at ring positions
//!    start..start+count (mod N) into the local queue under one lock,
//!    skipping and not counting any index >= N, then wakes idle workers with
//!    one condvar call (queue.rs). Returns the number accepted.
//!
//! Complete (worker; worker.rs runs the task first).
//! 1. Per task: plain (relaxed) stores of status, out_len, exec_ns, worker,
//!    msg, and the output bytes.
//! 2. Per group of tasks (completions.rs): under `completion`, t =
//!    comp_tail; ring[(t + i) & (N-1)] = idx_i for each; store comp_tail =
//!    t + len (release; `publish_group` says why it is SeqCst).
//! 3. If `wake` is 0 and CAS(wake, 0, 1) succeeds, call `notify` once.
//!
//! Close (`close(timeout)`).
//! 1. Set `shutdown`: handlers polling their cancel token stop within 1 ms,
//!    and tasks still in a worker's chunk end ABORTED without running.
//! 2. Close the queue; tasks still queued complete ABORTED here, on the
//!    caller's thread (worker field = [`NO_WORKER`]).
//! 3. Wait on the `exited` condvar, at most `timeout`, for the live-worker
//!    count to reach 0 (never an unbounded join on the JS thread).
//! 4. Return the count still live. 0 means every worker has exited, so
//!    nothing will touch the region or segments or call `notify` again;
//!    the threads are joined then (they have already finished).
//!
//! Rejected: publishing completions from a JS-side poll (needs JS in the
//! loop); one atomic wake per task (the wake word coalesces wake-ups, so
//! JS sees at most one notification per drain).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::errors::PoolError;
use crate::faults::{FaultConfig, Faults};
use crate::panic_guard;
use crate::queue::TaskQueue;
use crate::ring::ControlRegion;
use crate::segments::SegmentTable;
use crate::stats::{Counters, Stats};
use crate::status::Status;
use crate::worker::worker_main;

/// Called (from a worker, or from `close`) when the wake word goes 0 -> 1.
pub type Notify = Box<dyn Fn() + Send + Sync>;

/// Worker count bounds (crossfair.h `cf_pool_create`: 1..256).
pub const MAX_WORKERS: u32 = 256;

/// `worker` field of tasks that `close` aborted while still queued.
pub const NO_WORKER: u32 = u32::MAX;

/// How long `Drop` waits for workers when the owner never called `close`.
pub const DROP_CLOSE_TIMEOUT: Duration = Duration::from_millis(1000);

/// State shared by the pool handle and its workers.
pub(crate) struct Shared {
    pub ctrl: ControlRegion,
    pub segments: SegmentTable,
    pub queue: TaskQueue,
    pub shutdown: AtomicBool,
    pub faults: Faults,
    pub counters: Counters,
    completion: Mutex<()>,
    notify: Notify,
    live: Mutex<usize>,
    exited: Condvar,
}

fn relock<G>(r: Result<G, PoisonError<G>>) -> G {
    // Poison only records that some thread panicked while holding the lock;
    // every value guarded here (a unit, a count) is valid after any panic.
    r.unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    /// Complete steps 2 and 3 for a group of slots whose step 1 is done
    /// (completions.rs explains the grouping).
    pub(crate) fn publish_group(&self, idxs: &[u32]) {
        if idxs.is_empty() {
            return;
        }
        {
            let _guard = relock(self.completion.lock());
            let tail = self.ctrl.comp_tail();
            // Relaxed: comp_tail is written only here, under this mutex.
            let t = tail.load(Ordering::Relaxed);
            for (i, &idx) in idxs.iter().enumerate() {
                self.ctrl.set_complete_entry(t.wrapping_add(i as u32), idx);
            }
            // Release half: publishes step 1's slot stores and the ring
            // entries; pairs with JS drain step 2, `Atomics.load(comp_tail)`.
            // SeqCst (not just Release) because of the wake handshake below:
            // JS does store(wake, 0) then load(comp_tail), we do store(tail)
            // then load(wake). With all four SeqCst, one of the two loads must
            // see the other side's store, so a completion is never left
            // without a wake-up.
            tail.store(t.wrapping_add(idxs.len() as u32), Ordering::SeqCst);
        }
        let wake = self.ctrl.wake();
        // The plain SeqCst load skips the locked CAS while a wake-up is
        // already pending (JS has not reached drain step 1 yet).
        if wake.load(Ordering::SeqCst) == 0
            && wake
                .compare_exchange(0, 1, Ordering::SeqCst, Ordering::Relaxed)
                .is_ok()
        {
            (self.notify)();
        }
    }

    /// Called once by each worker thread as it ends.
    pub(crate) fn worker_exited(&self) {
        let mut live = relock(self.live.lock());
        *live -= 1;
        self.exited.notify_all();
    }

    fn live_workers(&self) -> usize {
        *relock(self.live.lock())
    }
}

/// A running pool.
pub struct Pool {
    shared: Arc<Shared>,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl Pool {
    /// Validates the control region and starts `workers` threads.
    ///
    /// # Safety
    /// `ctrl..ctrl+ctrl_len` must stay valid (not freed, moved, resized)
    /// until [`Pool::close`] has returned 0 (or forever if it never does).
    pub unsafe fn new(
        ctrl: *mut u8,
        ctrl_len: usize,
        workers: u32,
        notify: Notify,
    ) -> Result<Pool, PoolError> {
        if !(1..=MAX_WORKERS).contains(&workers) {
            return Err(PoolError::BadOptions(format!(
                "workers must be 1..={MAX_WORKERS}, got {workers}"
            )));
        }
        // SAFETY: forwarded from this function's contract.
        let region = unsafe { ControlRegion::from_raw(ctrl, ctrl_len) }
            .map_err(|e| PoolError::BadOptions(e.to_string()))?;
        panic_guard::install_quiet_hook();
        let n = workers as usize;
        let shared = Arc::new(Shared {
            ctrl: region,
            segments: SegmentTable::new(),
            queue: TaskQueue::new(n, region.slot_count() as usize),
            shutdown: AtomicBool::new(false),
            faults: Faults::new(),
            counters: Counters::new(n),
            completion: Mutex::new(()),
            notify,
            live: Mutex::new(0),
            exited: Condvar::new(),
        });
        let pool = Pool {
            shared,
            threads: Mutex::new(Vec::with_capacity(n)),
        };
        for i in 0..n {
            let s = Arc::clone(&pool.shared);
            *relock(pool.shared.live.lock()) += 1;
            let spawned = std::thread::Builder::new()
                .name(format!("crossfair-rust-{i}"))
                .spawn(move || worker_main(s, i));
            match spawned {
                Ok(handle) => relock(pool.threads.lock()).push(handle),
                Err(e) => {
                    *relock(pool.shared.live.lock()) -= 1;
                    pool.close(DROP_CLOSE_TIMEOUT);
                    return Err(PoolError::Internal(format!("spawning worker {i}: {e}")));
                }
            }
        }
        Ok(pool)
    }

    /// N, the control region's slot count.
    pub fn slot_count(&self) -> u32 {
        self.shared.ctrl.slot_count()
    }

    /// Registers (or replaces) data segment `id`.
    ///
    /// # Safety
    /// `ptr..ptr+len` must stay valid until the id is unregistered or
    /// replaced with no task using it in flight, or until `close` returns 0.
    pub unsafe fn register_segment(
        &self,
        id: u32,
        ptr: *mut u8,
        len: usize,
    ) -> Result<(), PoolError> {
        if self.shared.queue.is_closed() {
            return Err(PoolError::Closed);
        }
        // SAFETY: forwarded from this function's contract.
        unsafe { self.shared.segments.register(id, ptr, len) }
            .map_err(|e| PoolError::BadArgument(e.to_string()))
    }

    /// Forgets data segment `id`. Allowed after close (a no-op then).
    pub fn unregister_segment(&self, id: u32) -> Result<(), PoolError> {
        self.shared
            .segments
            .unregister(id)
            .map_err(|e| PoolError::BadArgument(e.to_string()))
    }

    /// Submit step 3. Returns the number of indices accepted.
    pub fn submit(&self, start: u32, count: u32) -> Result<u32, PoolError> {
        let ctrl = &self.shared.ctrl;
        let n = ctrl.slot_count();
        if count > n {
            return Err(PoolError::BadArgument(format!(
                "count {count} exceeds the ring size {n}"
            )));
        }
        let pushed = self
            .shared
            .queue
            .push_batch(|q| {
                for i in 0..count {
                    let raw = ctrl.submit_entry(start.wrapping_add(i));
                    // The "idx < N" bounds check: a bad index is skipped
                    // and not counted.
                    if ctrl.index(raw).is_some() {
                        q.push_back(raw);
                    }
                }
            })
            .map_err(|_| PoolError::Closed)?;
        self.shared.counters.accepted(pushed as u64);
        Ok(pushed as u32)
    }

    /// Replaces the fault injection settings.
    pub fn inject(&self, cfg: FaultConfig) -> Result<(), PoolError> {
        cfg.validate().map_err(PoolError::BadOptions)?;
        self.shared.faults.set(cfg);
        Ok(())
    }

    /// Current counters; `workers` counts threads not yet exited.
    pub fn stats(&self) -> Stats {
        self.shared.counters.snapshot(self.shared.live_workers())
    }

    /// Close steps 1-4. Idempotent: a second call only waits again.
    pub fn close(&self, timeout: Duration) -> usize {
        let s = &self.shared;
        // Step 1. Relaxed: a stop request (cancel.rs); the queue mutex in
        // step 2 also orders it before any later pop.
        s.shutdown.store(true, Ordering::Relaxed);
        // Step 2.
        let left = s.queue.close();
        let left: Vec<u32> = left
            .into_iter()
            .filter(|&raw| s.ctrl.index(raw).is_some())
            .collect();
        for &raw in &left {
            if let Some(idx) = s.ctrl.index(raw) {
                s.ctrl
                    .slot(idx)
                    .write_result(Status::Aborted, 0, 0, NO_WORKER, &[]);
            }
        }
        s.publish_group(&left);
        s.counters.aborted_in_queue(left.len() as u64);
        // Step 3.
        let deadline = Instant::now().checked_add(timeout);
        let mut live = relock(s.live.lock());
        while *live > 0 {
            let now = Instant::now();
            let wait = match deadline {
                Some(d) if now >= d => break,
                Some(d) => d - now,
                None => Duration::from_secs(3600),
            };
            live = relock(s.exited.wait_timeout(live, wait)).0;
        }
        let busy = *live;
        drop(live);
        // Step 4.
        if busy == 0 {
            for t in relock(self.threads.lock()).drain(..) {
                // The thread already ran its ExitGuard; join only reaps it.
                // A worker panic outside handlers was already counted out.
                let _ = t.join();
            }
        }
        busy
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.close(DROP_CLOSE_TIMEOUT);
    }
}
