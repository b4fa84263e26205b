//! Paper tickets rendered as PNG decode back, through a QR reader, to the
//! very same signed ticket, which verifies.

use eticket_chip::paper::{self, PaperTicket};
use eticket_core::fixtures;
use eticket_core::ids::TicketSerial;
use eticket_core::ticket::{Holder, verify};

fn decode_png(png_bytes: &[u8]) -> String {
    let decoder = png::Decoder::new(png_bytes);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    let (w, h) = (info.width as usize, info.height as usize);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| buf[y * w + x]);
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code on the ticket");
    grids[0].decode().unwrap().1
}

#[test]
fn png_decodes_back_to_the_signed_ticket() {
    let ticket = fixtures::paper_ticket(TicketSerial(100_000))
        .sign(&fixtures::ticket_key())
        .unwrap();
    let event = fixtures::small_event();
    let p = PaperTicket::new(&ticket, &event).unwrap();
    let png = p.to_png().unwrap();
    let text = decode_png(&png);
    assert_eq!(text, p.payload());
    let back = paper::parse_payload(&text).unwrap();
    assert_eq!(back, ticket);
    // As a keyboard-wedge or serial scanner delivers it, with a line end.
    for end in ["\r\n", "\n", "\r", "\t"] {
        assert_eq!(
            paper::parse_payload(&format!("{text}{end}")).unwrap(),
            ticket
        );
    }
    let v = verify(back.as_bytes(), &fixtures::key_set(), fixtures::NOW).unwrap();
    assert_eq!(v.body.holder, Holder::Paper);
}

/// Writes the example in docs/chip/ when asked (`ETICKET_WRITE_DOCS=1`), so
/// the committed rendering can be refreshed; otherwise checks it is current.
#[test]
fn docs_example_is_current() {
    let ticket = fixtures::paper_ticket(TicketSerial(100_000))
        .sign(&fixtures::ticket_key())
        .unwrap();
    let p = PaperTicket::new(&ticket, &fixtures::small_event()).unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/chip");
    let svg = p.to_svg();
    let png = p.to_png().unwrap();
    if std::env::var_os("ETICKET_WRITE_DOCS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("paper-ticket.svg"), &svg).unwrap();
        std::fs::write(dir.join("paper-ticket.png"), &png).unwrap();
        std::fs::write(dir.join("paper-ticket.txt"), format!("{}\n", p.payload())).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("paper-ticket.svg")).unwrap(),
        svg
    );
    assert_eq!(std::fs::read(dir.join("paper-ticket.png")).unwrap(), png);
    assert_eq!(
        std::fs::read_to_string(dir.join("paper-ticket.txt"))
            .unwrap()
            .trim_end(),
        p.payload()
    );
}
