//! A chip's transfer requests and transfer cancellations as the center reads
//! them: any bytes, and any body inside a message signed by the assignor's
//! chip (the fuzzing tag stands for the chip's signature), give an error or
//! a request from that chip, which encodes back to the same body; `peek`
//! agrees with `verify` on what the body says.
#![no_main]

use std::sync::OnceLock;

use eticket_core::cancel::TransferCancel;
use eticket_core::crypto::{PublicKey, SecretKey};
use eticket_core::ids::ChipId;
use eticket_core::transfer::TransferRequest;
use eticket_fuzz::chip_signed;
use libfuzzer_sys::fuzz_target;

/// The assignor chip of the seeds (`fuzz/seeds.sh`): secret 0x21…
fn chip() -> &'static (PublicKey, ChipId) {
    static CHIP: OnceLock<(PublicKey, ChipId)> = OnceLock::new();
    CHIP.get_or_init(|| {
        let public = SecretKey::from_bytes(&[0x21; 32])
            .expect("a valid scalar")
            .public_key();
        let id = ChipId::from_public_key(&public.to_uncompressed());
        (public, id)
    })
}

fn check(bytes: &[u8], body: Option<&[u8]>) {
    let (public, id) = chip();
    // The center peeks at every request it receives, before it knows the
    // chip's key: a decoder of its own.
    let _ = TransferRequest::peek(bytes);
    let _ = TransferCancel::peek(bytes);
    if let Ok(r) = TransferRequest::verify(bytes, public) {
        assert_eq!(r.from, *id);
        assert_ne!(r.to, r.from);
        assert_eq!(TransferRequest::peek(bytes).ok().as_ref(), Some(&r));
        if let Some(body) = body {
            assert_eq!(postcard::to_allocvec(&r).ok().as_deref(), Some(body));
        }
    }
    if let Ok(c) = TransferCancel::verify(bytes, public) {
        assert_eq!(c.from, *id);
        assert_eq!(TransferCancel::peek(bytes).ok().as_ref(), Some(&c));
        if let Some(body) = body {
            assert_eq!(postcard::to_allocvec(&c).ok().as_deref(), Some(body));
        }
    }
}

fuzz_target!(|data: &[u8]| {
    check(data, None);
    check(&chip_signed(data), Some(data));
});
