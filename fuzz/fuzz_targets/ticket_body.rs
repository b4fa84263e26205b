//! Any bytes as the body of a correctly signed ticket (the fuzzing tag stands
//! for the ticket key's signature): the strict decoder sees every input. A
//! decoded body encodes back to the same bytes and decodes to the same body
//! (decode → encode → decode).
#![no_main]

use eticket_core::fixtures;
use eticket_core::ticket::TicketBody;
use eticket_fuzz::{envelope, keys, ticket_key};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let bytes = envelope(ticket_key().id(), data);
    if let Ok(v) = eticket_core::ticket::verify(&bytes, keys(), fixtures::NOW) {
        let again = postcard::to_allocvec(&v.body).expect("a decoded body encodes");
        assert_eq!(again, data, "accepted a non-canonical body");
        let back: TicketBody = postcard::from_bytes(&again).expect("and decodes");
        assert_eq!(back, v.body);
        let signed = v.body.sign(&ticket_key().pair).expect("and signs");
        assert_eq!(signed.as_bytes(), &bytes[..]);
    }
});
