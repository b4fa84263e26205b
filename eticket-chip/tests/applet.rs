//! The chip's command set through the host API over the in-process applet:
//! every refusal with its status word, grants that must not work, tear safety.

mod common;

use common::*;
use eticket_chip::Error;
use eticket_chip::apdu::Command;
use eticket_chip::applet::{Applet, ChipState, FileStore, Store};
use eticket_chip::host::{Chip, InProcessCard};
use eticket_chip::protocol::MemberRecord;
use eticket_chip::status::StatusWord;
use eticket_core::chipauth::verify_answer;
use eticket_core::crypto::SecretKey;
use eticket_core::fixtures;
use eticket_core::grant::GrantOp;
use eticket_core::ids::{ChipId, DistributorId, MemberId};
use eticket_core::time::Timestamp;
use eticket_core::transfer::TransferRequest;

fn personalized(seed: &[u8]) -> (Chip<InProcessCard>, ChipId) {
    let mut chip = Chip::connect(InProcessCard::from_seed(seed)).unwrap();
    chip.personalize(&personalization()).unwrap();
    let id = chip.info().unwrap().chip;
    (chip, id)
}

fn refused<T: std::fmt::Debug>(r: Result<T, Error>) -> StatusWord {
    match r {
        Err(Error::Refused { status, .. }) => status,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Send raw bytes to a selected, personalized applet; return the status word.
fn raw(applet: &mut Applet, bytes: &[u8]) -> (Vec<u8>, StatusWord) {
    let r = applet.process(bytes);
    let (data, sw) = r.split_at(r.len() - 2);
    (data.to_vec(), StatusWord::from_bytes(sw[0], sw[1]))
}

fn selected_applet() -> Applet {
    let mut a = Applet::new(SecretKey::from_bytes(&[0x31; 32]).unwrap()).unwrap();
    assert_eq!(raw(&mut a, &select()).1, StatusWord::Success);
    a
}

#[test]
fn write_list_read_delete() {
    let (mut chip, id) = personalized(b"wlrd");
    assert_eq!(chip.info().unwrap().counter, 1, "personalization counts");
    let mut written = Vec::new();
    for slot in 0..3u8 {
        let t = ticket(id, 100 + u32::from(slot));
        let counter = chip.info().unwrap().counter;
        let m = chip
            .write(&write_grant(id, counter, slot, t.as_bytes()), t.as_bytes())
            .unwrap();
        assert_eq!((m.slot, m.counter), (slot, counter + 1));
        written.push(t);
    }
    let listed = chip.list().unwrap();
    assert_eq!(listed.len(), 3);
    assert_eq!(listed[1].hash, written[1].hash());
    let tickets = chip.tickets().unwrap();
    assert_eq!(
        tickets.iter().map(|t| t.ticket.clone()).collect::<Vec<_>>(),
        written
    );
    assert_eq!(chip.read(2).unwrap(), written[2]);
    let counter = chip.info().unwrap().counter;
    let m = chip
        .delete(&delete_grant(id, counter, 1, written[1].as_bytes()))
        .unwrap();
    assert_eq!((m.slot, m.counter), (1, counter + 1));
    assert_eq!(refused(chip.read(1)), StatusWord::RecordNotFound);
    let info = chip.info().unwrap();
    assert_eq!((info.used, info.free()), (2, 6));
}

#[test]
fn replayed_grant_is_refused() {
    let (mut chip, id) = personalized(b"replay");
    let t = ticket(id, 1);
    let g = write_grant(id, 1, 0, t.as_bytes());
    chip.write(&g, t.as_bytes()).unwrap();
    let d = delete_grant(id, 2, 0, t.as_bytes());
    chip.delete(&d).unwrap();
    // The slot is free again, but the counter moved on: the old grant is dead.
    assert_eq!(
        refused(chip.write(&g, t.as_bytes())),
        StatusWord::SecurityStatusNotSatisfied
    );
    assert_eq!(chip.info().unwrap().counter, 3);
}

#[test]
fn grant_for_another_chip_is_refused() {
    let (mut chip, _) = personalized(b"mine");
    let other = ChipId([7; 16]);
    let t = ticket(other, 1);
    assert_eq!(
        refused(chip.write(&write_grant(other, 1, 0, t.as_bytes()), t.as_bytes())),
        StatusWord::SecurityStatusNotSatisfied
    );
}

#[test]
fn wrong_hash_future_counter_and_wrong_key_are_refused() {
    let (mut chip, id) = personalized(b"hash");
    let t = ticket(id, 1);
    let other = ticket(id, 2);
    let sw = StatusWord::SecurityStatusNotSatisfied;
    assert_eq!(
        refused(chip.write(&write_grant(id, 1, 0, other.as_bytes()), t.as_bytes())),
        sw
    );
    assert_eq!(
        refused(chip.write(&write_grant(id, 2, 0, t.as_bytes()), t.as_bytes())),
        sw
    );
    // A delete grant is no write grant (domain-separated signatures).
    assert_eq!(
        refused(chip.write(&delete_grant(id, 1, 0, t.as_bytes()), t.as_bytes())),
        sw
    );
    // Signed by a key the chip was not personalized with.
    let forged = eticket_core::grant::Grant {
        op: GrantOp::Write,
        chip: id,
        counter: 1,
        slot: 0,
        payload_hash: t.hash(),
        expires: fixtures::NOW,
    }
    .sign(&fixtures::ticket_key())
    .unwrap();
    assert_eq!(refused(chip.write(&forged, t.as_bytes())), sw);
    // A flipped bit in the signature.
    let mut g = write_grant(id, 1, 0, t.as_bytes());
    let last = g.len() - 1;
    g[last] ^= 1;
    assert_eq!(refused(chip.write(&g, t.as_bytes())), sw);
    // Nothing of that moved the counter.
    assert_eq!(chip.info().unwrap().counter, 1);
}

#[test]
fn full_chip_occupied_slot_and_missing_slot() {
    let (mut chip, id) = personalized(b"full");
    for slot in 0..8u8 {
        let t = ticket(id, u32::from(slot));
        let c = chip.info().unwrap().counter;
        chip.write(&write_grant(id, c, slot, t.as_bytes()), t.as_bytes())
            .unwrap();
    }
    let t = ticket(id, 99);
    let c = chip.info().unwrap().counter;
    assert_eq!(
        refused(chip.write(&write_grant(id, c, 3, t.as_bytes()), t.as_bytes())),
        StatusWord::NotEnoughMemory
    );
    let old = chip.read(3).unwrap();
    chip.delete(&delete_grant(id, c, 3, old.as_bytes()))
        .unwrap();
    let c = c + 1;
    assert_eq!(
        refused(chip.write(&write_grant(id, c, 4, t.as_bytes()), t.as_bytes())),
        StatusWord::ConditionsNotSatisfied,
        "slot 4 is taken"
    );
    assert_eq!(
        refused(chip.write(&write_grant(id, c, 8, t.as_bytes()), t.as_bytes())),
        StatusWord::WrongData,
        "the chip has no slot 8"
    );
    assert_eq!(
        refused(chip.delete(&delete_grant(id, c, 3, old.as_bytes()))),
        StatusWord::RecordNotFound
    );
    chip.write(&write_grant(id, c, 3, t.as_bytes()), t.as_bytes())
        .unwrap();
}

#[test]
fn delete_needs_the_stored_payload_hash() {
    let (mut chip, id) = personalized(b"delhash");
    let t = ticket(id, 1);
    chip.write(&write_grant(id, 1, 0, t.as_bytes()), t.as_bytes())
        .unwrap();
    let other = ticket(id, 2);
    assert_eq!(
        refused(chip.delete(&delete_grant(id, 2, 0, other.as_bytes()))),
        StatusWord::SecurityStatusNotSatisfied
    );
    assert_eq!(chip.read(0).unwrap(), t);
}

#[test]
fn blank_chip_refuses_mutations_and_personalizes_once() {
    let mut chip = Chip::connect(InProcessCard::from_seed(b"blank")).unwrap();
    let id = chip.info().unwrap().chip;
    let t = ticket(id, 1);
    assert_eq!(
        refused(chip.write(&write_grant(id, 0, 0, t.as_bytes()), t.as_bytes())),
        StatusWord::ConditionsNotSatisfied
    );
    let member = MemberRecord {
        distributor: DistributorId(4),
        member: MemberId(777),
        valid_until: fixtures::NOW.plus(365 * 86_400),
    };
    let p = personalization().with_member(Some(member));
    chip.personalize(&p).unwrap();
    let info = chip.info().unwrap();
    assert!(info.personalized);
    assert_eq!(info.member, Some(member));
    assert_eq!(info.grant_keys, vec![fixtures::GRANT_KEY]);
    assert_eq!(
        refused(chip.personalize(&personalization())),
        StatusWord::ConditionsNotSatisfied
    );
    assert_eq!(chip.info().unwrap().member, Some(member), "locked");
}

#[test]
fn authenticate_proves_the_chip_id() {
    let (mut chip, id) = personalized(b"auth");
    assert_eq!(chip.authenticate(&[0xA5; 32]).unwrap(), id);
    // The raw answer verifies only for its own challenge.
    let mut a = selected_applet();
    let cmd = Command::new(0x00, 0x88, 0, 0)
        .with_data(vec![1; 32])
        .with_le(256);
    let (data, sw) = raw(&mut a, &cmd.to_bytes().unwrap());
    assert_eq!(sw, StatusWord::Success);
    let sig: [u8; 64] = data[..64].try_into().unwrap();
    let public = &data[64..];
    let claimed = ChipId::from_public_key(public);
    assert!(verify_answer(claimed, public, &[1; 32], &sig).is_ok());
    assert!(verify_answer(claimed, public, &[2; 32], &sig).is_err());
}

#[test]
fn sign_transfer_only_for_a_held_ticket() {
    let (mut chip, id) = personalized(b"transfer");
    let t = ticket(id, 42);
    chip.write(&write_grant(id, 1, 5, t.as_bytes()), t.as_bytes())
        .unwrap();
    let to = ChipId([9; 16]);
    let bytes = chip.sign_transfer(5, to, Timestamp(1234), PIN).unwrap();
    let info = chip.info().unwrap();
    let req = TransferRequest::verify(&bytes, &info.public_key).unwrap();
    assert_eq!((req.from, req.to, req.nonce), (id, to, 2));
    assert_eq!(info.counter, 3, "signing moved the counter on");
    assert_eq!(req.ticket_hash, t.hash());
    assert_eq!(req.serial.0, 42);
    assert_eq!(
        refused(chip.sign_transfer(0, to, Timestamp(1), PIN)),
        StatusWord::RecordNotFound
    );
    assert_eq!(
        refused(chip.sign_transfer(5, id, Timestamp(1), PIN)),
        StatusWord::WrongData
    );
    assert_eq!(
        refused(chip.sign_transfer(200, to, Timestamp(1), PIN)),
        StatusWord::IncorrectP1P2
    );
}

#[test]
fn raw_refusals_with_their_status_words() {
    let mut fresh = Applet::new(SecretKey::from_bytes(&[0x31; 32]).unwrap()).unwrap();
    assert_eq!(
        raw(&mut fresh, &[0x80, 0x10, 0, 0]).1,
        StatusWord::ConditionsNotSatisfied,
        "GET INFO before SELECT"
    );
    let mut a = selected_applet();
    let cases: &[(&[u8], StatusWord)] = &[
        (&[0xA0, 0x10, 0, 0], StatusWord::ClassNotSupported),
        (&[0x10, 0x10, 0, 0], StatusWord::ClassNotSupported),
        (&[0x00, 0x10, 0, 0], StatusWord::ClassNotSupported),
        (&[0x80, 0xA4, 4, 0], StatusWord::ClassNotSupported),
        (&[0x80, 0x77, 0, 0], StatusWord::InstructionNotSupported),
        (&[0x80, 0x10, 1, 0], StatusWord::IncorrectP1P2),
        (&[0x80, 0x10, 0, 0, 1, 0xAA], StatusWord::WrongLength),
        (&[0x80, 0x14, 8, 0], StatusWord::IncorrectP1P2),
        (&[0x80, 0x14, 0, 0], StatusWord::RecordNotFound),
        (&[0x80, 0x14, 0], StatusWord::WrongLength),
        (&[0x80, 0x14, 0, 0, 5, 1], StatusWord::WrongLength),
        (&[0x00, 0x88, 0, 0, 2, 1, 2], StatusWord::WrongLength),
        (
            &[0x80, 0x50, 0, 0, 1, 0],
            StatusWord::ConditionsNotSatisfied,
        ),
        (&[0x80, 0x30, 0, 0, 3, 1, 0, 0], StatusWord::WrongData),
        (&[0x00, 0xC0, 0, 0, 0], StatusWord::ConditionsNotSatisfied),
        (&[0x00, 0x20, 0, 0x81], StatusWord::ConditionsNotSatisfied),
        (&[0x00, 0x20, 0, 0x80], StatusWord::IncorrectP1P2),
        (&[0x80, 0x20, 0, 0x81], StatusWord::ClassNotSupported),
        (&[0x80, 0x16, 0, 0], StatusWord::RecordNotFound),
        (
            &[0x80, 0x32, 0, 0, 1, 0],
            StatusWord::ConditionsNotSatisfied,
        ),
        (&[0x80, 0x42, 0, 0, 1, 0], StatusWord::WrongLength),
        (&[0x00, 0xA4, 4, 0, 2, 0xF0, 0], StatusWord::FileNotFound),
    ];
    for (cmd, sw) in cases {
        assert_eq!(raw(&mut a, cmd).1, *sw, "{cmd:02X?}");
        raw(&mut a, &select());
    }
    assert_eq!(
        raw(&mut a, &[0x00, 0xA4, 4, 0, 9, 1]).1,
        StatusWord::WrongLength
    );
    assert_eq!(
        raw(&mut a, &[0x00, 0xA4, 0, 0]).1,
        StatusWord::IncorrectP1P2
    );
    // After a failed SELECT the applet is deselected.
    raw(&mut a, &[0x00, 0xA4, 4, 0, 1, 0xF1]);
    assert_eq!(
        raw(&mut a, &[0x80, 0x10, 0, 0]).1,
        StatusWord::ConditionsNotSatisfied
    );
}

#[test]
fn write_refuses_malformed_data_field() {
    let mut a = selected_applet();
    let p = personalization().to_bytes().unwrap();
    let cmd = Command::new(0x80, 0x30, 0, 0).with_data(p);
    assert_eq!(raw(&mut a, &cmd.to_bytes().unwrap()).1, StatusWord::Success);
    let id = a.state().chip();
    let t = ticket(id, 1);
    let g = write_grant(id, 1, 0, t.as_bytes());
    let send = |a: &mut Applet, data: Vec<u8>| {
        raw(
            a,
            &Command::new(0x80, 0x50, 0, 0)
                .with_data(data)
                .to_bytes()
                .unwrap(),
        )
        .1
    };
    // Grant length beyond the data.
    assert_eq!(send(&mut a, vec![200, 1, 2]), StatusWord::WrongLength);
    // No payload.
    let mut d = vec![g.len() as u8];
    d.extend_from_slice(&g);
    assert_eq!(send(&mut a, d.clone()), StatusWord::WrongLength);
    // A payload that is not a ticket envelope.
    d.extend_from_slice(&[9; 10]);
    assert_eq!(send(&mut a, d), StatusWord::WrongData);
    // A grant that is not an envelope.
    let mut d = vec![3, 1, 2, 3];
    d.extend_from_slice(t.as_bytes());
    assert_eq!(send(&mut a, d), StatusWord::WrongData);
    // The P1/P2 of WRITE must be zero.
    let cmd = Command::new(0x80, 0x50, 1, 0).with_data(vec![1, 1, 1]);
    assert_eq!(
        raw(&mut a, &cmd.to_bytes().unwrap()).1,
        StatusWord::IncorrectP1P2
    );
    assert_eq!(a.state().counter(), 1);
}

#[test]
fn short_le_gets_6cxx_and_long_answers_chain_with_61xx() {
    let mut a = selected_applet();
    // GET INFO with Le = 5: the chip says the exact length.
    let (data, sw) = raw(&mut a, &[0x80, 0x10, 0, 0, 5]);
    assert!(data.is_empty());
    let StatusWord::WrongLe(n) = sw else {
        panic!("{sw}")
    };
    let (data, sw) = raw(&mut a, &[0x80, 0x10, 0, 0, n]);
    assert_eq!((data.len(), sw), (usize::from(n), StatusWord::Success));
    // INTERNAL AUTHENTICATE asking for 100 of 129 bytes: the rest by GET RESPONSE.
    let mut cmd = vec![0x00, 0x88, 0, 0, 32];
    cmd.extend_from_slice(&[3; 32]);
    cmd.push(0);
    let (full, sw) = raw(&mut a, &cmd);
    assert_eq!((full.len(), sw), (129, StatusWord::Success));
}

/// Found by the `chip_applet` fuzz target (input kept in
/// fuzz/regressions/chip_applet/): a short Le on a command that had already
/// committed (here SIGN TRANSFER, which moves the counter on) was answered
/// `6Cxx`, "send it again", after the state had changed; the answer was
/// lost and a resend would have signed twice. Now a committed command's
/// answer waits for GET RESPONSE.
#[test]
fn a_committed_command_never_asks_to_be_sent_again() {
    let mut a = selected_applet();
    let mut pers = vec![0x80, 0x30, 0, 0];
    let p = personalization().to_bytes().unwrap();
    pers.push(p.len() as u8);
    pers.extend_from_slice(&p);
    assert_eq!(raw(&mut a, &pers).1, StatusWord::Success);
    let id = a.state().chip();
    let t = ticket(id, 7);
    let data =
        eticket_chip::protocol::encode_write(&write_grant(id, 1, 2, t.as_bytes()), t.as_bytes())
            .unwrap();
    // WRITE asking for 1 byte of its 5-byte answer.
    let write = Command::new(0x80, 0x50, 0, 0)
        .with_data(data)
        .with_le(1)
        .to_bytes()
        .unwrap();
    let (first, sw) = raw(&mut a, &write);
    assert_eq!((first.len(), sw), (1, StatusWord::BytesRemaining(4)));
    assert_eq!(a.state().counter(), 2);
    let (rest, sw) = raw(&mut a, &[0x00, 0xC0, 0, 0, 0]);
    assert_eq!(sw, StatusWord::Success);
    assert_eq!(
        eticket_chip::protocol::parse_mutation(&[first, rest].concat()).unwrap(),
        (2, 2)
    );
    // SIGN TRANSFER asking for 5 bytes: signed once, the rest fetched.
    let sign = Command::new(0x80, 0x40, 2, 0)
        .with_data(eticket_chip::protocol::encode_sign_transfer(
            PIN,
            ChipId([9; 16]),
            Timestamp(1),
        ))
        .with_le(5)
        .to_bytes()
        .unwrap();
    let (first, sw) = raw(&mut a, &sign);
    assert_eq!(first.len(), 5);
    let StatusWord::BytesRemaining(n) = sw else {
        panic!("{sw}")
    };
    assert_eq!(a.state().counter(), 3, "signed once");
    let (rest, sw) = raw(&mut a, &[0x00, 0xC0, 0, 0, n]);
    assert_eq!(sw, StatusWord::Success);
    let req = TransferRequest::verify(&[first, rest].concat(), a.state().public_key()).unwrap();
    assert_eq!(req.from, id);
    // A command that changes nothing still gets 6Cxx.
    assert!(matches!(
        raw(&mut a, &[0x80, 0x10, 0, 0, 5]).1,
        StatusWord::WrongLe(_)
    ));
}

#[test]
fn host_follows_61xx_with_get_response() {
    let (mut chip, id) = personalized(b"chain");
    for slot in 0..8u8 {
        let t = ticket(id, u32::from(slot));
        let c = chip.info().unwrap().counter;
        chip.write(&write_grant(id, c, slot, t.as_bytes()), t.as_bytes())
            .unwrap();
    }
    // 8 entries × 34 bytes + 2 = 274 bytes: more than one short response.
    assert_eq!(chip.list().unwrap().len(), 8);
    assert_eq!(chip.tickets().unwrap().len(), 8);
}

#[test]
fn host_reselects_after_a_card_reset() {
    let (mut chip, _) = personalized(b"reset");
    chip.transport_mut().reinsert();
    assert_eq!(chip.info().unwrap().counter, 1);
}

/// A store whose commits fail: a torn write.
struct TornStore;

impl Store for TornStore {
    fn commit(&mut self, _: &ChipState) -> eticket_chip::Result<()> {
        Err(Error::Transport("power lost during commit".into()))
    }
}

#[test]
fn a_failed_commit_leaves_the_old_state() {
    let state = ChipState::new(SecretKey::from_bytes(&[0x41; 32]).unwrap(), 4).unwrap();
    let mut chip = Chip::connect(InProcessCard::new(Applet::with_state(state, TornStore))).unwrap();
    assert_eq!(
        refused(chip.personalize(&personalization())),
        StatusWord::MemoryFailure
    );
    let info = chip.info().unwrap();
    assert!(!info.personalized);
    assert_eq!(info.counter, 0);
}

/// A store that counts its commits and fails them while its switch is on:
/// power lost in the middle of a chosen command.
#[derive(Clone, Default)]
struct SwitchedStore {
    failing: std::rc::Rc<std::cell::Cell<bool>>,
    commits: std::rc::Rc<std::cell::Cell<u32>>,
}

impl Store for SwitchedStore {
    fn commit(&mut self, _: &ChipState) -> eticket_chip::Result<()> {
        self.commits.set(self.commits.get() + 1);
        if self.failing.get() {
            return Err(Error::Transport("power lost during commit".into()));
        }
        Ok(())
    }
}

#[test]
fn a_signature_commits_once_so_a_failed_commit_changes_nothing() {
    let state = ChipState::new(SecretKey::from_bytes(&[0x43; 32]).unwrap(), 8).unwrap();
    let store = SwitchedStore::default();
    let mut chip =
        Chip::connect(InProcessCard::new(Applet::with_state(state, store.clone()))).unwrap();
    chip.personalize(&personalization()).unwrap();
    let id = chip.info().unwrap().chip;
    let t = ticket(id, 7);
    chip.write(&write_grant(id, 1, 0, t.as_bytes()), t.as_bytes())
        .unwrap();
    assert!(chip.verify_pin(b"9999").is_err());
    assert_eq!(chip.pin_tries_left().unwrap(), 2);
    let before = chip.transport().applet().state().to_bytes().unwrap();
    // The right PIN with a store that fails: the tries it would restore and
    // the counter it would spend go together, or not at all.
    store.failing.set(true);
    assert_eq!(
        refused(chip.sign_transfer(0, ChipId([9; 16]), Timestamp(5), PIN)),
        StatusWord::MemoryFailure
    );
    assert_eq!(
        chip.transport().applet().state().to_bytes().unwrap(),
        before
    );
    store.failing.set(false);
    assert_eq!(chip.pin_tries_left().unwrap(), 2);
    // One commit for both, so no store can keep one without the other.
    let commits = store.commits.get();
    chip.sign_transfer(0, ChipId([9; 16]), Timestamp(6), PIN)
        .unwrap();
    assert_eq!(store.commits.get(), commits + 1, "one command, one commit");
    assert_eq!(chip.pin_tries_left().unwrap(), 3);
    assert_eq!(chip.info().unwrap().counter, 3);
    // VERIFY with the right PIN commits only when it restores tries.
    let commits = store.commits.get();
    chip.verify_pin(PIN).unwrap();
    assert_eq!(store.commits.get(), commits);
}

#[test]
fn file_store_commits_atomically_and_survives_a_torn_temp_file() {
    let dir = std::env::temp_dir().join(format!("eticket-chip-store-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("card.state");
    let _ = std::fs::remove_file(&path);
    let store = FileStore::new(&path);
    assert!(store.load().unwrap().is_none());
    let state = ChipState::new(SecretKey::from_bytes(&[0x42; 32]).unwrap(), 8).unwrap();
    let mut chip =
        Chip::connect(InProcessCard::new(Applet::with_state(state, store.clone()))).unwrap();
    chip.personalize(&personalization()).unwrap();
    let id = chip.info().unwrap().chip;
    let t = ticket(id, 5);
    chip.write(&write_grant(id, 1, 2, t.as_bytes()), t.as_bytes())
        .unwrap();
    // A crash in the middle of the next commit leaves a partial temp file.
    std::fs::write(store.temp_path(), b"half a state").unwrap();
    let loaded = store.load().unwrap().unwrap();
    assert_eq!(loaded.counter(), 2);
    assert_eq!(loaded.slot(2), Some(t.as_bytes()));
    // A damaged state file is an error, not a blank chip.
    std::fs::write(&path, b"garbage").unwrap();
    assert!(store.load().is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn every_accepted_mutation_advances_the_counter_by_one() {
    let (mut chip, id) = personalized(b"counter");
    let mut expect = 1;
    for round in 0..3u32 {
        let t = ticket(id, round);
        let m = chip
            .write(&write_grant(id, expect, 0, t.as_bytes()), t.as_bytes())
            .unwrap();
        expect += 1;
        assert_eq!(m.counter, expect);
        let m = chip
            .delete(&delete_grant(id, expect, 0, t.as_bytes()))
            .unwrap();
        expect += 1;
        assert_eq!(m.counter, expect);
    }
}

#[test]
fn host_resends_with_the_exact_le_after_6cxx() {
    // A reader in the way that asks for 5 bytes the first time: the chip
    // answers 6Cxx with the real length and the host asks again.
    let mut applet = Applet::new(SecretKey::from_bytes(&[0x33; 32]).unwrap()).unwrap();
    let mut sent = Vec::new();
    let mut first = true;
    let transport = eticket_chip::host::FnTransport::new(|apdu: &[u8]| {
        let mut apdu = apdu.to_vec();
        if first && apdu[1] == 0x10 {
            first = false;
            *apdu.last_mut().unwrap() = 5;
        }
        sent.push(apdu.clone());
        Ok(applet.process(&apdu))
    });
    let info = {
        let mut chip = Chip::connect(transport).unwrap();
        chip.info().unwrap()
    };
    assert_eq!(info.counter, 0);
    assert_eq!(
        sent.len(),
        3,
        "SELECT, GET INFO with Le 5, GET INFO with the exact Le"
    );
    assert_eq!(sent[2].last(), Some(&(info.to_bytes().len() as u8)));
}

#[test]
fn long_data_goes_as_a_command_chain_or_one_extended_apdu() {
    // 2 + 4 × 67 + 1 + 14 = 285 bytes: more than one short APDU carries.
    let p = four_key_personalization();
    assert!(p.to_bytes().unwrap().len() > 255);
    let mut sent = Vec::new();
    let mut applet = Applet::new(SecretKey::from_bytes(&[0x34; 32]).unwrap()).unwrap();
    {
        let transport = eticket_chip::host::FnTransport::new(|apdu: &[u8]| {
            sent.push(apdu.to_vec());
            Ok(applet.process(apdu))
        });
        let mut chip = Chip::connect(transport).unwrap();
        chip.personalize(&p).unwrap();
        assert_eq!(chip.info().unwrap().grant_keys.len(), 4);
    }
    assert_eq!(sent[1][0], 0x90, "the first part is chained");
    assert_eq!(sent[2][0], 0x80, "the last part is not");
    assert!(sent.iter().all(|a| a.len() <= 261), "all short APDUs");

    let mut chip = Chip::new(InProcessCard::from_seed(b"extended")).with_extended_length(true);
    chip.select().unwrap();
    chip.personalize(&p).unwrap();
    let info = chip.info().unwrap();
    assert_eq!(info.member, p.member);
    // The fixture grant key is among the four: grants work after either path.
    let id = info.chip;
    let t = ticket(id, 3);
    chip.write(&write_grant(id, 1, 0, t.as_bytes()), t.as_bytes())
        .unwrap();
}

#[test]
fn chain_refusals() {
    let mut a = selected_applet();
    // Chained ISO commands are not supported.
    assert_eq!(
        raw(&mut a, &[0x10, 0x88, 0, 0, 1, 0]).1,
        StatusWord::ClassNotSupported
    );
    // At most 1024 bytes in all.
    let part = Command::new(0x90, 0x30, 0, 0).with_data(vec![0; 255]);
    for _ in 0..4 {
        assert_eq!(
            raw(&mut a, &part.to_bytes().unwrap()).1,
            StatusWord::Success
        );
    }
    assert_eq!(
        raw(&mut a, &part.to_bytes().unwrap()).1,
        StatusWord::WrongLength
    );
    // A chain broken by another command is dropped, and said so (6883);
    // the last part alone is then what the command sees.
    raw(&mut a, &part.to_bytes().unwrap());
    assert_eq!(
        raw(&mut a, &[0x80, 0x10, 0, 0, 0]).1,
        StatusWord::LastCommandExpected
    );
    assert_eq!(raw(&mut a, &[0x80, 0x10, 0, 0, 0]).1, StatusWord::Success);
    let last = Command::new(0x80, 0x30, 0, 0).with_data(vec![1, 1]);
    assert_eq!(
        raw(&mut a, &last.to_bytes().unwrap()).1,
        StatusWord::WrongData
    );
    // A chain part is checked before it is kept: a known instruction that
    // takes data, the application selected.
    assert_eq!(
        raw(&mut a, &[0x90, 0x77, 0, 0, 1, 0]).1,
        StatusWord::InstructionNotSupported
    );
    assert_eq!(
        raw(&mut a, &[0x90, 0x10, 0, 0, 1, 0]).1,
        StatusWord::InstructionNotSupported
    );
    let mut fresh = Applet::new(SecretKey::from_bytes(&[0x33; 32]).unwrap()).unwrap();
    assert_eq!(
        raw(&mut fresh, &part.to_bytes().unwrap()).1,
        StatusWord::ConditionsNotSatisfied,
        "a chain part before SELECT"
    );
    // GET RESPONSE in the proprietary class is a known INS with the wrong class.
    assert_eq!(
        raw(&mut a, &[0x80, 0xC0, 0, 0, 0]).1,
        StatusWord::ClassNotSupported
    );
    // Case 1 (no Le): the answer's data is not sent, 61xx says how much
    // GET RESPONSE fetches.
    let (data, sw) = raw(&mut a, &[0x80, 0x10, 0, 0]);
    assert!(data.is_empty());
    assert!(matches!(sw, StatusWord::BytesRemaining(n) if n > 0));
    let (data, sw) = raw(&mut a, &[0x00, 0xC0, 0, 0, 0]);
    assert_eq!(sw, StatusWord::Success);
    assert!(!data.is_empty());
}
