//! The C ABI's two drawing entry points, `eticket_paper_render_svg` and
//! `eticket_paper_render_png`, with arbitrary ticket bytes and either the
//! fixture event or the same arbitrary bytes as the event's JSON: always a
//! result code, output only on success, and a too-small buffer reports the
//! size needed. Apart from `ffi_entry` because a drawable ticket costs a QR
//! code's mask selection and, for PNG, a compression: the rate of this
//! target is the encoders', not the decoders'.
#![no_main]

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use eticket::paper::{eticket_paper_render_png, eticket_paper_render_svg};
use eticket_core::fixtures;
use eticket_fuzz::ffi::with_buf;
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Render {
    data: Vec<u8>,
    png: bool,
    fixture_event: bool,
    cap: u16,
}

fn event() -> &'static [u8] {
    static EVENT: OnceLock<Vec<u8>> = OnceLock::new();
    EVENT.get_or_init(|| {
        serde_json::to_vec(&fixtures::small_event()).expect("the fixture event encodes")
    })
}

fuzz_target!(|r: Render| {
    let event = if r.fixture_event {
        event()
    } else {
        &r.data[..]
    };
    let render = if r.png {
        eticket_paper_render_png
    } else {
        eticket_paper_render_svg
    };
    with_buf(r.cap.into(), |b, c, n| {
        // SAFETY: every pointer is a live local of the length given.
        unsafe {
            render(
                r.data.as_ptr(),
                r.data.len(),
                event.as_ptr(),
                event.len(),
                b,
                c,
                n,
            )
        }
    });
});
