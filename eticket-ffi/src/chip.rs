//! A chip reached through a transport: the caller's transmit callback (any
//! reader driver) or a PC/SC reader. Used by gates (admission) and by POS
//! and store terminals (info, write, delete, transfer).

use std::ffi::{c_char, c_void};

use ::eticket_chip::host::{Chip, Transport};

use crate::ffi::{BoxHandle, Out, OutBuf, bytes};
use crate::panic::{boundary, boundary_void};
use crate::result::eticket_result;

/// Largest response APDU (data and status word) a transmit callback may
/// return; the buffer handed to it has this capacity.
pub const ETICKET_MAX_RESPONSE_LEN: usize = 4096 + 2;

/// What a transmit callback returns.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum eticket_transmit_status {
    /// The response is in `resp[0..*resp_len]` (data, then SW1 SW2).
    Ok = 0,
    /// The card was reset or reinserted since the last command; the library
    /// selects the application again and repeats the command once.
    CardReset = 1,
    /// The command could not be carried (no card, reader error).
    Failed = 2,
}

/// Sends the command APDU `(cmd, cmd_len)` to the card and writes the
/// response APDU (data then SW1 SW2, at least 2 bytes, at most `resp_cap`)
/// to `resp`, its length to `*resp_len`; returns an
/// `eticket_transmit_status` value. Called on the thread that called the
/// library, only during that call; `userdata` is passed through untouched.
/// The callback must not call the library with the chip handle it serves.
pub type eticket_transmit_fn = Option<
    unsafe extern "C" fn(
        userdata: *mut c_void,
        cmd: *const u8,
        cmd_len: usize,
        resp: *mut u8,
        resp_cap: usize,
        resp_len: *mut usize,
    ) -> u32,
>;

/// A chip behind a transport.
///
/// Thread safety: use from one thread at a time. A callback chip calls its
/// callback on the thread that calls the library; whether it may move to
/// another thread depends on the caller's `userdata`.
pub struct eticket_chip {
    _private: [u8; 0],
}

/// The Rust side of an `eticket_chip`.
pub(crate) type HostChip = Chip<Box<dyn Transport>>;

// SAFETY: eticket_chip is a zero-sized marker never created in Rust.
unsafe impl BoxHandle for eticket_chip {
    type Inner = HostChip;
}

/// The transport over a caller's callback.
struct CallbackTransport {
    transmit:
        unsafe extern "C" fn(*mut c_void, *const u8, usize, *mut u8, usize, *mut usize) -> u32,
    userdata: *mut c_void,
    buf: Vec<u8>,
}

impl Transport for CallbackTransport {
    fn transmit(&mut self, command: &[u8]) -> ::eticket_chip::Result<Vec<u8>> {
        let mut len = usize::MAX;
        // SAFETY: the callback and userdata are the caller's, who promised
        // (eticket_chip_open_callback) that the callback honours the
        // signature; the pointers we pass are valid for the lengths given.
        let status = unsafe {
            (self.transmit)(
                self.userdata,
                command.as_ptr(),
                command.len(),
                self.buf.as_mut_ptr(),
                self.buf.len(),
                &mut len,
            )
        };
        match status {
            0 => {}
            1 => return Err(::eticket_chip::Error::CardReset),
            _ => {
                return Err(::eticket_chip::Error::Transport(
                    "the transmit callback failed".into(),
                ));
            }
        }
        let response = self.buf.get(..len).filter(|r| r.len() >= 2).ok_or(
            ::eticket_chip::Error::Transport("the transmit callback returned a bad length".into()),
        )?;
        Ok(response.to_vec())
    }
}

/// Wrap the caller's transmit function as a chip and select the eticket
/// application (the callback is called during this call already).
///
/// On success free `*out` with `eticket_chip_free`.
///
/// # Safety
///
/// `transmit` honours `eticket_transmit_fn`'s contract for as long as the
/// handle lives, with `userdata`; `out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_chip_open_callback(
    transmit: eticket_transmit_fn,
    userdata: *mut c_void,
    out: *mut *mut eticket_chip,
) -> eticket_result {
    boundary(|| {
        let out = Out::new(out)?;
        let transmit = transmit.ok_or(eticket_result::NullParameter)?;
        let transport: Box<dyn Transport> = Box::new(CallbackTransport {
            transmit,
            userdata,
            buf: vec![0; ETICKET_MAX_RESPONSE_LEN],
        });
        let chip = connect(transport)?;
        // SAFETY: writable by the caller's contract.
        unsafe { out.write(eticket_chip::into_raw(chip)) };
        Ok(())
    })
}

fn connect(transport: Box<dyn Transport>) -> Result<HostChip, eticket_result> {
    Ok(Chip::connect(transport)?)
}

/// Connect to the card in the PC/SC reader `reader_name` (shared mode) and
/// select the eticket application. Needs a library built with the `pcsc`
/// feature, otherwise `ETICKET_RESULT_PCSC_UNAVAILABLE`.
///
/// On success free `*out` with `eticket_chip_free`.
///
/// # Safety
///
/// `reader_name` is a NUL-terminated string; `out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_chip_open_pcsc(
    reader_name: *const c_char,
    out: *mut *mut eticket_chip,
) -> eticket_result {
    boundary(|| {
        let out = Out::new(out)?;
        // SAFETY: NUL-terminated by the caller's contract.
        let reader = unsafe { crate::ffi::string(reader_name)? };
        let chip = open_pcsc(reader)?;
        // SAFETY: writable by the caller's contract.
        unsafe { out.write(eticket_chip::into_raw(chip)) };
        Ok(())
    })
}

#[cfg(feature = "pcsc")]
fn open_pcsc(reader: &str) -> Result<HostChip, eticket_result> {
    let transport = ::eticket_chip::host::pcsc::PcscTransport::connect(reader)?;
    connect(Box::new(transport))
}

#[cfg(not(feature = "pcsc"))]
fn open_pcsc(_reader: &str) -> Result<HostChip, eticket_result> {
    Err(eticket_result::PcscUnavailable)
}

/// What GET INFO tells about a chip.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct eticket_chip_info {
    /// The chip id (derived from its public key; checked).
    pub chip_id: [u8; 16],
    /// The chip's public key, SEC1 uncompressed.
    pub public_key: [u8; 65],
    /// The counter the next write or delete grant must name.
    pub counter: u32,
    /// Number of ticket slots.
    pub capacity: u8,
    /// Slots in use.
    pub used: u8,
    /// Whether the chip was personalized with the center's grant keys.
    pub personalized: bool,
    /// How many of `grant_keys` are set (0 to 4).
    pub grant_key_count: u8,
    /// The ids of the grant keys the chip trusts (send them with an
    /// issuance or delivery request as `grant_keys`, so the center signs
    /// with one of them).
    pub grant_keys: [u16; 4],
    /// The epoch of the chip's grant keys (UPDATE KEYS needs a higher one).
    pub key_epoch: u32,
    /// Wrong PINs the card still allows before it blocks (0: blocked, or
    /// not personalized).
    pub pin_tries_left: u8,
    /// Whether the chip holds the center's certificate of its key.
    pub has_certificate: bool,
}

/// Read the chip's id, public key, counter and slots into `*out` (what a
/// terminal sends the center to ask for an issuance).
///
/// # Safety
///
/// `chip` is a live handle used by no other thread; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_chip_get_info(
    chip: *mut eticket_chip,
    out: *mut eticket_chip_info,
) -> eticket_result {
    boundary(|| {
        let out = Out::new(out)?;
        // SAFETY: a live, unshared handle by the caller's contract.
        let chip = unsafe { eticket_chip::as_mut(chip)? };
        let info = chip.info()?;
        let info = eticket_chip_info {
            chip_id: info.chip.0,
            public_key: info.public_key.to_uncompressed(),
            counter: info.counter,
            capacity: info.capacity,
            used: info.used,
            personalized: info.personalized,
            grant_key_count: info.grant_keys.len().min(4) as u8,
            grant_keys: {
                let mut ids = [0u16; 4];
                for (slot, id) in ids.iter_mut().zip(&info.grant_keys) {
                    *slot = id.0;
                }
                ids
            },
            key_epoch: info.key_epoch,
            pin_tries_left: info.pin_tries_left,
            has_certificate: info.has_certificate,
        };
        // SAFETY: writable by the caller's contract.
        unsafe { out.write(info) };
        Ok(())
    })
}

/// The membership record a card was personalized with (c28, c31).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct eticket_member_record {
    /// Whether the card is a membership card; the other fields are 0 when
    /// not.
    pub present: bool,
    /// The distributor the holder is a member of.
    pub distributor: u16,
    /// The member number (`member` of a terminal purchase).
    pub member: u32,
    /// End of the membership, seconds since the Unix epoch (the chip has no
    /// clock: the terminal compares it with its own).
    pub valid_until: u64,
}

/// Read the card's membership record into `*out` (`present` false for a
/// card that is not a membership card): with `eticket_chip_prove`, what a
/// store terminal needs for a member's purchase.
///
/// # Safety
///
/// `chip` is a live handle used by no other thread; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_chip_member(
    chip: *mut eticket_chip,
    out: *mut eticket_member_record,
) -> eticket_result {
    boundary(|| {
        let out = Out::new(out)?;
        // SAFETY: a live, unshared handle by the caller's contract.
        let chip = unsafe { eticket_chip::as_mut(chip)? };
        let record = chip
            .info()?
            .member
            .map_or_else(eticket_member_record::default, |m| eticket_member_record {
                present: true,
                distributor: m.distributor.0,
                member: m.member.0,
                valid_until: m.valid_until.0,
            });
        // SAFETY: writable by the caller's contract.
        unsafe { out.write(record) };
        Ok(())
    })
}

/// A card's signed answer to a challenge: what a store terminal sends the
/// center with a member's purchase (`card` of `POST
/// /v1/events/{event}/terminal-purchases`, each field as hex).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct eticket_chip_proof {
    /// The card's chip id (derived from its public key; checked).
    pub chip_id: [u8; 16],
    /// The card's public key, SEC1 uncompressed.
    pub public_key: [u8; 65],
    /// The card's signature over its id and the challenge.
    pub answer: [u8; 64],
}

/// Have the card sign `(challenge, challenge_len)` (32 bytes, from the
/// center's `POST /v1/terminal/challenges`) with INTERNAL AUTHENTICATE;
/// the answer is checked here and written to `*out`. A challenge of another
/// length is `ETICKET_RESULT_INVALID_PARAMETER`.
///
/// # Safety
///
/// `chip` is a live handle used by no other thread; `challenge` has
/// `challenge_len` readable bytes; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_chip_prove(
    chip: *mut eticket_chip,
    challenge: *const u8,
    challenge_len: usize,
    out: *mut eticket_chip_proof,
) -> eticket_result {
    boundary(|| {
        let out = Out::new(out)?;
        // SAFETY: the caller's contract covers every pointer.
        let (chip, challenge) = unsafe {
            (
                eticket_chip::as_mut(chip)?,
                bytes(challenge, challenge_len)?,
            )
        };
        let challenge: &[u8; eticket_core::chipauth::CHALLENGE_LEN] = challenge
            .try_into()
            .map_err(|_| eticket_result::InvalidParameter)?;
        let proof = chip.prove(challenge)?;
        let proof = eticket_chip_proof {
            chip_id: proof.chip.0,
            public_key: proof.public_key,
            answer: proof.answer,
        };
        // SAFETY: writable by the caller's contract.
        unsafe { out.write(proof) };
        Ok(())
    })
}

/// The numbers of the occupied slots into `slots[0..*out_count]`.
///
/// # Safety
///
/// `chip` is a live handle used by no other thread; `slots` has `cap`
/// writable bytes (or is NULL with 0); `out_count` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_chip_list_slots(
    chip: *mut eticket_chip,
    slots: *mut u8,
    cap: usize,
    out_count: *mut usize,
) -> eticket_result {
    boundary(|| {
        let out = OutBuf::new(slots, cap, out_count)?;
        // SAFETY: a live, unshared handle by the caller's contract.
        let chip = unsafe { eticket_chip::as_mut(chip)? };
        let list: Vec<u8> = chip.list()?.into_iter().map(|e| e.slot).collect();
        // SAFETY: the buffer contract is the caller's.
        unsafe { out.write(&list) }
    })
}

/// Read the signed ticket in `slot` into `buf` (at most 144 bytes).
///
/// # Safety
///
/// `chip` is a live handle used by no other thread; `buf` has `cap`
/// writable bytes (or is NULL with 0); `out_len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_chip_read(
    chip: *mut eticket_chip,
    slot: u8,
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> eticket_result {
    boundary(|| {
        let out = OutBuf::new(buf, cap, out_len)?;
        // SAFETY: a live, unshared handle by the caller's contract.
        let chip = unsafe { eticket_chip::as_mut(chip)? };
        let ticket = chip.read(slot)?;
        // SAFETY: the buffer contract is the caller's.
        unsafe { out.write(ticket.as_bytes()) }
    })
}

/// What an accepted write or delete reports.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct eticket_mutation {
    /// The slot written or emptied.
    pub slot: u8,
    /// The chip's counter afterwards: the value the next grant must name.
    pub counter: u32,
}

/// Write an issued ticket `(payload, payload_len)` with the center's write
/// grant `(grant, grant_len)`; the chip checks the grant names it, its
/// counter and the payload's hash. `out` may be NULL.
///
/// # Safety
///
/// `chip` is a live handle used by no other thread; byte inputs readable;
/// `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_chip_write(
    chip: *mut eticket_chip,
    grant: *const u8,
    grant_len: usize,
    payload: *const u8,
    payload_len: usize,
    out: *mut eticket_mutation,
) -> eticket_result {
    boundary(|| {
        // SAFETY: the caller's contract covers every pointer.
        let (chip, grant, payload) = unsafe {
            (
                eticket_chip::as_mut(chip)?,
                bytes(grant, grant_len)?,
                bytes(payload, payload_len)?,
            )
        };
        check_sizes(grant, payload)?;
        let m = chip.write(grant, payload)?;
        // SAFETY: NULL or writable by the caller's contract.
        unsafe { write_mutation(out, m) };
        Ok(())
    })
}

/// Delete the ticket a delete grant `(grant, grant_len)` names. `out` may be
/// NULL.
///
/// # Safety
///
/// As `eticket_chip_write`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_chip_delete(
    chip: *mut eticket_chip,
    grant: *const u8,
    grant_len: usize,
    out: *mut eticket_mutation,
) -> eticket_result {
    boundary(|| {
        // SAFETY: the caller's contract covers every pointer.
        let (chip, grant) = unsafe { (eticket_chip::as_mut(chip)?, bytes(grant, grant_len)?) };
        check_sizes(grant, &[])?;
        let m = chip.delete(grant)?;
        // SAFETY: NULL or writable by the caller's contract.
        unsafe { write_mutation(out, m) };
        Ok(())
    })
}

/// Grants and tickets larger than their formats allow are refused before
/// anything is copied or sent.
pub(crate) fn check_sizes(grant: &[u8], payload: &[u8]) -> Result<(), eticket_result> {
    if grant.len() > eticket_core::grant::MAX_GRANT_LEN
        || payload.len() > eticket_core::ticket::MAX_TICKET_LEN
    {
        return Err(eticket_result::InputTooLarge);
    }
    Ok(())
}

/// Write a mutation to an optional out-parameter.
///
/// # Safety
///
/// `out` is NULL or writable.
pub(crate) unsafe fn write_mutation(out: *mut eticket_mutation, m: ::eticket_chip::host::Mutation) {
    if let Ok(out) = Out::new(out) {
        // SAFETY: non-NULL and writable by the caller's contract.
        unsafe {
            out.write(eticket_mutation {
                slot: m.slot,
                counter: m.counter,
            })
        };
    }
}

/// Free a chip handle (a PC/SC card is disconnected); NULL is ignored.
///
/// # Safety
///
/// `chip` is NULL or a live handle, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_chip_free(chip: *mut eticket_chip) {
    // SAFETY: NULL or a live handle freed once, by the caller's contract.
    boundary_void(|| unsafe { eticket_chip::free(chip) });
}

/// The names of the PC/SC readers pcscd knows, as a PC/SC multi-string: each
/// name NUL-terminated, the list ended by one more NUL (so no readers is a
/// single NUL). `*out_len` gets the whole length, both kinds of NUL
/// included. Needs the `pcsc` feature, otherwise
/// `ETICKET_RESULT_PCSC_UNAVAILABLE`.
///
/// # Safety
///
/// `buf` has `buf_len` writable bytes (or is NULL with 0); `out_len` is
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_pcsc_list_readers(
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> eticket_result {
    boundary(|| {
        let out = OutBuf::new(buf.cast(), buf_len, out_len)?;
        let mut multi = Vec::new();
        for name in list_readers()? {
            multi.extend_from_slice(name.as_bytes());
            multi.push(0);
        }
        multi.push(0);
        // SAFETY: the buffer contract is the caller's.
        unsafe { out.write(&multi) }
    })
}

/// Wait up to `timeout_ms` milliseconds until a card is present in the
/// PC/SC reader `reader_name`; `ETICKET_RESULT_TIMEOUT` when none came.
/// Needs the `pcsc` feature, otherwise `ETICKET_RESULT_PCSC_UNAVAILABLE`.
///
/// # Safety
///
/// `reader_name` is a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_pcsc_wait_for_card(
    reader_name: *const c_char,
    timeout_ms: u32,
) -> eticket_result {
    boundary(|| {
        // SAFETY: NUL-terminated by the caller's contract.
        let reader = unsafe { crate::ffi::string(reader_name)? };
        wait_for_card(reader, timeout_ms)
    })
}

#[cfg(feature = "pcsc")]
fn list_readers() -> Result<Vec<String>, eticket_result> {
    let names = ::eticket_chip::host::pcsc::list_readers()?;
    // Reader names never hold a NUL (they come from C strings); drop any that
    // would, rather than emit an ambiguous list.
    Ok(names.into_iter().filter(|n| !n.contains('\0')).collect())
}

#[cfg(not(feature = "pcsc"))]
fn list_readers() -> Result<Vec<String>, eticket_result> {
    Err(eticket_result::PcscUnavailable)
}

#[cfg(feature = "pcsc")]
fn wait_for_card(reader: &str, timeout_ms: u32) -> Result<(), eticket_result> {
    let timeout = std::time::Duration::from_millis(u64::from(timeout_ms));
    Ok(::eticket_chip::host::pcsc::wait_for_card(reader, timeout)?)
}

#[cfg(not(feature = "pcsc"))]
fn wait_for_card(_reader: &str, _timeout_ms: u32) -> Result<(), eticket_result> {
    Err(eticket_result::PcscUnavailable)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ptr::{null, null_mut};

    /// A card that answers `9000` with the bytes in `userdata` (a
    /// `Vec<u8>`), counting nothing; or fails when userdata is NULL.
    unsafe extern "C" fn canned(
        userdata: *mut c_void,
        _cmd: *const u8,
        _cmd_len: usize,
        resp: *mut u8,
        resp_cap: usize,
        resp_len: *mut usize,
    ) -> u32 {
        // SAFETY: the tests pass NULL or a live Vec<u8>.
        let Some(data) = (unsafe { userdata.cast::<Vec<u8>>().as_ref() }) else {
            return eticket_transmit_status::Failed as u32;
        };
        let mut answer = data.clone();
        answer.extend_from_slice(&[0x90, 0x00]);
        let n = answer.len().min(resp_cap);
        // SAFETY: the library hands a buffer of `resp_cap` bytes and a
        // writable length.
        unsafe {
            std::ptr::copy_nonoverlapping(answer.as_ptr(), resp, n);
            *resp_len = answer.len();
        }
        eticket_transmit_status::Ok as u32
    }

    #[test]
    fn a_callback_card_that_answers_garbage() {
        let mut data = vec![7u8; 12];
        let mut chip = null_mut();
        let mut info = std::mem::MaybeUninit::<eticket_chip_info>::uninit();
        let (mut buf, mut n) = ([0u8; 16], 0usize);
        // SAFETY: every pointer is NULL or a live local; `data` outlives
        // the chip handle.
        unsafe {
            let ud: *mut c_void = (&raw mut data).cast();
            assert_eq!(
                eticket_chip_open_callback(Some(canned), ud, &mut chip),
                eticket_result::Ok
            );
            assert_eq!(
                eticket_chip_get_info(chip, info.as_mut_ptr()),
                eticket_result::ChipMalformed
            );
            assert_eq!(
                eticket_chip_list_slots(chip, buf.as_mut_ptr(), buf.len(), &mut n),
                eticket_result::ChipMalformed
            );
            assert_eq!(
                eticket_chip_write(chip, null(), 0, null(), 0, null_mut()),
                eticket_result::ChipMalformed
            );
            eticket_chip_free(chip);

            let mut failed = null_mut();
            assert_eq!(
                eticket_chip_open_callback(Some(canned), null_mut(), &mut failed),
                eticket_result::TransportFailed
            );
            assert!(failed.is_null());
            assert_eq!(
                eticket_chip_open_callback(None, null_mut(), &mut failed),
                eticket_result::NullParameter
            );
            // Longer than the buffer the library lends the callback.
            let mut huge = vec![0u8; ETICKET_MAX_RESPONSE_LEN];
            let ud: *mut c_void = (&raw mut huge).cast();
            assert_eq!(
                eticket_chip_open_callback(Some(canned), ud, &mut failed),
                eticket_result::TransportFailed
            );
        }
    }

    #[test]
    #[cfg(not(feature = "pcsc"))]
    fn pcsc_needs_the_feature() {
        let mut n = 0;
        let mut chip = null_mut();
        // SAFETY: a NUL-terminated literal and live locals.
        unsafe {
            assert_eq!(
                eticket_pcsc_list_readers(null_mut(), 0, &mut n),
                eticket_result::PcscUnavailable
            );
            assert_eq!(
                eticket_chip_open_pcsc(c"reader".as_ptr(), &mut chip),
                eticket_result::PcscUnavailable
            );
            assert_eq!(
                eticket_pcsc_wait_for_card(c"reader".as_ptr(), 1),
                eticket_result::PcscUnavailable
            );
        }
    }
}
