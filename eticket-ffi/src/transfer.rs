//! Assignment (c36-44): the assignor's chip signs a transfer request for the
//! center; the grants that come back are applied to the chips (a write grant
//! and the new ticket for the assignee, a delete grant for the assignor).

use eticket_core::grant::{Grant, GrantOp, payload_hash};
use eticket_core::ids::{CHIP_ID_LEN, ChipId};
use eticket_core::time::Timestamp;

use crate::chip::{eticket_chip, eticket_mutation, write_mutation};
use crate::ffi::{BoxHandle, OutBuf, bytes};
use crate::keys::eticket_key_set;
use crate::panic::boundary;
use crate::result::eticket_result;

/// Have the assignor's chip sign a request to transfer the ticket in `slot`
/// to the chip `(to_chip_id, to_chip_id_len)` (16 bytes), stamped
/// `requested_at` (Unix seconds), with the holder's consent: the PIN
/// `(pin, pin_len)` (4 to 12 bytes) the holder typed is presented first. The
/// signed request (at most 192 bytes) is verified with the chip's key, then
/// written to `buf`; send it to the center. The chip's counter moves on.
///
/// `ETICKET_RESULT_WRONG_PIN` for a wrong PIN (see
/// `eticket_chip_pin_tries_left`), `ETICKET_RESULT_PIN_BLOCKED` once the card
/// has blocked.
///
/// # Safety
///
/// `chip` is a live handle used by no other thread; `to_chip_id` and `pin`
/// readable for their lengths; `buf` has `buf_len` writable bytes (or is
/// NULL with 0); `out_len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_chip_sign_transfer(
    chip: *mut eticket_chip,
    slot: u8,
    to_chip_id: *const u8,
    to_chip_id_len: usize,
    requested_at: u64,
    pin: *const u8,
    pin_len: usize,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> eticket_result {
    boundary(|| {
        let out = OutBuf::new(buf, buf_len, out_len)?;
        // SAFETY: the caller's contract covers every pointer.
        let (chip, to, pin) = unsafe {
            (
                eticket_chip::as_mut(chip)?,
                bytes(to_chip_id, to_chip_id_len)?,
                bytes(pin, pin_len)?,
            )
        };
        let to: [u8; CHIP_ID_LEN] = to
            .try_into()
            .map_err(|_| eticket_result::InvalidParameter)?;
        let request = chip.sign_transfer(slot, ChipId(to), Timestamp(requested_at), pin)?;
        // SAFETY: the buffer contract is the caller's.
        unsafe { out.write(&request) }
    })
}

/// Have the assignor's chip sign the cancellation of its pending transfer
/// `(transfer_id, transfer_id_len)` (the id the center gave, UTF-8) of the
/// ticket in `slot`, stamped `requested_at`, with the holder's PIN as for
/// `eticket_chip_sign_transfer`. The signed cancellation (at most 192 bytes)
/// goes to `buf`; send it to the center during the cooling-off period.
///
/// # Safety
///
/// As for `eticket_chip_sign_transfer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_chip_sign_cancel(
    chip: *mut eticket_chip,
    slot: u8,
    transfer_id: *const u8,
    transfer_id_len: usize,
    requested_at: u64,
    pin: *const u8,
    pin_len: usize,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> eticket_result {
    boundary(|| {
        let out = OutBuf::new(buf, buf_len, out_len)?;
        // SAFETY: the caller's contract covers every pointer.
        let (chip, id, pin) = unsafe {
            (
                eticket_chip::as_mut(chip)?,
                bytes(transfer_id, transfer_id_len)?,
                bytes(pin, pin_len)?,
            )
        };
        let id = core::str::from_utf8(id).map_err(|_| eticket_result::InvalidUtf8)?;
        let cancel = chip.sign_cancel(slot, id, Timestamp(requested_at), pin)?;
        // SAFETY: the buffer contract is the caller's.
        unsafe { out.write(&cancel) }
    })
}

/// How many wrong PINs the card still allows before it blocks (0: blocked),
/// written to `tries_left`.
///
/// # Safety
///
/// `chip` is a live handle used by no other thread; `tries_left` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_chip_pin_tries_left(
    chip: *mut eticket_chip,
    tries_left: *mut u8,
) -> eticket_result {
    boundary(|| {
        if tries_left.is_null() {
            return Err(eticket_result::NullParameter);
        }
        // SAFETY: the caller's contract covers the handle.
        let chip = unsafe { eticket_chip::as_mut(chip)? };
        let n = chip.pin_tries_left()?;
        // SAFETY: checked non-NULL; writable by the caller's contract.
        unsafe { tries_left.write(n) };
        Ok(())
    })
}

/// Apply one grant the center sent back, after checking it on this side
/// too: verified with a grant key of `keys` at `now`, not expired, naming
/// this chip and its current counter. With a payload `(payload,
/// payload_len)` it must be a write grant for that payload; with NULL and 0
/// a delete grant. `ETICKET_RESULT_GRANT_MISMATCH` when it names another
/// chip, counter or operation (a write grant given as a delete, or the
/// reverse), `ETICKET_RESULT_GRANT_PAYLOAD_MISMATCH` when a write grant is
/// for other payload bytes (nothing is sent to the chip then). `out` may be
/// NULL.
///
/// For a transfer: apply the assignee's write grant with the new ticket,
/// then the assignor's delete grant; the old generation is revoked by the
/// center either way, so the order only decides when the old copy leaves.
///
/// # Safety
///
/// `chip` is a live handle used by no other thread; `keys` a live handle;
/// byte inputs readable; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_chip_apply_grant(
    chip: *mut eticket_chip,
    keys: *const eticket_key_set,
    now: u64,
    grant: *const u8,
    grant_len: usize,
    payload: *const u8,
    payload_len: usize,
    out: *mut eticket_mutation,
) -> eticket_result {
    boundary(|| {
        // SAFETY: the caller's contract covers every pointer.
        let (chip, keys, grant, payload) = unsafe {
            (
                eticket_chip::as_mut(chip)?,
                eticket_key_set::as_ref(keys)?,
                bytes(grant, grant_len)?,
                bytes(payload, payload_len)?,
            )
        };
        crate::chip::check_sizes(grant, payload)?;
        let op = if payload.is_empty() {
            GrantOp::Delete
        } else {
            GrantOp::Write
        };
        let verified = match Grant::verify(grant, op, &keys.set, Timestamp(now)) {
            Ok(v) => v,
            // A genuine grant for the other operation (a write grant given
            // as a delete): a mismatch, not a forgery.
            Err(eticket_core::Error::BadSignature) => {
                let other = match op {
                    GrantOp::Write => GrantOp::Delete,
                    GrantOp::Delete => GrantOp::Write,
                };
                return Err(
                    match Grant::verify(grant, other, &keys.set, Timestamp(now)) {
                        Ok(_) => eticket_result::GrantMismatch,
                        Err(e) => e.into(),
                    },
                );
            }
            Err(e) => return Err(e.into()),
        };
        let info = chip.info()?;
        let g = &verified.grant;
        if g.chip != info.chip || g.counter != info.counter {
            return Err(eticket_result::GrantMismatch);
        }
        if op == GrantOp::Write && g.payload_hash != payload_hash(payload) {
            return Err(eticket_result::GrantPayloadMismatch);
        }
        let m = match op {
            GrantOp::Write => chip.write(grant, payload)?,
            GrantOp::Delete => chip.delete(grant)?,
        };
        // SAFETY: NULL or writable by the caller's contract.
        unsafe { write_mutation(out, m) };
        Ok(())
    })
}
