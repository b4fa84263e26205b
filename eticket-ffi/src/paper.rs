//! Paper tickets (c20): the signed ticket as a QR code, rendered as SVG or
//! PNG for a POS printer. The QR code carries the ticket's bytes exactly, in
//! byte mode with error correction level M; the gate admits the scanned bytes
//! with `eticket_gate_admit_paper`.

use eticket_core::ticket::SignedTicket;
use qrcode::{Color, EcLevel, QrCode};

use crate::ffi::{OutBuf, bytes};
use crate::panic::boundary;
use crate::result::eticket_result;

/// Quiet zone around the code, in modules (the QR standard's minimum).
const QUIET: usize = 4;
/// Largest PNG module size accepted, in pixels.
pub const ETICKET_MAX_PNG_SCALE: u32 = 32;

/// The modules of the QR code for a ticket: `(width, dark[y * width + x])`.
fn modules(ticket: &[u8]) -> Result<(usize, Vec<bool>), eticket_result> {
    // Checks the size bounds and envelope header; the signature is the
    // gate's business.
    let ticket = SignedTicket::from_bytes(ticket)?;
    let code = QrCode::with_error_correction_level(ticket.as_bytes(), EcLevel::M)
        .map_err(|_| eticket_result::PaperRender)?;
    let dark = code
        .to_colors()
        .into_iter()
        .map(|c| c == Color::Dark)
        .collect();
    Ok((code.width(), dark))
}

/// The QR code as an SVG document: one path of unit squares, black on white.
pub(crate) fn svg(ticket: &[u8]) -> Result<String, eticket_result> {
    let (width, dark) = modules(ticket)?;
    let size = width + 2 * QUIET;
    let mut path = String::with_capacity(dark.len() * 4);
    for (i, _) in dark.iter().enumerate().filter(|(_, d)| **d) {
        let (x, y) = (i % width + QUIET, i / width + QUIET);
        path.push_str(&format!("M{x} {y}h1v1h-1z"));
    }
    Ok(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" viewBox=\"0 0 {size} {size}\" \
         width=\"{px}\" height=\"{px}\" shape-rendering=\"crispEdges\">\n\
         <rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/>\n\
         <path fill=\"#000\" d=\"{path}\"/>\n</svg>\n",
        px = size * 8
    ))
}

/// The QR code as an 8-bit grayscale PNG, `scale` pixels per module.
pub(crate) fn png(ticket: &[u8], scale: u32) -> Result<Vec<u8>, eticket_result> {
    if scale == 0 || scale > ETICKET_MAX_PNG_SCALE {
        return Err(eticket_result::InvalidParameter);
    }
    let (width, dark) = modules(ticket)?;
    let scale = scale as usize;
    let side = (width + 2 * QUIET) * scale;
    let mut pixels = vec![0xFFu8; side * side];
    for (i, _) in dark.iter().enumerate().filter(|(_, d)| **d) {
        let (mx, my) = (i % width + QUIET, i / width + QUIET);
        for y in my * scale..(my + 1) * scale {
            pixels[y * side + mx * scale..y * side + (mx + 1) * scale].fill(0);
        }
    }
    let side = u32::try_from(side).map_err(|_| eticket_result::PaperRender)?;
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder
        .write_header()
        .map_err(|_| eticket_result::PaperRender)?;
    writer
        .write_image_data(&pixels)
        .map_err(|_| eticket_result::PaperRender)?;
    writer.finish().map_err(|_| eticket_result::PaperRender)?;
    Ok(out)
}

/// Render the signed ticket `(ticket, ticket_len)` as an SVG document into
/// `buf` (UTF-8, not NUL-terminated), its length into `*out_len`. The output
/// is deterministic: call with a NULL buffer and 0 to learn the size.
///
/// # Safety
///
/// `(ticket, ticket_len)` is readable; `buf` has `buf_len` writable bytes
/// (or is NULL with 0); `out_len` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_paper_render_svg(
    ticket: *const u8,
    ticket_len: usize,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> eticket_result {
    boundary(|| {
        let out = OutBuf::new(buf, buf_len, out_len)?;
        // SAFETY: readable by the caller's contract.
        let ticket = unsafe { bytes(ticket, ticket_len)? };
        let svg = svg(ticket)?;
        // SAFETY: the buffer contract is the caller's.
        unsafe { out.write(svg.as_bytes()) }
    })
}

/// Render the signed ticket as a grayscale PNG with `scale` pixels per
/// module (1 to `ETICKET_MAX_PNG_SCALE`), as `eticket_paper_render_svg`.
///
/// # Safety
///
/// As `eticket_paper_render_svg`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_paper_render_png(
    ticket: *const u8,
    ticket_len: usize,
    scale: u32,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> eticket_result {
    boundary(|| {
        let out = OutBuf::new(buf, buf_len, out_len)?;
        // SAFETY: readable by the caller's contract.
        let ticket = unsafe { bytes(ticket, ticket_len)? };
        let png = png(ticket, scale)?;
        // SAFETY: the buffer contract is the caller's.
        unsafe { out.write(&png) }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ptr::{null, null_mut};

    /// An envelope with the right shape (version 1, key 1, a body, a
    /// signature): rendering checks the shape, not the signature.
    fn shaped_ticket() -> Vec<u8> {
        let mut t = vec![1u8, 0, 1];
        t.extend_from_slice(&[0x5A; 40]);
        t.extend_from_slice(&[0x11; 64]);
        t
    }

    #[test]
    fn svg_and_png_with_a_size_query() {
        let t = shaped_ticket();
        let mut need = 0;
        // SAFETY: every pointer is NULL with length 0 or a live local.
        unsafe {
            let r = eticket_paper_render_svg(t.as_ptr(), t.len(), null_mut(), 0, &mut need);
            assert_eq!(r, eticket_result::BufferTooSmall);
            let mut buf = vec![0u8; need];
            let mut n = 0;
            let r = eticket_paper_render_svg(t.as_ptr(), t.len(), buf.as_mut_ptr(), need, &mut n);
            assert_eq!((r, n), (eticket_result::Ok, need));
            assert!(buf.starts_with(b"<?xml"));

            let r = eticket_paper_render_png(t.as_ptr(), t.len(), 1, null_mut(), 0, &mut need);
            assert_eq!(r, eticket_result::BufferTooSmall);
            let mut buf = vec![0u8; need];
            let r =
                eticket_paper_render_png(t.as_ptr(), t.len(), 1, buf.as_mut_ptr(), need, &mut n);
            assert_eq!((r, n), (eticket_result::Ok, need));
            assert!(buf.starts_with(b"\x89PNG\r\n\x1a\n"));
        }
    }

    #[test]
    fn bad_inputs() {
        let t = shaped_ticket();
        let mut n = 0;
        // SAFETY: every pointer is NULL or a live local of the given length.
        unsafe {
            let r = eticket_paper_render_png(t.as_ptr(), t.len(), 0, null_mut(), 0, &mut n);
            assert_eq!(r, eticket_result::InvalidParameter);
            let r = eticket_paper_render_svg(null(), 3, null_mut(), 0, &mut n);
            assert_eq!(r, eticket_result::NullParameter);
            let r = eticket_paper_render_svg(t.as_ptr(), 5, null_mut(), 0, &mut n);
            assert_eq!(r, eticket_result::Malformed);
            let r = eticket_paper_render_svg(t.as_ptr(), t.len(), null_mut(), 0, null_mut());
            assert_eq!(r, eticket_result::NullParameter);
        }
    }
}
