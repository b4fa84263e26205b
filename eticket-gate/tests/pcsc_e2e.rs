//! A full admission through a real PC/SC reader path: pcscd with the vpcd
//! driver, an eticket chip as a virtual card connected to it (the real applet,
//! served over vpcd's socket from this test), the center writing a ticket with
//! a grant, then a gate reading, challenging and admitting it — and refusing
//! it the second time, at another gate.
//!
//! Needs `scripts/setup/10-pcscd.sh` to have run: without pcscd or its vpcd
//! reader this test fails with a message saying so; it never skips.
#![cfg(feature = "pcsc")]

mod common;

use std::time::Duration;

use common::*;
use eticket_chip::applet::Applet;
use eticket_chip::host::Chip;
use eticket_chip::host::pcsc::PcscTransport;
use eticket_chip::vpcd::{InsertedCard, vpcd_reader};
use eticket_core::crypto::SecretKey;
use eticket_core::fixtures;
use eticket_gate::record::Medium;
use eticket_gate::{PassbackPolicy, Refusal};

const WAIT: Duration = Duration::from_secs(20);

#[test]
fn admission_through_pcscd_and_vpcd() {
    let reader = vpcd_reader().unwrap_or_else(|e| {
        panic!("PC/SC with vpcd is not available ({e}); run scripts/setup/10-pcscd.sh")
    });
    let applet = Applet::new(SecretKey::from_bytes(&[0x5c; 32]).unwrap()).unwrap();
    let card = InsertedCard::insert(applet, &reader, WAIT).expect("insert the virtual card");
    let mut chip = Chip::connect(PcscTransport::connect(&reader).unwrap()).unwrap();
    let ticket = issue_to_chip(&mut chip, 77, 0);
    let chip_id = chip.info().unwrap().chip;

    let v = venue(PassbackPolicy::SingleEntry);
    let mut north = v.gate(1);
    let mut east = v.gate(2);
    let out = north.admit_chip(&mut chip, fixtures::NOW).unwrap();
    assert!(out.is_admitted(), "{out}");
    assert_eq!(out.record.medium, Medium::Chip(chip_id));
    let g = out.guidance().unwrap();
    assert_eq!((g.section.as_str(), g.seat), ("Block A", Some(7)));

    let again = east.admit_chip(&mut chip, fixtures::NOW.plus(30)).unwrap();
    assert_eq!(again.refusal(), Some(Refusal::AlreadyAdmitted));
    // The ticket read back through PC/SC is the one the center wrote.
    let read = chip.tickets().unwrap();
    assert_eq!(read[0].ticket, ticket);
    drop(chip);
    drop(card);
    assert_eq!(v.unit.records().unwrap().len(), 2);
}
