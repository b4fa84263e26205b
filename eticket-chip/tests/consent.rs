//! The holder's consent and the chip's own keys, as attacks: a skimmer or a
//! rigged terminal talking to a card in a queue, a reader that guesses PINs,
//! a reader that replays old key updates, and a reader that collects chosen
//! signatures. Each test is the attack; the card must refuse it.

mod common;

use common::*;
use eticket_chip::Error;
use eticket_chip::apdu::Command;
use eticket_chip::applet::{Applet, ChipState, FileStore};
use eticket_chip::host::{Chip, InProcessCard};
use eticket_chip::protocol::{Pin, encode_sign_cancel, encode_sign_transfer};
use eticket_chip::status::StatusWord;
use eticket_core::cancel::{TransferCancel, transfer_ref};
use eticket_core::certificate::ChipCertificate;
use eticket_core::chipkeys::ChipKeyUpdate;
use eticket_core::crypto::SecretKey;
use eticket_core::fixtures;
use eticket_core::ids::{ChipId, KeyId};
use eticket_core::keys::SigningKeyPair;
use eticket_core::time::Timestamp;
use eticket_core::transfer::TransferRequest;

const TO: ChipId = ChipId([9; 16]);

/// A personalized applet holding a ticket in slot 0, selected.
fn holder() -> (Applet, ChipId) {
    let mut chip = Chip::connect(InProcessCard::from_seed(b"holder")).unwrap();
    chip.personalize(&personalization()).unwrap();
    let id = chip.info().unwrap().chip;
    let t = ticket(id, 7);
    chip.write(&write_grant(id, 1, 0, t.as_bytes()), t.as_bytes())
        .unwrap();
    let state = chip.into_transport().applet().state().clone();
    let mut a = Applet::with_state(state, eticket_chip::applet::MemoryStore);
    assert_eq!(status(&a.process(&select())), StatusWord::Success);
    (a, id)
}

fn status(response: &[u8]) -> StatusWord {
    let n = response.len();
    StatusWord::from_bytes(response[n - 2], response[n - 1])
}

fn apdu(cmd: Command) -> Vec<u8> {
    cmd.to_bytes().unwrap()
}

fn verify(pin: &[u8]) -> Vec<u8> {
    apdu(Command::new(0x00, 0x20, 0x00, 0x81).with_data(pin.to_vec()))
}

fn sign_transfer_with(pin: &[u8], slot: u8, at: u64) -> Vec<u8> {
    apdu(
        Command::new(0x80, 0x40, slot, 0)
            .with_data(encode_sign_transfer(pin, TO, Timestamp(at)))
            .with_le(256),
    )
}

/// SIGN TRANSFER as a skimmer sends it: no PIN.
fn sign_transfer(slot: u8, at: u64) -> Vec<u8> {
    sign_transfer_with(b"", slot, at)
}

fn sign_cancel_with(pin: &[u8], slot: u8, id: &str) -> Vec<u8> {
    apdu(
        Command::new(0x80, 0x42, slot, 0)
            .with_data(encode_sign_cancel(pin, &transfer_ref(id), Timestamp(5)))
            .with_le(256),
    )
}

fn sign_cancel(slot: u8, id: &str) -> Vec<u8> {
    sign_cancel_with(b"", slot, id)
}

fn data(response: &[u8]) -> &[u8] {
    &response[..response.len() - 2]
}

/// The skimmer: SIGN TRANSFER straight away, as any reader could before.
#[test]
fn a_skimmer_without_the_pin_gets_no_transfer_signed() {
    let (mut a, _) = holder();
    // The held ticket (slot 0): refused without the PIN.
    assert_eq!(
        status(&a.process(&sign_transfer(0, 1))),
        StatusWord::SecurityStatusNotSatisfied
    );
    assert_eq!(
        status(&a.process(&sign_cancel(0, "t-1"))),
        StatusWord::SecurityStatusNotSatisfied
    );
    // Empty slots: nothing to sign, and probing them costs no PIN try.
    for slot in 1..4 {
        assert_eq!(
            status(&a.process(&sign_transfer_with(b"0000", slot, 1))),
            StatusWord::RecordNotFound
        );
    }
    assert_eq!(a.state().pin_tries_left(), 3);
    assert_eq!(a.state().counter(), 2, "nothing was signed");
}

/// The attack an outside check found with VERIFY-then-SIGN: another program
/// sharing the reader slips its own SIGN in between the holder's VERIFY and
/// the terminal's SIGN. A VERIFY allows nothing now: the signing command
/// carries the PIN, so there is no in-between to slip into.
#[test]
fn a_holders_verify_gives_no_one_a_signature() {
    let (mut a, id) = holder();
    assert_eq!(status(&a.process(&verify(PIN))), StatusWord::Success);
    assert_eq!(
        status(&a.process(&sign_transfer(0, 1))),
        StatusWord::SecurityStatusNotSatisfied,
        "a signature without the PIN right after the holder's VERIFY"
    );
    // Nor after commands that fail before they are dispatched.
    assert_eq!(status(&a.process(&verify(PIN))), StatusWord::Success);
    for junk in [
        &[0x80u8, 0xFF, 0, 0, 0][..],
        &[0xA0, 0x10, 0, 0, 0],
        &[0x80, 0x10],
    ] {
        a.process(junk);
        assert_eq!(
            status(&a.process(&sign_transfer(0, 2))),
            StatusWord::SecurityStatusNotSatisfied
        );
    }
    // With the PIN in the command: signed, for this holder, once per command.
    let r = a.process(&sign_transfer_with(PIN, 0, 3));
    assert_eq!(status(&r), StatusWord::Success);
    let req = TransferRequest::verify(data(&r), a.state().public_key()).unwrap();
    assert_eq!((req.from, req.to), (id, TO));
    // A wrong PIN in the command costs a try like VERIFY.
    assert_eq!(
        status(&a.process(&sign_transfer_with(b"0000", 0, 4))),
        StatusWord::VerificationFailed(2)
    );
    assert_eq!(
        status(&a.process(&sign_cancel_with(b"0000", 0, "t"))),
        StatusWord::VerificationFailed(1)
    );
    // The right one restores the tries.
    assert_eq!(
        status(&a.process(&sign_cancel_with(PIN, 0, "t"))),
        StatusWord::Success
    );
    assert_eq!(a.state().pin_tries_left(), 3);
    // An empty PIN is refused without costing a try (a probing reader
    // cannot block the card that way).
    a.process(&sign_transfer(0, 5));
    assert_eq!(a.state().pin_tries_left(), 3);
}

/// Every signature moves the counter on, so no two requests share a nonce
/// and the host can see how many were signed.
#[test]
fn every_signature_advances_the_counter() {
    let (mut a, _) = holder();
    let mut nonces = Vec::new();
    for at in 0..3 {
        let r = a.process(&sign_transfer_with(PIN, 0, at));
        assert_eq!(status(&r), StatusWord::Success);
        nonces.push(
            TransferRequest::verify(data(&r), a.state().public_key())
                .unwrap()
                .nonce,
        );
    }
    assert_eq!(nonces, [2, 3, 4]);
    assert_eq!(a.state().counter(), 5);
    // A grant the center made before the signatures no longer fits.
    let id = a.state().chip();
    let t = ticket(id, 8);
    let stale =
        eticket_chip::protocol::encode_write(&write_grant(id, 2, 1, t.as_bytes()), t.as_bytes())
            .unwrap();
    let r = a.process(&apdu(Command::new(0x80, 0x50, 0, 0).with_data(stale)));
    assert_eq!(status(&r), StatusWord::SecurityStatusNotSatisfied);
}

/// A PIN guesser: three wrong PINs block the card for good (the count is
/// committed before the answer, so pulling the card does not save a try),
/// and the right PIN no longer helps.
#[test]
fn wrong_pins_block_the_card_and_the_block_survives_power_loss() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chip.state");
    let (a, _) = holder();
    let store = FileStore::new(&path);
    eticket_chip::applet::Store::commit(&mut store.clone(), a.state()).unwrap();
    let load = || {
        let mut a = Applet::with_state(store.load().unwrap().unwrap(), store.clone());
        assert_eq!(status(&a.process(&select())), StatusWord::Success);
        a
    };
    let query = apdu(Command::new(0x00, 0x20, 0x00, 0x81));
    let mut a = load();
    assert_eq!(
        status(&a.process(&query)),
        StatusWord::VerificationFailed(3)
    );
    assert_eq!(
        status(&a.process(&verify(b"0000"))),
        StatusWord::VerificationFailed(2)
    );
    // Power lost after a wrong try: the try still counts.
    let mut a = load();
    assert_eq!(
        status(&a.process(&query)),
        StatusWord::VerificationFailed(2)
    );
    // A right PIN restores the tries.
    assert_eq!(status(&a.process(&verify(PIN))), StatusWord::Success);
    assert_eq!(
        status(&a.process(&query)),
        StatusWord::VerificationFailed(3)
    );
    assert_eq!(
        status(&a.process(&verify(b"0000"))),
        StatusWord::VerificationFailed(2)
    );
    assert_eq!(
        status(&a.process(&verify(b"1111"))),
        StatusWord::VerificationFailed(1)
    );
    assert_eq!(
        status(&a.process(&verify(b"2222"))),
        StatusWord::AuthenticationBlocked
    );
    let mut a = load();
    assert_eq!(a.state().pin_tries_left(), 0);
    assert_eq!(
        status(&a.process(&verify(PIN))),
        StatusWord::AuthenticationBlocked
    );
    assert_eq!(
        status(&a.process(&sign_transfer_with(PIN, 0, 1))),
        StatusWord::AuthenticationBlocked
    );
    // Tickets still read and still authenticate at the gate.
    let read = apdu(Command::new(0x80, 0x14, 0, 0).with_le(256));
    assert_eq!(status(&a.process(&read)), StatusWord::Success);
}

/// The host API maps the PIN statuses to their own errors.
#[test]
fn host_reports_wrong_and_blocked_pins() {
    let mut chip = Chip::connect(InProcessCard::from_seed(b"host-pin")).unwrap();
    chip.personalize(&personalization()).unwrap();
    let id = chip.info().unwrap().chip;
    let t = ticket(id, 3);
    chip.write(&write_grant(id, 1, 0, t.as_bytes()), t.as_bytes())
        .unwrap();
    assert_eq!(chip.pin_tries_left().unwrap(), 3);
    assert!(matches!(
        chip.verify_pin(b"9999"),
        Err(Error::WrongPin { tries_left: 2 })
    ));
    assert!(matches!(
        chip.sign_transfer(0, TO, Timestamp(1), b"9999"),
        Err(Error::WrongPin { tries_left: 1 })
    ));
    assert!(matches!(chip.verify_pin(b"9999"), Err(Error::PinBlocked)));
    assert_eq!(chip.pin_tries_left().unwrap(), 0);
    assert!(matches!(
        chip.sign_transfer(0, TO, Timestamp(1), PIN),
        Err(Error::PinBlocked)
    ));
    assert!(matches!(chip.verify_pin(b"12"), Err(Error::Invalid { .. })));
}

/// Cancellation is its own signature under its own command and domain.
#[test]
fn sign_cancel_needs_consent_and_signs_a_cancellation() {
    let mut chip = Chip::connect(InProcessCard::from_seed(b"cancel")).unwrap();
    chip.personalize(&personalization()).unwrap();
    let id = chip.info().unwrap().chip;
    let t = ticket(id, 9);
    chip.write(&write_grant(id, 1, 3, t.as_bytes()), t.as_bytes())
        .unwrap();
    let bytes = chip.sign_cancel(3, "tr-42", Timestamp(77), PIN).unwrap();
    let info = chip.info().unwrap();
    let c = TransferCancel::verify(&bytes, &info.public_key).unwrap();
    assert_eq!((c.from, c.serial.0, c.nonce), (id, 9, 2));
    assert_eq!(c.transfer, transfer_ref("tr-42"));
    assert_eq!(c.ticket_hash, t.hash());
    assert!(TransferRequest::verify(&bytes, &info.public_key).is_err());
    assert_eq!(info.counter, 3);
}

/// The instruction ISO 7816-4 gives to VERIFY is VERIFY; the old WRITE and
/// DELETE instructions are gone.
#[test]
fn old_write_and_delete_instructions_are_not_supported() {
    let (mut a, _) = holder();
    for ins in [0x20u8, 0x22] {
        let r = a.process(&apdu(
            Command::new(0x80, ins, 0, 0).with_data(vec![1, 2, 3]),
        ));
        assert!(
            matches!(
                status(&r),
                StatusWord::InstructionNotSupported | StatusWord::ClassNotSupported
            ),
            "{:?}",
            status(&r)
        );
    }
    assert_eq!(a.state().counter(), 2);
}

fn update(epoch: u32, keys: &[&SigningKeyPair], signer: &SigningKeyPair) -> Vec<u8> {
    ChipKeyUpdate {
        epoch,
        keys: keys.iter().map(|k| (k.id(), k.public_key())).collect(),
    }
    .to_signed_bytes(signer)
    .unwrap()
}

/// Grant keys move on with a center-signed update of a higher epoch; a
/// replayed older update cannot bring a retired key back, and a key the chip
/// does not trust cannot install itself.
#[test]
fn key_updates_need_a_trusted_signer_and_a_higher_epoch() {
    let mut chip = Chip::connect(InProcessCard::from_seed(b"keys")).unwrap();
    chip.personalize(&personalization()).unwrap();
    let id = chip.info().unwrap().chip;
    let old = fixtures::grant_key();
    let new = SigningKeyPair::from_secret_bytes(KeyId(21), &[0x21; 32]).unwrap();
    let rogue = SigningKeyPair::from_secret_bytes(KeyId(22), &[0x22; 32]).unwrap();
    let refusal = |r: Result<(), Error>| match r {
        Err(Error::Refused { status, .. }) => status,
        other => panic!("expected a refusal, got {other:?}"),
    };
    assert_eq!(
        refusal(chip.update_keys(&update(1, &[&rogue], &rogue))),
        StatusWord::SecurityStatusNotSatisfied,
        "an untrusted key signs its own update"
    );
    let both = update(1, &[&old, &new], &old);
    chip.update_keys(&both).unwrap();
    let info = chip.info().unwrap();
    assert_eq!(
        (info.key_epoch, info.grant_keys.clone()),
        (1, vec![old.id(), new.id()])
    );
    chip.update_keys(&update(2, &[&new], &new)).unwrap();
    assert_eq!(
        refusal(chip.update_keys(&both)),
        StatusWord::SecurityStatusNotSatisfied,
        "a replayed update of a lower epoch"
    );
    // The retired key's grants are refused; the new key's accepted.
    let t = ticket(id, 5);
    let counter = chip.info().unwrap().counter;
    let by_old = grant(
        eticket_core::grant::GrantOp::Write,
        id,
        counter,
        0,
        t.as_bytes(),
    );
    assert!(chip.write(&by_old, t.as_bytes()).is_err());
    let g = eticket_core::grant::Grant {
        op: eticket_core::grant::GrantOp::Write,
        chip: id,
        counter,
        slot: 0,
        payload_hash: t.hash(),
        expires: fixtures::NOW.plus(600),
    };
    chip.write(&g.sign(&new).unwrap(), t.as_bytes()).unwrap();
}

/// The chip keeps only a certificate for itself, signed by a key it is given.
#[test]
fn certificates_are_checked_at_personalization() {
    let grant = fixtures::grant_key();
    let mut chip = Chip::connect(InProcessCard::from_seed(b"cert")).unwrap();
    let info = chip.info().unwrap();
    assert_eq!(chip.certificate().unwrap(), None);
    let other = SecretKey::from_bytes(&[0x45; 32]).unwrap().public_key();
    let foreign = ChipCertificate::new(other, fixtures::NOW)
        .to_signed_bytes(&grant)
        .unwrap();
    assert!(
        chip.personalize(&personalization().with_certificate(foreign))
            .is_err()
    );
    let rogue = SigningKeyPair::from_secret_bytes(KeyId(30), &[0x30; 32]).unwrap();
    let unsigned = ChipCertificate::new(info.public_key.clone(), fixtures::NOW)
        .to_signed_bytes(&rogue)
        .unwrap();
    assert!(
        chip.personalize(&personalization().with_certificate(unsigned))
            .is_err()
    );
    let own = ChipCertificate::new(info.public_key.clone(), fixtures::NOW)
        .to_signed_bytes(&grant)
        .unwrap();
    chip.personalize(&personalization().with_certificate(own.clone()))
        .unwrap();
    assert!(chip.info().unwrap().has_certificate);
    assert_eq!(chip.certificate().unwrap(), Some(own.clone()));
    let cert =
        ChipCertificate::from_signed_bytes(&own, &fixtures::key_set(), fixtures::NOW).unwrap();
    assert_eq!(cert.chip, info.chip);
}

/// A reader that asks for the same challenge twice gets two different
/// signatures: the nonces are hedged, never a function of the message alone.
#[test]
fn chosen_challenges_get_hedged_signatures() {
    let (mut a, _) = holder();
    let auth = apdu(
        Command::new(0x00, 0x88, 0, 0)
            .with_data(vec![0x42; 32])
            .with_le(256),
    );
    let one = a.process(&auth);
    let two = a.process(&auth);
    assert_eq!(status(&one), StatusWord::Success);
    assert_ne!(data(&one)[..64], data(&two)[..64]);
}

/// A state file with more PIN tries left than the personalization allows is
/// damaged, not a card with extra tries.
#[test]
fn state_with_impossible_tries_is_refused() {
    let (a, _) = holder();
    let mut bytes = a.state().to_bytes().unwrap();
    // version ‖ secret (32) ‖ counter (4) ‖ tries left
    bytes[37] = 9;
    let n = bytes.len() - 32;
    let sum: [u8; 32] = sha2::Digest::finalize(sha2::Digest::chain_update(
        <sha2::Sha256 as sha2::Digest>::new(),
        &bytes[..n],
    ))
    .into();
    bytes[n..].copy_from_slice(&sum);
    assert!(ChipState::from_bytes(&bytes).is_err());
    let _ = Pin::new(PIN).unwrap();
}
