//! Paper tickets (c20): a signed paper ticket printed as a QR code with a
//! human-readable stub, through `eticket-chip`'s paper format. The QR code
//! holds the text `ET1:` ‖ base45(ticket bytes); the gate takes that text
//! (or the raw bytes) in `eticket_gate_admit_paper`.

use ::eticket_chip::paper::{PaperTicket, encode_payload};
use eticket_core::ticket::SignedTicket;

use crate::ffi::{OutBuf, bytes};
use crate::panic::boundary;
use crate::result::eticket_result;
use crate::venue::event_from_json;

/// The ticket to print, checked for shape (the signature is the gate's to
/// verify) and prepared with the event's names for the stub.
fn paper(ticket: &[u8], event_json: &[u8]) -> Result<PaperTicket, eticket_result> {
    let ticket = SignedTicket::from_bytes(ticket)?;
    let event = event_from_json(event_json)?;
    Ok(PaperTicket::new(&ticket, &event)?)
}

/// Which rendering.
#[derive(Clone, Copy)]
enum Format {
    Svg,
    Png,
}

/// The two render functions' shared body (their parameters and one more).
///
/// # Safety
///
/// As `eticket_paper_render_svg`.
#[allow(clippy::too_many_arguments)]
unsafe fn render(
    ticket: *const u8,
    ticket_len: usize,
    event_json: *const u8,
    event_json_len: usize,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
    format: Format,
) -> eticket_result {
    boundary(|| {
        let out = OutBuf::new(buf, buf_len, out_len)?;
        // SAFETY: readable for their lengths by the caller's contract.
        let (ticket, event) = unsafe {
            (
                bytes(ticket, ticket_len)?,
                bytes(event_json, event_json_len)?,
            )
        };
        let paper = paper(ticket, event)?;
        let rendered = match format {
            Format::Svg => paper.to_svg().into_bytes(),
            Format::Png => paper.to_png()?,
        };
        // SAFETY: the buffer contract is the caller's.
        unsafe { out.write(&rendered) }
    })
}

/// Render the signed paper ticket `(ticket, ticket_len)` of the event
/// `(event_json, event_json_len)` as an SVG document (QR code and stub) into
/// `buf` (UTF-8, not NUL-terminated), its length into `*out_len`. The output
/// is deterministic: call with NULL and 0 to learn the size. A ticket bound
/// to a chip, or for another event, is `ETICKET_RESULT_PAPER_RENDER`.
///
/// # Safety
///
/// Byte inputs are readable for their lengths; `buf` has `buf_len` writable
/// bytes (or is NULL with 0); `out_len` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_paper_render_svg(
    ticket: *const u8,
    ticket_len: usize,
    event_json: *const u8,
    event_json_len: usize,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> eticket_result {
    // SAFETY: the caller's contract is `render`'s.
    unsafe {
        render(
            ticket,
            ticket_len,
            event_json,
            event_json_len,
            buf,
            buf_len,
            out_len,
            Format::Svg,
        )
    }
}

/// Render the paper ticket as a grayscale PNG (QR code and stub), as
/// `eticket_paper_render_svg`.
///
/// # Safety
///
/// As `eticket_paper_render_svg`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_paper_render_png(
    ticket: *const u8,
    ticket_len: usize,
    event_json: *const u8,
    event_json_len: usize,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> eticket_result {
    // SAFETY: the caller's contract is `render`'s.
    unsafe {
        render(
            ticket,
            ticket_len,
            event_json,
            event_json_len,
            buf,
            buf_len,
            out_len,
            Format::Png,
        )
    }
}

/// The QR code's text for a signed ticket (`ET1:` ‖ base45), NUL-terminated,
/// for printers with their own QR engine. `*out_len` excludes the NUL; on
/// `ETICKET_RESULT_BUFFER_TOO_SMALL` it is the size needed with the NUL. A
/// ticket whose holder is a chip is `ETICKET_RESULT_PAPER_RENDER`, as for the
/// rendering functions: gates refuse it on paper.
///
/// # Safety
///
/// `(ticket, ticket_len)` is readable; `buf` has `buf_len` writable bytes
/// (or is NULL with 0); `out_len` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_paper_payload(
    ticket: *const u8,
    ticket_len: usize,
    buf: *mut std::ffi::c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> eticket_result {
    boundary(|| {
        let out = OutBuf::new(buf.cast(), buf_len, out_len)?;
        // SAFETY: readable by the caller's contract.
        let ticket = SignedTicket::from_bytes(unsafe { bytes(ticket, ticket_len)? })?;
        // A chip's ticket printed would only be refused at the gate.
        if let Ok(body) = ticket.peek_body() {
            if body.holder != eticket_core::ticket::Holder::Paper {
                return Err(eticket_result::PaperRender);
            }
        }
        // SAFETY: the buffer contract is the caller's.
        unsafe { out.write_text(&encode_payload(&ticket)) }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ptr::{null, null_mut};

    /// An envelope with the right shape (the current format version, key
    /// 1, a body, a signature): the payload text checks the shape, not the
    /// signature.
    fn shaped_ticket() -> Vec<u8> {
        let mut t = vec![eticket_core::signed::FORMAT_VERSION, 0, 1];
        t.extend_from_slice(&[0x5A; 40]);
        t.extend_from_slice(&[0x11; 64]);
        t
    }

    #[test]
    fn payload_text_with_a_size_query() {
        let t = shaped_ticket();
        let mut need = 0;
        // SAFETY: every pointer is NULL with length 0 or a live local.
        unsafe {
            let r = eticket_paper_payload(t.as_ptr(), t.len(), null_mut(), 0, &mut need);
            assert_eq!(r, eticket_result::BufferTooSmall);
            let mut buf = vec![0 as std::ffi::c_char; need];
            let mut n = 0;
            let r = eticket_paper_payload(t.as_ptr(), t.len(), buf.as_mut_ptr(), need, &mut n);
            assert_eq!((r, n + 1), (eticket_result::Ok, need));
            assert_eq!(
                buf[..4].iter().map(|&c| c as u8).collect::<Vec<_>>(),
                b"ET1:"
            );
        }
    }

    #[test]
    fn bad_inputs() {
        let t = shaped_ticket();
        let mut n = 0;
        // SAFETY: every pointer is NULL or a live local of the given length.
        unsafe {
            let r = eticket_paper_render_svg(null(), 3, null(), 0, null_mut(), 0, &mut n);
            assert_eq!(r, eticket_result::NullParameter);
            let r = eticket_paper_render_svg(t.as_ptr(), 5, null(), 0, null_mut(), 0, &mut n);
            assert_eq!(r, eticket_result::Malformed);
            let r = eticket_paper_render_png(
                t.as_ptr(),
                t.len(),
                b"{".as_ptr(),
                1,
                null_mut(),
                0,
                &mut n,
            );
            assert_eq!(r, eticket_result::InvalidEventInfo);
            let r =
                eticket_paper_render_svg(t.as_ptr(), t.len(), null(), 0, null_mut(), 0, null_mut());
            assert_eq!(r, eticket_result::NullParameter);
            let r = eticket_paper_payload(t.as_ptr(), 2, null_mut(), 0, &mut n);
            assert_eq!(r, eticket_result::Malformed);
        }
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "signing, QR encoding and PNG compression are far too slow under Miri"
    )]
    fn svg_and_png_of_a_fixture_ticket() {
        use eticket_core::fixtures;
        let t = fixtures::paper_ticket(eticket_core::ids::TicketSerial(4))
            .sign(&fixtures::ticket_key())
            .unwrap();
        let t = t.as_bytes();
        let event = serde_json::to_vec(&fixtures::small_event()).unwrap();
        for png in [false, true] {
            let mut need = 0;
            let call = |buf: *mut u8, cap: usize, n: &mut usize| {
                // SAFETY: live locals of the given lengths.
                unsafe {
                    if png {
                        eticket_paper_render_png(
                            t.as_ptr(),
                            t.len(),
                            event.as_ptr(),
                            event.len(),
                            buf,
                            cap,
                            n,
                        )
                    } else {
                        eticket_paper_render_svg(
                            t.as_ptr(),
                            t.len(),
                            event.as_ptr(),
                            event.len(),
                            buf,
                            cap,
                            n,
                        )
                    }
                }
            };
            assert_eq!(
                call(null_mut(), 0, &mut need),
                eticket_result::BufferTooSmall
            );
            let mut buf = vec![0u8; need];
            let mut n = 0;
            assert_eq!(call(buf.as_mut_ptr(), need, &mut n), eticket_result::Ok);
            assert_eq!(n, need);
            let magic: &[u8] = if png { b"\x89PNG" } else { b"<" };
            assert!(buf.starts_with(magic));
        }
    }
}
