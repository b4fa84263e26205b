//! A ledger written by the first schema version, upgraded by this center, on
//! SQLite and on PostgreSQL. The ledgers are in `tests/vectors/ledger-v1/`:
//! dumps of what the center at schema version 1 wrote (`make_v1_ledger.rs.txt`
//! there is the program, run at that version): the small event, one
//! distributor, credentials, five tickets sold and issued (three on paper,
//! two to a chip), one of them revoked. Nothing of it may be lost: the event,
//! the sales, the issued tickets byte for byte, the revocation, the tokens;
//! the keys are sealed on open; tickets of the old format are re-issued in
//! the current one, which gates admit; and the upgraded ledger sells on.

mod common;

use common::{Backend, postgres_url};
use eticket_center::distributor::{SaleRequest, SeatChoice};
use eticket_center::keystore::Kek;
use eticket_center::store::Store;
use eticket_center::{Center, Principal};
use eticket_core::fixtures::{self, EVENT};
use eticket_core::ids::{DistributorId, TicketSerial};
use eticket_core::signed::FORMAT_VERSION;
use eticket_core::ticket::Holder;
use serde_json::Value;

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/ledger-v1");

fn manifest(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{VECTORS}/manifest-{name}.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A SQLite backend with the version 1 ledger loaded, and its manifest.
fn v1_sqlite() -> (Backend, Value) {
    let backend = Backend::sqlite();
    let Backend::Sqlite { path, .. } = &backend else {
        unreachable!("a SQLite backend")
    };
    let dump = std::fs::read_to_string(format!("{VECTORS}/sqlite.sql")).unwrap();
    rusqlite::Connection::open(path)
        .unwrap()
        .execute_batch(&dump)
        .unwrap();
    (backend, manifest("sqlite"))
}

fn v1_postgres() -> (Backend, Value) {
    let mut raw = [0u8; 8];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut raw);
    let schema = format!("t_{}", hex::encode(raw));
    let dump = std::fs::read_to_string(format!("{VECTORS}/postgres.sql"))
        .unwrap()
        .replace("ledger_v1", &schema);
    let mut client = postgres::Client::connect(&postgres_url(), postgres::NoTls)
        .unwrap_or_else(|e| panic!("PostgreSQL is required (scripts/setup/40-postgres.sh): {e}"));
    client.batch_execute(&dump).unwrap();
    let backend = Backend::Postgres {
        schema,
        dir: tempfile::tempdir().unwrap(),
        kek: Kek::generate(),
    };
    (backend, manifest("postgres"))
}

fn schema_version(center: &Center) -> String {
    center
        .ledger()
        .transaction(&mut |tx| {
            tx.query_opt("SELECT value FROM meta WHERE name = 'schema_version'", &[])?
                .unwrap()
                .text(0)
                .map(str::to_owned)
        })
        .unwrap()
}

/// The ledger, for checks of one backend's own.
fn upgraded_keeps_everything((backend, m): (Backend, Value)) -> Backend {
    // An hour after the version 1 center wrote the ledger (its keys are valid
    // from then).
    let clock = std::sync::Arc::new(eticket_center::clock::ManualClock::new(
        fixtures::NOW.plus(3600),
    ));
    let center = backend.center(&clock);
    assert_eq!(
        schema_version(&center),
        eticket_center::store::SCHEMA_VERSION.to_string()
    );
    // The event and its sales.
    let info = center.event_info(EVENT).unwrap();
    assert_eq!(info.name, fixtures::small_event().name);
    let org = Principal::Organizer(1);
    let stats = center.event_stats(&org, EVENT).unwrap();
    let sold: u32 = stats
        .counts
        .iter()
        .filter(|c| c.1 != "available")
        .map(|c| c.2)
        .sum();
    assert_eq!(sold, 5, "{stats:?}");
    assert_eq!(stats.valid_issued, 4, "five issued, one revoked");
    // The tokens still say who their holders are.
    let tokens = &m["tokens"];
    for (role, who) in [
        ("organizer", org),
        ("distributor", Principal::Distributor(DistributorId(1))),
        ("gate", Principal::Gate(EVENT)),
    ] {
        assert_eq!(
            center.authenticate(tokens[role].as_str().unwrap()).unwrap(),
            who
        );
    }
    // Every issued ticket byte for byte; the revoked one revoked.
    let revoked = TicketSerial(m["revoked"].as_u64().unwrap() as u32);
    for t in m["issued"].as_array().unwrap() {
        let serial = TicketSerial(t["ticket"]["serial"].as_u64().unwrap() as u32);
        let bytes = hex::decode(t["ticket"]["ticket"].as_str().unwrap()).unwrap();
        let now = center.issued_ticket(EVENT, serial).unwrap();
        if serial == revoked {
            assert!(now.is_none(), "ticket {serial} was revoked");
        } else {
            assert_eq!(
                now.unwrap().ticket,
                bytes,
                "ticket {serial} kept byte for byte"
            );
        }
    }
    let list = center.revocation_list(&org, EVENT).unwrap();
    assert_eq!(list.version, m["revocation_version"].as_u64().unwrap());
    // The old format: re-issued in the current one, next generation, the old
    // generation revoked; gates admit the new paper tickets.
    assert!(
        m["issued"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["ticket"]["ticket"].as_str().unwrap().starts_with("01")),
        "the vectors hold format 1 tickets"
    );
    let dir = tempfile::tempdir().unwrap();
    let venue = common::venue(&center, dir.path());
    let mut gate = venue.gate(eticket_core::ids::GateId(1), "upgrade").unwrap();
    let first = hex::decode(m["issued"][1]["ticket"]["ticket"].as_str().unwrap()).unwrap();
    let outcome = gate.admit_paper(&first, center.now()).unwrap();
    assert!(!outcome.is_admitted(), "a format 1 ticket: {outcome:?}");
    let report = center.reissue_old_format(&Principal::Operator).unwrap();
    assert_eq!(report.reissued.len(), 4);
    for r in &report.reissued {
        assert_eq!(r.ticket.ticket[0], FORMAT_VERSION);
        assert_eq!(r.ticket.generation.0, 1);
    }
    let again = center.reissue_old_format(&Principal::Operator).unwrap();
    assert_eq!((again.reissued.len(), again.already_done), (0, 4));
    let paper: Vec<u32> = m["paper"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_u64().unwrap() as u32)
        .filter(|s| *s != revoked.0)
        .collect();
    for s in &paper {
        let t = center
            .issued_ticket(EVENT, TicketSerial(*s))
            .unwrap()
            .unwrap();
        let outcome = gate.admit_paper(&t.ticket, center.now()).unwrap();
        assert!(outcome.is_admitted(), "paper ticket {s}: {outcome:?}");
    }
    // The upgraded ledger sells and issues on.
    let shop = Principal::Distributor(DistributorId(1));
    let sale = center
        .sell(
            &shop,
            "after-upgrade",
            EVENT,
            &SaleRequest {
                seats: SeatChoice::BestAvailable {
                    seat_type: None,
                    quantity: 2,
                },
                holder: Holder::Paper,
                member: None,
            },
        )
        .unwrap();
    for r in &sale.records {
        let d = center
            .issue(&shop, &format!("issue-{}", r.serial), EVENT, r.serial, None)
            .unwrap();
        assert_eq!(d.ticket.ticket[0], FORMAT_VERSION);
    }
    drop(center);
    backend
}

#[test]
fn sqlite_ledger_of_schema_1_is_upgraded_whole() {
    upgraded_keeps_everything(v1_sqlite());
}

#[test]
fn postgres_ledger_of_schema_1_is_upgraded_whole() {
    let backend = upgraded_keeps_everything(v1_postgres());
    // Schema 18 dropped the issuing records' foreign key to tickets on
    // PostgreSQL (and only that one: `issued` keeps its key to them).
    let clock = std::sync::Arc::new(eticket_center::clock::ManualClock::new(fixtures::NOW));
    let center = backend.center(&clock);
    let keys = center
        .ledger()
        .transaction(&mut |tx| {
            tx.query(
                "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint
                 WHERE contype = 'f' AND connamespace = current_schema()::regnamespace
                   AND conrelid::regclass::text IN ('issuing_records', 'issued')",
                &[],
            )
        })
        .unwrap();
    let pairs: Vec<(String, String)> = keys
        .iter()
        .map(|r| (r.text(0).unwrap().to_owned(), r.text(1).unwrap().to_owned()))
        .collect();
    assert!(
        !pairs.contains(&("issuing_records".to_owned(), "tickets".to_owned())),
        "{pairs:?}"
    );
    assert!(
        pairs.contains(&("issued".to_owned(), "issuing_records".to_owned())),
        "{pairs:?}"
    );
}
