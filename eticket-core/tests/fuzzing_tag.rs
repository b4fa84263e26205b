//! The fuzzing-only signature tag is a forgery in every build but the
//! fuzzer's: cargo-fuzz compiles with `--cfg fuzzing` and accepts
//! `FUZZING_SIGNATURE` in place of ECDSA so its inputs reach the decoders; a
//! normal build (this test suite, gates, the center, the C library) must
//! refuse every format carrying it as forged.

use eticket_core::Error;
use eticket_core::crypto::{Domain, FUZZING_SIGNATURE, SIGNATURE_LEN};
use eticket_core::fixtures;
use eticket_core::grant::{Grant, GrantOp, payload_hash};
use eticket_core::ids::TicketSerial;
use eticket_core::keys::KeySet;
use eticket_core::revocation::RevocationList;

/// `signed` with its signature replaced by the fuzzing tag.
fn tagged(mut signed: Vec<u8>) -> Vec<u8> {
    let at = signed.len() - SIGNATURE_LEN;
    signed[at..].copy_from_slice(&FUZZING_SIGNATURE);
    signed
}

// This suite is a normal build: the fuzzing configuration is off.
const _: () = assert!(!cfg!(fuzzing));

#[test]
fn a_ticket_carrying_the_fuzzing_tag_is_refused_as_forged() {
    let keys = fixtures::key_set();
    let genuine = fixtures::paper_ticket(TicketSerial(5))
        .sign(&fixtures::ticket_key())
        .unwrap()
        .into_bytes();
    eticket_core::ticket::verify(&genuine, &keys, fixtures::NOW).unwrap();
    let forged = tagged(genuine);
    // The envelope and body are fine; only the signature is refused.
    assert!(eticket_core::ticket::peek(&forged).is_ok());
    assert_eq!(
        eticket_core::ticket::verify(&forged, &keys, fixtures::NOW).err(),
        Some(Error::BadSignature)
    );
    assert_eq!(
        eticket_core::ticket::verify_signature_only(&forged, &keys).err(),
        Some(Error::BadSignature)
    );
}

#[test]
fn other_formats_carrying_the_fuzzing_tag_are_refused_as_forged() {
    let keys = fixtures::key_set();
    let grant = Grant {
        op: GrantOp::Write,
        chip: fixtures::CHIP,
        counter: 0,
        slot: 0,
        payload_hash: payload_hash(b"x"),
        expires: fixtures::NOW,
    };
    let g = tagged(grant.sign(&fixtures::grant_key()).unwrap());
    assert_eq!(
        Grant::verify(&g, GrantOp::Write, &keys, fixtures::NOW).err(),
        Some(Error::BadSignature)
    );
    let list = RevocationList::new(fixtures::EVENT, 1, fixtures::NOW, vec![]).unwrap();
    let l = tagged(list.to_signed_bytes(&fixtures::list_key()).unwrap());
    assert_eq!(
        RevocationList::from_signed_bytes(&l, &keys, fixtures::NOW).err(),
        Some(Error::BadSignature)
    );
    let root = fixtures::root_key();
    let set = tagged(keys.to_signed_bytes(&root).unwrap());
    assert_eq!(
        KeySet::from_signed_bytes(&set, root.id(), &root.public_key()).err(),
        Some(Error::BadSignature)
    );
}

#[test]
fn the_tag_is_no_signature_for_any_key_or_domain() {
    for k in [
        fixtures::ticket_key(),
        fixtures::grant_key(),
        fixtures::list_key(),
        fixtures::root_key(),
    ] {
        for domain in [Domain::Ticket, Domain::WriteGrant, Domain::KeySet] {
            assert_eq!(
                k.public_key().verify(domain, b"", &FUZZING_SIGNATURE),
                Err(Error::BadSignature)
            );
        }
    }
}
