//! Cards and readers that lie: every exchange with them ends with its own
//! error after a bounded number of transmissions; nothing loops or spins.
//! Time is an injected clock that each transmission moves on, so the time
//! limit is tested without waiting.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use common::*;
use eticket_chip::Error;
use eticket_chip::host::{Chip, FnTransport, InProcessCard, Limits, Monotonic, Transport};

/// A clock the transports move on.
#[derive(Clone, Default)]
struct FakeClock(Arc<AtomicU64>);

impl FakeClock {
    fn advance(&self, ms: u64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Monotonic for FakeClock {
    fn elapsed(&self) -> Duration {
        Duration::from_millis(self.0.load(Ordering::SeqCst))
    }
}

/// A card that answers SELECT with 9000 and then what `lie` says, counting
/// the transmissions.
fn liar(lie: impl FnMut(&[u8]) -> Vec<u8> + 'static) -> (Chip<Box<dyn Transport>>, Arc<AtomicU64>) {
    let sent = Arc::new(AtomicU64::new(0));
    let count = sent.clone();
    let mut lie = lie;
    let transport = FnTransport::new(move |apdu: &[u8]| {
        count.fetch_add(1, Ordering::SeqCst);
        if apdu.get(1) == Some(&0xA4) {
            return Ok(vec![0x90, 0x00]);
        }
        Ok(lie(apdu))
    });
    let boxed: Box<dyn Transport> = Box::new(transport);
    (Chip::connect(boxed).unwrap(), sent)
}

fn misbehaved<T: std::fmt::Debug>(r: eticket_chip::Result<T>) -> &'static str {
    match r {
        Err(Error::CardMisbehaved { reason, .. }) => reason,
        other => panic!("expected CardMisbehaved, got {other:?}"),
    }
}

#[test]
fn endless_61_00_without_data_stops_at_once() {
    let (mut chip, sent) = liar(|_| vec![0x61, 0x00]);
    let reason = misbehaved(chip.info());
    assert!(reason.contains("no data"), "{reason}");
    assert!(sent.load(Ordering::SeqCst) <= 3);
}

#[test]
fn endless_61xx_with_data_stops_at_the_round_limit() {
    let (mut chip, sent) = liar(|apdu| {
        let mut r = vec![0x55; 16];
        let _ = apdu;
        r.extend_from_slice(&[0x61, 0x10]);
        r
    });
    let reason = misbehaved(chip.list());
    assert!(reason.contains("rounds"), "{reason}");
    assert!(sent.load(Ordering::SeqCst) <= 1 + 1 + 17);
}

#[test]
fn oversize_answers_are_refused() {
    let (mut chip, _) = liar(|_| {
        let mut r = vec![0x55; 255];
        r.extend_from_slice(&[0x61, 0x00]);
        r
    });
    let reason = misbehaved(chip.read(0));
    assert!(reason.contains("longer"), "{reason}");
}

#[test]
fn a_6cxx_loop_stops_after_one_resend() {
    let (mut chip, sent) = liar(|_| vec![0x6C, 0x20]);
    let reason = misbehaved(chip.info());
    assert!(reason.contains("6Cxx"), "{reason}");
    assert_eq!(sent.load(Ordering::SeqCst), 1 + 2);
}

#[test]
fn a_card_that_answers_ever_more_slowly_times_out() {
    let clock = FakeClock::default();
    let tick = clock.clone();
    let transport = FnTransport::new(move |apdu: &[u8]| {
        // Each answer takes 2 s of the injected clock.
        tick.advance(2_000);
        if apdu.get(1) == Some(&0xA4) {
            return Ok(vec![0x90, 0x00]);
        }
        let mut r = vec![0x11; 8];
        r.extend_from_slice(&[0x61, 0x08]);
        Ok(r)
    });
    let mut chip = Chip::new(transport)
        .with_clock(Box::new(clock))
        .with_limits(Limits {
            max_rounds: 1000,
            max_response_len: 1 << 20,
            ..Limits::default()
        });
    chip.select().unwrap();
    match chip.list() {
        Err(Error::Timeout(command)) => assert_eq!(command, "LIST"),
        other => panic!("expected a timeout, got {other:?}"),
    }
}

#[test]
fn an_answer_that_changes_between_reads_is_caught() {
    // A card with a ticket whose READ answer differs from what LIST hashed:
    // the host refuses it instead of trusting either.
    let mut setup = Chip::connect(InProcessCard::from_seed(b"changing")).unwrap();
    setup.personalize(&personalization()).unwrap();
    let id = setup.info().unwrap().chip;
    let t = ticket(id, 3);
    setup
        .write(&write_grant(id, 1, 0, t.as_bytes()), t.as_bytes())
        .unwrap();
    let mut real = setup.into_transport();
    let transport = FnTransport::new(move |apdu: &[u8]| {
        let r = real.transmit(apdu)?;
        if apdu.get(1) == Some(&0x14) && r.len() > 10 {
            let mut changed = r.clone();
            changed[8] ^= 0x01;
            return Ok(changed);
        }
        Ok(r)
    });
    let mut chip = Chip::connect(transport).unwrap();
    match chip.tickets() {
        Err(Error::Malformed { reason, .. }) => assert!(reason.contains("hash"), "{reason}"),
        other => panic!("expected the hash mismatch, got {other:?}"),
    }
}

#[test]
fn a_card_removed_mid_command_is_an_error_not_success() {
    let (mut chip, _) = liar(|_| Vec::new());
    assert!(chip.info().is_err());
    let (mut chip, _) = liar(|_| vec![0x90]);
    assert!(chip.info().is_err());
}
