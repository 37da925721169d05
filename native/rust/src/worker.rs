//! A worker thread: take chunks of slot indices, run each task, publish.
//!
//! Life of one task on a worker (the pool header in pool.rs has the whole
//! protocol):
//! 1. Take it from the chunk; count it started.
//! 2. If the slot's `cancel` is set or the pool is shutting down, it ends
//!    ABORTED without running (exec_ns 0).
//! 3. Bounds-check the descriptor (BAD_DESCRIPTOR), look up the kind
//!    (UNKNOWN_KIND).
//! 4. Fault plan: errorRate -> INJECTED, hangRate -> wait for cancel or
//!    shutdown -> ABORTED.
//! 5. Run the handler inside `catch_unwind` (panic -> TASK_PANIC, message =
//!    payload; the pool keeps serving).
//! 6. delayFactor: stretch the run to factor x its time, cancellably.
//! 7. Write the result fields and publish the completion (pool.rs).
//!
//! Exit: `pop_chunk` returns false once the queue is closed and empty; the
//! [`ExitGuard`] then decrements the live-worker count and signals `close`,
//! on every exit path.

use std::sync::Arc;
use std::time::Instant;

use crate::cancel::CancelToken;
use crate::descriptor;
use crate::faults::{XorShift, INJECTED_MSG};
use crate::kinds::{self, Kind, Outcome};
use crate::message::Msg;
use crate::panic_guard::catch_task_panic;
use crate::pool::Shared;
use crate::queue::MAX_CHUNK;
use crate::ring::Slot;
use crate::status::Status;

/// The result of one task, ready to be written to its slot.
pub(crate) struct Completion {
    pub status: Status,
    pub out_len: u32,
    pub msg: Msg,
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

/// The worker thread body.
pub(crate) fn worker_main(shared: Arc<Shared>, index: usize) {
    let _exit = ExitGuard(&shared);
    // Seed: golden-ratio spread of the index, mixed with the clock so two
    // pools do not inject identical fault sequences.
    let seed = (index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
    let mut rng = XorShift::new(seed);
    let mut chunk = Vec::with_capacity(MAX_CHUNK);
    while shared.queue.pop_chunk(&mut chunk) {
        for &raw in &chunk {
            run_one(&shared, index, &mut rng, raw);
        }
    }
}

/// Steps 1-7 for one slot index.
fn run_one(shared: &Shared, index: usize, rng: &mut XorShift, raw: u32) {
    // Indices were bounds-checked by submit; re-checking is one compare and
    // keeps this function safe on its own.
    let Some(idx) = shared.ctrl.index(raw) else {
        return;
    };
    let cell = shared.counters.cell(index);
    cell.task_started();
    let slot = shared.ctrl.slot(idx);
    let token = CancelToken::new(slot.cancel(), &shared.shutdown);
    let (done, exec_ns) = if token.is_cancelled() {
        (Completion::new(Status::Aborted, 0), 0)
    } else {
        cell.set_running(true);
        let started = Instant::now();
        let done = execute(shared, rng, &slot, &token, started);
        let exec_ns = started.elapsed().as_nanos() as u64;
        cell.set_running(false);
        if done.status == Status::TaskPanic {
            cell.task_panicked();
        }
        (done, exec_ns)
    };
    slot.write_result(done.status, done.out_len, exec_ns, index as u32, done.msg.as_bytes());
    shared.publish(idx);
    cell.task_completed();
}

/// Steps 3-6.
fn execute(
    shared: &Shared,
    rng: &mut XorShift,
    slot: &Slot<'_>,
    token: &CancelToken<'_>,
    started: Instant,
) -> Completion {
    let d = slot.descriptor();
    let Some(mut io) = descriptor::resolve(&d, &shared.segments) else {
        return Completion::new(Status::BadDescriptor, 0);
    };
    let Some(kind) = Kind::from_id(d.kind) else {
        return Completion::new(Status::UnknownKind, 0);
    };
    let plan = shared.faults.plan(rng);
    if plan.inject_error {
        return Completion::with_msg(Status::Injected, Msg::from_bytes(INJECTED_MSG.as_bytes()));
    }
    if plan.hang {
        token.wait_forever();
        return Completion::new(Status::Aborted, 0);
    }
    let done = match catch_task_panic(|| kinds::run(kind, io.input, &mut io.output, token)) {
        Ok(outcome) => Completion::from_outcome(outcome),
        Err(msg) => Completion::with_msg(Status::TaskPanic, msg),
    };
    if plan.delay_factor > 1.0 {
        let deadline = started + started.elapsed().mul_f64(plan.delay_factor);
        if token.wait_until_precise(deadline).is_err() {
            return Completion::new(Status::Aborted, 0);
        }
    }
    done
}
