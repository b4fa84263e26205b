//! Any bytes as a correctly signed ticket body: the strict decoder sees them
//! behind a valid signature. A decoded body must re-encode to the same bytes
//! (decode → encode → decode).
#![no_main]

use eticket_core::crypto::Domain;
use eticket_core::fixtures;
use eticket_core::signed;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() > 100 {
        return;
    }
    let key = fixtures::ticket_key();
    let Ok(bytes) = signed::seal(Domain::Ticket, &key, data) else {
        return;
    };
    let keys = fixtures::key_set();
    if let Ok(v) = eticket_core::ticket::verify(&bytes, &keys, fixtures::NOW) {
        let again = v.body.sign(&key).map(|t| t.into_bytes());
        assert_eq!(
            again.as_deref().ok(),
            Some(&bytes[..]),
            "accepted a non-canonical body"
        );
    }
});
