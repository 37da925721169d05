//! Heap memory standing in for JS SharedArrayBuffers in native drivers.
//!
//! Owns: zeroed, 16-byte-aligned allocations with a stable address, read
//! and written only through raw-pointer copies (never through long-lived
//! `&mut [u8]`), because pool workers write into them concurrently, just
//! as they write into SharedArrayBuffer memory. Freed on drop; the owner
//! must drop the pool first (field order in driver.rs).

use std::alloc::{alloc_zeroed, dealloc, Layout};
use std::ptr::NonNull;

/// Alignment of the buffers: at least the control region's 8, and what
/// V8 gives ArrayBuffer backing stores.
const ALIGN: usize = 16;

/// A fixed-size, zeroed, aligned byte buffer.
pub struct SharedBuf {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: a plain byte buffer; concurrent access is coordinated by the ring
// protocol exactly as for SharedArrayBuffer memory.
unsafe impl Send for SharedBuf {}
// SAFETY: as for Send; all access is through raw-pointer copies.
unsafe impl Sync for SharedBuf {}

impl SharedBuf {
    /// `len` zero bytes (`len` 0 is allowed).
    pub fn new(len: usize) -> SharedBuf {
        let layout = Layout::from_size_align(len.max(1), ALIGN).expect("buffer size overflows");
        // SAFETY: the layout has a non-zero size.
        let raw = unsafe { alloc_zeroed(layout) };
        let ptr = NonNull::new(raw).unwrap_or_else(|| std::alloc::handle_alloc_error(layout));
        SharedBuf { ptr, len }
    }

    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Copies `bytes` in at `off`. Panics if out of range.
    pub fn write(&self, off: usize, bytes: &[u8]) {
        assert!(off.checked_add(bytes.len()).is_some_and(|e| e <= self.len));
        // SAFETY: in range (checked above); `bytes` is distinct memory.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.as_ptr().add(off), bytes.len())
        };
    }

    /// Copies `len` bytes out from `off`. Panics if out of range.
    pub fn read(&self, off: usize, len: usize) -> Vec<u8> {
        assert!(off.checked_add(len).is_some_and(|e| e <= self.len));
        let mut v = vec![0u8; len];
        // SAFETY: in range (checked above); `v` is fresh memory.
        unsafe { std::ptr::copy_nonoverlapping(self.as_ptr().add(off), v.as_mut_ptr(), len) };
        v
    }
}

impl Drop for SharedBuf {
    fn drop(&mut self) {
        let layout = Layout::from_size_align(self.len.max(1), ALIGN).expect("checked in new");
        // SAFETY: allocated in `new` with this layout.
        unsafe { dealloc(self.ptr.as_ptr(), layout) };
    }
}
