//! An independent model of what docs/TRANSPORT.md says a pool does with one
//! descriptor: the bounds checks, the kinds, the message rule. The fuzz
//! targets compare the real pool against it, so it is written from the
//! document, not from the crate (it shares only the `Status` and
//! `Descriptor` types).
//!
//! Memory is modelled as backing buffers (what JS allocates) plus a table
//! of segment ids mapping to windows of them, so two ids may alias the same
//! bytes, as two registrations of one SharedArrayBuffer would.

use std::collections::HashMap;

use crossfair_rust::descriptor::Descriptor;
use crossfair_rust::status::Status;
use sha2::{Digest, Sha256};

/// Ids 0..4095 (crossfair.h `cf_segment_register`).
pub const SEGMENT_IDS: u32 = 4096;
/// `msg` field size (TRANSPORT.md, "Messages").
pub const MSG_MAX: usize = 192;
/// spin/sleep limit: 60 s in microseconds (TRANSPORT.md, "Kinds").
pub const MAX_MICROS: u64 = 60_000_000;
/// Waits up to this long run to completion in the fuzz targets; longer ones
/// are cancelled by the test right after submit (they end ABORTED, or OK if
/// the wait won the race). Small, so a case with many waits stays quick.
pub const SHORT_MICROS: u64 = 300;

/// A registered segment: `len` bytes at `off` of backing buffer `buf`
/// (`None`: a zero-length segment registered with a null pointer).
#[derive(Clone, Copy, Debug)]
pub struct Window {
    pub buf: Option<usize>,
    pub off: usize,
    pub len: usize,
}

/// A checked range in the model's memory.
#[derive(Clone, Copy, Debug)]
pub struct Range {
    pub buf: Option<usize>,
    pub start: usize,
    pub len: usize,
}

/// Backing buffers and the segment table.
#[derive(Clone, Debug, Default)]
pub struct Memory {
    pub bufs: Vec<Vec<u8>>,
    pub table: HashMap<u32, Window>,
}

impl Memory {
    /// `seg[off..off+len]` if `seg` is registered and the range fits,
    /// computed without wrap-around (TRANSPORT.md, "Bounds checks").
    pub fn range(&self, seg: u32, off: u32, len: u32) -> Option<Range> {
        let w = self.table.get(&seg)?;
        let end = u64::from(off) + u64::from(len);
        (end <= w.len as u64).then_some(Range {
            buf: w.buf,
            start: w.off + off as usize,
            len: len as usize,
        })
    }

    pub fn read(&self, r: Range) -> Vec<u8> {
        match r.buf {
            Some(b) => self.bufs[b][r.start..r.start + r.len].to_vec(),
            None => Vec::new(),
        }
    }

    /// Writes `bytes` (at most `r.len`) at the start of `r`.
    pub fn write(&mut self, r: Range, bytes: &[u8]) {
        assert!(bytes.len() <= r.len, "model bug: write past its range");
        if let Some(b) = r.buf {
            self.bufs[b][r.start..r.start + bytes.len()].copy_from_slice(bytes);
        }
    }
}

/// What the `msg` field must hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MsgRule {
    Empty,
    Exact(Vec<u8>),
    NonEmpty,
    /// Not fixed by TRANSPORT.md (each pool words its own).
    Any,
}

/// The documented result of one run of one task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    Done {
        status: Status,
        out_len: u32,
        msg: MsgRule,
    },
    /// A spin/sleep longer than SHORT_MICROS: the test cancels it, so it
    /// ends ABORTED, or OK if the wait ended first.
    LongWait,
}

impl Expect {
    fn done(status: Status, out_len: u32, msg: MsgRule) -> Expect {
        Expect::Done {
            status,
            out_len,
            msg,
        }
    }
}

/// spin/sleep input: 1 to 10 ASCII digits, value <= 60 s (TRANSPORT.md).
pub fn parse_micros(input: &[u8]) -> Option<u64> {
    if input.is_empty() || input.len() > 10 || !input.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v: u64 = std::str::from_utf8(input).ok()?.parse().ok()?;
    (v <= MAX_MICROS).then_some(v)
}

/// The message rule: cut at 192 bytes, backing off over continuation bytes.
pub fn cut_msg(bytes: &[u8]) -> Vec<u8> {
    let mut cut = bytes.len().min(MSG_MAX);
    if cut < bytes.len() {
        while cut > 0 && bytes[cut] & 0xC0 == 0x80 {
            cut -= 1;
        }
    }
    bytes[..cut].to_vec()
}

/// What kind `kind` does with `input` and `out_cap` bytes of output space:
/// the result, and the bytes it writes at the start of the output.
pub fn run_kind(kind: u16, input: &[u8], out_cap: u32) -> (Expect, Option<Vec<u8>>) {
    let len = input.len() as u32;
    match kind {
        1 if len > out_cap => (
            Expect::done(Status::OutputTooLarge, len, MsgRule::Any),
            None,
        ),
        1 => (
            Expect::done(Status::Ok, len, MsgRule::Empty),
            Some(input.to_vec()),
        ),
        2 if out_cap < 32 => (Expect::done(Status::OutputTooLarge, 32, MsgRule::Any), None),
        2 => (
            Expect::done(Status::Ok, 32, MsgRule::Empty),
            Some(Sha256::digest(input).to_vec()),
        ),
        3 | 4 => match parse_micros(input) {
            None => (Expect::done(Status::BadInput, 0, MsgRule::NonEmpty), None),
            Some(us) if us <= SHORT_MICROS => (Expect::done(Status::Ok, 0, MsgRule::Empty), None),
            Some(_) => (Expect::LongWait, None),
        },
        5 => (
            Expect::done(Status::TaskFailed, 0, MsgRule::Exact(cut_msg(input))),
            None,
        ),
        6 => (
            Expect::done(Status::TaskPanic, 0, MsgRule::Exact(cut_msg(input))),
            None,
        ),
        _ => (Expect::done(Status::UnknownKind, 0, MsgRule::Any), None),
    }
}

/// One run of a task with descriptor `d` over `mem` (which it updates):
/// cancel first, then the bounds checks, then the kind.
pub fn run_task(mem: &mut Memory, d: &Descriptor, cancelled: bool) -> Expect {
    if cancelled {
        return Expect::done(Status::Aborted, 0, MsgRule::Any);
    }
    let (Some(input), Some(output)) = (
        mem.range(d.in_seg, d.in_off, d.in_len),
        mem.range(d.out_seg, d.out_off, d.out_cap),
    ) else {
        return Expect::done(Status::BadDescriptor, 0, MsgRule::Any);
    };
    // The input is read whole before the output is written: an in-place
    // (overlapping) echo behaves as memmove.
    let bytes = mem.read(input);
    let (expect, written) = run_kind(d.kind, &bytes, d.out_cap);
    if let Some(w) = written {
        mem.write(output, &w);
    }
    expect
}
