//! The chip applet as a state machine: a session of arbitrary APDUs (the
//! dictionary `fuzz/dict/apdu.dict` names the command set) against one
//! applet whose state stays in memory. The input is a flag byte (bit 0:
//! start personalized with the fixture grant key; bit 1: the store fails
//! some commits, bits 2-3 say which) and then frames: a 2-byte big-endian
//! length and that many bytes, one APDU each (a first byte `FF` resets the
//! session afterwards).
//!
//! After every step:
//! - every APDU gets a status word;
//! - the counter never goes back, and moves by one at most;
//! - a slot is written or emptied only by an accepted WRITE or DELETE whose
//!   grant verifies with a grant key the chip held before the step, for
//!   this operation, this chip and the counter before the step, and (WRITE)
//!   the payload written or (DELETE) the payload removed; every other slot
//!   stays as it was;
//! - grant keys change only by PERSONALIZE of a blank chip or an UPDATE KEYS
//!   with a higher epoch; PIN tries only through the PIN-checking commands;
//! - a failed commit changes nothing and answers `6581`;
//! - every committed state encodes with a checksum that holds, and reloads
//!   to the same state (checked in the store, at each commit).
//!
//! Command chaining is followed by a model of the applet's rules, so the
//! grant of a chained WRITE is checked on the whole data.
#![no_main]

use std::sync::OnceLock;

use eticket_chip::apdu::Command;
use eticket_chip::applet::{Applet, ChipState, Store};
use eticket_chip::protocol::{
    AID, CLA_CHAINING, CLA_ISO, CLA_PROPRIETARY, INS_DELETE, INS_GET_RESPONSE, INS_PERSONALIZE,
    INS_SELECT, INS_SIGN_CANCEL, INS_SIGN_TRANSFER, INS_UPDATE_KEYS, INS_VERIFY, INS_WRITE,
    Personalization, Pin, split_write,
};
use eticket_core::crypto::SecretKey;
use eticket_core::grant::{Grant, GrantOp, payload_hash};
use eticket_fuzz::grant_key;
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

/// A store that checks what it is given and fails the commits it is told to.
struct CheckingStore {
    /// Fail the commits whose number (from 0) has these low bits.
    fail_every: Option<u32>,
    commits: u32,
}

impl Store for CheckingStore {
    fn commit(&mut self, state: &ChipState) -> eticket_chip::Result<()> {
        let n = self.commits;
        self.commits += 1;
        let bytes = state.to_bytes().expect("a state encodes");
        let (body, sum) = bytes.split_last_chunk::<32>().expect("a checksum");
        assert_eq!(<[u8; 32]>::from(Sha256::digest(body)), *sum, "checksum");
        let reloaded = ChipState::from_bytes(&bytes).expect("a committed state reloads");
        assert_eq!(
            reloaded.to_bytes().ok(),
            Some(bytes),
            "reloads to another state"
        );
        match self.fail_every {
            Some(k) if n % (k + 2) == k => Err(eticket_chip::Error::Malformed {
                what: "fuzz store",
                reason: "injected commit failure",
            }),
            _ => Ok(()),
        }
    }
}

fn select_apdu() -> Vec<u8> {
    Command::new(CLA_ISO, INS_SELECT, 0x04, 0x00)
        .with_data(AID.to_vec())
        .to_bytes()
        .expect("SELECT encodes")
}

/// The chip's state after key generation (and personalization), made once.
fn template(personalized: bool) -> &'static ChipState {
    static BLANK: OnceLock<ChipState> = OnceLock::new();
    static PERSONALIZED: OnceLock<ChipState> = OnceLock::new();
    let make = move || {
        let secret = SecretKey::from_bytes(&[0x5E; 32]).expect("a valid scalar");
        let mut a = Applet::new(secret).expect("a chip");
        a.process(&select_apdu());
        if personalized {
            let k = grant_key();
            let p = Personalization::new(
                vec![(k.id(), k.public.clone())],
                Pin::new(b"1234").expect("a PIN"),
            );
            let cmd = Command::new(CLA_PROPRIETARY, INS_PERSONALIZE, 0, 0)
                .with_data(p.to_bytes().expect("encodes"));
            assert_eq!(a.process(&cmd.to_bytes().expect("encodes")), [0x90, 0x00]);
        }
        a.state().clone()
    };
    let cell = if personalized { &PERSONALIZED } else { &BLANK };
    cell.get_or_init(make)
}

/// The applet's command chaining, followed from outside: the whole command
/// the applet dispatches, once its last part arrives.
#[derive(Default)]
struct ChainModel(Option<(u8, u8, u8, Vec<u8>)>);

impl ChainModel {
    fn step(&mut self, apdu: &[u8], response: &[u8]) -> Option<Command> {
        let Ok(mut cmd) = Command::parse(apdu) else {
            self.0 = None;
            return None;
        };
        if cmd.ins == INS_GET_RESPONSE {
            if cmd.cla & !CLA_CHAINING != CLA_ISO {
                self.0 = None;
            }
            return None;
        }
        let chained = cmd.cla & CLA_CHAINING != 0;
        let header = (cmd.ins, cmd.p1, cmd.p2);
        let earlier = match self.0.take() {
            Some((ins, p1, p2, data)) if (ins, p1, p2) == header => data,
            Some(_) if cmd.ins == INS_SELECT && !chained => Vec::new(),
            Some(_) => return None,
            None => Vec::new(),
        };
        if chained {
            if response == [0x90, 0x00] {
                let mut data = earlier;
                data.extend_from_slice(&cmd.data);
                self.0 = Some((cmd.ins, cmd.p1, cmd.p2, data));
            }
            return None;
        }
        if !earlier.is_empty() && cmd.cla == CLA_PROPRIETARY {
            let mut data = earlier;
            data.extend_from_slice(&cmd.data);
            cmd.data = data;
        }
        Some(cmd)
    }
}

struct Snapshot {
    counter: u32,
    slots: Vec<Option<Vec<u8>>>,
    keys: Vec<(eticket_core::ids::KeyId, [u8; 65])>,
    epoch: u32,
    personalized: bool,
    tries: u8,
    encoded: Vec<u8>,
}

fn snapshot(s: &ChipState) -> Snapshot {
    let p = s.personalization();
    Snapshot {
        counter: s.counter(),
        slots: (0..s.capacity())
            .map(|i| s.slot(i).map(<[u8]>::to_vec))
            .collect(),
        keys: p.map_or_else(Vec::new, |p| {
            p.grant_keys
                .iter()
                .map(|(id, k)| (*id, k.to_uncompressed()))
                .collect()
        }),
        epoch: p.map_or(0, |p| p.key_epoch),
        personalized: p.is_some(),
        tries: s.pin_tries_left(),
        encoded: s.to_bytes().expect("a state encodes"),
    }
}

/// The grant in `bytes` verifies for `op` with a key the chip held, for
/// this chip and counter.
fn granted(state: &ChipState, before: &Snapshot, bytes: &[u8], op: GrantOp) -> Grant {
    let p = state.personalization().expect("personalized");
    let g = p
        .grant_keys
        .iter()
        .filter(|(id, k)| before.keys.contains(&(*id, k.to_uncompressed())))
        .find_map(|(id, k)| Grant::verify_with_key(bytes, op, *id, k).ok())
        .expect("a slot changed without a valid grant");
    assert_eq!(g.grant.chip, state.chip(), "a grant for another chip");
    assert_eq!(
        g.grant.counter, before.counter,
        "a grant for another counter"
    );
    g.grant
}

fn check_slots(state: &ChipState, before: &Snapshot, after: &Snapshot, cmd: Option<&Command>) {
    let changed: Vec<usize> = (0..after.slots.len())
        .filter(|&i| after.slots[i] != before.slots[i])
        .collect();
    if changed.is_empty() {
        return;
    }
    let cmd = cmd.expect("slots changed without a command");
    assert_eq!(changed.len(), 1, "one command changed two slots");
    let slot = changed[0];
    match cmd.ins {
        INS_WRITE => {
            let (grant, payload) = split_write(&cmd.data).expect("a WRITE's data");
            let g = granted(state, before, grant, GrantOp::Write);
            assert_eq!(usize::from(g.slot), slot);
            assert_eq!(g.payload_hash, payload_hash(payload));
            assert!(before.slots[slot].is_none(), "WRITE over a ticket");
            assert_eq!(after.slots[slot].as_deref(), Some(payload));
        }
        INS_DELETE => {
            let g = granted(state, before, &cmd.data, GrantOp::Delete);
            assert_eq!(usize::from(g.slot), slot);
            let removed = before.slots[slot]
                .as_deref()
                .expect("DELETE of an empty slot");
            assert_eq!(g.payload_hash, payload_hash(removed));
            assert!(after.slots[slot].is_none());
        }
        other => panic!("INS {other:02X} changed a slot"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, mut rest)) = data.split_first() else {
        return;
    };
    let store = CheckingStore {
        fail_every: (flags & 2 != 0).then_some(u32::from(flags >> 2 & 3)),
        commits: 0,
    };
    let mut a =
        Applet::with_state(template(flags & 1 == 1).clone(), store).with_fixed_hedge([0xA5; 32]);
    a.process(&select_apdu());
    let mut chain = ChainModel::default();
    while let Some((len, tail)) = rest.split_first_chunk::<2>() {
        let n = usize::from(u16::from_be_bytes(*len)).min(tail.len());
        let (apdu, next) = tail.split_at(n);
        rest = next;
        let before = snapshot(a.state());
        let commits_before = a.store().commits;
        let response = a.process(apdu);
        assert!(response.len() >= 2, "a response without a status word");
        let cmd = chain.step(apdu, &response);
        let after = snapshot(a.state());
        let status = &response[response.len() - 2..];
        let committed = a.store().commits > commits_before;
        if committed && status == [0x65, 0x81] {
            assert_eq!(
                after.encoded, before.encoded,
                "a failed commit changed the state"
            );
        }
        assert!(after.counter >= before.counter, "the counter went back");
        assert!(
            after.counter <= before.counter + 1,
            "the counter moved by more than one"
        );
        if after.encoded != before.encoded {
            assert!(committed, "the state changed without a commit");
            // Accepted: 9000, or 61xx when the command had no Le; a wrong
            // PIN is committed and then refused (63Cx, 6983).
            let ins = cmd.as_ref().map(|c| c.ins);
            let pin_only = after.slots == before.slots
                && after.counter == before.counter
                && after.keys == before.keys;
            assert!(
                status == [0x90, 0x00] || status[0] == 0x61 || pin_only,
                "state changed by a refused command: {status:02X?}"
            );
            if after.counter != before.counter {
                assert!(
                    matches!(
                        ins,
                        Some(
                            INS_WRITE
                                | INS_DELETE
                                | INS_PERSONALIZE
                                | INS_SIGN_TRANSFER
                                | INS_SIGN_CANCEL
                        )
                    ),
                    "the counter moved on INS {ins:02X?}"
                );
            }
        }
        check_slots(a.state(), &before, &after, cmd.as_ref());
        if (after.keys, after.epoch) != (before.keys.clone(), before.epoch) {
            match cmd.as_ref().map(|c| c.ins) {
                Some(INS_PERSONALIZE) => assert!(!before.personalized, "personalized twice"),
                Some(INS_UPDATE_KEYS) => assert!(after.epoch > before.epoch, "key epoch went back"),
                other => panic!("grant keys changed on INS {other:02X?}"),
            }
        }
        if after.tries != before.tries {
            assert!(
                matches!(
                    cmd.as_ref().map(|c| c.ins),
                    Some(INS_VERIFY | INS_PERSONALIZE | INS_SIGN_TRANSFER | INS_SIGN_CANCEL)
                ),
                "PIN tries changed outside the PIN-checking commands"
            );
        }
        if apdu.first() == Some(&0xFF) {
            a.reset();
            chain = ChainModel::default();
        }
    }
});
