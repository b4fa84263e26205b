//! The host's side of every command against a card that answers anything:
//! each operation of `Chip` (GET INFO, LIST, READ, the ticket walk, WRITE,
//! DELETE, INTERNAL AUTHENTICATE, VERIFY, the PIN query, SIGN TRANSFER, SIGN
//! CANCEL, GET CERTIFICATE, UPDATE KEYS, PERSONALIZE, SELECT) must end with
//! a result or an error after a bounded number of transmissions, never
//! panic, never loop: the exchange's `6Cxx` re-send, its GET RESPONSE
//! rounds, command chaining, card resets and its time limit included.
//!
//! Input: an operation byte, a flags byte (bit 0 extended-length APDUs,
//! bit 1 tight limits), a clock byte (how far the card's clock moves on each
//! reading, in tenths of a second), then the card's responses, each a length
//! byte and that many bytes (length 255: the reader reports a card reset).
//! Once the responses run out the reader reports no card.
#![no_main]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use eticket_chip::host::{Chip, Limits, Monotonic, Transport};
use eticket_chip::protocol::{Personalization, Pin};
use eticket_core::fixtures;
use eticket_core::ids::ChipId;
use libfuzzer_sys::fuzz_target;

/// Most transmissions one operation may make: resets, chaining, 6Cxx and
/// GET RESPONSE rounds all bounded.
const MAX_TRANSMISSIONS: usize = 200;

/// What PERSONALIZE sends: the fixture grant key, a PIN, a certificate
/// (long enough to be chained).
fn personalization() -> &'static Personalization {
    static P: OnceLock<Personalization> = OnceLock::new();
    P.get_or_init(|| {
        let key = eticket_fuzz::grant_key();
        let pin = Pin::new(b"1234").expect("a four-digit PIN");
        Personalization {
            certificate: Some(vec![0x42; 200]),
            ..Personalization::new(vec![(key.id(), key.public.clone())], pin)
        }
    })
}

/// A card that answers from a script.
struct Scripted<'a> {
    rest: &'a [u8],
    sent: usize,
}

impl Transport for Scripted<'_> {
    fn transmit(&mut self, _command: &[u8]) -> eticket_chip::Result<Vec<u8>> {
        self.sent += 1;
        assert!(self.sent <= MAX_TRANSMISSIONS, "the host kept transmitting");
        let Some((&len, rest)) = self.rest.split_first() else {
            return Err(eticket_chip::Error::NoCard);
        };
        if len == 255 {
            self.rest = rest;
            return Err(eticket_chip::Error::CardReset);
        }
        let (answer, rest) = rest.split_at(usize::from(len).min(rest.len()));
        self.rest = rest;
        Ok(answer.to_vec())
    }
}

/// A clock that moves `step` on every reading.
struct Ticking {
    now: Arc<AtomicU64>,
    step: u64,
}

impl Monotonic for Ticking {
    fn elapsed(&self) -> Duration {
        Duration::from_millis(self.now.fetch_add(self.step, Ordering::Relaxed))
    }
}

fuzz_target!(|data: &[u8]| {
    let [op, flags, clock, ref script @ ..] = *data else {
        return;
    };
    let mut chip = Chip::new(Scripted {
        rest: script,
        sent: 0,
    })
    .with_extended_length(flags & 1 == 1)
    .with_clock(Box::new(Ticking {
        now: Arc::new(AtomicU64::new(0)),
        step: u64::from(clock) * 100,
    }));
    if flags & 2 == 2 {
        chip = chip.with_limits(Limits {
            max_response_len: 300,
            max_rounds: 2,
            time_limit: Duration::from_secs(1),
        });
    }
    // Long data (a grant and a ticket, a key update) is chained in short
    // APDUs unless extended length is on.
    let long = [0x5a; 400];
    let pin = b"1234";
    let _ = match op % 15 {
        0 => chip.select().map(drop),
        1 => chip.info().map(drop),
        2 => chip.list().map(drop),
        3 => chip.read(1).map(drop),
        4 => chip.tickets().map(drop),
        5 => chip.write(&long[..120], &long[120..]).map(drop),
        6 => chip.delete(&long[..120]).map(drop),
        7 => chip.prove(&[7; 32]).map(|p| {
            assert_eq!(p.chip, ChipId::from_public_key(&p.public_key));
        }),
        8 => chip.verify_pin(pin),
        9 => chip.pin_tries_left().map(drop),
        10 => chip
            .sign_transfer(1, ChipId([9; 16]), fixtures::NOW, pin)
            .map(drop),
        11 => chip
            .sign_cancel(1, "transfer-1", fixtures::NOW, pin)
            .map(drop),
        12 => chip.certificate().map(drop),
        13 => chip.update_keys(&long).map(drop),
        _ => chip.personalize(personalization()),
    };
});
