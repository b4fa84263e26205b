//! Property tests for every format: round trips, tamper resistance, and
//! refusals: unsigned bytes are refused by every signed decoder, and a
//! validly signed garbage body is refused for what it says or read exactly.

use eticket_core::Error;
use eticket_core::admission::{self, GateContext, Presented};
use eticket_core::cancel::TransferCancel;
use eticket_core::certificate::ChipCertificate;
use eticket_core::chipauth::GateChallenge;
use eticket_core::chipkeys::ChipKeyUpdate;
use eticket_core::fixtures;
use eticket_core::grant::{Grant, GrantOp};
use eticket_core::ids::*;
use eticket_core::keys::KeySet;
use eticket_core::revocation::{RevocationDelta, RevocationList, Revoked};
use eticket_core::rollover::RootRollover;
use eticket_core::ticket::{self, Flags, Holder, Place, TicketBody};
use eticket_core::time::Timestamp;
use eticket_core::transfer::TransferRequest;
use proptest::prelude::*;

fn place() -> impl Strategy<Value = Place> {
    prop_oneof![
        (any::<u16>(), any::<u16>(), any::<u16>()).prop_map(|(b, row, number)| Place::Seat {
            block: BlockId(b),
            row,
            number
        }),
        any::<u16>().prop_map(|a| Place::Area(AreaId(a))),
    ]
}

fn holder() -> impl Strategy<Value = Holder> {
    prop_oneof![
        Just(Holder::Paper),
        any::<[u8; 16]>().prop_map(|b| Holder::Chip(ChipId(b)))
    ]
}

prop_compose! {
    fn body()(
        event in any::<u32>(), serial in any::<u32>(), generation in any::<u16>(), place in place(),
        seat_type in any::<u8>(), valid_from in any::<u64>(), valid_for in any::<u32>(),
        issued_at in any::<u64>(), holder in holder(), distributor in any::<u16>(), flags in 0u8..4,
    ) -> TicketBody {
        TicketBody {
            event: EventId(event), serial: TicketSerial(serial), generation: Generation(generation),
            place, seat_type: SeatType(seat_type), valid_from: Timestamp(valid_from), valid_for,
            issued_at: Timestamp(issued_at), holder, distributor: DistributorId(distributor),
            flags: Flags::try_from(flags).unwrap(),
        }
    }
}

/// A key set whose ticket key covers every event and all of time, so that
/// round trips of arbitrary bodies verify.
fn open_keys() -> KeySet {
    let mut e = fixtures::key_set()
        .get(fixtures::TICKET_KEY)
        .unwrap()
        .clone();
    e.scope = eticket_core::keys::KeyScope::AllEvents;
    e.not_before = Timestamp(0);
    e.not_after = Timestamp(u64::MAX);
    KeySet::new(1, vec![e]).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn ticket_sign_verify_round_trip(b in body()) {
        let signed = b.sign(&fixtures::ticket_key()).unwrap();
        prop_assert!(signed.as_bytes().len() <= ticket::MAX_TICKET_LEN);
        let v = ticket::verify(signed.as_bytes(), &open_keys(), b.issued_at).unwrap();
        prop_assert_eq!(v.body, b);
    }

    #[test]
    fn postcard_round_trip_of_plain_types(b in body(), serial in any::<u32>(), gen_ in any::<u16>()) {
        let bytes = postcard::to_allocvec(&b).unwrap();
        prop_assert_eq!(postcard::from_bytes::<TicketBody>(&bytes).unwrap(), b.clone());
        let r = Revoked { serial: TicketSerial(serial), generation: Generation(gen_), reason: eticket_core::revocation::RevocationReason::Revoked };
        prop_assert_eq!(postcard::from_bytes::<Revoked>(&postcard::to_allocvec(&r).unwrap()).unwrap(), r);
        let rec = eticket_core::issuing::IssuingRecord {
            event: b.event, serial: b.serial, distributor: b.distributor, member: Some(MemberId(serial)),
            holder: b.holder, decided_at: b.issued_at, hold_until: Some(b.valid_from),
        };
        let bytes = postcard::to_allocvec(&rec).unwrap();
        prop_assert_eq!(postcard::from_bytes::<eticket_core::issuing::IssuingRecord>(&bytes).unwrap(), rec);
    }

    #[test]
    fn single_bit_flip_is_never_admitted(bit in 0usize..(110 * 8)) {
        let event = fixtures::small_event();
        let keys = fixtures::key_set();
        let revoked = RevocationList::empty(event.id);
        let ctx = GateContext::new(&event, &keys, &revoked, fixtures::NOW).unwrap();
        let mut bytes = fixtures::chip_ticket(TicketSerial(100_000)).sign(&fixtures::ticket_key()).unwrap().into_bytes();
        prop_assume!(bit < bytes.len() * 8);
        bytes[bit / 8] ^= 1 << (bit % 8);
        let d = admission::decide(&bytes, Presented::Chip(fixtures::CHIP), &ctx);
        prop_assert!(!d.is_admit());
    }

    #[test]
    fn truncation_is_never_admitted(len in 0usize..110) {
        let event = fixtures::small_event();
        let keys = fixtures::key_set();
        let revoked = RevocationList::empty(event.id);
        let ctx = GateContext::new(&event, &keys, &revoked, fixtures::NOW).unwrap();
        let bytes = fixtures::paper_ticket(TicketSerial(1)).sign(&fixtures::ticket_key()).unwrap().into_bytes();
        let d = admission::decide(&bytes[..len.min(bytes.len() - 1)], Presented::Paper, &ctx);
        prop_assert!(!d.is_admit());
    }

    /// Bytes that were never signed are refused by every decoder behind a
    /// signature (none panics); the unsigned ones give back what they read.
    #[test]
    fn any_bytes_are_refused_by_every_signed_decoder(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let keys = fixtures::key_set();
        let root = fixtures::root_key();
        let grant = fixtures::grant_key();
        prop_assert!(ticket::verify(&bytes, &keys, fixtures::NOW).is_err());
        prop_assert!(Grant::verify(&bytes, GrantOp::Write, &keys, fixtures::NOW).is_err());
        prop_assert!(RevocationList::from_signed_bytes(&bytes, &keys, fixtures::NOW).is_err());
        prop_assert!(RevocationDelta::from_signed_bytes(&bytes, &keys, fixtures::NOW).is_err());
        prop_assert!(KeySet::from_signed_bytes(&bytes, root.id(), &root.public_key()).is_err());
        prop_assert!(ChipCertificate::from_signed_bytes(&bytes, &keys, fixtures::NOW).is_err());
        prop_assert!(ChipKeyUpdate::verify(&bytes, grant.id(), &grant.public_key()).is_err());
        prop_assert!(RootRollover::from_signed_bytes(&bytes, root.id(), &root.public_key()).is_err());
        // Framing only: what is taken is the bytes given.
        if let Ok(t) = ticket::SignedTicket::from_bytes(&bytes) {
            prop_assert_eq!(t.as_bytes(), &bytes[..]);
        }
        // The unsigned body of the offline signing step: strict, so what
        // decodes encodes back to the same bytes.
        if let Ok(set) = KeySet::from_unsigned_bytes(&bytes) {
            prop_assert_eq!(set.to_unsigned_bytes().unwrap(), bytes.clone());
        }
        // A request read before its chip's signature is checked names the
        // format's fields, or is refused; either way no panic.
        let _ = TransferRequest::peek(&bytes);
        let _ = TransferCancel::peek(&bytes);
        let _ = ChipKeyUpdate::signer(&bytes);
    }

    /// Correctly signed envelopes with arbitrary bodies reach every strict
    /// decoder of the formats added in version 2: a refusal is about the
    /// body, never the signature, and what is read signs again to the very
    /// bytes that were read (signing is deterministic, decoding strict).
    #[test]
    fn signed_garbage_bodies_are_refused_for_the_body_or_read_exactly_v2(body in proptest::collection::vec(any::<u8>(), 0..120)) {
        use eticket_core::crypto::Domain;
        let grant = fixtures::grant_key();
        let root = fixtures::root_key();
        let keys = fixtures::key_set();
        let seal = |d, k| eticket_core::signed::seal(d, k, &body).unwrap();
        let bytes = seal(Domain::ChipCertificate, &grant);
        match ChipCertificate::from_signed_bytes(&bytes, &keys, fixtures::NOW) {
            Ok(c) => prop_assert_eq!(c.to_signed_bytes(&grant).unwrap(), bytes),
            Err(e) => prop_assert!(about_the_body(&e), "{e:?}"),
        }
        let bytes = seal(Domain::ChipKeyUpdate, &grant);
        match ChipKeyUpdate::verify(&bytes, grant.id(), &grant.public_key()) {
            Ok(u) => prop_assert_eq!(u.to_signed_bytes(&grant).unwrap(), bytes),
            Err(e) => prop_assert!(about_the_body(&e), "{e:?}"),
        }
        let bytes = seal(Domain::RootRollover, &root);
        match RootRollover::from_signed_bytes(&bytes, root.id(), &root.public_key()) {
            Ok(r) => prop_assert_eq!(r.to_signed_bytes(&root).unwrap(), bytes),
            Err(e) => prop_assert!(about_the_body(&e), "{e:?}"),
        }
        let bytes = seal(Domain::KeySet, &root);
        match KeySet::from_signed_bytes(&bytes, root.id(), &root.public_key()) {
            Ok(k) => prop_assert_eq!(k.to_signed_bytes(&root).unwrap(), bytes),
            Err(e) => prop_assert!(about_the_body(&e), "{e:?}"),
        }
    }

    #[test]
    fn cancel_round_trip(serial in any::<u32>(), generation in any::<u16>(), hash in any::<[u8; 32]>(), id in "[a-z0-9-]{1,40}", nonce in any::<u64>(), at in any::<u64>()) {
        let secret = eticket_core::crypto::SecretKey::from_bytes(&[0x21; 32]).unwrap();
        let c = TransferCancel {
            event: fixtures::EVENT, serial: TicketSerial(serial), generation: Generation(generation),
            ticket_hash: hash, from: ChipId::from_public_key(&secret.public_key().to_uncompressed()),
            transfer: eticket_core::cancel::transfer_ref(&id), nonce, requested_at: Timestamp(at),
        };
        let bytes = c.sign(&secret).unwrap();
        prop_assert!(bytes.len() <= eticket_core::cancel::MAX_TRANSFER_CANCEL_LEN);
        prop_assert_eq!(TransferCancel::verify(&bytes, &secret.public_key()).unwrap(), c);
    }

    #[test]
    fn gate_challenge_round_trip(bytes in any::<[u8; 32]>()) {
        let c = GateChallenge::from_bytes(&bytes);
        prop_assert_eq!(c.to_bytes(), bytes);
    }

    #[test]
    fn key_update_round_trip(epoch in any::<u32>(), n in 1usize..=4) {
        let grant = fixtures::grant_key();
        let keys: Vec<_> = (0..n).map(|i| (KeyId(i as u16 + 20), eticket_core::crypto::SecretKey::from_bytes(&[i as u8 + 1; 32]).unwrap().public_key())).collect();
        let u = ChipKeyUpdate { epoch, keys };
        let bytes = u.to_signed_bytes(&grant).unwrap();
        prop_assert!(bytes.len() <= eticket_core::chipkeys::MAX_KEY_UPDATE_LEN);
        prop_assert_eq!(ChipKeyUpdate::verify(&bytes, grant.id(), &grant.public_key()).unwrap(), u);
    }

    /// A key set's unsigned body, signed elsewhere, is the set the center
    /// meant: the body round-trips, and signing it equals signing the set.
    #[test]
    fn key_set_unsigned_body_round_trips(version in 1u64..u64::MAX, next in any::<u64>()) {
        let mut set = fixtures::key_set().with_next_update(eticket_core::time::Timestamp(next));
        set.version = version;
        let body = set.to_unsigned_bytes().unwrap();
        let back = KeySet::from_unsigned_bytes(&body).unwrap();
        prop_assert_eq!(&back, &set);
        let root = fixtures::root_key();
        let signed = back.to_signed_bytes(&root).unwrap();
        prop_assert_eq!(KeySet::from_signed_bytes(&signed, root.id(), &root.public_key()).unwrap(), set);
    }

    /// Correctly signed, arbitrary body (the strict decoder itself): a
    /// refusal is about the body or the key's validity for it, never the
    /// signature; a ticket that is read signs again to the same bytes.
    #[test]
    fn valid_envelope_with_garbage_body_is_refused_for_the_body_or_read_exactly(body in proptest::collection::vec(any::<u8>(), 0..120)) {
        let key = fixtures::ticket_key();
        let bytes = eticket_core::signed::seal(eticket_core::crypto::Domain::Ticket, &key, &body).unwrap();
        match ticket::verify(&bytes, &fixtures::key_set(), fixtures::NOW) {
            Ok(t) => prop_assert_eq!(t.body.sign(&key).unwrap().into_bytes(), bytes),
            Err(e) => prop_assert!(
                about_the_body(&e) || matches!(e, Error::KeyNotValid { .. } | Error::KeyOutOfScope { .. }),
                "{e:?}"
            ),
        }
    }

    #[test]
    fn grant_round_trip(chip in any::<[u8; 16]>(), counter in any::<u32>(), slot in any::<u8>(), hash in any::<[u8; 32]>(), delete in any::<bool>()) {
        let op = if delete { GrantOp::Delete } else { GrantOp::Write };
        let g = Grant { op, chip: ChipId(chip), counter, slot, payload_hash: hash, expires: fixtures::NOW };
        let key = fixtures::grant_key();
        let bytes = g.sign(&key).unwrap();
        prop_assert!(bytes.len() <= eticket_core::grant::MAX_GRANT_LEN);
        let v = Grant::verify_with_key(&bytes, op, key.id(), &key.public_key()).unwrap();
        prop_assert_eq!(v.grant, g);
    }

    #[test]
    fn revocation_list_round_trip_and_lookup(entries in proptest::collection::vec((0u32..5000, 0u16..4), 0..200), probe in (0u32..5000, 0u16..4)) {
        let revoked: Vec<Revoked> = entries.iter().map(|&(s, g)| Revoked { serial: TicketSerial(s), generation: Generation(g), reason: eticket_core::revocation::RevocationReason::Revoked }).collect();
        let list = RevocationList::new(fixtures::EVENT, 7, fixtures::NOW, revoked.clone()).unwrap();
        let bytes = list.to_signed_bytes(&fixtures::list_key()).unwrap();
        let back = RevocationList::from_signed_bytes(&bytes, &fixtures::key_set(), fixtures::NOW).unwrap();
        prop_assert_eq!(&back, &list);
        let (s, g) = probe;
        let expected = entries.contains(&(s, g));
        prop_assert_eq!(back.is_revoked(TicketSerial(s), Generation(g)), expected);
    }

    #[test]
    fn revocation_deltas_equal_the_full_list(a in proptest::collection::vec((0u32..500, 0u16..3), 0..100), b in proptest::collection::vec((0u32..500, 0u16..3), 0..100)) {
        let to = |v: &[(u32, u16)]| v.iter().map(|&(s, g)| Revoked { serial: TicketSerial(s), generation: Generation(g), reason: eticket_core::revocation::RevocationReason::Revoked }).collect::<Vec<_>>();
        let mut list = RevocationList::new(fixtures::EVENT, 1, fixtures::NOW, to(&a)).unwrap();
        let mut added = to(&b);
        added.sort();
        added.dedup();
        list.apply(&RevocationDelta { event: fixtures::EVENT, from_version: 1, to_version: 2, issued_at: fixtures::NOW, next_update: fixtures::NOW.plus(eticket_core::revocation::DEFAULT_LIST_LIFETIME_SECS), added }).unwrap();
        let mut all = to(&a);
        all.extend(to(&b));
        let full = RevocationList::new(fixtures::EVENT, 2, fixtures::NOW, all).unwrap();
        prop_assert_eq!(list, full);
    }
}

fn state() -> impl Strategy<Value = eticket_core::master::TicketState> {
    use eticket_core::master::TicketState::*;
    prop_oneof![
        Just(Available),
        Just(Held),
        Just(Authenticated),
        Just(Issued),
        Just(Transferred),
        Just(Revoked),
        Just(Used)
    ]
}

proptest! {
    #[test]
    fn master_entries_and_ratios_round_trip(
        serial in any::<u32>(), p in place(), price in any::<u64>(), dist in proptest::option::of(any::<u16>()),
        st in state(), generation in any::<u16>(),
        shares in proptest::collection::vec((any::<u16>(), 1u32.., proptest::option::of(any::<u8>())), 0..8),
    ) {
        use eticket_core::allotment::{AllotmentRatios, RatioShare};
        use eticket_core::master::{Price, TicketEntry};
        let entry = TicketEntry {
            serial: TicketSerial(serial), place: p, seat_type: SeatType(1), price: Price(price),
            distributor: dist.map(DistributorId), state: st, generation: Generation(generation),
        };
        let bytes = postcard::to_allocvec(&entry).unwrap();
        prop_assert_eq!(postcard::from_bytes::<TicketEntry>(&bytes).unwrap(), entry);
        let ratios = AllotmentRatios {
            shares: shares.iter().map(|&(d, w, t)| RatioShare { distributor: DistributorId(d), weight: w, seat_type: t.map(SeatType) }).collect(),
        };
        let bytes = postcard::to_allocvec(&ratios).unwrap();
        prop_assert_eq!(postcard::from_bytes::<AllotmentRatios>(&bytes).unwrap(), ratios);
    }

    #[test]
    fn state_machine_never_leaves_used_or_revoked(from in state(), to in state()) {
        use eticket_core::master::TicketState::*;
        if matches!(from, Used | Revoked | Transferred) {
            prop_assert!(!from.can_become(to));
        }
        if to == Issued {
            prop_assert!(matches!(from, Authenticated | Issued) == from.can_become(to));
        }
    }
}

#[test]
fn event_information_round_trips() {
    let event = fixtures::small_event();
    let bytes = postcard::to_allocvec(&event).unwrap();
    assert_eq!(
        postcard::from_bytes::<eticket_core::event::EventInfo>(&bytes).unwrap(),
        event
    );
    let master = eticket_core::master::TicketMaster::form(&event, &fixtures::prices()).unwrap();
    let bytes = postcard::to_allocvec(&master).unwrap();
    assert_eq!(
        postcard::from_bytes::<eticket_core::master::TicketMaster>(&bytes).unwrap(),
        master
    );
}

/// A refusal of a validly signed envelope: what its body says (a key in it
/// that is no point of the curve is `InvalidKey`), not who signed it or how.
fn about_the_body(e: &Error) -> bool {
    !matches!(
        e,
        Error::BadSignature
            | Error::HighS
            | Error::UnknownKey(_)
            | Error::KeyRetired(_)
            | Error::KeyWrongPurpose(_)
            | Error::UnsupportedVersion(_)
    )
}
