//! Task descriptors and their bounds checks.
//!
//! Owns: turning the seven descriptor fields of a slot into input/output
//! views, or refusing (status BAD_DESCRIPTOR) before any data is touched.
//!
//! Rules (docs/TRANSPORT.md, "Bounds checks"): `in_seg` and `out_seg` are
//! registered; `in_off + in_len <= seg_len` and `out_off + out_cap <=
//! seg_len`, computed in 64 bits so a u32 wrap-around cannot pass.

use crate::mem::{Input, Output};
use crate::segments::SegmentTable;

/// The JS-written part of a slot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Descriptor {
    pub kind: u16,
    pub in_seg: u32,
    pub in_off: u32,
    pub in_len: u32,
    pub out_seg: u32,
    pub out_off: u32,
    pub out_cap: u32,
}

/// A descriptor whose ranges passed the bounds checks.
pub struct Resolved<'a> {
    pub input: Input<'a>,
    pub output: Output<'a>,
}

/// `(ptr, len)` of `seg[off..off+len]`, or None if the segment is missing or
/// the range does not fit.
fn range(segments: &SegmentTable, seg: u32, off: u32, len: u32) -> Option<*mut u8> {
    let s = segments.get(seg)?;
    // u64: two u32 summands cannot wrap.
    if u64::from(off) + u64::from(len) > u64::from(s.len) {
        return None;
    }
    // SAFETY: off + len <= s.len, so the pointer stays inside (or one past
    // the end of) the registered segment.
    Some(unsafe { s.ptr.add(off as usize) })
}

/// Bounds-checks `d` against the table and builds the views.
///
/// The views borrow `'a` memory that the segment table's registration
/// contract keeps valid while the task is in flight.
pub fn resolve<'a>(d: &Descriptor, segments: &SegmentTable) -> Option<Resolved<'a>> {
    let in_ptr = range(segments, d.in_seg, d.in_off, d.in_len)?;
    let out_ptr = range(segments, d.out_seg, d.out_off, d.out_cap)?;
    // SAFETY: both ranges passed the checks above against registered
    // segments (valid per SegmentTable::register's contract), and JS leaves
    // them alone while the task is in flight (TRANSPORT.md, Protocol).
    unsafe {
        Some(Resolved {
            input: Input::from_raw(in_ptr, d.in_len as usize),
            output: Output::from_raw(out_ptr, d.out_cap as usize),
        })
    }
}
