//! Views of task input and output bytes inside shared data segments.
//!
//! Segment memory belongs to JS (SharedArrayBuffer backing stores) and the
//! input and output ranges of one task may overlap (an in-place echo). So
//! these are raw views, not `&[u8]`/`&mut [u8]` held across a call: a
//! handler borrows the input as a slice only inside [`Input::with_bytes`],
//! and writes output with `ptr::copy` (memmove), which is defined for
//! overlapping ranges. No reference to the input is alive while the output
//! is written.
//!
//! Invariant: a view is only built (by `descriptor::resolve`) for a range
//! that passed the bounds checks against a registered segment, and JS does
//! not touch that range while the task is in flight (TRANSPORT.md,
//! Protocol), so the bytes are valid and unshared for the view's life.

use std::marker::PhantomData;
use std::ptr;

/// Read-only view of a task's input bytes.
#[derive(Clone, Copy)]
pub struct Input<'a> {
    ptr: *const u8,
    len: usize,
    _mem: PhantomData<&'a [u8]>,
}

impl<'a> Input<'a> {
    /// A view of `len` bytes at `ptr`.
    ///
    /// # Safety
    /// `ptr..ptr+len` must be readable for `'a` and not written by anyone
    /// else meanwhile (see the module invariant).
    pub unsafe fn from_raw(ptr: *const u8, len: usize) -> Input<'a> {
        Input {
            ptr,
            len,
            _mem: PhantomData,
        }
    }

    /// A view of a Rust slice (tests, native drivers).
    pub fn from_slice(bytes: &'a [u8]) -> Input<'a> {
        // SAFETY: a live shared borrow is readable and unwritten for 'a.
        unsafe { Input::from_raw(bytes.as_ptr(), bytes.len()) }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Runs `f` over the bytes as a slice; the borrow ends with `f`.
    pub fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        if self.len == 0 {
            return f(&[]);
        }
        // SAFETY: the module invariant makes the range readable and
        // unwritten; the slice cannot escape `f`.
        f(unsafe { std::slice::from_raw_parts(self.ptr, self.len) })
    }
}

/// Write-only view of a task's output region (`out_cap` bytes).
pub struct Output<'a> {
    ptr: *mut u8,
    cap: usize,
    _mem: PhantomData<&'a mut [u8]>,
}

impl<'a> Output<'a> {
    /// A view of `cap` writable bytes at `ptr`.
    ///
    /// # Safety
    /// `ptr..ptr+cap` must be writable for `'a` and not accessed by anyone
    /// else meanwhile (it may overlap this task's own [`Input`]).
    pub unsafe fn from_raw(ptr: *mut u8, cap: usize) -> Output<'a> {
        Output {
            ptr,
            cap,
            _mem: PhantomData,
        }
    }

    /// A view of a Rust slice (tests, native drivers).
    pub fn from_slice(bytes: &'a mut [u8]) -> Output<'a> {
        // SAFETY: a live unique borrow is writable and unshared for 'a.
        unsafe { Output::from_raw(bytes.as_mut_ptr(), bytes.len()) }
    }

    pub fn cap(&self) -> usize {
        self.cap
    }

    /// Copies `src` to the start of the output. Returns false (writing
    /// nothing) if it does not fit.
    pub fn copy_from_input(&mut self, src: &Input<'_>) -> bool {
        if src.len > self.cap {
            return false;
        }
        if src.len > 0 {
            // SAFETY: both ranges are valid (module invariant) and
            // `ptr::copy` is memmove, so an overlapping in-place echo is fine.
            unsafe { ptr::copy(src.ptr, self.ptr, src.len) };
        }
        true
    }

    /// Copies `bytes` (Rust-owned, so never overlapping) to the start of the
    /// output. Returns false (writing nothing) if it does not fit.
    pub fn write(&mut self, bytes: &[u8]) -> bool {
        if bytes.len() > self.cap {
            return false;
        }
        // SAFETY: the output range is writable (module invariant); `bytes`
        // is Rust memory, distinct from JS segment memory.
        unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), self.ptr, bytes.len()) };
        true
    }
}
