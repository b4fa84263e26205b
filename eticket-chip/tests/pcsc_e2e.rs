//! End to end through a real pcscd with the vsmartcard vpcd driver and the
//! `eticket-vcard` program as the card: personalize, write three tickets with
//! center grants, read them back, replay a grant, delete one, authenticate,
//! remove and reinsert the card, read again.
//!
//! Needs `scripts/setup/10-pcscd.sh` to have run: without pcscd or its vpcd
//! reader these tests fail with a message saying so; they never skip.
#![cfg(feature = "pcsc")]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use common::*;
use eticket_chip::Error;
use eticket_chip::host::Chip;
use eticket_chip::host::pcsc::{PcscTransport, list_readers, wait_for_card, wait_for_removal};
use eticket_chip::status::StatusWord;
use eticket_core::chipauth::CHALLENGE_LEN;

/// pcscd has one vpcd reader slot: one test at a time uses it.
static READER: Mutex<()> = Mutex::new(());

const WAIT: Duration = Duration::from_secs(20);

/// A running `eticket-vcard` in the vpcd reader, stopped (the card removed)
/// on drop.
struct VirtualCardProcess {
    child: Child,
    reader: String,
}

impl VirtualCardProcess {
    /// Put the card with this state file into the (empty) reader and wait
    /// until pcscd sees it.
    fn insert(state: &Path, reader: &str) -> Self {
        Self::insert_with(state, reader, &["--once"])
    }

    /// As [`insert`](Self::insert), with `eticket-vcard`'s other arguments.
    fn insert_with(state: &Path, reader: &str, args: &[&str]) -> Self {
        wait_for_removal(reader, WAIT).expect("the vpcd reader is empty before inserting");
        let child = Command::new(env!("CARGO_BIN_EXE_eticket-vcard"))
            .arg("--state")
            .arg(state)
            .args(args)
            .stdout(Stdio::null())
            .spawn()
            .expect("start eticket-vcard");
        let card = Self {
            child,
            reader: reader.to_string(),
        };
        wait_for_card(reader, WAIT).expect("the virtual card appears in the vpcd reader");
        card
    }

    /// Take the card out and wait until pcscd has noticed.
    fn remove(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
        let _ = wait_for_removal(&self.reader, WAIT);
    }
}

impl Drop for VirtualCardProcess {
    fn drop(&mut self) {
        self.stop();
    }
}

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

fn state_file(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("eticket-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

fn refused<T: std::fmt::Debug>(r: Result<T, Error>) -> StatusWord {
    match r {
        Err(Error::Refused { status, .. }) => status,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn chip_life_through_pcscd_and_vpcd() {
    let _guard = READER.lock().unwrap_or_else(|e| e.into_inner());
    let reader = vpcd_reader();
    let state = state_file("life.state");
    let card = VirtualCardProcess::insert(&state, &reader);
    let mut chip = Chip::connect(PcscTransport::connect(&reader).unwrap()).unwrap();

    let info = chip.info().unwrap();
    assert!(!info.personalized);
    chip.personalize(&personalization()).unwrap();
    let id = info.chip;

    let mut tickets = Vec::new();
    let mut first_grant = Vec::new();
    for slot in 0..3u8 {
        let t = ticket(id, 500 + u32::from(slot));
        let counter = chip.info().unwrap().counter;
        let g = write_grant(id, counter, slot, t.as_bytes());
        let m = chip.write(&g, t.as_bytes()).unwrap();
        assert_eq!(m.counter, counter + 1);
        if slot == 0 {
            first_grant = g;
        }
        tickets.push(t);
    }
    let read: Vec<_> = chip
        .tickets()
        .unwrap()
        .into_iter()
        .map(|s| s.ticket)
        .collect();
    assert_eq!(read, tickets);

    // A replayed grant: refused, nothing changes.
    assert_eq!(
        refused(chip.write(&first_grant, tickets[0].as_bytes())),
        StatusWord::SecurityStatusNotSatisfied
    );

    let counter = chip.info().unwrap().counter;
    chip.delete(&delete_grant(id, counter, 1, tickets[1].as_bytes()))
        .unwrap();
    assert_eq!(refused(chip.read(1)), StatusWord::RecordNotFound);

    let challenge = [0x5A; CHALLENGE_LEN];
    assert_eq!(chip.authenticate(&challenge).unwrap(), id);

    // Remove the card, put it back: the state file carries it over.
    card.remove();
    let _card = VirtualCardProcess::insert(&state, &reader);
    // The same transport reconnects and selects again by itself.
    let again: Vec<_> = chip
        .tickets()
        .unwrap()
        .into_iter()
        .map(|s| (s.slot, s.ticket))
        .collect();
    assert_eq!(
        again,
        vec![(0, tickets[0].clone()), (2, tickets[2].clone())]
    );
    let info = chip.info().unwrap();
    assert_eq!(info.counter, counter + 1);
    assert!(info.personalized);
    assert_eq!(chip.authenticate(&[1; 32]).unwrap(), id);

    // LIST and the READs in one PC/SC transaction.
    let in_one = chip
        .transport_mut()
        .transaction(|card| Chip::connect(card)?.tickets())
        .unwrap();
    assert_eq!(in_one.len(), 2);
}

#[test]
fn a_fresh_connection_after_reinsertion_sees_the_same_chip() {
    let _guard = READER.lock().unwrap_or_else(|e| e.into_inner());
    let reader = vpcd_reader();
    let state = state_file("fresh.state");
    let card = VirtualCardProcess::insert(&state, &reader);
    let id = {
        let mut chip = Chip::connect(PcscTransport::connect(&reader).unwrap()).unwrap();
        // 285 bytes of data: sent through the reader as a command chain.
        chip.personalize(&four_key_personalization()).unwrap();
        let id = chip.info().unwrap().chip;
        let t = ticket(id, 1);
        chip.write(&write_grant(id, 1, 4, t.as_bytes()), t.as_bytes())
            .unwrap();
        id
    };
    card.remove();
    let _card = VirtualCardProcess::insert(&state, &reader);
    let mut chip = Chip::connect(PcscTransport::connect(&reader).unwrap()).unwrap();
    let info = chip.info().unwrap();
    assert_eq!((info.chip, info.grant_keys.len()), (id, 4));
    assert_eq!(info.member, four_key_personalization().member);
    assert_eq!(chip.list().unwrap()[0].slot, 4);
}

#[test]
fn a_reset_by_another_application_is_ridden_over() {
    use eticket_chip::host::Transport;
    let _guard = READER.lock().unwrap_or_else(|e| e.into_inner());
    let reader = vpcd_reader();
    let _card = VirtualCardProcess::insert(&state_file("reset.state"), &reader);
    let mut chip = Chip::connect(PcscTransport::connect(&reader).unwrap()).unwrap();
    let id = chip.info().unwrap().chip;

    // Another application connects and resets the card as it leaves.
    other_reset(&reader);

    // The transport reports the reset once (and reconnects) ...
    let get_info = [0x80, 0x10, 0x00, 0x00, 0x00];
    assert!(matches!(
        chip.transport_mut().transmit(&get_info),
        Err(Error::CardReset)
    ));
    // ... the card lost its selection with the reset ...
    assert_eq!(
        chip.transport_mut().transmit(&get_info).unwrap(),
        [0x69, 0x85]
    );
    // ... and Chip selects again by itself after a reset.
    other_reset(&reader);
    assert_eq!(chip.info().unwrap().chip, id);
}

/// Reset the card from a second connection.
fn other_reset(reader: &str) {
    let ctx = pcsc::Context::establish(pcsc::Scope::User).unwrap();
    let name = std::ffi::CString::new(reader).unwrap();
    let other = ctx
        .connect(&name, pcsc::ShareMode::Shared, pcsc::Protocols::ANY)
        .unwrap();
    other
        .disconnect(pcsc::Disposition::ResetCard)
        .map_err(|(_, e)| e)
        .unwrap();
}

/// A third-party client sends a 1-byte APDU (pcsc-lite passes it on): the
/// card answers 6700 and the reader stays usable, instead of SCardTransmit
/// waiting for ever.
#[test]
fn a_one_byte_apdu_through_pcscd_is_answered() {
    use eticket_chip::host::Transport;
    let _guard = READER.lock().unwrap_or_else(|e| e.into_inner());
    let reader = vpcd_reader();
    let _card = VirtualCardProcess::insert(&state_file("one-byte.state"), &reader);
    let mut t = PcscTransport::connect(&reader).unwrap();
    assert_eq!(t.transmit(&[0x80]).unwrap(), [0x67, 0x00]);
    let mut chip = Chip::connect(t).unwrap();
    assert!(!chip.info().unwrap().personalized);
}

/// A card pulled out in the middle of a command: pcscd hands the host an
/// empty "successful" answer, which the host reports as a removed card
/// rather than as an answer.
#[test]
fn a_card_removed_mid_command_is_reported_as_removed() {
    use eticket_chip::host::Transport;
    use eticket_chip::vpcd::{GET_ATR, atr, read_frame, vpcd_addr, write_frame};
    let _guard = READER.lock().unwrap_or_else(|e| e.into_inner());
    let reader = vpcd_reader();
    wait_for_removal(&reader, WAIT).unwrap();
    // A card that answers the reader's control messages, then vanishes
    // when the first APDU arrives.
    let card = std::thread::spawn(|| {
        let mut conn =
            std::net::TcpStream::connect(vpcd_addr(eticket_chip::vpcd::VPCD_PORT)).unwrap();
        while let Ok(Some(m)) = read_frame(&mut conn) {
            match m.as_slice() {
                [GET_ATR] => write_frame(&mut conn, &atr()).unwrap(),
                [_] => {}
                _ => return,
            }
        }
    });
    wait_for_card(&reader, WAIT).unwrap();
    let mut t = PcscTransport::connect(&reader).unwrap();
    let r = t.transmit(&[0x80, 0x10, 0x00, 0x00, 0x00]);
    assert!(matches!(r, Err(Error::NoCard)), "{r:?}");
    card.join().unwrap();
    wait_for_removal(&reader, WAIT).unwrap();
}

/// An APDU longer than vpcd can frame (over 65,535 bytes) makes the driver
/// drop the card; the card comes back after a back-off that lets pcscd see
/// it leave first, so the reader is never left empty, however often it
/// happens, and the card answers again.
#[test]
fn an_oversize_apdu_drops_the_card_and_it_comes_back() {
    let _guard = READER.lock().unwrap_or_else(|e| e.into_inner());
    let reader = vpcd_reader();
    let _card = VirtualCardProcess::insert_with(&state_file("oversize.state"), &reader, &[]);
    let ctx = pcsc::Context::establish(pcsc::Scope::User).unwrap();
    let name = std::ffi::CString::new(reader.clone()).unwrap();
    let mut apdu = vec![0x80, 0x50, 0x00, 0x00, 0x00, 0xFF, 0xFF];
    apdu.resize(65_540, 0);
    for round in 0..3 {
        let card = ctx
            .connect(&name, pcsc::ShareMode::Shared, pcsc::Protocols::ANY)
            .unwrap_or_else(|e| panic!("round {round}: connect: {e}"));
        let mut answer = [0u8; 258];
        assert!(card.transmit(&apdu, &mut answer).is_err(), "round {round}");
        drop(card);
        wait_for_card(&reader, WAIT)
            .unwrap_or_else(|e| panic!("round {round}: the card did not come back: {e}"));
        let mut chip = Chip::connect(PcscTransport::connect(&reader).unwrap()).unwrap();
        assert!(!chip.info().unwrap().personalized, "round {round}");
    }
}
