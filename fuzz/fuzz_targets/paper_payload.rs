//! Any text as a paper ticket's QR payload (what a gate's scanner reads).
//! Whatever parses must encode back to the same text, but for the line end
//! a scanner appends (`\r`, `\n`, tabs), which the parser ignores. The
//! base45 decoder under it, alone: one text per byte string.
#![no_main]

use eticket_chip::{base45, paper};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(bytes) = base45::decode(text) {
        assert_eq!(base45::encode(&bytes), text);
    }
    if let Ok(ticket) = paper::parse_payload(text) {
        assert_eq!(
            paper::encode_payload(&ticket),
            text.trim_end_matches(['\r', '\n', '\t'])
        );
    }
});
