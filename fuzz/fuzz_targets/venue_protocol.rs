//! The device ↔ venue unit protocol's decoders (eticket-gate's `venue`):
//! any bytes are a frame, a hello, a request or an answer, or an error,
//! never a panic or an allocation past the frame bound; whatever decodes
//! encodes again and decodes to the same message.
#![no_main]

use eticket_gate::venue::protocol::{
    Answer, ClientHello, ClientProof, MAX_REQUEST_LEN, Request, ServerHello, read_frame,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(body) = read_frame(&mut &data[..], MAX_REQUEST_LEN) {
        assert!(body.len() <= MAX_REQUEST_LEN);
    }
    if let Ok(r) = Request::decode(data) {
        let again = r.encode().expect("a decoded request encodes");
        assert_eq!(Request::decode(&again).expect("and decodes"), r);
    }
    if let Ok(a) = Answer::decode(data) {
        let again = a.encode().expect("a decoded answer encodes");
        assert_eq!(Answer::decode(&again).expect("and decodes"), a);
    }
    if let Ok(h) = ClientHello::decode(data) {
        assert_eq!(
            ClientHello::decode(&h.encode().expect("encodes")).ok(),
            Some(h)
        );
    }
    let _ = ServerHello::decode(data);
    let _ = ClientProof::decode(data);
});
