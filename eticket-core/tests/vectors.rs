//! The committed ticket test vectors, checked against the code. Run under both
//! verification backends (`cargo test` and `cargo test --features fast`).

use eticket_core::Error;
use eticket_core::fixtures;
use eticket_core::ids::TicketSerial;
use eticket_core::ticket;

struct Vector {
    name: String,
    ticket: Vec<u8>,
    size: usize,
    expect: String,
}

fn load() -> (Vec<(String, String)>, Vec<Vector>) {
    let text = include_str!("vectors/tickets.txt");
    let mut header = Vec::new();
    let mut vectors = Vec::new();
    let mut cur: Vec<(String, String)> = Vec::new();
    let flush = |cur: &mut Vec<(String, String)>, vectors: &mut Vec<Vector>| {
        if cur.is_empty() {
            return;
        }
        let get = |k: &str| {
            cur.iter()
                .find(|(a, _)| a == k)
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        vectors.push(Vector {
            name: get("name"),
            ticket: hex::decode(get("ticket")).unwrap(),
            size: get("size").parse().unwrap(),
            expect: get("expect"),
        });
        cur.clear();
    };
    for line in text.lines() {
        if line.starts_with('#') {
            continue;
        }
        if line.trim().is_empty() {
            flush(&mut cur, &mut vectors);
            continue;
        }
        let (k, v) = line.split_once(" = ").unwrap();
        if k == "secret_key" || k == "public_key" {
            header.push((k.to_string(), v.to_string()));
        } else {
            cur.push((k.to_string(), v.to_string()));
        }
    }
    flush(&mut cur, &mut vectors);
    (header, vectors)
}

fn variant(e: &Error) -> &'static str {
    match e {
        Error::BadSignature => "BadSignature",
        Error::HighS => "HighS",
        Error::TrailingBytes { .. } => "TrailingBytes",
        Error::NonCanonical(_) => "NonCanonical",
        Error::UnsupportedVersion(_) => "UnsupportedVersion",
        Error::UnknownKey(_) => "UnknownKey",
        Error::Truncated { .. } => "Truncated",
        Error::Malformed(_) => "Malformed",
        _ => "other",
    }
}

#[test]
fn keys_match_the_fixtures() {
    let (header, _) = load();
    let key = fixtures::ticket_key();
    assert_eq!(header[0].1, hex::encode(key.secret().to_bytes()));
    assert_eq!(header[1].1, hex::encode(key.public_key().to_uncompressed()));
}

#[test]
fn every_vector_verifies_as_expected() {
    let (_, vectors) = load();
    assert!(vectors.len() >= 12);
    let keys = fixtures::key_set();
    for v in &vectors {
        assert_eq!(v.ticket.len(), v.size, "{}", v.name);
        let got = match ticket::verify(&v.ticket, &keys, fixtures::NOW) {
            Ok(_) => "ok".to_string(),
            Err(e) => format!("error {}", variant(&e)),
        };
        assert_eq!(got, v.expect, "vector {}", v.name);
    }
}

#[test]
fn signing_reproduces_the_typical_vector() {
    let (_, vectors) = load();
    let chip = vectors.iter().find(|v| v.name == "chip-seat").unwrap();
    let signed = fixtures::chip_ticket(TicketSerial(100_000))
        .sign(&fixtures::ticket_key())
        .unwrap();
    assert_eq!(signed.as_bytes(), &chip.ticket[..]);
    assert!(chip.size <= 112);
}
