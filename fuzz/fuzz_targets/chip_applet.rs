//! A session of arbitrary APDUs against the chip applet. The input is a flag
//! byte (bit 0: start personalized with the fixture grant key) and then
//! frames: a 2-byte big-endian length and that many bytes, one APDU each.
//! Every APDU gets a status word; the tickets and the counter change only
//! with an accepted (9000) WRITE, DELETE or PERSONALIZE, by exactly one step;
//! the counter never goes back. (Seeds carry valid fixture grants, so the
//! fuzzer starts from sessions that really write and delete.)
#![no_main]

use std::sync::OnceLock;

use eticket_chip::apdu::Command;
use eticket_chip::applet::{Applet, ChipState, MemoryStore};
use eticket_chip::protocol::{AID, Personalization, Pin};
use eticket_core::crypto::SecretKey;
use eticket_core::fixtures;
use libfuzzer_sys::fuzz_target;

/// The chip's state after key generation and personalization, made once:
/// every run starts from a copy (blank or personalized) and selects.
fn template(personalized: bool) -> Option<&'static ChipState> {
    static BLANK: OnceLock<Option<ChipState>> = OnceLock::new();
    static PERSONALIZED: OnceLock<Option<ChipState>> = OnceLock::new();
    let make = move || {
        let mut a = Applet::new(SecretKey::from_bytes(&[0x5E; 32]).ok()?).ok()?;
        let select = Command::new(0x00, 0xA4, 0x04, 0x00).with_data(AID.to_vec());
        a.process(&select.to_bytes().ok()?);
        if personalized {
            let k = fixtures::grant_key();
            let p = Personalization::new(vec![(k.id(), k.public_key())], Pin::new(b"1234").ok()?);
            let cmd = Command::new(0x80, 0x30, 0, 0).with_data(p.to_bytes().ok()?);
            a.process(&cmd.to_bytes().ok()?);
        }
        Some(a.state().clone())
    };
    let cell = if personalized { &PERSONALIZED } else { &BLANK };
    cell.get_or_init(make).as_ref()
}

fn applet(personalized: bool) -> Option<Applet> {
    let mut a = Applet::with_state(template(personalized)?.clone(), MemoryStore);
    let select = Command::new(0x00, 0xA4, 0x04, 0x00).with_data(AID.to_vec());
    a.process(&select.to_bytes().ok()?);
    Some(a)
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, mut rest)) = data.split_first() else {
        return;
    };
    let Some(mut a) = applet(flags & 1 == 1) else {
        return;
    };
    let snapshot = |a: &Applet| {
        let slots = (0..a.state().capacity())
            .map(|i| a.state().slot(i).map(<[u8]>::to_vec))
            .collect::<Vec<_>>();
        (a.state().counter(), slots)
    };
    while let Some((len, tail)) = rest.split_first_chunk::<2>() {
        let n = usize::from(u16::from_be_bytes(*len)).min(tail.len());
        let (apdu, next) = tail.split_at(n);
        rest = next;
        let before = snapshot(&a);
        let tries_before = a.state().pin_tries_left();
        let response = a.process(apdu);
        assert!(response.len() >= 2, "a response without a status word");
        let after = snapshot(&a);
        assert!(after.0 >= before.0, "the counter went back");
        if after != before {
            // Accepted: 9000, or 61xx when the command had no Le (its
            // answer then waits for GET RESPONSE).
            let sw1 = response.get(response.len() - 2).copied();
            let ok = response.ends_with(&[0x90, 0x00]) || sw1 == Some(0x61);
            // WRITE, DELETE, PERSONALIZE, SIGN TRANSFER, SIGN CANCEL (the
            // signatures move the counter on).
            let mutation = matches!(apdu.get(1), Some(0x50 | 0x52 | 0x30 | 0x40 | 0x42));
            assert!(ok && mutation, "state changed without an accepted mutation");
            assert_eq!(after.0, before.0 + 1, "a mutation moved the counter by more than one");
            if matches!(apdu.get(1), Some(0x40 | 0x42)) {
                assert_eq!(after.1, before.1, "a signature changed the slots");
            }
        }
        // The PIN tries move only through the commands that check a PIN
        // (VERIFY, SIGN TRANSFER, SIGN CANCEL) or PERSONALIZE setting them.
        if a.state().pin_tries_left() != tries_before {
            assert!(
                matches!(apdu.get(1), Some(0x20 | 0x30 | 0x40 | 0x42)),
                "PIN tries changed outside the PIN-checking commands"
            );
        }
        if apdu.first() == Some(&0xFF) {
            a.reset();
        }
    }
});
