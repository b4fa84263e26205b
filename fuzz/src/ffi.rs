//! The C ABI's output-buffer convention, checked for every call the C entry
//! point targets make.

use eticket::result::eticket_result;

/// Call `call` with a buffer of `cap` bytes and check the convention: on
/// success the length written fits, on `BufferTooSmall` the length needed
/// does not, and on any other result nothing is reported.
pub fn with_buf(cap: usize, call: impl FnOnce(*mut u8, usize, *mut usize) -> eticket_result) {
    let mut buf = vec![0xEEu8; cap];
    let mut n = usize::MAX;
    let r = call(buf.as_mut_ptr(), cap, &mut n);
    match r {
        eticket_result::Ok => assert!(n <= cap),
        eticket_result::BufferTooSmall => assert!(n > cap),
        _ => assert_eq!(n, usize::MAX, "no output on failure"),
    }
}
