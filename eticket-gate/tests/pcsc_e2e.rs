//! A full admission through a real PC/SC reader path: pcscd with the vpcd
//! driver, an eticket chip as a virtual card connected to it (the real applet,
//! served over vpcd's socket from this test), the center writing a ticket with
//! a grant, then a gate reading, challenging and admitting it — and refusing
//! it the second time, at another gate.
//!
//! Needs `scripts/setup/10-pcscd.sh` to have run: without pcscd or its vpcd
//! reader this test fails with a message saying so; it never skips.
#![cfg(feature = "pcsc")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::net::{Shutdown, TcpStream};
use std::thread::JoinHandle;
use std::time::Duration;

use common::*;
use eticket_chip::applet::Applet;
use eticket_chip::host::Chip;
use eticket_chip::host::pcsc::{PcscTransport, list_readers, wait_for_card, wait_for_removal};
use eticket_chip::vpcd::{VPCD_PORT, VirtualCard, vpcd_addr};
use eticket_core::crypto::SecretKey;
use eticket_core::fixtures;
use eticket_gate::record::Medium;
use eticket_gate::{PassbackPolicy, Refusal};

const WAIT: Duration = Duration::from_secs(20);

fn vpcd_reader() -> String {
    let readers = list_readers().unwrap_or_else(|e| {
        panic!("PC/SC is not available ({e}); run scripts/setup/10-pcscd.sh to install and start pcscd with vpcd")
    });
    readers
        .into_iter()
        .find(|r| r.starts_with("Virtual PCD"))
        .unwrap_or_else(|| {
            panic!("pcscd has no vpcd reader (\"Virtual PCD\"); run scripts/setup/10-pcscd.sh")
        })
}

/// The virtual card in the vpcd reader, served from a thread; removed (its
/// socket closed) on drop.
struct InsertedCard {
    socket: TcpStream,
    server: Option<JoinHandle<()>>,
    reader: String,
}

impl InsertedCard {
    fn insert(secret: [u8; 32], reader: &str) -> Self {
        wait_for_removal(reader, WAIT).expect("the vpcd reader is empty before inserting");
        let socket = TcpStream::connect(vpcd_addr(VPCD_PORT))
            .expect("connect to pcscd's vpcd reader on 127.0.0.1:35963");
        socket.set_nodelay(true).unwrap();
        let mut served = socket.try_clone().unwrap();
        let applet = Applet::new(SecretKey::from_bytes(&secret).unwrap()).unwrap();
        let server = std::thread::spawn(move || {
            let mut card = VirtualCard::new(applet);
            let _ = card.serve(&mut served);
        });
        wait_for_card(reader, WAIT).expect("the virtual card appears in the vpcd reader");
        Self {
            socket,
            server: Some(server),
            reader: reader.to_owned(),
        }
    }
}

impl Drop for InsertedCard {
    fn drop(&mut self) {
        let _ = self.socket.shutdown(Shutdown::Both);
        if let Some(server) = self.server.take() {
            let _ = server.join();
        }
        let _ = wait_for_removal(&self.reader, WAIT);
    }
}

#[test]
fn admission_through_pcscd_and_vpcd() {
    let reader = vpcd_reader();
    let card = InsertedCard::insert([0x5c; 32], &reader);
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
