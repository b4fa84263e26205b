//! A gate device: admit (or record the exit of) a paper ticket's scanned
//! bytes or a chip, in one call; the outcome carries the decision, the
//! reason code and the guidance text.

use std::ffi::c_char;

use ::eticket_gate::{Gate, Outcome, Verdict};
use eticket_core::time::Timestamp;

use crate::chip::eticket_chip;
use crate::ffi::{BoxHandle, Out, OutBuf, bytes};
use crate::panic::{boundary, boundary_void};
use crate::result::eticket_result;

/// A gate device of a venue unit.
///
/// Thread safety: use from one thread at a time (it may move between
/// threads); several gates of one venue may admit on several threads at
/// once: anti-passback holds across them through the entry log.
pub struct eticket_gate {
    _private: [u8; 0],
}

// SAFETY: eticket_gate is a zero-sized marker never created in Rust.
unsafe impl BoxHandle for eticket_gate {
    type Inner = Gate;
}

/// The outcome of one scan, already written to the entry log.
///
/// Thread safety: immutable; may be read from several threads at once.
pub struct eticket_outcome {
    _private: [u8; 0],
}

// SAFETY: eticket_outcome is a zero-sized marker never created in Rust.
unsafe impl BoxHandle for eticket_outcome {
    type Inner = Outcome;
}

/// What a scan decided.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum eticket_decision {
    /// Let the person in; guidance says where to go.
    Admit = 1,
    /// Refuse; the reason code says why.
    Refuse = 2,
    /// An exit scan was recorded.
    Exit = 3,
}

/// The fixed-size facts of an outcome.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct eticket_outcome_info {
    /// An `eticket_decision` value.
    pub decision: u32,
    /// Why it was refused (0 when admitted or exited): core's ticket reasons
    /// 1-99, the gate's own reasons from 101 (stable codes; text with
    /// `eticket_reason_text`).
    pub reason: u16,
    /// For an admission: which admission of this ticket it was, from 1.
    pub entry: u32,
    /// Whether a ticket was identified (then `serial` and `generation` hold).
    pub has_ticket: bool,
    /// The ticket's serial.
    pub serial: u32,
    /// The ticket's generation.
    pub generation: u16,
    /// The scan's unique id, as logged and uploaded.
    pub scan_id: [u8; 16],
    /// For an admission: the place is reached through another gate (the
    /// guidance names it; send the person on).
    pub wrong_gate: bool,
}

fn info(o: &Outcome) -> eticket_outcome_info {
    let (decision, reason, entry, ticket) = match &o.verdict {
        Verdict::Admitted { ticket, entry, .. } => {
            (eticket_decision::Admit, 0, *entry, Some(&ticket.body))
        }
        Verdict::Refused {
            refusal, ticket, ..
        } => (eticket_decision::Refuse, refusal.code(), 0, ticket.as_ref()),
        Verdict::Exited { ticket, .. } => (eticket_decision::Exit, 0, 0, Some(ticket)),
    };
    eticket_outcome_info {
        decision: decision as u32,
        reason,
        entry,
        has_ticket: ticket.is_some(),
        serial: ticket.map_or(0, |t| t.serial.0),
        generation: ticket.map_or(0, |t| t.generation.0),
        scan_id: o.scan_id().0,
        wrong_gate: o.wrong_gate().is_some(),
    }
}

/// Run one scan and hand out its outcome.
fn scan(
    gate: *mut eticket_gate,
    out: *mut *mut eticket_outcome,
    run: impl FnOnce(&mut Gate) -> Result<Outcome, eticket_result>,
) -> eticket_result {
    boundary(|| {
        let out = Out::new(out)?;
        // SAFETY: the entry points pass a handle that is live and unshared by
        // their callers' contract.
        let gate = unsafe { eticket_gate::as_mut(gate)? };
        let outcome = run(gate)?;
        // SAFETY: writable by the caller's contract.
        unsafe { out.write(eticket_outcome::into_raw(outcome)) };
        Ok(())
    })
}

/// The signed ticket bytes of a scan: the QR code's text `ET1:…` decoded,
/// or the bytes as they are (a ticket passed on raw). Text that does not
/// decode is passed on as it is and refused as malformed.
fn scanned(data: &[u8]) -> Vec<u8> {
    // Longer than any ticket or its QR text: only a prefix is looked at (and
    // copied), which is refused as malformed; an absurd length is never
    // allocated.
    let data = &data[..data.len().min(crate::limits::ETICKET_MAX_SCAN_LEN + 1)];
    if data.starts_with(::eticket_chip::paper::PAYLOAD_PREFIX.as_bytes()) {
        // A QR text that does not decode is a garbled scan (malformed), not
        // a ticket of another format version.
        return std::str::from_utf8(data)
            .ok()
            .and_then(|t| ::eticket_chip::paper::parse_payload(t).ok())
            .map_or_else(Vec::new, |ticket| ticket.into_bytes());
    }
    data.to_vec()
}

/// Admit or refuse a scanned paper ticket `(data, len)` at `now` (Unix
/// seconds): the QR code's text (`ET1:…`, not NUL-terminated) or the signed
/// ticket's raw bytes, at most `ETICKET_MAX_SCAN_LEN` bytes (a longer scan
/// is refused as malformed). Every scan is logged; a refusal is an
/// outcome, not an error: errors mean the entry log could not be written
/// and the gate must stay closed. Free the outcome with
/// `eticket_outcome_free`; it owns what it says, so it may outlive its gate
/// and venue.
///
/// # Safety
///
/// `gate` is a live handle used by no other thread during the call;
/// `(data, len)` readable; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_gate_admit_paper(
    gate: *mut eticket_gate,
    data: *const u8,
    len: usize,
    now: u64,
    out: *mut *mut eticket_outcome,
) -> eticket_result {
    scan(gate, out, |g| {
        // SAFETY: readable by the caller's contract.
        let payload = scanned(unsafe { bytes(data, len)? });
        Ok(g.admit_paper(&payload, Timestamp(now))?)
    })
}

/// Record that a paper ticket's holder leaves (re-entry policies).
///
/// On success free `*out` with `eticket_outcome_free`. An outcome owns what it says: it may outlive its gate and venue.
///
/// # Safety
///
/// As `eticket_gate_admit_paper`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_gate_exit_paper(
    gate: *mut eticket_gate,
    data: *const u8,
    len: usize,
    now: u64,
    out: *mut *mut eticket_outcome,
) -> eticket_result {
    scan(gate, out, |g| {
        // SAFETY: readable by the caller's contract.
        let payload = scanned(unsafe { bytes(data, len)? });
        Ok(g.exit_paper(&payload, Timestamp(now))?)
    })
}

/// Admit or refuse the chip behind `chip` (opened with
/// `eticket_chip_open_callback` or `eticket_chip_open_pcsc`): the chip
/// proves its identity against a fresh challenge, its tickets are read and
/// verified, and the entry log decides anti-passback. A chip that cannot be
/// read is a refusal (reason 103), not an error.
///
/// On success free `*out` with `eticket_outcome_free`. An outcome owns what it says: it may outlive its gate and venue.
///
/// # Safety
///
/// `gate` and `chip` are live handles used by no other thread during the
/// call; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_gate_admit_chip(
    gate: *mut eticket_gate,
    chip: *mut eticket_chip,
    now: u64,
    out: *mut *mut eticket_outcome,
) -> eticket_result {
    scan(gate, out, |g| {
        // SAFETY: a live, unshared handle by the caller's contract.
        let chip = unsafe { eticket_chip::as_mut(chip)? };
        Ok(g.admit_chip(chip, Timestamp(now))?)
    })
}

/// Record that a chip's holder leaves (re-entry policies).
///
/// On success free `*out` with `eticket_outcome_free`. An outcome owns what it says: it may outlive its gate and venue.
///
/// # Safety
///
/// As `eticket_gate_admit_chip`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_gate_exit_chip(
    gate: *mut eticket_gate,
    chip: *mut eticket_chip,
    now: u64,
    out: *mut *mut eticket_outcome,
) -> eticket_result {
    scan(gate, out, |g| {
        // SAFETY: a live, unshared handle by the caller's contract.
        let chip = unsafe { eticket_chip::as_mut(chip)? };
        Ok(g.exit_chip(chip, Timestamp(now))?)
    })
}

/// Admit or refuse the card in the PC/SC reader `reader_name`: connects,
/// admits as `eticket_gate_admit_chip`, disconnects. Needs a library built
/// with the `pcsc` feature, otherwise `ETICKET_RESULT_PCSC_UNAVAILABLE`.
///
/// Before a card is connected there is nothing to log, so these come back
/// as errors with no outcome (nothing was scanned; keep the lane as it is
/// and let the person present the card again): `ETICKET_RESULT_NO_CARD` (no
/// card in the reader yet), `ETICKET_RESULT_CARD_RESET`,
/// `ETICKET_RESULT_PCSC` (the reader or pcscd failed), and the chip
/// misbehaving on its first command (`ETICKET_RESULT_CHIP_MISBEHAVED`,
/// `ETICKET_RESULT_TIMEOUT`). Once the card is connected, an unreadable
/// card is a logged refusal (reason 103), as with `eticket_gate_admit_chip`.
///
/// On success free `*out` with `eticket_outcome_free`. An outcome owns what it says: it may outlive its gate and venue.
///
/// # Safety
///
/// `gate` is a live handle used by no other thread during the call;
/// `reader_name` a NUL-terminated string; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_gate_admit_pcsc(
    gate: *mut eticket_gate,
    reader_name: *const c_char,
    now: u64,
    out: *mut *mut eticket_outcome,
) -> eticket_result {
    boundary(|| {
        // Every pointer is checked before anything else, so a NULL gives
        // NULL_PARAMETER whatever the build (with or without PC/SC).
        if gate.is_null() || reader_name.is_null() || out.is_null() {
            return Err(eticket_result::NullParameter);
        }
        let mut chip = std::ptr::null_mut();
        // SAFETY: the caller's contract covers `reader_name`; `chip` is a local.
        let opened = unsafe { crate::chip::eticket_chip_open_pcsc(reader_name, &mut chip) };
        if opened != eticket_result::Ok {
            return Err(opened);
        }
        // SAFETY: `chip` was just opened and is used by this call only; the
        // caller's contract covers `gate` and `out`.
        let admitted = unsafe { eticket_gate_admit_chip(gate, chip, now, out) };
        // SAFETY: opened above, freed once.
        unsafe { crate::chip::eticket_chip_free(chip) };
        match admitted {
            eticket_result::Ok => Ok(()),
            e => Err(e),
        }
    })
}

/// The decision, reason code, ticket and scan id of an outcome into `*out`.
///
/// # Safety
///
/// `outcome` is a live handle; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_outcome_get_info(
    outcome: *const eticket_outcome,
    out: *mut eticket_outcome_info,
) -> eticket_result {
    boundary(|| {
        let out = Out::new(out)?;
        // SAFETY: a live handle by the caller's contract.
        let outcome = unsafe { eticket_outcome::as_ref(outcome)? };
        // SAFETY: writable by the caller's contract.
        unsafe { out.write(info(outcome)) };
        Ok(())
    })
}

/// The guidance for an admitted person as one line of UTF-8 text
/// ("Gate 1 (North) · Block A · row C · seat 7 — Take the stairs…"),
/// NUL-terminated; an empty string when the outcome is not an admission.
/// `*out_len` gets the length without the NUL; when the buffer is too small,
/// the size needed with the NUL and `ETICKET_RESULT_BUFFER_TOO_SMALL`.
///
/// # Safety
///
/// `outcome` is a live handle; `buf` has `buf_len` writable bytes (or is
/// NULL with 0); `out_len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_outcome_guidance(
    outcome: *const eticket_outcome,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> eticket_result {
    boundary(|| {
        let out = OutBuf::new(buf.cast(), buf_len, out_len)?;
        // SAFETY: a live handle by the caller's contract.
        let outcome = unsafe { eticket_outcome::as_ref(outcome)? };
        let text = outcome
            .guidance()
            .map(ToString::to_string)
            .unwrap_or_default();
        // SAFETY: the buffer contract is the caller's.
        unsafe { out.write_text(&text) }
    })
}

/// The line for the gate's screen ("ADMIT  …guidance…" or "REFUSE …what the
/// steward says…"), NUL-terminated, as `eticket_outcome_guidance`.
///
/// # Safety
///
/// As `eticket_outcome_guidance`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_outcome_display(
    outcome: *const eticket_outcome,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> eticket_result {
    boundary(|| {
        let out = OutBuf::new(buf.cast(), buf_len, out_len)?;
        // SAFETY: a live handle by the caller's contract.
        let outcome = unsafe { eticket_outcome::as_ref(outcome)? };
        // SAFETY: the buffer contract is the caller's.
        unsafe { out.write_text(&outcome.to_string()) }
    })
}

/// What a steward tells the person for refusal reason `reason` (the codes of
/// `eticket_outcome_info.reason`), NUL-terminated: for
/// `ETICKET_REASON_NONE` (0, an admission or an exit) an empty text; an
/// unknown code is `ETICKET_RESULT_INVALID_PARAMETER`. Stateless and
/// thread-safe.
///
/// # Safety
///
/// As `eticket_outcome_guidance` for `buf`, `buf_len`, `out_len`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_reason_text(
    reason: u16,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> eticket_result {
    boundary(|| {
        let out = OutBuf::new(buf.cast(), buf_len, out_len)?;
        let text = match reason {
            0 => "",
            code => ::eticket_gate::Refusal::from_code(code)
                .ok_or(eticket_result::InvalidParameter)?
                .steward_text(),
        };
        // SAFETY: the buffer contract is the caller's.
        unsafe { out.write_text(text) }
    })
}

/// Free an outcome; NULL is ignored.
///
/// # Safety
///
/// `outcome` is NULL or a live handle, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_outcome_free(outcome: *mut eticket_outcome) {
    // SAFETY: NULL or a live handle freed once, by the caller's contract.
    boundary_void(|| unsafe { eticket_outcome::free(outcome) });
}

/// Free a gate; NULL is ignored.
///
/// # Safety
///
/// `gate` is NULL or a live handle, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_gate_free(gate: *mut eticket_gate) {
    // SAFETY: NULL or a live handle freed once, by the caller's contract.
    boundary_void(|| unsafe { eticket_gate::free(gate) });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chip::{eticket_chip_free, eticket_chip_open_callback};
    use crate::keys::{eticket_key_set, eticket_key_set_free, eticket_key_set_load};
    use crate::revocation::{eticket_revocation_list_empty, eticket_revocation_list_free};
    use crate::testcard::{
        eticket_test_card_free, eticket_test_card_open, eticket_test_card_transmit,
    };
    use crate::venue::{
        eticket_venue_accept_revocation_list, eticket_venue_free, eticket_venue_open,
        eticket_venue_open_gate,
    };
    use ::eticket_chip::applet::{Applet, ChipState, FileStore};
    use ::eticket_chip::host::{Chip, InProcessCard};
    use ::eticket_chip::protocol::{Personalization, Pin};
    use eticket_core::crypto::SecretKey;
    use eticket_core::fixtures::{self, NOW};
    use eticket_core::grant::{Grant, GrantOp};
    use eticket_core::ids::TicketSerial;
    use eticket_core::revocation::RevocationList;
    use eticket_core::ticket::Holder;
    use std::ffi::CString;
    use std::ptr::{null, null_mut};

    /// A personalized card state file holding one ticket for it.
    fn card_with_ticket(path: &std::path::Path) {
        let state = ChipState::new(SecretKey::from_bytes(&[0x77; 32]).unwrap(), 8).unwrap();
        let card = InProcessCard::new(Applet::with_state(state, FileStore::new(path)));
        let mut chip = Chip::connect(card).unwrap();
        let key = fixtures::grant_key();
        chip.personalize(&Personalization::new(
            vec![(key.id(), key.public_key())],
            Pin::new(b"1234").unwrap(),
        ))
        .unwrap();
        let info = chip.info().unwrap();
        let body = eticket_core::ticket::TicketBody {
            holder: Holder::Chip(info.chip),
            ..fixtures::chip_ticket(TicketSerial(8))
        };
        let ticket = body.sign(&fixtures::ticket_key()).unwrap();
        let grant = Grant {
            op: GrantOp::Write,
            chip: info.chip,
            counter: info.counter,
            slot: 0,
            payload_hash: ticket.hash(),
            expires: NOW.plus(60),
        }
        .sign(&key)
        .unwrap();
        chip.write(&grant, ticket.as_bytes()).unwrap();
    }

    fn summary(o: *const eticket_outcome) -> eticket_outcome_info {
        let mut info = std::mem::MaybeUninit::uninit();
        // SAFETY: a live outcome and a local to write to.
        let r = unsafe { eticket_outcome_get_info(o, info.as_mut_ptr()) };
        assert_eq!(r, eticket_result::Ok);
        // SAFETY: written on success.
        unsafe { info.assume_init() }
    }

    #[test]
    #[cfg_attr(miri, ignore = "SQLite is C code and P-256 is far too slow under Miri")]
    fn paper_and_chip_admission_through_the_abi() {
        let dir = tempfile::tempdir().unwrap();
        let root = fixtures::root_key();
        let pk = root.public_key().to_uncompressed();
        let signed = fixtures::key_set().to_signed_bytes(&root).unwrap();
        let event = serde_json::to_vec(&fixtures::small_event()).unwrap();
        let log = CString::new(dir.path().join("e.db").to_str().unwrap()).unwrap();
        let state = dir.path().join("card.state");
        card_with_ticket(&state);
        let state = CString::new(state.to_str().unwrap()).unwrap();
        let paper = fixtures::paper_ticket(TicketSerial(3))
            .sign(&fixtures::ticket_key())
            .unwrap();

        let (mut keys, mut list, mut venue, mut gate): (*mut eticket_key_set, _, _, _) =
            (null_mut(), null_mut(), null_mut(), null_mut());
        let (mut card, mut chip, mut o) = (null_mut(), null_mut(), null_mut());
        // SAFETY: every pointer is a live local of the length given; each
        // handle is freed once at the end.
        unsafe {
            let r = eticket_key_set_load(
                signed.as_ptr(),
                signed.len(),
                100,
                pk.as_ptr(),
                65,
                &mut keys,
            );
            assert_eq!(r, eticket_result::Ok);
            assert_eq!(
                eticket_revocation_list_empty(2026, &mut list),
                eticket_result::Ok
            );
            let r = eticket_venue_open(
                log.as_ptr(),
                event.as_ptr(),
                event.len(),
                keys,
                list,
                null(),
                &mut venue,
            );
            assert_eq!(r, eticket_result::Ok);
            let r = eticket_venue_open_gate(venue, 1, c"unit-test".as_ptr(), &mut gate);
            assert_eq!(r, eticket_result::Ok);

            // With the empty list the venue started with, nothing enters
            // (110: no recent revocation list); the center's list fixes it.
            let p = paper.as_bytes();
            assert_eq!(
                eticket_gate_admit_paper(gate, p.as_ptr(), p.len(), NOW.0, &mut o),
                eticket_result::Ok
            );
            let info = summary(o);
            assert_eq!(
                (info.decision, info.reason, info.serial),
                (eticket_decision::Refuse as u32, 110, 3)
            );
            eticket_outcome_free(o);
            let fresh = RevocationList::new(fixtures::EVENT, 0, NOW, vec![])
                .unwrap()
                .to_signed_bytes(&fixtures::list_key())
                .unwrap();
            let mut version = 9;
            assert_eq!(
                eticket_venue_accept_revocation_list(
                    venue,
                    fresh.as_ptr(),
                    fresh.len(),
                    NOW.0,
                    &mut version
                ),
                eticket_result::Ok
            );
            assert_eq!(version, 0);

            assert_eq!(
                eticket_gate_admit_paper(gate, p.as_ptr(), p.len(), NOW.0, &mut o),
                eticket_result::Ok
            );
            let info = summary(o);
            assert_eq!(
                (info.decision, info.reason, info.serial),
                (eticket_decision::Admit as u32, 0, 3)
            );
            let mut text = [0 as c_char; 256];
            let mut n = 0;
            assert_eq!(
                eticket_outcome_guidance(o, text.as_mut_ptr(), text.len(), &mut n),
                eticket_result::Ok
            );
            assert!(n > 10);
            eticket_outcome_free(o);
            assert_eq!(
                eticket_gate_admit_paper(gate, p.as_ptr(), p.len(), NOW.0, &mut o),
                eticket_result::Ok
            );
            assert_eq!(summary(o).reason, 107);
            eticket_outcome_free(o);

            assert_eq!(
                eticket_test_card_open(state.as_ptr(), &mut card),
                eticket_result::Ok
            );
            let r = eticket_chip_open_callback(
                Some(eticket_test_card_transmit),
                card.cast(),
                &mut chip,
            );
            assert_eq!(r, eticket_result::Ok);
            assert_eq!(
                eticket_gate_admit_chip(gate, chip, NOW.0, &mut o),
                eticket_result::Ok
            );
            let info = summary(o);
            assert_eq!(
                (info.decision, info.serial, info.entry),
                (eticket_decision::Admit as u32, 8, 1)
            );
            eticket_outcome_free(o);
            assert_eq!(
                eticket_gate_exit_chip(gate, chip, NOW.0, &mut o),
                eticket_result::Ok
            );
            assert_eq!(summary(o).decision, eticket_decision::Exit as u32);
            eticket_outcome_free(o);

            eticket_chip_free(chip);
            eticket_test_card_free(card);
            eticket_gate_free(gate);
            eticket_venue_free(venue);
            eticket_revocation_list_free(list);
            eticket_key_set_free(keys);
        }
    }
}
