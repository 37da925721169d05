//! A worker thread: take chunks of slot indices, run each task, publish.
//!
//! Life of one task on a worker (pool.rs has the whole protocol):
//! 1. Take it from the chunk; count it started.
//! 2. If the slot's `cancel` is set or the pool is shutting down, it ends
//!    ABORTED without running (exec_ns 0).
//! 3. Read the descriptor. If the task may run long, or pending results are
//!    due, publish the pending group first (completions.rs).
//! 4. Bounds-check the descriptor (BAD_DESCRIPTOR), look up the kind
//!    (UNKNOWN_KIND).
//! 5. Fault plan: errorRate -> INJECTED, hangRate -> wait for cancel or
//!    shutdown -> ABORTED.
//! 6. Run the handler inside `catch_unwind` (panic -> TASK_PANIC, message =
//!    payload; the worker keeps serving).
//! 7. delayFactor: stretch the run to factor x its time, cancellably.
//! 8. Write the result fields (Complete step 1) and add the slot to the
//!    pending group; the group is published (steps 2-3) by `flush`.
//!
//! Loop: take a chunk without blocking; if the queue is empty, publish the
//! pending group, then block for the next chunk. When a pop leaves the
//! queue below LOW_WATER, publish first so JS can refill it meanwhile. Exit: when the queue is
//! closed and empty, publish what is pending and return; the [`ExitGuard`]
//! then decrements the live-worker count and signals `close`, on every exit
//! path.

use std::sync::Arc;
use std::time::Instant;

use crate::cancel::CancelToken;
use crate::completions::{may_run_long, Pending, LOW_WATER};
use crate::descriptor::{self, Descriptor};
use crate::faults::{XorShift, INJECTED_MSG};
use crate::kinds::{self, Kind, Outcome};
use crate::message::Msg;
use crate::panic_guard::catch_task_panic;
use crate::pool::Shared;
use crate::queue::MAX_CHUNK;
use crate::status::Status;

/// The result of one task, ready to be written to its slot.
struct Completion {
    status: Status,
    out_len: u32,
    msg: Msg,
}

impl Completion {
    fn new(status: Status, out_len: u32) -> Completion {
        Completion {
            status,
            out_len,
            msg: Msg::EMPTY,
        }
    }

    fn with_msg(status: Status, msg: Msg) -> Completion {
        Completion {
            status,
            out_len: 0,
            msg,
        }
    }

    fn from_outcome(o: Outcome) -> Completion {
        match o {
            Outcome::Ok { out_len } => Completion::new(Status::Ok, out_len),
            Outcome::Failed(m) => Completion::with_msg(Status::TaskFailed, m),
            Outcome::BadInput(m) => Completion::with_msg(Status::BadInput, m),
            Outcome::OutputTooLarge { needed } => Completion::new(Status::OutputTooLarge, needed),
            Outcome::Aborted => Completion::new(Status::Aborted, 0),
        }
    }
}

/// Decrements the live count when the worker thread ends, however it ends.
struct ExitGuard<'a>(&'a Shared);

impl Drop for ExitGuard<'_> {
    fn drop(&mut self) {
        self.0.worker_exited();
    }
}

/// One worker's private state.
struct Worker<'a> {
    shared: &'a Shared,
    index: usize,
    rng: XorShift,
    pending: Pending,
    /// When the previous handler ended, if nothing slow happened since
    /// (see `run_one`, clock reads).
    last_end: Option<Instant>,
    /// The queue was below LOW_WATER at the last pop (completions.rs rule 2).
    low: bool,
}

/// The worker thread body.
pub(crate) fn worker_main(shared: Arc<Shared>, index: usize) {
    let _exit = ExitGuard(&shared);
    // Best effort (priority.rs): refused, the worker runs at the process's priority.
    let _ = crate::priority::set_current_thread_nice(shared.ctrl.worker_nice());
    // Seed: golden-ratio spread of the index, mixed with the clock so two
    // pools do not inject identical fault sequences.
    let seed = (index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
    let mut w = Worker {
        shared: &shared,
        index,
        rng: XorShift::new(seed),
        pending: Pending::new(),
        last_end: None,
        low: false,
    };
    let mut chunk = Vec::with_capacity(MAX_CHUNK);
    loop {
        let remaining = match shared.queue.try_pop_chunk(&mut chunk) {
            Some(r) => r,
            None => {
                // Out of work: publish before blocking (completions.rs rule 1).
                w.flush();
                let Some(r) = shared.queue.pop_chunk(&mut chunk) else {
                    break;
                };
                // Idle time must not count towards the next task's exec_ns.
                w.last_end = None;
                r
            }
        };
        // Rule 2: running low; let JS refill while this chunk runs.
        let low = remaining < LOW_WATER;
        if low && !w.low {
            w.flush();
        }
        w.low = low;
        // Each slot's first cache line (descriptor, cancel, result fields)
        // was last written by the JS thread, so touching it is a cross-core
        // miss (a third of worker time at batch 256 before this). Start all
        // of the chunk's fetches now so the misses overlap.
        for &raw in &chunk {
            shared.ctrl.prefetch_slot(raw);
        }
        for &raw in &chunk {
            w.run_one(raw);
        }
    }
    w.flush();
}

impl Worker<'_> {
    /// Complete steps 2-3 for the pending group.
    fn flush(&mut self) {
        let shared = self.shared;
        self.pending.flush(|group| shared.publish_group(group));
        // Publishing (and a possible notify) is not the next task's time.
        self.last_end = None;
    }

    /// Steps 1-8 for one slot index.
    fn run_one(&mut self, raw: u32) {
        let shared = self.shared;
        // Indices were bounds-checked by submit; re-checking is one compare
        // and keeps this function safe on its own.
        let Some(idx) = shared.ctrl.index(raw) else {
            return;
        };
        let cell = shared.counters.cell(self.index);
        cell.task_started();
        let slot = shared.ctrl.slot(idx);
        let token = CancelToken::new(slot.cancel(), &shared.shutdown);
        let (done, exec_ns) = if token.is_cancelled() {
            (Completion::new(Status::Aborted, 0), 0)
        } else {
            let d = slot.descriptor();
            if !self.pending.is_empty() && may_run_long(&d, shared.faults.is_active()) {
                self.flush();
            }
            cell.set_running(true);
            // Clock reads: one per task. clock_gettime costs ~35 ns on the
            // dev VM (41% of a 256-batch profile with three reads per task),
            // so back-to-back tasks reuse the previous task's end time as
            // their start: exec_ns then also covers ~10-20 ns of the
            // bookkeeping between the two handlers. After idling or
            // publishing, `last_end` is None and the clock is read fresh.
            let started = self.last_end.take().unwrap_or_else(Instant::now);
            let done = self.execute(&d, &token, started);
            let ended = Instant::now();
            self.last_end = Some(ended);
            cell.set_running(false);
            if done.status == Status::TaskPanic {
                cell.task_panicked();
            }
            (
                done,
                ended.saturating_duration_since(started).as_nanos() as u64,
            )
        };
        slot.write_result(
            done.status,
            done.out_len,
            exec_ns,
            self.index as u32,
            done.msg.as_bytes(),
        );
        cell.task_completed();
        let now = self.last_end.unwrap_or_else(Instant::now);
        self.pending.push(raw, now);
        if self.pending.due(now) {
            self.flush();
        }
    }

    /// Steps 4-7.
    fn execute(&mut self, d: &Descriptor, token: &CancelToken<'_>, started: Instant) -> Completion {
        let shared = self.shared;
        let Some(mut io) = descriptor::resolve(d, &shared.segments) else {
            return Completion::new(Status::BadDescriptor, 0);
        };
        let Some(kind) = Kind::from_id(d.kind) else {
            return Completion::new(Status::UnknownKind, 0);
        };
        let plan = shared.faults.plan(&mut self.rng);
        if plan.inject_error {
            return Completion::with_msg(
                Status::Injected,
                Msg::from_bytes(INJECTED_MSG.as_bytes()),
            );
        }
        if plan.hang {
            token.wait_forever();
            return Completion::new(Status::Aborted, 0);
        }
        let done = match catch_task_panic(|| kinds::run(kind, io.input, &mut io.output, token)) {
            Ok(outcome) => Completion::from_outcome(outcome),
            Err(msg) => Completion::with_msg(Status::TaskPanic, *msg),
        };
        if plan.delay_factor > 1.0 {
            let deadline = started + started.elapsed().mul_f64(plan.delay_factor);
            if token.wait_until_precise(deadline).is_err() {
                return Completion::new(Status::Aborted, 0);
            }
        }
        done
    }
}
