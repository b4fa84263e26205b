//! Any bytes as a command APDU, a response APDU, and each data layout of the
//! command set. Whatever parses must encode back to the same bytes.
#![no_main]

use eticket_chip::apdu::{Command, Response};
use eticket_chip::protocol::{self, ChipInfo, Personalization};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(cmd) = Command::parse(data) {
        assert_eq!(cmd.to_bytes().ok().as_deref(), Some(data), "{cmd:?}");
    }
    if let Ok(r) = Response::parse(data) {
        assert_eq!(r.to_bytes(), data);
    }
    if let Ok(info) = ChipInfo::parse(data) {
        assert_eq!(info.to_bytes(), data);
    }
    if let Ok(p) = Personalization::parse(data) {
        assert_eq!(p.to_bytes().ok().as_deref(), Some(data));
    }
    if let Ok(list) = protocol::parse_list(data) {
        assert_eq!(protocol::encode_list(&list), data);
    }
    let _ = protocol::split_write(data);
    let _ = protocol::parse_mutation(data);
    if let Ok((pin, transfer, at)) = protocol::parse_sign_cancel(data) {
        assert_eq!(protocol::encode_sign_cancel(pin, &transfer, at), data);
    }
    if let Ok((pin, to, at)) = protocol::parse_sign_transfer(data) {
        assert_eq!(protocol::encode_sign_transfer(pin, to, at), data);
    }
});
