//! The data segment table: id 0..4095 -> (pointer, length).
//!
//! Owns: the mapping from the segment ids in descriptors to JS memory. It
//! does not own the memory: the binding keeps a napi reference to each
//! registered SharedArrayBuffer view until it is unregistered or the pool
//! closes (docs/NATIVE-RULES.md §10, §12).
//!
//! Invariants:
//! - Ids are `< MAX_SEGMENTS`; lengths are `<= MAX_SEGMENT_LEN`, so
//!   `off + len` computed in u64 from two u32 fields never wraps.
//! - A reader never sees a torn (pointer, length) pair: each entry is a
//!   seqlock. Readers are the workers, once or twice per task, so a read is
//!   three loads and no shared write (no cache-line ping-pong between
//!   workers, unlike an RwLock's reader count).
//! - Changing an entry that an in-flight task uses is a caller bug (JS
//!   unregisters a side segment after its tasks complete); a worker that
//!   already resolved the old entry keeps using it.
//!
//! Protocol (one entry):
//! 1. Writer (serialised by `write_lock`): version += 1 (odd = writing),
//!    release fence, store pointer and length, version += 1 with release.
//! 2. Reader: load version (acquire); if odd, retry; load pointer and
//!    length; acquire fence; reload version; if it changed, retry.
//!
//! Rejected: `RwLock<Vec<..>>` (reader count is a shared RMW per task);
//! `Arc` swap per entry (needs reclamation; the memory is JS-owned anyway).

use std::sync::atomic::{fence, AtomicPtr, AtomicU32, Ordering};
use std::sync::Mutex;

/// Segment ids are 0..4095 (crossfair.h, `cf_segment_register`).
pub const MAX_SEGMENTS: u32 = 4096;
/// Segment lengths are < 2^32 (crossfair.h): offsets and lengths are u32.
pub const MAX_SEGMENT_LEN: usize = u32::MAX as usize;

/// A registered segment: `len` bytes at `ptr`.
#[derive(Clone, Copy, Debug)]
pub struct Segment {
    pub ptr: *mut u8,
    pub len: u32,
}

struct Entry {
    version: AtomicU32,
    ptr: AtomicPtr<u8>,
    len: AtomicU32,
}

/// Why a registration was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SegmentError {
    BadId(u32),
    TooLong(usize),
}

impl std::fmt::Display for SegmentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SegmentError::BadId(id) => {
                write!(f, "segment id {id} is outside 0..{}", MAX_SEGMENTS - 1)
            }
            SegmentError::TooLong(len) => {
                write!(f, "segment of {len} bytes exceeds {MAX_SEGMENT_LEN}")
            }
        }
    }
}

/// The table. Boxed entries: 4096 x 16 bytes.
pub struct SegmentTable {
    entries: Box<[Entry]>,
    write_lock: Mutex<()>,
}

// SAFETY: the raw pointers are JS memory shared by design; entries are
// read and written only through atomics (seqlock above).
unsafe impl Send for SegmentTable {}
// SAFETY: as for Send.
unsafe impl Sync for SegmentTable {}

impl Default for SegmentTable {
    fn default() -> Self {
        SegmentTable::new()
    }
}

impl SegmentTable {
    pub fn new() -> SegmentTable {
        let entries = (0..MAX_SEGMENTS)
            .map(|_| Entry {
                version: AtomicU32::new(0),
                ptr: AtomicPtr::new(std::ptr::null_mut()),
                len: AtomicU32::new(0),
            })
            .collect();
        SegmentTable {
            entries,
            write_lock: Mutex::new(()),
        }
    }

    /// Registers (or replaces) segment `id`.
    ///
    /// # Safety
    /// `ptr..ptr+len` must stay valid until the id is replaced or
    /// unregistered and no task that resolved it is still running.
    pub unsafe fn register(&self, id: u32, ptr: *mut u8, len: usize) -> Result<(), SegmentError> {
        if len > MAX_SEGMENT_LEN {
            return Err(SegmentError::TooLong(len));
        }
        // A zero-length segment may have a dangling/null data pointer; it
        // can only satisfy empty ranges, which never dereference it.
        let ptr = if ptr.is_null() {
            std::ptr::NonNull::dangling().as_ptr()
        } else {
            ptr
        };
        self.set(id, ptr, len as u32)
    }

    /// Forgets segment `id` (no-op if it was not registered).
    pub fn unregister(&self, id: u32) -> Result<(), SegmentError> {
        self.set(id, std::ptr::null_mut(), 0)
    }

    fn set(&self, id: u32, ptr: *mut u8, len: u32) -> Result<(), SegmentError> {
        let entry = self
            .entries
            .get(id as usize)
            .ok_or(SegmentError::BadId(id))?;
        // A poisoned lock only means another writer panicked; the entries
        // are atomics and always consistent once `version` is even.
        let _writer = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
        let v = entry.version.load(Ordering::Relaxed);
        // Step 1: odd version first; the release fence keeps the data
        // stores below from becoming visible before it (pairs with the
        // reader's acquire fence + version reload).
        entry.version.store(v.wrapping_add(1), Ordering::Relaxed);
        fence(Ordering::Release);
        entry.ptr.store(ptr, Ordering::Relaxed);
        entry.len.store(len, Ordering::Relaxed);
        // Release: pairs with the reader's acquire load of `version`, so a
        // reader that sees the even version sees this pointer and length.
        entry.version.store(v.wrapping_add(2), Ordering::Release);
        Ok(())
    }

    /// The segment registered under `id`, if any.
    pub fn get(&self, id: u32) -> Option<Segment> {
        let entry = self.entries.get(id as usize)?;
        loop {
            // Acquire: pairs with the writer's final release store.
            let v1 = entry.version.load(Ordering::Acquire);
            if v1 & 1 == 1 {
                std::hint::spin_loop();
                continue;
            }
            let ptr = entry.ptr.load(Ordering::Relaxed);
            let len = entry.len.load(Ordering::Relaxed);
            // Acquire fence: the version reload below cannot be satisfied
            // before the data loads above (pairs with the writer's release
            // fence after its odd store).
            fence(Ordering::Acquire);
            if entry.version.load(Ordering::Relaxed) == v1 {
                return (!ptr.is_null()).then_some(Segment { ptr, len });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_get_unregister() {
        let t = SegmentTable::new();
        let mut buf = [0u8; 16];
        assert!(t.get(3).is_none());
        // SAFETY: `buf` outlives the table's use of it in this test.
        unsafe { t.register(3, buf.as_mut_ptr(), 16).unwrap() };
        let s = t.get(3).unwrap();
        assert_eq!((s.ptr, s.len), (buf.as_mut_ptr(), 16));
        t.unregister(3).unwrap();
        assert!(t.get(3).is_none());
    }

    #[test]
    fn ids_outside_the_table_are_refused() {
        let t = SegmentTable::new();
        assert_eq!(t.unregister(4096), Err(SegmentError::BadId(4096)));
        assert!(t.get(4096).is_none());
        assert!(t.get(u32::MAX).is_none());
    }
}
