//! Control region validation (E_BAD_OPTIONS) and pool argument checks.

use std::sync::atomic::Ordering;

use crossfair_rust::errors::PoolError;
use crossfair_rust::heap::SharedBuf;
use crossfair_rust::pool::Pool;
use crossfair_rust::ring::{required_len, ControlRegion, LayoutError};

fn region(n: u32) -> SharedBuf {
    let b = SharedBuf::new(required_len(n));
    // SAFETY: aligned and exactly required_len(n) bytes.
    unsafe { ControlRegion::write_header(b.as_ptr(), n) };
    b
}

fn open(b: &SharedBuf, len: usize) -> Result<ControlRegion, LayoutError> {
    // SAFETY: `b` outlives the returned region within each test.
    unsafe { ControlRegion::from_raw(b.as_ptr(), len) }
}

fn set_word(b: &SharedBuf, off: usize, v: u32) {
    b.write(off, &v.to_le_bytes());
}

#[test]
fn valid_header_is_accepted() {
    let b = region(8);
    let r = open(&b, b.len()).unwrap();
    assert_eq!(r.slot_count(), 8);
    assert_eq!(required_len(8), 64 + 8 * 8 + 256 * 8);
    assert!(r.index(7).is_some() && r.index(8).is_none());
}

#[test]
fn bad_headers_are_rejected() {
    let b = region(8);
    assert!(matches!(
        open(&b, b.len() - 1),
        Err(LayoutError::TooShort { .. })
    ));
    assert!(matches!(open(&b, 10), Err(LayoutError::TooShort { .. })));
    set_word(&b, 0, 0x1234);
    assert!(matches!(
        open(&b, b.len()),
        Err(LayoutError::BadMagic(0x1234))
    ));
    set_word(&b, 0, crossfair_rust::ring::MAGIC);
    set_word(&b, 4, 2);
    assert!(matches!(open(&b, b.len()), Err(LayoutError::BadVersion(2))));
    set_word(&b, 4, 1);
    for n in [0, 4, 12, 131072] {
        set_word(&b, 8, n);
        assert!(
            matches!(open(&b, b.len()), Err(LayoutError::BadSlotCount(_))),
            "{n}"
        );
    }
    set_word(&b, 8, 8);
    set_word(&b, 12, 128);
    assert!(matches!(
        open(&b, b.len()),
        Err(LayoutError::BadSlotSize(128))
    ));
    set_word(&b, 12, 256);
    set_word(&b, 28, 20);
    assert!(matches!(
        open(&b, b.len()),
        Err(LayoutError::BadWorkerNice(20))
    ));
    set_word(&b, 28, 19);
    assert_eq!(open(&b, b.len()).unwrap().worker_nice(), 19);
    set_word(&b, 28, 0);
    // Misaligned: the same header one byte in.
    let big = SharedBuf::new(required_len(8) + 1);
    // SAFETY: big.as_ptr()+1 is valid for required_len(8) bytes.
    let r = unsafe { ControlRegion::from_raw(big.as_ptr().add(1), required_len(8)) };
    assert!(matches!(r, Err(LayoutError::Misaligned)));
}

#[test]
fn pool_refuses_bad_layout_and_worker_counts_with_e_bad_options() {
    let b = region(8);
    set_word(&b, 0, 0);
    // SAFETY: `b` outlives the (failed) pool.
    let e = unsafe { Pool::new(b.as_ptr(), b.len(), 1, Box::new(|| {})) }
        .err()
        .unwrap();
    assert!(e.to_string().starts_with("E_BAD_OPTIONS: "), "{e}");
    let b = region(8);
    for w in [0, 257] {
        // SAFETY: as above.
        let e = unsafe { Pool::new(b.as_ptr(), b.len(), w, Box::new(|| {})) }
            .err()
            .unwrap();
        assert!(matches!(e, PoolError::BadOptions(_)), "{w}");
    }
}

#[test]
fn submit_count_larger_than_the_ring_is_refused() {
    let b = region(8);
    // SAFETY: `b` outlives the pool (dropped first, at the end of scope).
    let pool = unsafe { Pool::new(b.as_ptr(), b.len(), 1, Box::new(|| {})) }.unwrap();
    assert!(matches!(pool.submit(0, 9), Err(PoolError::BadArgument(_))));
    assert_eq!(pool.submit(0, 0), Ok(0));
    // SAFETY: never dereferenced: id is out of the table.
    let e = unsafe { pool.register_segment(4096, b.as_ptr(), 4) }.unwrap_err();
    assert!(e.to_string().starts_with("E_BAD_ARGUMENT: "), "{e}");
    assert_eq!(pool.close(std::time::Duration::from_secs(5)), 0);
    // SAFETY: as above.
    let e = unsafe { pool.register_segment(0, b.as_ptr(), 4) }.unwrap_err();
    assert_eq!(e, PoolError::Closed);
    let r = open(&b, b.len()).unwrap();
    assert_eq!(r.comp_tail().load(Ordering::SeqCst), 0);
}
