//! Generators of hostile shared memory: everything JS writes and native
//! code reads. Each value is biased towards the edges that matter (ids
//! around the table's end, offsets that wrap a u32, lengths just past a
//! segment, digit strings around the spin/sleep limits) and otherwise
//! arbitrary, so valid and malformed descriptors both come up often.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

use crossfair_rust::descriptor::Descriptor;

use super::model::{Memory, MAX_MICROS, SHORT_MICROS};

/// Segment ids the tables and descriptors draw from: a few ordinary ones,
/// the last valid id, the first invalid one.
pub const IDS: [u32; 6] = [0, 1, 2, 7, 4095, 4096];
/// Largest backing buffer: offsets and lengths up to ~700 then land on
/// both sides of a segment's end.
pub const MAX_BUF: usize = 600;

/// A segment id as a descriptor holds it: often the arena (always
/// registered), often another id of the table's pool.
pub fn seg_id() -> impl Strategy<Value = u32> {
    prop_oneof![
        20 => Just(0u32),
        3 => select(IDS.to_vec()),
        1 => Just(u32::MAX),
        1 => any::<u32>(),
    ]
}

/// An offset or length field, chosen relative to the room the segment
/// actually has (known only once the table is built), so in-bounds ranges
/// and exact edges are common.
#[derive(Clone, Copy, Debug)]
pub enum Span {
    /// `room * f / 255`: inside.
    Fits(u8),
    /// `room + d`: at the edge, one or two bytes either side.
    Edge(i8),
    /// The raw word, whatever the room.
    Raw(u32),
}

impl Span {
    pub fn resolve(self, room: usize) -> u32 {
        let room = room.min(u32::MAX as usize) as u64;
        match self {
            Span::Fits(f) => (room * u64::from(f) / 255) as u32,
            Span::Edge(d) => (room as i64 + i64::from(d)).clamp(0, u32::MAX as i64) as u32,
            Span::Raw(v) => v,
        }
    }
}

pub fn span() -> impl Strategy<Value = Span> {
    prop_oneof![
        12 => any::<u8>().prop_map(Span::Fits),
        2 => (-2i8..=2).prop_map(Span::Edge),
        1 => word().prop_map(Span::Raw),
    ]
}

/// An offset, length or capacity field.
pub fn word() -> impl Strategy<Value = u32> {
    prop_oneof![
        6 => 0u32..=700,
        2 => (0u32..=64).prop_map(|k| u32::MAX - k),
        1 => select(vec![1u32 << 31, (1 << 31) - 1, 1 << 16, 4096]),
        1 => any::<u32>(),
    ]
}

/// A kind id: mostly the table (0 and 7 are unknown), sometimes anything.
pub fn kind() -> impl Strategy<Value = u16> {
    prop_oneof![8 => 0u16..=7, 1 => any::<u16>()]
}

fn digits(v: u64) -> Vec<u8> {
    v.to_string().into_bytes()
}

/// Input bytes that the test writes at a task's input offset.
pub fn payload() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => (0..=SHORT_MICROS).prop_map(digits),
        2 => (SHORT_MICROS + 1..=MAX_MICROS).prop_map(digits),
        1 => (MAX_MICROS + 1..=9_999_999_999u64).prop_map(digits),
        // Leading zeros, 0 digits, 11 and 12 digits.
        2 => vec(b'0'..=b'9', 0..=12),
        // A digit string with one foreign byte (sign, space, dot, NUL...).
        1 => (vec(b'0'..=b'9', 1..=9), any::<u8>(), 0usize..10).prop_map(|(mut d, b, at)| {
            d.insert(at.min(d.len()), b);
            d
        }),
        2 => vec(any::<u8>(), 0..=300),
        // Multi-byte UTF-8 around the 192-byte message cut.
        1 => (select(vec!["é", "✓", "😀", "a"]), 40usize..=120).prop_map(|(s, n)| {
            s.repeat(n).into_bytes()
        }),
    ]
}

/// Everything JS writes into one slot.
#[derive(Clone, Debug)]
pub struct SlotSpec {
    pub seq: u32,
    pub kind: u16,
    pub flags: u16,
    pub in_seg: u32,
    pub in_off: Span,
    pub in_len: Span,
    pub out_seg: u32,
    pub out_off: Span,
    pub out_cap: Span,
    /// JS presets -1; native must overwrite whatever is there.
    pub status: u32,
    /// JS presets 0; any non-zero value means cancelled.
    pub cancel: u32,
    /// Seed of the bytes in the result fields and message area.
    pub junk: u64,
    /// If set, written at (in_seg, in_off) when it fits, and in_len
    /// becomes its length.
    pub payload: Option<Vec<u8>>,
}

impl SlotSpec {
    /// The descriptor, with each span resolved against `mem`'s table.
    pub fn descriptor(&self, mem: &Memory) -> Descriptor {
        let room = |seg| mem.table.get(&seg).map_or(0, |w| w.len);
        let in_room = room(self.in_seg);
        let (in_off, in_len) = match &self.payload {
            Some(p) => (
                self.in_off.resolve(in_room.saturating_sub(p.len())),
                p.len() as u32,
            ),
            None => {
                let off = self.in_off.resolve(in_room);
                (
                    off,
                    self.in_len.resolve(in_room.saturating_sub(off as usize)),
                )
            }
        };
        let out_room = room(self.out_seg);
        let out_off = self.out_off.resolve(out_room);
        Descriptor {
            kind: self.kind,
            in_seg: self.in_seg,
            in_off,
            in_len,
            out_seg: self.out_seg,
            out_off,
            out_cap: self
                .out_cap
                .resolve(out_room.saturating_sub(out_off as usize)),
        }
    }
}

prop_compose! {
    pub fn slot_spec()(
        (seq, kind, flags, status) in (any::<u32>(), kind(), any::<u16>(), any::<u32>()),
        (in_seg, in_off, in_len) in (seg_id(), span(), span()),
        (out_seg, out_off, out_cap) in (seg_id(), span(), span()),
        cancel in prop_oneof![12 => Just(0u32), 1 => Just(1u32), 1 => any::<u32>()],
        junk in any::<u64>(),
        payload in prop::option::weighted(0.6, payload()),
    ) -> SlotSpec {
        SlotSpec {
            seq, kind, flags, in_seg, in_off, in_len, out_seg, out_off, out_cap,
            status, cancel, junk, payload,
        }
    }
}

/// One change to the segment table, in order.
#[derive(Clone, Debug)]
pub enum SegOp {
    /// Register `id` as a window of backing buffer `buf % bufs`: `off` and
    /// `len` are reduced into the buffer (`len == usize::MAX`: to its end).
    Register {
        id: u32,
        buf: usize,
        off: usize,
        len: usize,
    },
    /// Register `id` as a zero-length segment with a null pointer.
    RegisterNull {
        id: u32,
    },
    Unregister {
        id: u32,
    },
}

/// An id for a table op. Rarely 0: the test registers the arena (0)
/// first, and a case that loses it fails every descriptor on segment 0.
fn table_id() -> impl Strategy<Value = u32> {
    prop_oneof![
        1 => Just(0u32),
        8 => select(IDS[1..].to_vec()),
        1 => Just(u32::MAX),
        1 => any::<u32>(),
    ]
}

pub fn seg_op() -> impl Strategy<Value = SegOp> {
    prop_oneof![
        6 => (
            table_id(),
            0usize..4,
            prop_oneof![2 => Just(0usize), 1 => 0usize..=MAX_BUF],
            prop_oneof![2 => Just(usize::MAX), 1 => 0usize..=MAX_BUF],
        )
            .prop_map(|(id, buf, off, len)| SegOp::Register { id, buf, off, len }),
        1 => table_id().prop_map(|id| SegOp::RegisterNull { id }),
        2 => table_id().prop_map(|id| SegOp::Unregister { id }),
    ]
}

/// A whole case: control region, memory, one submit batch.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// N, the slot count (a power of two, 8..=64 here).
    pub slots: u32,
    /// Contents of the backing buffers (1..=3).
    pub bufs: Vec<Vec<u8>>,
    pub table: Vec<SegOp>,
    /// One spec per slot, N of them.
    pub specs: Vec<SlotSpec>,
    /// The submit ring before the batch is written (N entries): stale
    /// entries native must not read.
    pub stale_ring: Vec<u32>,
    /// Ring position of the batch's first entry.
    pub start: u32,
    /// The batch: slot indices, in range or not, duplicates allowed.
    pub entries: Vec<u32>,
}

/// A backing buffer: mostly big enough for the payloads, sometimes tiny.
fn buffer() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![1 => vec(any::<u8>(), 0..=16), 4 => vec(any::<u8>(), 256..=MAX_BUF)]
}

/// A submit ring entry for a ring of `n` slots.
fn ring_entry(n: u32) -> impl Strategy<Value = u32> {
    prop_oneof![
        8 => 0..n,
        1 => n..=n + 8,
        1 => any::<u32>(),
    ]
}

pub fn scenario() -> impl Strategy<Value = Scenario> {
    (0u32..=3)
        .prop_map(|k| 8u32 << k)
        .prop_flat_map(|n| {
            let len = n as usize;
            (
                Just(n),
                vec(buffer(), 1..=3),
                vec(seg_op(), 0..=8),
                vec(slot_spec(), len),
                vec(ring_entry(n), len),
                any::<u32>(),
                vec(ring_entry(n), 0..=len),
            )
        })
        .prop_map(
            |(slots, bufs, table, specs, stale_ring, start, entries)| Scenario {
                slots,
                bufs,
                table,
                specs,
                stale_ring,
                start,
                entries,
            },
        )
}
