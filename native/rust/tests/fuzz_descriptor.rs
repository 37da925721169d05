//! Fuzz target: hostile shared memory through the whole pool path.
//!
//! Every byte native code reads from the control region and the segments
//! comes from JS, that is from the user. Each case builds arbitrary memory
//! (slot words, stale and fresh submit-ring entries, a segment table with
//! aliasing, null and out-of-range registrations, input bytes for every
//! kind), submits one batch to a one-worker pool over heap memory, and
//! checks against the model in tests/fuzz/model.rs:
//! 1. Nothing crashes (a panic outside a handler, an abort or an
//!    out-of-bounds access would kill this test process).
//! 2. `submit` accepts exactly the in-range entries of the batch, and
//!    refuses a count > N without queueing anything.
//! 3. Every accepted entry completes once, in submit order (one worker
//!    runs FIFO), and nothing else does, even after close.
//! 4. Each slot ends with the documented status, out_len and message
//!    (BAD_DESCRIPTOR, UNKNOWN_KIND, BAD_INPUT, OUTPUT_TOO_LARGE, ...).
//! 5. Native writes only result fields of submitted slots, nothing of the
//!    rings but the complete ring, and no segment byte but the output
//!    windows of OK tasks: every backing buffer, guard bytes included,
//!    equals the model's.
//!
//! One worker makes the model exact: tasks whose windows overlap run in
//! submit order, as the model runs them. `PROPTEST_CASES` sets the count.

mod common;
mod fuzz;

use std::sync::atomic::Ordering;

use common::DEADLINE;
use crossfair_rust::descriptor::Descriptor;
use crossfair_rust::driver::Driver;
use crossfair_rust::errors::PoolError;
use crossfair_rust::heap::SharedBuf;
use crossfair_rust::status::Status;
use fuzz::model::{run_task, Expect, Memory, MsgRule, Window, MSG_MAX, SEGMENT_IDS};
use fuzz::strategies::{scenario, Scenario, SegOp, SlotSpec};
use proptest::prelude::*;

/// Cases per CI run: ~0.5 ms each in release on the 2-core dev VM, so
/// about half a second. Run long with PROPTEST_CASES (150000: ~75 s).
const CI_CASES: u32 = 1024;
/// Guard bytes around every segment window's backing buffer.
const GUARD: usize = 32;
const GUARD_BYTE: u8 = 0xA5;
const HEADER: usize = 64;
const SLOT: usize = 256;

fn put(b: &mut [u8], off: usize, v: &[u8]) {
    b[off..off + v.len()].copy_from_slice(v);
}

fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(b[off..off + 4].try_into().unwrap())
}

/// A slot as JS would leave it: the spec's words over junk.
fn slot_bytes(s: &SlotSpec, d: &Descriptor) -> Vec<u8> {
    let mut b = vec![0u8; SLOT];
    // splitmix64: fills the result fields and msg area with junk that the
    // pool must overwrite (or, past msg_len, leave alone).
    let mut x = s.junk;
    for chunk in b.chunks_mut(8) {
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        chunk.copy_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    put(&mut b, 0, &s.seq.to_le_bytes());
    put(&mut b, 4, &d.kind.to_le_bytes());
    put(&mut b, 6, &s.flags.to_le_bytes());
    for (off, v) in [
        (8, d.in_seg),
        (12, d.in_off),
        (16, d.in_len),
        (20, d.out_seg),
        (24, d.out_off),
        (28, d.out_cap),
        (32, s.status),
        (48, s.cancel),
    ] {
        put(&mut b, off, &v.to_le_bytes());
    }
    b
}

/// Applies the arena registration and the table ops to the model; returns
/// each op with its window (reduced into its buffer) and whether the pool
/// must accept it (ids < 4096).
fn build_table(sc: &Scenario, mem: &mut Memory) -> Vec<(SegOp, Option<Window>, bool)> {
    // JS always registers segment 0 as the payload arena first.
    let arena = SegOp::Register {
        id: 0,
        buf: 0,
        off: 0,
        len: usize::MAX,
    };
    let mut out = Vec::new();
    for op in std::iter::once(&arena).chain(&sc.table) {
        let (id, window) = match *op {
            SegOp::Register { id, buf, off, len } => {
                let b = buf % sc.bufs.len();
                let size = sc.bufs[b].len();
                let off = off % (size + 1);
                let len = if len == usize::MAX {
                    size - off
                } else {
                    len % (size - off + 1)
                };
                let w = Window {
                    buf: Some(b),
                    off: GUARD + off,
                    len,
                };
                (id, Some(w))
            }
            SegOp::RegisterNull { id } => (
                id,
                Some(Window {
                    buf: None,
                    off: 0,
                    len: 0,
                }),
            ),
            SegOp::Unregister { id } => (id, None),
        };
        let ok = id < SEGMENT_IDS;
        if ok {
            match window {
                Some(w) => mem.table.insert(id, w),
                None => mem.table.remove(&id),
            };
        }
        out.push((op.clone(), window, ok));
    }
    out
}

/// What the test expects of one slot after the batch.
struct SlotCheck {
    /// The model's result of the slot's last run, if it ran.
    last: Option<Expect>,
    /// How many times the batch holds it.
    runs: usize,
    /// The test sets its cancel word right after submit.
    cancel_after_submit: bool,
}

fn check_slot(idx: u32, before: &[u8], after: &[u8], c: &SlotCheck) -> Result<(), TestCaseError> {
    let ctx = || format!("slot {idx}");
    let Some(expect) = &c.last else {
        prop_assert_eq!(before, after, "{}: never submitted, yet written", ctx());
        return Ok(());
    };
    prop_assert_eq!(&before[..32], &after[..32], "{}: descriptor words", ctx());
    let cancel = if c.cancel_after_submit {
        1
    } else {
        u32_at(before, 48)
    };
    prop_assert_eq!(u32_at(after, 48), cancel, "{}: cancel word", ctx());
    prop_assert_eq!(&before[60..64], &after[60..64], "{}: reserved", ctx());
    prop_assert_eq!(u32_at(after, 52), 0, "{}: worker", ctx());
    let status = u32_at(after, 32) as i32;
    let out_len = u32_at(after, 36);
    let msg_len = u32_at(after, 56) as usize;
    prop_assert!(msg_len <= MSG_MAX, "{}: msg_len {}", ctx(), msg_len);
    let msg = &after[64..64 + msg_len];
    // Past msg_len: untouched, unless an earlier run of a duplicate entry
    // left a longer message there.
    if c.runs == 1 {
        prop_assert_eq!(
            &before[64 + msg_len..],
            &after[64 + msg_len..],
            "{}: msg area past msg_len",
            ctx()
        );
    }
    let aborted = status == Status::Aborted.code() && out_len == 0;
    match expect {
        Expect::LongWait => {
            let ok = status == Status::Ok.code() && out_len == 0 && msg.is_empty();
            prop_assert!(ok || aborted, "{}: long wait ended {}", ctx(), status);
        }
        Expect::Done { .. } if c.cancel_after_submit && aborted => {}
        Expect::Done {
            status: want,
            out_len: want_len,
            msg: rule,
        } => {
            prop_assert_eq!(status, want.code(), "{}: status (msg {:?})", ctx(), msg);
            prop_assert_eq!(out_len, *want_len, "{}: out_len", ctx());
            match rule {
                MsgRule::Empty => prop_assert!(msg.is_empty(), "{}: msg {:?}", ctx(), msg),
                MsgRule::NonEmpty => prop_assert!(!msg.is_empty(), "{}: no msg", ctx()),
                MsgRule::Exact(m) => prop_assert_eq!(msg, &m[..], "{}: msg", ctx()),
                MsgRule::Any => {}
            }
        }
    }
    Ok(())
}

fn run_case(sc: &Scenario) -> Result<(), TestCaseError> {
    let n = sc.slots;
    // Model memory: each backing buffer with guards on both sides.
    let mut mem = Memory::default();
    for b in &sc.bufs {
        let mut v = vec![GUARD_BYTE; GUARD];
        v.extend_from_slice(b);
        v.extend_from_slice(&[GUARD_BYTE; GUARD]);
        mem.bufs.push(v);
    }
    let regs = build_table(sc, &mut mem);
    // Payloads land in the model first, then the whole model is copied to
    // the real buffers, so both start identical.
    let descs: Vec<Descriptor> = sc.specs.iter().map(|s| s.descriptor(&mem)).collect();
    for (s, d) in sc.specs.iter().zip(&descs) {
        if let Some(p) = &s.payload {
            if let Some(r) = mem.range(d.in_seg, d.in_off, d.in_len) {
                mem.write(r, p);
            }
        }
    }
    // Declared before the driver, so dropped after it: the pool may use
    // them until it is closed (Driver drops its pool first).
    let real: Vec<SharedBuf> = mem
        .bufs
        .iter()
        .map(|v| {
            let b = SharedBuf::new(v.len());
            b.write(0, v);
            b
        })
        .collect();
    let mut d = Driver::new(n, 1, &[]).expect("driver");
    for (op, window, ok) in &regs {
        let got = match (op, window) {
            (SegOp::Unregister { id }, _) => d.pool().unregister_segment(*id),
            (SegOp::Register { id, .. } | SegOp::RegisterNull { id }, Some(w)) => {
                let ptr = match w.buf {
                    // SAFETY: w.off + w.len is inside the buffer (build_table
                    // reduced them into it), and `real` outlives the pool.
                    Some(b) => unsafe { real[b].as_ptr().add(w.off) },
                    None => std::ptr::null_mut(),
                };
                // SAFETY: as above; a null pointer comes with length 0.
                unsafe { d.pool().register_segment(*id, ptr, w.len) }
            }
            _ => unreachable!("register ops always carry a window"),
        };
        prop_assert_eq!(got.is_ok(), *ok, "{:?} -> {:?}", op, got);
    }
    let slot_off = |i: u32| HEADER + 8 * n as usize + SLOT * i as usize;
    for (i, s) in sc.specs.iter().enumerate() {
        d.ctrl()
            .write(slot_off(i as u32), &slot_bytes(s, &descs[i]));
    }
    for (pos, &e) in sc.stale_ring.iter().enumerate() {
        d.region().set_submit_entry(pos as u32, e);
    }
    for (i, &e) in sc.entries.iter().enumerate() {
        d.region()
            .set_submit_entry(sc.start.wrapping_add(i as u32), e);
    }
    let ctrl_before = d.ctrl().read(0, d.ctrl().len());

    // The model runs the accepted entries in order.
    let accepted: Vec<u32> = sc.entries.iter().copied().filter(|&e| e < n).collect();
    let mut checks: Vec<SlotCheck> = (0..n)
        .map(|_| SlotCheck {
            last: None,
            runs: 0,
            cancel_after_submit: false,
        })
        .collect();
    let mut panics = 0u64;
    for &idx in &accepted {
        let s = &sc.specs[idx as usize];
        let e = run_task(&mut mem, &descs[idx as usize], s.cancel != 0);
        if matches!(
            e,
            Expect::Done {
                status: Status::TaskPanic,
                ..
            }
        ) {
            panics += 1;
        }
        let c = &mut checks[idx as usize];
        c.cancel_after_submit |= e == Expect::LongWait;
        c.last = Some(e);
        c.runs += 1;
    }

    // Submit: a count over N is refused and queues nothing; then the batch.
    for bad in [n + 1, u32::MAX] {
        let r = d.pool().submit(sc.start, bad);
        prop_assert!(matches!(r, Err(PoolError::BadArgument(_))), "{:?}", r);
    }
    let got = d.pool().submit(sc.start, sc.entries.len() as u32);
    prop_assert_eq!(got, Ok(accepted.len() as u32));
    for (i, c) in checks.iter().enumerate() {
        if c.cancel_after_submit {
            d.slot(i as u32).cancel().store(1, Ordering::Relaxed);
        }
    }
    let done = d.wait_for(accepted.len(), DEADLINE);
    prop_assert_eq!(&done, &accepted, "completion order");
    prop_assert_eq!(d.pool().close(DEADLINE), 0, "close left workers busy");
    let mut late = Vec::new();
    d.drain(&mut late);
    prop_assert!(late.is_empty(), "completions after close: {:?}", late);

    let ctrl_after = d.ctrl().read(0, d.ctrl().len());
    prop_assert_eq!(
        &ctrl_before[..16],
        &ctrl_after[..16],
        "header words written by JS"
    );
    prop_assert_eq!(u32_at(&ctrl_after, 20), accepted.len() as u32, "comp_tail");
    let ring = HEADER..HEADER + 4 * n as usize;
    prop_assert_eq!(&ctrl_before[ring.clone()], &ctrl_after[ring], "submit ring");
    for i in 0..n {
        let r = slot_off(i)..slot_off(i) + SLOT;
        check_slot(
            i,
            &ctrl_before[r.clone()],
            &ctrl_after[r],
            &checks[i as usize],
        )?;
    }
    for (b, (want, got)) in mem.bufs.iter().zip(&real).enumerate() {
        let got = got.read(0, got.len());
        let first = want.iter().zip(&got).position(|(a, b)| a != b);
        prop_assert!(first.is_none(), "buffer {} differs at {:?}", b, first);
    }
    let stats = d.pool().stats();
    prop_assert_eq!(stats.completed, accepted.len() as u64);
    prop_assert_eq!(stats.panics, panics, "panics counted");
    Ok(())
}

proptest! {
    #![proptest_config(fuzz::config(CI_CASES))]

    #[test]
    fn hostile_memory_through_the_pool(sc in scenario()) {
        run_case(&sc)?;
    }
}
