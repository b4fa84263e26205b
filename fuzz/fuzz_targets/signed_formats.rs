//! The signed formats of format version 2 that gates, chips and the center
//! take from outside: chip certificates, chip key updates and root
//! rollovers; and the unsigned key set body of the offline signing step.
//! Any bytes, and any body inside a correctly signed envelope (the fuzzing
//! tag stands for the signature), give an error or a value that signs back
//! to the same bytes (decoding is strict, so there is one encoding per
//! value).
#![no_main]

use eticket_core::certificate::ChipCertificate;
use eticket_core::chipauth::GateChallenge;
use eticket_core::chipkeys::ChipKeyUpdate;
use eticket_core::fixtures;
use eticket_core::keys::KeySet;
use eticket_core::rollover::RootRollover;
use eticket_fuzz::{envelope, grant_key, keys, root_key};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let grant = grant_key();
    let root = root_key();
    // Raw bytes from outside.
    let _ = ChipCertificate::from_signed_bytes(data, keys(), fixtures::NOW);
    let _ = ChipKeyUpdate::signer(data);
    let _ = ChipKeyUpdate::verify(data, grant.id(), &grant.public);
    let _ = RootRollover::from_signed_bytes(data, root.id(), &root.public);
    if let Ok(set) = KeySet::from_unsigned_bytes(data) {
        assert_eq!(set.to_unsigned_bytes().ok().as_deref(), Some(data));
    }
    if let Ok(c) = <&[u8; 32]>::try_from(data) {
        assert_eq!(&GateChallenge::from_bytes(c).to_bytes(), c);
    }
    // The same bytes as the body of a correctly signed envelope.
    let cert = envelope(grant.id(), data);
    if let Ok(c) = ChipCertificate::from_signed_bytes(&cert, keys(), fixtures::NOW) {
        assert_eq!(c.to_signed_bytes(&grant.pair).ok(), Some(cert.clone()));
        let again = ChipCertificate::verify_with_key(&cert, grant.id(), &grant.public);
        assert_eq!(again.ok(), Some(c));
    }
    if let Ok(u) = ChipKeyUpdate::verify(&cert, grant.id(), &grant.public) {
        assert_eq!(u.to_signed_bytes(&grant.pair).ok(), Some(cert.clone()));
    }
    let rollover = envelope(root.id(), data);
    if let Ok(r) = RootRollover::from_signed_bytes(&rollover, root.id(), &root.public) {
        assert_eq!(r.to_signed_bytes(&root.pair).ok(), Some(rollover));
    }
});
