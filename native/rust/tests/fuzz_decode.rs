//! Fuzz targets: the decoding steps of the pool, one at a time, on
//! arbitrary bytes (tests/fuzz_descriptor.rs drives them all together).
//!
//! 1. Slot words: any 256 bytes decode to the little-endian fields of
//!    TRANSPORT.md (kind = low half of word 4, flags ignored), and a
//!    descriptor written the JS way decodes to what was written.
//! 2. Slot indices: `index(raw)` exists iff raw < N.
//! 3. Bounds checks: `descriptor::resolve` against a real segment table
//!    accepts exactly the ranges the model accepts, and its views read and
//!    write exactly those bytes.
//! 4. Control region header: `ControlRegion::from_raw` accepts exactly the
//!    valid headers and names the first failed check, without reading past
//!    the length it is given.
//! 5. Kinds: any input and output capacity give the documented outcome
//!    (spin/sleep input parsing included, with a token already cancelled,
//!    so no case waits).
//!
//! `PROPTEST_CASES` sets the count of every target in this file.

mod fuzz;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossfair_rust::cancel::CancelToken;
use crossfair_rust::descriptor::{self, Descriptor};
use crossfair_rust::heap::SharedBuf;
use crossfair_rust::kinds::{self, Kind, Outcome};
use crossfair_rust::mem::{Input, Output};
use crossfair_rust::panic_guard::{catch_task_panic, install_quiet_hook};
use crossfair_rust::ring::{required_len, ControlRegion, LayoutError, MAGIC};
use crossfair_rust::segments::SegmentTable;
use crossfair_rust::status::Status;
use fuzz::model::{self, Expect, Memory, MsgRule, Window};
use fuzz::strategies::{kind, payload, seg_id, span, IDS};
use proptest::collection::vec;
use proptest::prelude::*;

/// Cases per CI run for each target: pure functions, a few microseconds a
/// case, so well under a second for all five.
const CI_CASES: u32 = 2048;

fn le32(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(b[off..off + 4].try_into().unwrap())
}

/// A fresh control region of `n` slots.
fn region(n: u32) -> (SharedBuf, ControlRegion) {
    let b = SharedBuf::new(required_len(n));
    // SAFETY: 16-aligned and exactly required_len(n) bytes.
    unsafe { ControlRegion::write_header(b.as_ptr(), n) };
    // SAFETY: `b` is returned alongside and outlives every use in a case.
    let r = unsafe { ControlRegion::from_raw(b.as_ptr(), b.len()) }.unwrap();
    (b, r)
}

fn slot_offset(n: u32, idx: u32) -> usize {
    64 + 8 * n as usize + 256 * idx as usize
}

fn descriptor_strategy() -> impl Strategy<Value = Descriptor> {
    (any::<u16>(), any::<[u32; 6]>()).prop_map(|(kind, w)| Descriptor {
        kind,
        in_seg: w[0],
        in_off: w[1],
        in_len: w[2],
        out_seg: w[3],
        out_off: w[4],
        out_cap: w[5],
    })
}

/// Expected `from_raw` result for a header, in the documented check order.
fn expected_layout(
    len: usize,
    shift: usize,
    words: [u32; 4],
    nice: u32,
) -> Result<u32, LayoutError> {
    let [magic, version, n, size] = words;
    if len < 64 {
        return Err(LayoutError::TooShort { len, need: 64 });
    }
    if !shift.is_multiple_of(8) {
        return Err(LayoutError::Misaligned);
    }
    if magic != MAGIC {
        return Err(LayoutError::BadMagic(magic));
    }
    if version != 1 {
        return Err(LayoutError::BadVersion(version));
    }
    if !(8..=65536).contains(&n) || !n.is_power_of_two() {
        return Err(LayoutError::BadSlotCount(n));
    }
    if size != 256 {
        return Err(LayoutError::BadSlotSize(size));
    }
    let need = 64 + 264 * n as usize;
    if len < need {
        return Err(LayoutError::TooShort { len, need });
    }
    if nice > 19 {
        return Err(LayoutError::BadWorkerNice(nice));
    }
    Ok(n)
}

proptest! {
    #![proptest_config(fuzz::config(CI_CASES))]

    #[test]
    fn slot_words_decode_as_documented(
        k in 0u32..4,
        idx in 0u32..64,
        raw in vec(any::<u8>(), 256),
        seq in any::<u32>(),
        written in descriptor_strategy(),
    ) {
        let n = 8u32 << k;
        let idx = idx % n;
        let (buf, r) = region(n);
        buf.write(slot_offset(n, idx), &raw);
        let slot = r.slot(r.index(idx).unwrap());
        let want = Descriptor {
            kind: u16::from_le_bytes([raw[4], raw[5]]),
            in_seg: le32(&raw, 8),
            in_off: le32(&raw, 12),
            in_len: le32(&raw, 16),
            out_seg: le32(&raw, 20),
            out_off: le32(&raw, 24),
            out_cap: le32(&raw, 28),
        };
        prop_assert_eq!(slot.descriptor(), want);
        prop_assert_eq!(slot.cancel().load(Ordering::Relaxed), le32(&raw, 48));

        // Written the JS way (submit step 1), read back the same.
        slot.write_descriptor(seq, &written);
        let b = buf.read(slot_offset(n, idx), 256);
        prop_assert_eq!(slot.descriptor(), written);
        prop_assert_eq!(le32(&b, 0), seq);
        prop_assert_eq!(le32(&b, 4), u32::from(written.kind), "kind, flags = 0");
        prop_assert_eq!(le32(&b, 32) as i32, Status::Pending.code());
        prop_assert_eq!(le32(&b, 48), 0, "cancel preset");
    }

    #[test]
    fn slot_index_is_checked(k in 0u32..8, raw in prop_oneof![0u32..=2048, any::<u32>()]) {
        let n = 8u32 << k;
        let (_buf, r) = region(n);
        prop_assert_eq!(r.index(raw).map(|i| i.get()), (raw < n).then_some(raw));
    }

    #[test]
    fn resolve_accepts_exactly_the_model_ranges(
        bufs in vec(vec(any::<u8>(), 0..=300), 1..=2),
        regs in vec((prop::sample::select(IDS[..5].to_vec()), 0usize..2, any::<u8>(), any::<u8>()), 0..=5),
        kind in kind(),
        (in_seg, in_off, in_len) in (seg_id(), span(), span()),
        (out_seg, out_off, out_cap) in (seg_id(), span(), span()),
        marker in any::<u8>(),
    ) {
        // Model and real memory: the buffers back to back in one
        // allocation, so an access outside a window lands in a neighbour
        // and shows up as a difference instead of going unnoticed.
        let mut mem = Memory { bufs: vec![bufs.concat()], ..Memory::default() };
        let real = SharedBuf::new(mem.bufs[0].len());
        real.write(0, &mem.bufs[0]);
        let table = SegmentTable::new();
        for &(id, b, off, len) in &regs {
            let b = b % bufs.len();
            let base = if b == 0 { 0 } else { bufs[0].len() };
            let size = bufs[b].len();
            let off = size * usize::from(off) / 255;
            let len = (size - off) * usize::from(len) / 255;
            // SAFETY: base + off + len is inside `real`, which outlives `table`.
            unsafe { table.register(id, real.as_ptr().add(base + off), len) }.unwrap();
            mem.table.insert(id, Window { buf: Some(0), off: base + off, len });
        }
        let room = |seg| mem.table.get(&seg).map_or(0, |w| w.len);
        let in_off = in_off.resolve(room(in_seg));
        let out_off = out_off.resolve(room(out_seg));
        let d = Descriptor {
            kind,
            in_seg,
            in_off,
            in_len: in_len.resolve(room(in_seg).saturating_sub(in_off as usize)),
            out_seg,
            out_off,
            out_cap: out_cap.resolve(room(out_seg).saturating_sub(out_off as usize)),
        };
        let want_in = mem.range(d.in_seg, d.in_off, d.in_len);
        let want_out = mem.range(d.out_seg, d.out_off, d.out_cap);
        let got = descriptor::resolve(&d, &table);
        prop_assert_eq!(got.is_some(), want_in.is_some() && want_out.is_some(), "{:?}", d);
        if let (Some(mut io), Some(wi), Some(wo)) = (got, want_in, want_out) {
            prop_assert_eq!(io.input.len(), d.in_len as usize);
            let want_bytes = mem.read(wi);
            prop_assert!(io.input.with_bytes(|b| b == &want_bytes[..]), "input bytes");
            prop_assert_eq!(io.output.cap(), d.out_cap as usize);
            let fill = vec![marker; (d.out_cap as usize).min(64)];
            prop_assert!(io.output.write(&fill));
            mem.write(wo, &fill);
            prop_assert_eq!(real.read(0, real.len()), mem.bufs[0].clone(), "bytes written");
        }
    }

    #[test]
    fn header_is_validated_in_order(
        len in prop_oneof![0usize..=80, (0u32..5).prop_map(|k| 64 + 264 * (8usize << k)), 0usize..=40000],
        slack in -2i64..=2,
        shift in prop_oneof![4 => Just(0usize), 1 => 1usize..8],
        magic in prop_oneof![8 => Just(MAGIC), 1 => any::<u32>()],
        version in prop_oneof![8 => Just(1u32), 1 => any::<u32>()],
        n in prop_oneof![6 => (0u32..=8).prop_map(|k| 1 << k), 1 => 9u32..=65540, 1 => any::<u32>()],
        size in prop_oneof![8 => Just(256u32), 1 => any::<u32>()],
        nice in prop_oneof![4 => 0u32..=19, 1 => any::<u32>()],
    ) {
        let len = (len as i64 + slack).max(0) as usize;
        // The region starts at `shift` into a 16-aligned buffer and is
        // given exactly `len` bytes; the header is written only if it fits.
        let buf = SharedBuf::new(len.max(64) + shift);
        for (i, w) in [magic, version, n, size].iter().enumerate() {
            buf.write(shift + 4 * i, &w.to_le_bytes());
        }
        buf.write(shift + 28, &nice.to_le_bytes()); // worker_nice

        // SAFETY: shift + len <= buf.len(), and `buf` outlives the result.
        let got = unsafe { ControlRegion::from_raw(buf.as_ptr().add(shift), len) };
        let want = expected_layout(len, shift, [magic, version, n, size], nice);
        prop_assert_eq!(got.map(|r| r.slot_count()), want);
    }

    #[test]
    fn kinds_give_the_documented_outcome(
        kind in 1u16..=6,
        input in payload(),
        out_cap in prop_oneof![0u32..=40, 0u32..=400],
    ) {
        install_quiet_hook();
        let k = Kind::from_id(kind).unwrap();
        let mut out = vec![0xA5u8; out_cap as usize];
        let stop = AtomicBool::new(true);
        let r = {
            let mut output = Output::from_slice(&mut out);
            catch_task_panic(|| {
                kinds::run(k, Input::from_slice(&input), &mut output, &CancelToken::shutdown_only(&stop))
            })
        };
        let (want, written) = model::run_kind(kind, &input, out_cap);
        let parsed = model::parse_micros(&input);
        prop_assert_eq!(kinds::parse_micros(&input), parsed.map(Duration::from_micros));
        // A wait that would run is cut short by the cancelled token.
        let want = match want {
            Expect::LongWait | Expect::Done { status: Status::Ok, .. } if kind == 3 || kind == 4 => {
                Expect::Done { status: Status::Aborted, out_len: 0, msg: MsgRule::Any }
            }
            w => w,
        };
        let (status, out_len, msg) = match r {
            Ok(Outcome::Ok { out_len }) => (Status::Ok, out_len, Vec::new()),
            Ok(Outcome::Failed(m)) => (Status::TaskFailed, 0, m.as_bytes().to_vec()),
            Ok(Outcome::BadInput(m)) => (Status::BadInput, 0, m.as_bytes().to_vec()),
            Ok(Outcome::OutputTooLarge { needed }) => (Status::OutputTooLarge, needed, Vec::new()),
            Ok(Outcome::Aborted) => (Status::Aborted, 0, Vec::new()),
            Err(m) => (Status::TaskPanic, 0, m.as_bytes().to_vec()),
        };
        let Expect::Done { status: ws, out_len: wl, msg: rule } = want else { unreachable!() };
        prop_assert_eq!(status, ws);
        prop_assert_eq!(out_len, wl);
        match rule {
            MsgRule::Exact(m) => prop_assert_eq!(msg, m),
            MsgRule::NonEmpty => prop_assert!(!msg.is_empty()),
            MsgRule::Empty => prop_assert!(msg.is_empty()),
            MsgRule::Any => {}
        }
        let mut want_out = vec![0xA5u8; out_cap as usize];
        if let Some(w) = written {
            want_out[..w.len()].copy_from_slice(&w);
        }
        prop_assert_eq!(out, want_out, "output bytes");
    }
}
