//! Error text: a stateless map from a result code to its message.

use std::ffi::c_char;

use crate::ffi::OutBuf;
use crate::panic::boundary;
use crate::result::eticket_result;

/// Write the message for `code` (any `eticket_result` value) into `buf` as a
/// NUL-terminated string and its length without the NUL into `*out_len`.
///
/// Stateless and thread-safe. An unknown code gets the text "unknown result
/// code". When `buf_len` is too small (pass 0 and NULL to ask), returns
/// `ETICKET_RESULT_BUFFER_TOO_SMALL` with `*out_len` set to the size needed,
/// NUL included; `buf` is then untouched.
///
/// # Safety
///
/// `buf` points to `buf_len` writable bytes (or is NULL with `buf_len` 0);
/// `out_len` points to a writable `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_error(
    code: u32,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> eticket_result {
    boundary(|| {
        let out = OutBuf::new(buf.cast(), buf_len, out_len)?;
        let text = eticket_result::from_code(code).map_or("unknown result code", |r| r.message());
        // SAFETY: the caller's contract above is OutBuf::write_text's.
        unsafe { out.write_text(text) }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(code: u32) -> String {
        let mut buf = [0 as c_char; 200];
        let mut n = 0;
        // SAFETY: buf and n are live and writable.
        let r = unsafe { eticket_error(code, buf.as_mut_ptr(), buf.len(), &mut n) };
        assert_eq!(r, eticket_result::Ok);
        let bytes: Vec<u8> = buf[..n].iter().map(|&c| c as u8).collect();
        assert_eq!(buf[n], 0);
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn every_code_has_a_message() {
        for r in eticket_result::all() {
            assert_eq!(message(r.code()), r.message());
        }
        assert_eq!(message(7777), "unknown result code");
    }

    #[test]
    fn small_buffers_and_nulls() {
        let mut n = 0;
        // SAFETY: NULL buffer with length 0 asks for the size.
        let r = unsafe { eticket_error(0, std::ptr::null_mut(), 0, &mut n) };
        assert_eq!(
            (r, n),
            (eticket_result::BufferTooSmall, "success".len() + 1)
        );
        let mut buf = [0 as c_char; 4];
        // SAFETY: buf is writable for 4 bytes; out_len NULL is the case tested.
        let r = unsafe { eticket_error(0, buf.as_mut_ptr(), 4, std::ptr::null_mut()) };
        assert_eq!(r, eticket_result::NullParameter);
        // SAFETY: NULL buffer with a non-zero length is the case tested.
        let r = unsafe { eticket_error(0, std::ptr::null_mut(), 9, &mut n) };
        assert_eq!(r, eticket_result::NullParameter);
    }
}
