//! The signed formats of format version 2 that gates, chips and the center
//! take from outside: transfer cancellations, chip certificates, chip key
//! updates and root rollovers; and the unsigned key set body of the offline
//! signing step. Any bytes, and any body inside a correctly
//! signed envelope, must give an error or a value that signs back to the
//! same bytes (decoding is strict, so there is one encoding per value).
#![no_main]

use eticket_core::cancel::TransferCancel;
use eticket_core::certificate::ChipCertificate;
use eticket_core::chipauth::GateChallenge;
use eticket_core::chipkeys::ChipKeyUpdate;
use eticket_core::crypto::Domain;
use eticket_core::fixtures;
use eticket_core::keys::KeySet;
use eticket_core::rollover::RootRollover;
use eticket_core::signed;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let keys = fixtures::key_set();
    let grant = fixtures::grant_key();
    let root = fixtures::root_key();
    // Raw bytes from outside.
    let _ = TransferCancel::peek(data);
    let _ = ChipCertificate::from_signed_bytes(data, &keys, fixtures::NOW);
    let _ = ChipKeyUpdate::signer(data);
    let _ = ChipKeyUpdate::verify(data, grant.id(), &grant.public_key());
    let _ = RootRollover::from_signed_bytes(data, root.id(), &root.public_key());
    if let Ok(set) = KeySet::from_unsigned_bytes(data) {
        assert_eq!(set.to_unsigned_bytes().ok().as_deref(), Some(data));
    }
    if let Ok(c) = <&[u8; 32]>::try_from(data) {
        assert_eq!(&GateChallenge::from_bytes(c).to_bytes(), c);
    }
    // The same bytes as the body of a correctly signed envelope.
    let Ok(cert) = signed::seal(Domain::ChipCertificate, &grant, data) else {
        return;
    };
    if let Ok(c) = ChipCertificate::from_signed_bytes(&cert, &keys, fixtures::NOW) {
        assert_eq!(c.to_signed_bytes(&grant).ok(), Some(cert));
    }
    if let Ok(update) = signed::seal(Domain::ChipKeyUpdate, &grant, data) {
        if let Ok(u) = ChipKeyUpdate::verify(&update, grant.id(), &grant.public_key()) {
            assert_eq!(u.to_signed_bytes(&grant).ok(), Some(update));
        }
    }
    if let Ok(rollover) = signed::seal(Domain::RootRollover, &root, data) {
        if let Ok(r) = RootRollover::from_signed_bytes(&rollover, root.id(), &root.public_key()) {
            assert_eq!(r.to_signed_bytes(&root).ok(), Some(rollover));
        }
    }
});
