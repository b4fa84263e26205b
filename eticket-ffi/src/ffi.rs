//! Pointer conventions shared by every entry point: opaque handles tied to one
//! Rust type and owned by a `Box`, byte and string inputs, and caller-owned
//! output buffers.
//!
//! Every helper checks for NULL and returns `ETICKET_RESULT_NULL_PARAMETER`
//! instead of dereferencing it; the rest of the contract (a pointer points to
//! what its length says, a handle came from this library and was not freed)
//! is the caller's, as documented in the header.

use std::ffi::{CStr, c_char};

use crate::result::eticket_result;

/// An opaque C type that stands for one Rust type, always owned through a
/// `Box` created by this library.
///
/// # Safety
///
/// Implement only for zero-sized `#[repr(C)]` marker structs that are never
/// created in Rust: the pointer to one is a pointer to a `Self::Inner`.
pub(crate) unsafe trait BoxHandle: Sized {
    /// The Rust value behind the handle.
    type Inner;

    /// Move `inner` to the heap and hand out the pointer.
    fn into_raw(inner: Self::Inner) -> *mut Self {
        Box::into_raw(Box::new(inner)).cast()
    }

    /// Borrow the value behind a handle.
    ///
    /// # Safety
    ///
    /// `ptr` is NULL or came from [`BoxHandle::into_raw`] for this type and
    /// was not freed, and no `&mut` borrow of it is live.
    unsafe fn as_ref<'a>(ptr: *const Self) -> Result<&'a Self::Inner, eticket_result> {
        // SAFETY: by this function's contract the pointer is NULL (handled by
        // `as_ref`) or points to a live `Inner` that nobody mutates now.
        unsafe { ptr.cast::<Self::Inner>().as_ref() }.ok_or(eticket_result::NullParameter)
    }

    /// Borrow the value behind a handle mutably.
    ///
    /// # Safety
    ///
    /// As [`BoxHandle::as_ref`], and no other borrow of it is live.
    unsafe fn as_mut<'a>(ptr: *mut Self) -> Result<&'a mut Self::Inner, eticket_result> {
        // SAFETY: by this function's contract the pointer is NULL (handled by
        // `as_mut`) or points to a live `Inner` borrowed nowhere else.
        unsafe { ptr.cast::<Self::Inner>().as_mut() }.ok_or(eticket_result::NullParameter)
    }

    /// Drop the value behind a handle; NULL is ignored.
    ///
    /// # Safety
    ///
    /// `ptr` is NULL or came from [`BoxHandle::into_raw`] for this type and
    /// was not freed before; it must not be used afterwards.
    unsafe fn free(ptr: *mut Self) {
        if !ptr.is_null() {
            // SAFETY: a non-NULL handle came from `Box::into_raw` of an
            // `Inner` (see `into_raw`) and is freed once, by the contract.
            drop(unsafe { Box::from_raw(ptr.cast::<Self::Inner>()) });
        }
    }
}

/// The bytes `(data, len)`. NULL with `len == 0` is the empty input.
///
/// # Safety
///
/// A non-NULL `data` points to `len` readable bytes that stay unchanged for
/// the returned lifetime.
pub(crate) unsafe fn bytes<'a>(data: *const u8, len: usize) -> Result<&'a [u8], eticket_result> {
    if data.is_null() {
        return if len == 0 {
            Ok(&[])
        } else {
            Err(eticket_result::NullParameter)
        };
    }
    if len > isize::MAX as usize {
        return Err(eticket_result::InvalidParameter);
    }
    // SAFETY: non-NULL, at most isize::MAX bytes, and readable for `len`
    // bytes by the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts(data, len) })
}

/// A NUL-terminated UTF-8 string.
///
/// # Safety
///
/// A non-NULL `s` points to a NUL-terminated string that stays unchanged for
/// the returned lifetime.
pub(crate) unsafe fn string<'a>(s: *const c_char) -> Result<&'a str, eticket_result> {
    if s.is_null() {
        return Err(eticket_result::NullParameter);
    }
    // SAFETY: non-NULL and NUL-terminated by the caller's contract.
    let c = unsafe { CStr::from_ptr(s) };
    c.to_str().map_err(|_| eticket_result::InvalidUtf8)
}

/// An out-parameter checked for NULL up front, written only on success.
pub(crate) struct Out<T>(*mut T);

impl<T> Out<T> {
    /// Check `ptr` for NULL.
    pub(crate) fn new(ptr: *mut T) -> Result<Self, eticket_result> {
        if ptr.is_null() {
            Err(eticket_result::NullParameter)
        } else {
            Ok(Self(ptr))
        }
    }

    /// Write the value.
    ///
    /// # Safety
    ///
    /// The pointer given to [`Out::new`] points to writable, aligned memory
    /// for a `T`.
    pub(crate) unsafe fn write(self, value: T) {
        // SAFETY: non-NULL (checked in `new`), writable and aligned by the
        // caller's contract; `write` does not drop the old (uninitialized)
        // contents.
        unsafe { self.0.write(value) }
    }
}

/// A caller's output buffer `(buf, cap)` with its length out-parameter.
///
/// `buf` may be NULL when `cap` is 0, to ask for the size needed.
pub(crate) struct OutBuf {
    buf: *mut u8,
    cap: usize,
    len: Out<usize>,
}

impl OutBuf {
    /// Check the pointers up front, before any work is done.
    pub(crate) fn new(buf: *mut u8, cap: usize, len: *mut usize) -> Result<Self, eticket_result> {
        let len = Out::new(len)?;
        if buf.is_null() && cap != 0 {
            return Err(eticket_result::NullParameter);
        }
        Ok(Self { buf, cap, len })
    }

    /// Copy `bytes` out and set the length; when they do not fit, set the
    /// length to the size needed and fail with `BUFFER_TOO_SMALL`.
    ///
    /// # Safety
    ///
    /// `buf` points to `cap` writable bytes, the length pointer to a
    /// writable `size_t`, and neither overlaps `bytes`.
    pub(crate) unsafe fn write(self, bytes: &[u8]) -> Result<(), eticket_result> {
        if bytes.len() > self.cap {
            // SAFETY: the length pointer was checked non-NULL and is writable
            // by the caller's contract.
            unsafe { self.len.write(bytes.len()) };
            return Err(eticket_result::BufferTooSmall);
        }
        if !bytes.is_empty() {
            // SAFETY: `buf` is non-NULL here (cap >= len > 0, and NULL only
            // goes with cap 0), has room for `bytes.len()` bytes, and does
            // not overlap `bytes` by the caller's contract.
            unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.buf, bytes.len()) };
        }
        // SAFETY: as above.
        unsafe { self.len.write(bytes.len()) };
        Ok(())
    }

    /// Copy `text` out followed by a NUL byte; the length written excludes
    /// the NUL, the size needed on `BUFFER_TOO_SMALL` includes it.
    ///
    /// # Safety
    ///
    /// As [`OutBuf::write`].
    pub(crate) unsafe fn write_text(self, text: &str) -> Result<(), eticket_result> {
        let needed = text.len() + 1;
        if needed > self.cap {
            // SAFETY: as in `write`.
            unsafe { self.len.write(needed) };
            return Err(eticket_result::BufferTooSmall);
        }
        // SAFETY: `buf` is non-NULL (cap >= needed > 0) with room for
        // `needed` bytes, not overlapping `text` by the caller's contract.
        unsafe {
            std::ptr::copy_nonoverlapping(text.as_ptr(), self.buf, text.len());
            self.buf.add(text.len()).write(0);
            self.len.write(text.len());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_bytes_are_empty_only_with_zero_length() {
        // SAFETY: NULL pointers are the cases under test.
        unsafe {
            assert_eq!(bytes(std::ptr::null(), 0), Ok(&[][..]));
            assert_eq!(
                bytes(std::ptr::null(), 3),
                Err(eticket_result::NullParameter)
            );
            assert_eq!(string(std::ptr::null()), Err(eticket_result::NullParameter));
        }
    }

    #[test]
    fn buffers_report_the_size_needed() {
        let mut buf = [0xAAu8; 4];
        let mut n = 0usize;
        let out = OutBuf::new(buf.as_mut_ptr(), 3, &mut n).unwrap();
        // SAFETY: buf has 4 writable bytes, n is a live usize.
        assert_eq!(
            unsafe { out.write_text("abc") },
            Err(eticket_result::BufferTooSmall)
        );
        assert_eq!(n, 4);
        assert_eq!(buf, [0xAA; 4]);
        let out = OutBuf::new(buf.as_mut_ptr(), 4, &mut n).unwrap();
        // SAFETY: as above.
        unsafe { out.write_text("abc") }.unwrap();
        assert_eq!((&buf, n), (b"abc\0", 3));
        assert!(OutBuf::new(std::ptr::null_mut(), 1, &mut n).is_err());
        let out = OutBuf::new(std::ptr::null_mut(), 0, &mut n).unwrap();
        // SAFETY: cap 0, nothing is written to buf.
        assert_eq!(
            unsafe { out.write(b"xy") },
            Err(eticket_result::BufferTooSmall)
        );
        assert_eq!(n, 2);
    }
}
