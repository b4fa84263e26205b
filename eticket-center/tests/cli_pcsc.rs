//! `eticket chip …` and `eticket transfer` through a real pcscd with the vpcd
//! driver: two virtual cards (the real applet, served from this test) are
//! personalized, written, read, made to sign a transfer and cleaned up, all
//! by the `eticket` binary on a SQLite ledger.
//!
//! Needs `scripts/setup/10-pcscd.sh` to have run; without pcscd or its vpcd
//! reader this test fails saying so, it never skips.
#![cfg(feature = "pcsc")]

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::{SHOP, TestChip};
use eticket_center::distributor::{SaleRequest, SeatChoice};
use eticket_center::{Center, Principal};
use eticket_chip::applet::Applet;
use eticket_chip::vpcd::{InsertedCard, vpcd_reader};
use eticket_core::fixtures::{self, EVENT};
use eticket_core::ids::TicketSerial;
use eticket_core::ticket::Holder;

const WAIT: Duration = Duration::from_secs(20);

fn eticket(db: &Path, reader: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_eticket"))
        .arg("--database")
        .arg(db)
        .args(["--cooling-off-secs", "0"])
        // The holder's PIN, as the card asks before it signs a transfer.
        .env("ETICKET_PIN", "1234")
        .args(args)
        .args(if matches!(args[0], "chip" | "transfer") {
            vec!["--reader", reader]
        } else {
            vec![]
        })
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn ok(db: &Path, reader: &str, args: &[&str]) -> String {
    let (success, out) = eticket(db, reader, args);
    assert!(success, "eticket {args:?}: {out}");
    out
}

fn insert(chip: &TestChip, reader: &str) -> InsertedCard {
    let applet = Applet::new(chip.secret.clone()).unwrap();
    InsertedCard::insert(applet, reader, WAIT).expect("insert a virtual card into the vpcd reader")
}

#[test]
fn chip_commands_through_pcscd_and_vpcd() {
    let reader = vpcd_reader().unwrap_or_else(|e| {
        panic!("PC/SC with vpcd is not available ({e}); run scripts/setup/10-pcscd.sh")
    });
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("center.sqlite");
    let (alice, bob) = (TestChip::new(0xa1), TestChip::new(0xb2));
    let serial = {
        let center = Center::open_sqlite(&db).unwrap();
        common::sold_paper(&center, 1);
        let req = SaleRequest {
            seats: SeatChoice::BestAvailable {
                seat_type: Some(fixtures::CAT_A),
                quantity: 1,
            },
            holder: Holder::Chip(alice.id),
            member: None,
        };
        center
            .sell(&Principal::Distributor(SHOP), "alice", EVENT, &req)
            .unwrap()
            .records[0]
            .serial
    };
    let s = serial.0.to_string();
    let ticket = ["--event", "2026", "--serial", s.as_str()];

    let readers = ok(&db, &reader, &["chip", "readers"]);
    assert!(readers.contains(&reader), "{readers}");

    // Alice's blank card: personalized once, then written by the center.
    let card = insert(&alice, &reader);
    let info = ok(&db, &reader, &["chip", "info"]);
    assert!(info.contains(&format!("chip {}", alice.id)), "{info}");
    assert!(info.contains("not personalized"), "{info}");
    let out = ok(&db, &reader, &["chip", "personalize"]);
    assert!(out.contains("trusts grant keys K2"), "{out}");
    let (success, out) = eticket(&db, &reader, &["chip", "personalize"]);
    assert!(
        !success && out.contains("[chip]") && out.contains("personalized already"),
        "{out}"
    );
    let out = ok(&db, &reader, &[&["chip", "write"][..], &ticket].concat());
    assert!(
        out.contains("generation 0") && out.contains("slot 0"),
        "{out}"
    );
    // Written again: nothing to do, said so.
    let out = ok(&db, &reader, &[&["chip", "write"][..], &ticket].concat());
    assert!(out.contains("on the chip already"), "{out}");
    let out = ok(&db, &reader, &["chip", "read"]);
    assert!(
        out.contains("1 ticket(s)") && out.contains("generation 0") && out.contains("— valid"),
        "{out}"
    );

    // Alice's chip signs the transfer to Bob; with no cooling-off it completes at once.
    let to = bob.id.to_string();
    let out = ok(
        &db,
        &reader,
        &[&["transfer", "--to", to.as_str()][..], &ticket].concat(),
    );
    assert!(out.contains("\"state\": \"pending\""), "{out}");
    let done = ok(&db, &reader, &["complete-transfers"]);
    assert!(
        done.contains("\"state\": \"completed\"") && done.contains("\"failed\": []"),
        "{done}"
    );
    let out = ok(&db, &reader, &["chip", "read"]);
    assert!(
        out.contains("old generation: generation 1 is valid"),
        "{out}"
    );
    // Writing the new generation to Alice's chip is refused: it is Bob's.
    let (success, out) = eticket(&db, &reader, &[&["chip", "write"][..], &ticket].concat());
    assert!(!success && out.contains("[holder_mismatch]"), "{out}");
    let out = ok(&db, &reader, &[&["chip", "delete"][..], &ticket].concat());
    assert!(out.contains("deleted the old generation"), "{out}");
    assert!(ok(&db, &reader, &["chip", "read"]).contains("0 ticket(s)"));
    let (success, out) = eticket(&db, &reader, &[&["chip", "delete"][..], &ticket].concat());
    assert!(!success && out.contains("no old generation"), "{out}");
    drop(card);

    // Bob's card gets generation 1.
    let card = insert(&bob, &reader);
    ok(&db, &reader, &["chip", "personalize"]);
    let out = ok(&db, &reader, &[&["chip", "write"][..], &ticket].concat());
    assert!(out.contains("generation 1"), "{out}");
    let out = ok(&db, &reader, &["chip", "read"]);
    assert!(
        out.contains("generation 1") && out.contains("— valid"),
        "{out}"
    );
    drop(card);

    // Carol's blank card becomes a membership card of the shop: registered in
    // the ledger for this chip, and the member record written with the keys.
    let carol = TestChip::new(0xc3);
    let card = insert(&carol, &reader);
    let membership = [
        "chip",
        "personalize",
        "--member-of",
        "1",
        "--member",
        "7",
        "--name",
        "Carol",
    ];
    let out = ok(&db, &reader, &membership);
    assert!(
        out.contains(&format!(
            "member M7 of distributor D1 registered for chip {}",
            carol.id
        )),
        "{out}"
    );
    let out = ok(&db, &reader, &["chip", "info"]);
    assert!(out.contains("member M7 of distributor D1 until"), "{out}");
    let (success, out) = eticket(&db, &reader, &membership);
    assert!(!success && out.contains("personalized already"), "{out}");
    let (success, out) = eticket(&db, &reader, &["chip", "personalize", "--member", "7"]);
    assert!(!success && out.contains("--member-of"), "{out}");
    drop(card);
    {
        let center = Center::open_sqlite(&db).unwrap();
        let sale = center.sell(
            &Principal::Distributor(SHOP),
            "carol-other-chip",
            EVENT,
            &SaleRequest {
                seats: SeatChoice::BestAvailable {
                    seat_type: None,
                    quantity: 1,
                },
                holder: Holder::Chip(carol.id),
                member: Some(eticket_core::ids::MemberId(7)),
            },
        );
        assert_eq!(sale.unwrap().records.len(), 1, "the registered member buys");
    }

    // No card, a reader that does not exist: clear errors.
    let (success, out) = eticket(&db, &reader, &["chip", "info", "--wait", "1"]);
    assert!(
        !success && out.contains("[chip]") && out.contains("no card in reader"),
        "{out}"
    );
    let (success, out) = eticket(
        &db,
        "No Such Reader 00 00",
        &["chip", "info", "--wait", "1"],
    );
    assert!(!success && out.contains("[chip]"), "{out}");
    let center = Center::open_sqlite(&db).unwrap();
    let valid = center
        .issued_ticket(EVENT, TicketSerial(serial.0))
        .unwrap()
        .unwrap();
    assert_eq!(valid.holder, Holder::Chip(bob.id));
}
