//! The control region: header, submit ring, complete ring and task slots.
//!
//! Owns: typed access to the JS-allocated control region described in
//! docs/TRANSPORT.md (layout version 1). Nothing here allocates or decides;
//! the pool and the native drivers call these accessors.
//!
//! ```text
//! control region (N = slot_count, a power of two, 8 <= N <= 65536)
//!
//!  0        64            64+4N          64+8N                      64+8N+256N
//!  +--------+-------------+--------------+---------------------------+
//!  | header | submit ring | complete ring| slots[0..N) x 256 bytes   |
//!  +--------+-------------+--------------+---------------------------+
//!             u32 slot idx   u32 slot idx
//!
//! header (u32 words)
//!  off  field          written by  meaning
//!   0   magic          JS          0x31424643 ("CFB1" as bytes 43 46 42 31)
//!   4   layout_ver     JS          1
//!   8   slot_count     JS          N
//!  12   slot_size      JS          256
//!  16   comp_head      JS          consumer cursor of the complete ring
//!  20   comp_tail      native      producer cursor of the complete ring
//!  24   wake           both        0 idle; native CAS 0->1 then notifies once
//!  28   worker_nice    JS          0..19: nice value of the worker threads (0 = unchanged)
//!  32.. reserved (0)
//!
//! slot (256 bytes)
//!  off  type  field     written by   meaning
//!   0   u32   seq       JS           task sequence, echoed for stale checks
//!   4   u16   kind      JS           kind id
//!   6   u16   flags     JS           0 (reserved)
//!   8   u32   in_seg    JS           segment id of the input
//!  12   u32   in_off    JS           input offset in that segment
//!  16   u32   in_len    JS           input length
//!  20   u32   out_seg   JS           segment id of the output region
//!  24   u32   out_off   JS           output offset
//!  28   u32   out_cap   JS           output capacity
//!  32   i32   status    native       result status (JS presets -1 = pending)
//!  36   u32   out_len   native       bytes written; for OUTPUT_TOO_LARGE the size needed
//!  40   u64   exec_ns   native       wall time of the handler in ns
//!  48   u32   cancel    JS (atomic)  1 = cancel requested; handlers poll it
//!  52   u32   worker    native       index of the worker that ran it
//!  56   u32   msg_len   native       bytes of message at 64
//!  60   u32   reserved
//!  64   u8[192] msg     native       UTF-8 error message, truncated to 192
//! ```
//!
//! Invariants:
//! - A [`ControlRegion`] exists only for memory that passed [`ControlRegion::from_raw`]:
//!   8-byte aligned, long enough for N slots, header valid. So every field
//!   offset used below is in bounds and naturally aligned.
//! - A slot is addressed only through a [`SlotIndex`], which can only be
//!   made for `idx < N` (the "idx < N" bounds check of TRANSPORT.md).
//! - Scalar fields are accessed as atomics, `Relaxed` unless stated: the
//!   happens-before edges come from the protocol (the submit call and the
//!   pool's queue mutex on the way in, the `comp_tail` release/acquire on
//!   the way out), and atomics keep a misbehaving JS writer from being a data
//!   race in Rust's model. On x86-64 a relaxed load/store is a plain `mov`.

use std::marker::PhantomData;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use crate::descriptor::Descriptor;
use crate::message::MSG_CAP;
use crate::status::Status;

// All integers are little-endian on the wire and accessed natively here.
#[cfg(not(target_endian = "little"))]
compile_error!("docs/TRANSPORT.md is little-endian; a big-endian port must byte-swap");

/// Layout version this crate implements (header word 4).
pub const LAYOUT_VERSION: u32 = 1;
/// Header word 0: the bytes "CFB1" read as a little-endian u32.
pub const MAGIC: u32 = 0x3142_4643;
/// Size of the header.
pub const HEADER_BYTES: usize = 64;
/// Size of one slot (header word 12 must equal it).
pub const SLOT_BYTES: usize = 256;
/// Bounds on N from TRANSPORT.md ("8 <= N <= 65536").
pub const MIN_SLOTS: u32 = 8;
pub const MAX_SLOTS: u32 = 65536;
/// Alignment the region needs so that the u64 `exec_ns` field is aligned.
pub const REGION_ALIGN: usize = 8;
/// Highest worker_nice (Linux's lowest priority).
pub const MAX_WORKER_NICE: u32 = 19;

/// Header field offsets.
mod hdr {
    pub const MAGIC: usize = 0;
    pub const LAYOUT_VER: usize = 4;
    pub const SLOT_COUNT: usize = 8;
    pub const SLOT_SIZE: usize = 12;
    pub const COMP_HEAD: usize = 16;
    pub const COMP_TAIL: usize = 20;
    pub const WAKE: usize = 24;
    pub const WORKER_NICE: usize = 28;
}

/// Slot field offsets.
mod field {
    pub const SEQ: usize = 0;
    /// u16 kind + u16 flags, read as one little-endian u32.
    pub const KIND_FLAGS: usize = 4;
    pub const IN_SEG: usize = 8;
    pub const IN_OFF: usize = 12;
    pub const IN_LEN: usize = 16;
    pub const OUT_SEG: usize = 20;
    pub const OUT_OFF: usize = 24;
    pub const OUT_CAP: usize = 28;
    pub const STATUS: usize = 32;
    pub const OUT_LEN: usize = 36;
    pub const EXEC_NS: usize = 40;
    pub const CANCEL: usize = 48;
    pub const WORKER: usize = 52;
    pub const MSG_LEN: usize = 56;
    pub const MSG: usize = 64;
}

/// Why a region was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayoutError {
    TooShort { len: usize, need: usize },
    Misaligned,
    BadMagic(u32),
    BadVersion(u32),
    BadSlotCount(u32),
    BadSlotSize(u32),
    BadWorkerNice(u32),
}

impl std::fmt::Display for LayoutError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LayoutError::TooShort { len, need } => {
                write!(f, "control region is {len} bytes, layout needs {need}")
            }
            LayoutError::Misaligned => write!(f, "control region is not 8-byte aligned"),
            LayoutError::BadMagic(m) => write!(f, "bad magic {m:#010x}, want {MAGIC:#010x}"),
            LayoutError::BadVersion(v) => {
                write!(
                    f,
                    "layout version {v}, this addon implements {LAYOUT_VERSION}"
                )
            }
            LayoutError::BadSlotCount(n) => write!(
                f,
                "slot_count {n} is not a power of two in {MIN_SLOTS}..={MAX_SLOTS}"
            ),
            LayoutError::BadSlotSize(s) => write!(f, "slot_size {s}, want {SLOT_BYTES}"),
            LayoutError::BadWorkerNice(v) => {
                write!(f, "worker_nice {v}, want 0..={MAX_WORKER_NICE}")
            }
        }
    }
}

impl std::error::Error for LayoutError {}

/// Bytes a region with `n` slots needs.
pub const fn required_len(n: u32) -> usize {
    HEADER_BYTES + 8 * n as usize + SLOT_BYTES * n as usize
}

/// A slot index known to be `< N`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotIndex(u32);

impl SlotIndex {
    pub fn get(self) -> u32 {
        self.0
    }
}

/// Typed access to a validated control region.
#[derive(Clone, Copy)]
pub struct ControlRegion {
    base: *mut u8,
    n: u32,
}

// SAFETY: the region is shared memory by design; every access below is an
// atomic or follows the protocol's happens-before edges (module header).
unsafe impl Send for ControlRegion {}
// SAFETY: as for Send.
unsafe impl Sync for ControlRegion {}

impl ControlRegion {
    /// Validates the header JS wrote and returns accessors over the region.
    ///
    /// # Safety
    /// `base..base+len` must stay valid (not freed, moved or resized) for as
    /// long as the returned value or any copy of it is used.
    pub unsafe fn from_raw(base: *mut u8, len: usize) -> Result<ControlRegion, LayoutError> {
        if len < HEADER_BYTES {
            return Err(LayoutError::TooShort {
                len,
                need: HEADER_BYTES,
            });
        }
        if base.is_null() || !(base as usize).is_multiple_of(REGION_ALIGN) {
            return Err(LayoutError::Misaligned);
        }
        let probe = ControlRegion { base, n: 0 };
        let word = |off| probe.header_word(off).load(Ordering::Relaxed);
        let magic = word(hdr::MAGIC);
        if magic != MAGIC {
            return Err(LayoutError::BadMagic(magic));
        }
        let version = word(hdr::LAYOUT_VER);
        if version != LAYOUT_VERSION {
            return Err(LayoutError::BadVersion(version));
        }
        let n = word(hdr::SLOT_COUNT);
        if !(MIN_SLOTS..=MAX_SLOTS).contains(&n) || !n.is_power_of_two() {
            return Err(LayoutError::BadSlotCount(n));
        }
        let slot_size = word(hdr::SLOT_SIZE);
        if slot_size as usize != SLOT_BYTES {
            return Err(LayoutError::BadSlotSize(slot_size));
        }
        let need = required_len(n);
        if len < need {
            return Err(LayoutError::TooShort { len, need });
        }
        let nice = word(hdr::WORKER_NICE);
        if nice > MAX_WORKER_NICE {
            return Err(LayoutError::BadWorkerNice(nice));
        }
        Ok(ControlRegion { base, n })
    }

    /// Writes a fresh header for `n` slots (what JS does at pool start); used
    /// by native drivers and tests over heap memory.
    ///
    /// # Safety
    /// `base` must be 8-byte aligned and valid for [`required_len`]`(n)` writes.
    pub unsafe fn write_header(base: *mut u8, n: u32) {
        let probe = ControlRegion { base, n: 0 };
        for off in (0..HEADER_BYTES).step_by(4) {
            probe.header_word(off).store(0, Ordering::Relaxed);
        }
        probe
            .header_word(hdr::MAGIC)
            .store(MAGIC, Ordering::Relaxed);
        probe
            .header_word(hdr::LAYOUT_VER)
            .store(LAYOUT_VERSION, Ordering::Relaxed);
        probe
            .header_word(hdr::SLOT_COUNT)
            .store(n, Ordering::Relaxed);
        probe
            .header_word(hdr::SLOT_SIZE)
            .store(SLOT_BYTES as u32, Ordering::Relaxed);
    }

    /// N.
    pub fn slot_count(&self) -> u32 {
        self.n
    }

    /// Nice value for the pool's worker threads (header word 28, written by
    /// JS before the pool starts; checked <= MAX_WORKER_NICE by from_raw).
    pub fn worker_nice(&self) -> u32 {
        self.header_word(hdr::WORKER_NICE).load(Ordering::Relaxed)
    }

    /// The bounds check for slot indices read from shared memory.
    pub fn index(&self, raw: u32) -> Option<SlotIndex> {
        (raw < self.n).then_some(SlotIndex(raw))
    }

    fn word_at(&self, off: usize) -> &AtomicU32 {
        // SAFETY: callers pass offsets inside the validated region that are
        // multiples of 4; the base is 8-aligned (from_raw), and the memory
        // outlives `self` (from_raw contract).
        unsafe { AtomicU32::from_ptr(self.base.add(off).cast()) }
    }

    fn header_word(&self, off: usize) -> &AtomicU32 {
        debug_assert!(off < HEADER_BYTES && off.is_multiple_of(4));
        self.word_at(off)
    }

    /// Consumer cursor of the complete ring (written by JS).
    pub fn comp_head(&self) -> &AtomicU32 {
        self.header_word(hdr::COMP_HEAD)
    }

    /// Producer cursor of the complete ring (written by native under the
    /// pool's completion mutex).
    pub fn comp_tail(&self) -> &AtomicU32 {
        self.header_word(hdr::COMP_TAIL)
    }

    /// The wake word: 0 idle, 1 a notification is pending.
    pub fn wake(&self) -> &AtomicU32 {
        self.header_word(hdr::WAKE)
    }

    fn submit_entry_word(&self, pos: u32) -> &AtomicU32 {
        self.word_at(HEADER_BYTES + 4 * (pos & (self.n - 1)) as usize)
    }

    fn complete_entry_word(&self, pos: u32) -> &AtomicU32 {
        self.word_at(HEADER_BYTES + 4 * self.n as usize + 4 * (pos & (self.n - 1)) as usize)
    }

    /// Submit ring entry at position `pos` (mod N). Written by JS before the
    /// `submit` call that reads it, so the call itself orders it.
    pub fn submit_entry(&self, pos: u32) -> u32 {
        self.submit_entry_word(pos).load(Ordering::Relaxed)
    }

    /// Driver side (the JS role): writes a submit ring entry.
    pub fn set_submit_entry(&self, pos: u32, idx: u32) {
        self.submit_entry_word(pos).store(idx, Ordering::Relaxed)
    }

    /// Complete ring entry at position `pos` (mod N). Relaxed: the writer
    /// publishes it with the release store of `comp_tail`, the reader loads
    /// `comp_tail` with acquire first.
    pub fn complete_entry(&self, pos: u32) -> u32 {
        self.complete_entry_word(pos).load(Ordering::Relaxed)
    }

    /// Writes a complete ring entry (publish step 2, under the completion
    /// mutex, before the `comp_tail` store).
    pub fn set_complete_entry(&self, pos: u32, idx: u32) {
        self.complete_entry_word(pos).store(idx, Ordering::Relaxed)
    }

    /// Hints the CPU to fetch slot `raw`'s first cache line (descriptor and
    /// result fields). A no-op for out-of-range indices and on other
    /// architectures.
    pub fn prefetch_slot(&self, raw: u32) {
        #[cfg(target_arch = "x86_64")]
        if let Some(idx) = self.index(raw) {
            let off = HEADER_BYTES + 8 * self.n as usize + SLOT_BYTES * idx.0 as usize;
            // SAFETY: prefetch never faults and reads nothing architecturally;
            // the address is inside the region anyway (idx < N).
            unsafe {
                std::arch::x86_64::_mm_prefetch(
                    self.base.add(off).cast::<i8>(),
                    std::arch::x86_64::_MM_HINT_T0,
                )
            };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = raw;
    }

    /// The slot at a checked index.
    pub fn slot(&self, idx: SlotIndex) -> Slot<'_> {
        let off = HEADER_BYTES + 8 * self.n as usize + SLOT_BYTES * idx.0 as usize;
        Slot {
            // SAFETY: idx < N, so the slot lies inside the validated region.
            base: unsafe { self.base.add(off) },
            _region: PhantomData,
        }
    }
}

/// One 256-byte task slot.
pub struct Slot<'a> {
    base: *mut u8,
    _region: PhantomData<&'a ControlRegion>,
}

/// A slot's result fields, as JS reads them after a completion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotResult {
    pub seq: u32,
    pub status: i32,
    pub out_len: u32,
    pub exec_ns: u64,
    pub worker: u32,
    pub msg: Vec<u8>,
}

impl Slot<'_> {
    fn word(&self, off: usize) -> &AtomicU32 {
        // SAFETY: `off` is one of the 4-aligned field offsets < SLOT_BYTES;
        // the slot base is 8-aligned and inside the region (ControlRegion::slot).
        unsafe { AtomicU32::from_ptr(self.base.add(off).cast()) }
    }

    fn exec_ns_word(&self) -> &AtomicU64 {
        // SAFETY: offset 40 is 8-aligned within an 8-aligned slot.
        unsafe { AtomicU64::from_ptr(self.base.add(field::EXEC_NS).cast()) }
    }

    /// The descriptor JS wrote (submit step 1).
    pub fn descriptor(&self) -> Descriptor {
        let w = |off| self.word(off).load(Ordering::Relaxed);
        Descriptor {
            // Low half of the little-endian word at 4 is `kind`; the high
            // half is `flags`, reserved.
            kind: (w(field::KIND_FLAGS) & 0xFFFF) as u16,
            in_seg: w(field::IN_SEG),
            in_off: w(field::IN_OFF),
            in_len: w(field::IN_LEN),
            out_seg: w(field::OUT_SEG),
            out_off: w(field::OUT_OFF),
            out_cap: w(field::OUT_CAP),
        }
    }

    /// The cancel word (JS stores 1 with `Atomics.store` at any time).
    pub fn cancel(&self) -> &AtomicU32 {
        self.word(field::CANCEL)
    }

    /// Complete step 1: the result fields, as plain (relaxed) stores; they
    /// are published by the release store of `comp_tail` that follows.
    pub fn write_result(
        &self,
        status: Status,
        out_len: u32,
        exec_ns: u64,
        worker: u32,
        msg: &[u8],
    ) {
        let n = msg.len().min(MSG_CAP);
        if n > 0 {
            // SAFETY: msg area is slot bytes 64..256, inside the slot; `msg`
            // is Rust memory, so the ranges cannot overlap.
            unsafe { std::ptr::copy_nonoverlapping(msg.as_ptr(), self.base.add(field::MSG), n) };
        }
        self.word(field::STATUS)
            .store(status.code() as u32, Ordering::Relaxed);
        self.word(field::OUT_LEN).store(out_len, Ordering::Relaxed);
        self.exec_ns_word().store(exec_ns, Ordering::Relaxed);
        self.word(field::WORKER).store(worker, Ordering::Relaxed);
        self.word(field::MSG_LEN).store(n as u32, Ordering::Relaxed);
    }

    /// Driver side (submit step 1): writes the descriptor and presets
    /// `status = -1`, `cancel = 0`.
    pub fn write_descriptor(&self, seq: u32, d: &Descriptor) {
        let st = |off, v| self.word(off).store(v, Ordering::Relaxed);
        st(field::SEQ, seq);
        st(field::KIND_FLAGS, u32::from(d.kind));
        st(field::IN_SEG, d.in_seg);
        st(field::IN_OFF, d.in_off);
        st(field::IN_LEN, d.in_len);
        st(field::OUT_SEG, d.out_seg);
        st(field::OUT_OFF, d.out_off);
        st(field::OUT_CAP, d.out_cap);
        st(field::STATUS, Status::Pending.code() as u32);
        st(field::OUT_LEN, 0);
        st(field::MSG_LEN, 0);
        self.cancel().store(0, Ordering::Relaxed);
    }

    /// Driver side: the status word alone (cheap check in benchmarks).
    pub fn status(&self) -> i32 {
        self.word(field::STATUS).load(Ordering::Relaxed) as i32
    }

    /// Driver side (drain step 2): the result fields.
    pub fn result(&self) -> SlotResult {
        let w = |off| self.word(off).load(Ordering::Relaxed);
        let msg_len = (w(field::MSG_LEN) as usize).min(MSG_CAP);
        let mut msg = vec![0u8; msg_len];
        // SAFETY: msg area is inside the slot; `msg` is a fresh Rust buffer.
        unsafe {
            std::ptr::copy_nonoverlapping(self.base.add(field::MSG), msg.as_mut_ptr(), msg_len)
        };
        SlotResult {
            seq: w(field::SEQ),
            status: w(field::STATUS) as i32,
            out_len: w(field::OUT_LEN),
            exec_ns: self.exec_ns_word().load(Ordering::Relaxed),
            worker: w(field::WORKER),
            msg,
        }
    }
}
