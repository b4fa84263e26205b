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
/// `requested_at` (Unix seconds). The signed request (at most 192 bytes) is
/// verified with the chip's key, then written to `buf`; send it to the center.
///
/// # Safety
///
/// `chip` is a live handle used by no other thread; `to_chip_id` readable
/// for its length; `buf` has `buf_len` writable bytes (or is NULL with 0);
/// `out_len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_chip_sign_transfer(
    chip: *mut eticket_chip,
    slot: u8,
    to_chip_id: *const u8,
    to_chip_id_len: usize,
    requested_at: u64,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> eticket_result {
    boundary(|| {
        let out = OutBuf::new(buf, buf_len, out_len)?;
        // SAFETY: the caller's contract covers every pointer.
        let (chip, to) = unsafe {
            (
                eticket_chip::as_mut(chip)?,
                bytes(to_chip_id, to_chip_id_len)?,
            )
        };
        let to: [u8; CHIP_ID_LEN] = to
            .try_into()
            .map_err(|_| eticket_result::InvalidParameter)?;
        let request = chip.sign_transfer(slot, ChipId(to), Timestamp(requested_at))?;
        // SAFETY: the buffer contract is the caller's.
        unsafe { out.write(&request) }
    })
}

/// Apply one grant the center sent back, after checking it on this side
/// too: verified with a grant key of `keys` at `now`, not expired, naming
/// this chip and its current counter. With a payload `(payload,
/// payload_len)` it must be a write grant for that payload; with NULL and 0
/// a delete grant. `ETICKET_RESULT_GRANT_MISMATCH` when it names another
/// chip, counter or operation (nothing is sent to the chip then). `out` may
/// be NULL.
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
        let verified = Grant::verify(grant, op, &keys.set, Timestamp(now))?;
        let info = chip.info()?;
        let g = &verified.grant;
        if g.chip != info.chip || g.counter != info.counter {
            return Err(eticket_result::GrantMismatch);
        }
        if op == GrantOp::Write && g.payload_hash != payload_hash(payload) {
            return Err(eticket_result::GrantMismatch);
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
