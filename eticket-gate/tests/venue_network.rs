//! Gate devices against a venue unit over TCP on loopback (in one process;
//! `venue_processes.rs` runs them as processes): one passback decision for
//! all devices, the device deciding alone through a cut cable, every scan
//! reaching the unit once after the cut, double admissions reported, trust
//! material flowing from the unit to devices, and devices and units that
//! are not who they say refused.

mod common;

use std::net::TcpListener;
use std::path::Path;
use std::time::Duration;

use common::cable::Cable;
use common::{card_with_ticket, paper};
use eticket_core::admission::Reason;
use eticket_core::fixtures;
use eticket_core::ids::{GateId, TicketSerial};
use eticket_core::revocation::{RevocationList, Revoked};
use eticket_gate::venue::{Device, DeviceConfig, DeviceCredential, VenueServer};
use eticket_gate::{
    Error, OfflinePolicy, PassbackPolicy, Refusal, Settings, TrustStore, VenueUnit,
};

struct Unit {
    unit: VenueUnit,
    addr: std::net::SocketAddr,
}

/// A unit serving `devices`, with the center's key set and a fresh list
/// accepted the way a unit receives them (so its trust feed has them).
fn unit_serving(dir: &Path, settings: Settings, devices: &[DeviceCredential]) -> Unit {
    let root = fixtures::root_key();
    let trust = TrustStore::new(root.id(), root.public_key(), fixtures::EVENT);
    let unit = VenueUnit::open_with(
        dir.join("unit.db"),
        fixtures::small_event(),
        trust,
        settings,
    )
    .unwrap();
    let keys = fixtures::key_set().to_signed_bytes(&root).unwrap();
    unit.accept_key_set(&keys, fixtures::NOW).unwrap();
    let list = common::fresh_list()
        .to_signed_bytes(&fixtures::list_key())
        .unwrap();
    unit.accept_revocation_list(&list, fixtures::NOW).unwrap();
    let addr = serve(&unit, devices);
    Unit { unit, addr }
}

/// `unit` serving `devices` on a loopback port, on a thread of its own.
fn serve(unit: &VenueUnit, devices: &[DeviceCredential]) -> std::net::SocketAddr {
    let server = VenueServer::new(unit, devices.iter().cloned()).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || server.serve(listener));
    addr
}

fn credential(name: &str, gate: u16) -> DeviceCredential {
    DeviceCredential::generate(name, GateId(gate)).unwrap()
}

fn config(dir: &Path, addr: impl ToString, c: &DeviceCredential) -> DeviceConfig {
    let root = fixtures::root_key();
    let mut config = DeviceConfig::new(
        addr.to_string(),
        c.clone(),
        root.id(),
        root.public_key(),
        dir.join(format!("{}.db", c.device)),
    );
    // Long enough for a loaded test machine; a cut costs one deadline a scan.
    config.deadline = Duration::from_millis(1000);
    // Try the unit again at every scan: the tests move fast.
    config.retry_after = Duration::ZERO;
    config
}

fn open(dir: &Path, addr: impl ToString, c: &DeviceCredential) -> Device {
    Device::open(config(dir, addr, c), fixtures::NOW).unwrap()
}

#[test]
fn devices_share_one_passback_decision_through_the_unit() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (credential("north-1", 1), credential("south-1", 2));
    let unit = unit_serving(
        dir.path(),
        Settings::new(PassbackPolicy::SingleEntry),
        &[a.clone(), b.clone()],
    );
    let mut north = open(dir.path(), unit.addr, &a);
    let mut south = open(dir.path(), unit.addr, &b);

    let ticket = paper(1);
    let first = north
        .gate()
        .admit_paper(ticket.as_bytes(), fixtures::NOW)
        .unwrap();
    assert!(first.is_admitted(), "{first}");
    assert!(!first.offline);
    // The copy, as a scanner types its QR code's text.
    let text = format!("{}\r\n", eticket_chip::paper::encode_payload(&ticket));
    let copy = south
        .gate()
        .admit_paper(text.as_bytes(), fixtures::NOW)
        .unwrap();
    assert_eq!(copy.refusal(), Some(Refusal::PaperAlreadyUsed), "{copy}");
    assert!(!copy.offline);

    let mut card = card_with_ticket(2);
    assert!(
        south
            .gate()
            .admit_chip(&mut card, fixtures::NOW)
            .unwrap()
            .is_admitted()
    );
    let again = north.gate().admit_chip(&mut card, fixtures::NOW).unwrap();
    assert_eq!(again.refusal(), Some(Refusal::AlreadyAdmitted), "{again}");

    // The unit logged all four, each device its own two.
    assert_eq!(unit.unit.log().scan_count().unwrap(), 4);
    assert_eq!(north.local().log().scan_count().unwrap(), 2);
    assert_eq!(north.pending().unwrap(), 0);
    assert_eq!(south.pending().unwrap(), 0);
    assert!(unit.unit.conflicts().unwrap().is_empty());
}

#[test]
fn through_a_cut_cable_devices_decide_alone_and_every_scan_reaches_the_unit_once() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (credential("north-1", 1), credential("south-1", 2));
    let unit = unit_serving(
        dir.path(),
        Settings::new(PassbackPolicy::SingleEntry),
        &[a.clone(), b.clone()],
    );
    let cable = Cable::to(unit.addr);
    let mut north = open(dir.path(), cable.addr, &a);
    let mut south = open(dir.path(), cable.addr, &b);
    let now = fixtures::NOW;

    // Before the cut: card 1 enters at the north.
    let mut one = card_with_ticket(1);
    assert!(
        north
            .gate()
            .admit_chip(&mut one, now)
            .unwrap()
            .is_admitted()
    );

    cable.cut();
    // Card 2 enters at both devices while they are apart; card 1 again at
    // the south, which never heard of it. Both are double admissions.
    let mut two = card_with_ticket(2);
    let n2 = north.gate().admit_chip(&mut two, now).unwrap();
    assert!(n2.is_admitted() && n2.offline, "{n2}");
    assert!(n2.to_string().starts_with("OFFLINE ADMIT"), "{n2}");
    let s2 = south.gate().admit_chip(&mut two, now).unwrap();
    assert!(s2.is_admitted() && s2.offline, "{s2}");
    let s1 = south.gate().admit_chip(&mut one, now).unwrap();
    assert!(s1.is_admitted() && s1.offline, "{s1}");
    // Paper is not admitted offline under the default policy.
    let p = south.gate().admit_paper(paper(3).as_bytes(), now).unwrap();
    assert_eq!(p.refusal(), Some(Refusal::RefusedOffline), "{p}");
    assert!(p.offline);
    // The same device still refuses its own repeat offline.
    let n2again = north.gate().admit_chip(&mut two, now).unwrap();
    assert_eq!(n2again.refusal(), Some(Refusal::AlreadyAdmitted));
    assert!(north.pending().unwrap() >= 2);
    assert!(south.pending().unwrap() >= 3);
    let sync = north.sync(now).unwrap();
    assert!(!sync.online);

    cable.mend();
    for d in [&mut north, &mut south] {
        let s = d.sync(now).unwrap();
        assert!(s.online, "{s:?}");
        assert_eq!(s.pending, 0, "{s:?}");
        // A second sync sends nothing new.
        assert_eq!(d.sync(now).unwrap().pending, 0);
    }
    // Every scan of every device is in the unit's log exactly once.
    let mut ids: Vec<_> = unit
        .unit
        .records()
        .unwrap()
        .iter()
        .map(|r| r.scan_id)
        .collect();
    let total = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), total, "a scan stored twice");
    let device_scans: u64 = [&north, &south]
        .iter()
        .map(|d| d.local().log().scan_count().unwrap())
        .sum();
    assert_eq!(total as u64, device_scans);
    for d in [&north, &south] {
        for r in d.local().records().unwrap() {
            assert!(unit.unit.log().contains(r.scan_id).unwrap());
        }
    }
    // The two double admissions are reported with both devices and times.
    let conflicts = unit.unit.conflicts().unwrap();
    let serials: Vec<u32> = conflicts.iter().map(|c| c.serial.0).collect();
    assert_eq!(serials, vec![1, 2], "{conflicts:?}");
    for c in &conflicts {
        assert_eq!(c.admissions.len(), 2, "{c:?}");
        let devices: Vec<&str> = c.admissions.iter().map(|a| a.device.as_str()).collect();
        assert!(
            devices.contains(&"north-1") && devices.contains(&"south-1"),
            "{c:?}"
        );
    }
    let one_c = &conflicts[0];
    assert!(!one_c.admissions[0].flagged && one_c.admissions[1].flagged);
    // And after the cut, the unit decides for everyone again.
    let back = north.gate().admit_chip(&mut two, now).unwrap();
    assert_eq!(back.refusal(), Some(Refusal::AlreadyAdmitted));
    assert!(!back.offline);
    // The statistics carry them.
    let stats =
        eticket_gate::Statistics::compute(unit.unit.event(), &unit.unit.records().unwrap(), [])
            .with_conflicts(conflicts);
    assert!(stats.to_csv().contains("double_admissions"));
}

#[test]
fn a_device_restarts_during_a_cut_from_what_its_log_kept() {
    let dir = tempfile::tempdir().unwrap();
    let a = credential("north-1", 1);
    let unit = unit_serving(
        dir.path(),
        Settings::new(PassbackPolicy::SingleEntry),
        std::slice::from_ref(&a),
    );
    let cable = Cable::to(unit.addr);
    drop(open(dir.path(), cable.addr, &a));
    cable.cut();
    let mut north = open(dir.path(), cable.addr, &a);
    let mut card = card_with_ticket(7);
    let out = north.gate().admit_chip(&mut card, fixtures::NOW).unwrap();
    assert!(out.is_admitted() && out.offline, "{out}");
    cable.mend();
    assert_eq!(north.sync(fixtures::NOW).unwrap().pending, 0);
    assert_eq!(unit.unit.log().scan_count().unwrap(), 1);
}

#[test]
fn the_offline_policy_is_the_units() {
    let dir = tempfile::tempdir().unwrap();
    let a = credential("north-1", 1);
    let mut settings = Settings::new(PassbackPolicy::SingleEntry);
    settings.offline = OfflinePolicy::RefuseAll;
    let unit = unit_serving(dir.path(), settings, std::slice::from_ref(&a));
    let cable = Cable::to(unit.addr);
    let mut north = open(dir.path(), cable.addr, &a);
    cable.cut();
    let mut card = card_with_ticket(1);
    let out = north.gate().admit_chip(&mut card, fixtures::NOW).unwrap();
    assert_eq!(out.refusal(), Some(Refusal::RefusedOffline), "{out}");
}

#[test]
fn a_revocation_the_unit_receives_reaches_its_devices() {
    let dir = tempfile::tempdir().unwrap();
    let a = credential("north-1", 1);
    let unit = unit_serving(
        dir.path(),
        Settings::new(PassbackPolicy::SingleEntry),
        std::slice::from_ref(&a),
    );
    let mut north = open(dir.path(), unit.addr, &a);
    let list = RevocationList::new(
        fixtures::EVENT,
        1,
        fixtures::NOW,
        vec![Revoked {
            serial: TicketSerial(5),
            generation: eticket_core::ids::Generation(0),
            reason: eticket_core::revocation::RevocationReason::Revoked,
        }],
    )
    .unwrap()
    .to_signed_bytes(&fixtures::list_key())
    .unwrap();
    unit.unit
        .accept_revocation_list(&list, fixtures::NOW)
        .unwrap();
    // The next scan's answer tells the device there is news; it takes it.
    assert!(
        north
            .gate()
            .admit_paper(paper(4).as_bytes(), fixtures::NOW)
            .unwrap()
            .is_admitted()
    );
    let out = north
        .gate()
        .admit_paper(paper(5).as_bytes(), fixtures::NOW)
        .unwrap();
    assert_eq!(
        out.refusal(),
        Some(Refusal::Ticket(Reason::Revoked)),
        "{out}"
    );
    assert_eq!(north.local().freshness(fixtures::NOW).revocation_version, 1);
}

#[test]
fn devices_and_units_that_are_not_who_they_say_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let a = credential("north-1", 1);
    let unit = unit_serving(
        dir.path(),
        Settings::new(PassbackPolicy::SingleEntry),
        std::slice::from_ref(&a),
    );
    // The right name with another secret: the unit closes the door.
    let mut forged = a.clone();
    forged.secret[0] ^= 1;
    let err = Device::open(config(dir.path(), unit.addr, &forged), fixtures::NOW).unwrap_err();
    assert!(matches!(err, Error::Link(_) | Error::Protocol(_)), "{err}");
    // A name the unit does not know: it says so.
    let stranger = credential("stranger", 1);
    let err = Device::open(config(dir.path(), unit.addr, &stranger), fixtures::NOW).unwrap_err();
    assert!(
        matches!(&err, Error::UnitRefused(m) if m.contains("stranger")),
        "{err}"
    );
    // A machine posing as the unit without the device's secret.
    let impostor_dir = tempfile::tempdir().unwrap();
    let mut other = a.clone();
    other.secret = [9; 32];
    let impostor = unit_serving(
        impostor_dir.path(),
        Settings::new(PassbackPolicy::SingleEntry),
        &[other],
    );
    let err = Device::open(config(dir.path(), impostor.addr, &a), fixtures::NOW).unwrap_err();
    assert!(
        matches!(&err, Error::Protocol(m) if m.contains("not this venue's unit")),
        "{err}"
    );
    // Nothing answering at all, and nothing kept from before: a clear error.
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let err = Device::open(
        config(dir.path(), closed, &credential("late", 1)),
        fixtures::NOW,
    )
    .unwrap_err();
    assert!(matches!(err, Error::Link(_)), "{err}");
}

#[test]
fn a_unit_opened_with_trust_its_caller_accepted_hands_it_to_devices() {
    let dir = tempfile::tempdir().unwrap();
    let root = fixtures::root_key();
    let mut trust = TrustStore::new(root.id(), root.public_key(), fixtures::EVENT);
    trust
        .accept_key_set(
            &fixtures::key_set().to_signed_bytes(&root).unwrap(),
            fixtures::NOW,
        )
        .unwrap();
    let list = common::fresh_list()
        .to_signed_bytes(&fixtures::list_key())
        .unwrap();
    trust.accept_revocation_list(&list, fixtures::NOW).unwrap();
    let unit = VenueUnit::open_with(
        dir.path().join("unit.db"),
        fixtures::small_event(),
        trust,
        Settings::new(PassbackPolicy::SingleEntry),
    )
    .unwrap();
    assert_eq!(unit.trust_feed(0).unwrap().len(), 2);
    let a = credential("north-1", 1);
    let addr = serve(&unit, std::slice::from_ref(&a));
    let mut north = open(dir.path(), addr, &a);
    let out = north
        .gate()
        .admit_paper(paper(1).as_bytes(), fixtures::NOW)
        .unwrap();
    assert!(out.is_admitted(), "{out}");
    // Opened again, the unit keeps its feed as it is.
    drop(unit);
    let root = fixtures::root_key();
    let again = VenueUnit::open(
        dir.path().join("unit.db"),
        fixtures::small_event(),
        TrustStore::new(root.id(), root.public_key(), fixtures::EVENT),
        PassbackPolicy::SingleEntry,
    )
    .unwrap();
    assert_eq!(again.trust_feed(0).unwrap().len(), 2);
}

#[test]
fn trust_the_devices_root_does_not_vouch_for_is_refused_and_said() {
    // A unit of another center (its own root, its own key set) serving a
    // device configured with the real root.
    let dir = tempfile::tempdir().unwrap();
    let other = eticket_core::keys::SigningKeyPair::from_secret_bytes(
        eticket_core::ids::KeyId(100),
        &[0x77; 32],
    )
    .unwrap();
    let unit = VenueUnit::open_with(
        dir.path().join("rogue.db"),
        fixtures::small_event(),
        TrustStore::new(other.id(), other.public_key(), fixtures::EVENT),
        Settings::new(PassbackPolicy::SingleEntry),
    )
    .unwrap();
    unit.accept_key_set(
        &fixtures::key_set().to_signed_bytes(&other).unwrap(),
        fixtures::NOW,
    )
    .unwrap();
    let a = credential("north-1", 1);
    let addr = serve(&unit, std::slice::from_ref(&a));
    // The device refuses to open rather than refuse every ticket.
    let err = Device::open(config(dir.path(), addr, &a), fixtures::NOW).unwrap_err();
    assert!(
        matches!(&err, Error::Protocol(m) if m.contains("verifies with this device's root")),
        "{err}"
    );
}

#[test]
fn a_unit_given_unsigned_trust_cannot_serve_devices() {
    let v = common::venue(PassbackPolicy::SingleEntry);
    let err = VenueServer::new(&v.unit, [credential("north-1", 1)]).unwrap_err();
    assert!(
        matches!(err, Error::Config(m) if m.contains("unsigned")),
        "{err}"
    );
}
