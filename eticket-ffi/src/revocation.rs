//! Revocation lists: which ticket generations of an event admit nobody any
//! more; loaded from the center's signed list and moved on by signed deltas.

use eticket_core::ids::{EventId, Generation, TicketSerial};
use eticket_core::revocation::{MAX_LIST_LEN, RevocationDelta, RevocationList};
use eticket_core::time::Timestamp;

use crate::ffi::{BoxHandle, Out, bytes};
use crate::keys::eticket_key_set;
use crate::panic::{boundary, boundary_void};
use crate::result::eticket_result;

/// An event's revocation list.
///
/// Thread safety: reading functions may run on several threads at once;
/// `eticket_revocation_list_update` and `_apply_delta` need the handle to
/// themselves.
pub struct eticket_revocation_list {
    _private: [u8; 0],
}

// SAFETY: eticket_revocation_list is a zero-sized marker never created in Rust.
unsafe impl BoxHandle for eticket_revocation_list {
    type Inner = RevocationList;
}

fn signed_input<'a>(data: *const u8, len: usize) -> Result<&'a [u8], eticket_result> {
    // SAFETY: the callers pass on their own contract: readable for `len`.
    let signed = unsafe { bytes(data, len)? };
    if signed.len() > MAX_LIST_LEN {
        return Err(eticket_result::InputTooLarge);
    }
    Ok(signed)
}

/// A new, empty list (version 0) for `event_id`, for events nothing was
/// revoked for yet.
///
/// On success free `*out` with `eticket_revocation_list_free`.
///
/// # Safety
///
/// `out` points to a writable handle pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_revocation_list_empty(
    event_id: u32,
    out: *mut *mut eticket_revocation_list,
) -> eticket_result {
    boundary(|| {
        let out = Out::new(out)?;
        let handle = eticket_revocation_list::into_raw(RevocationList::empty(EventId(event_id)));
        // SAFETY: writable by the caller's contract.
        unsafe { out.write(handle) };
        Ok(())
    })
}

/// Load a signed list `(data, len)`, verified with a list key of `keys` that
/// is valid at `now` (Unix seconds).
///
/// Where it comes from: the center's `GET /v1/events/{event}/revocations`
/// answers JSON whose `signed` field is these bytes (hex); with `?since=N` it
/// is a delta for `eticket_venue_accept_revocation_delta` (a gate that is up
/// to date gets a renewal delta that moves the list's `next_update` on).
///
/// On success free `*out` with `eticket_revocation_list_free`.
///
/// # Safety
///
/// `(data, len)` is readable, `keys` a live handle, `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_revocation_list_load(
    data: *const u8,
    len: usize,
    keys: *const eticket_key_set,
    now: u64,
    out: *mut *mut eticket_revocation_list,
) -> eticket_result {
    boundary(|| {
        let out = Out::new(out)?;
        // SAFETY: a live handle by the caller's contract.
        let keys = unsafe { eticket_key_set::as_ref(keys)? };
        let list =
            RevocationList::from_signed_bytes(signed_input(data, len)?, &keys.set, Timestamp(now))?;
        // SAFETY: writable by the caller's contract.
        unsafe { out.write(eticket_revocation_list::into_raw(list)) };
        Ok(())
    })
}

/// Replace the list with a newer signed full list for the same event, or
/// with a renewal of it (the same version and entries, signed later, with a
/// later `next_update`); an older or different list of the same version is
/// `ETICKET_RESULT_NOT_NEWER`.
///
/// # Safety
///
/// `list` is a live handle not used elsewhere during the call; `keys` a
/// live handle; `(data, len)` readable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_revocation_list_update(
    list: *mut eticket_revocation_list,
    data: *const u8,
    len: usize,
    keys: *const eticket_key_set,
    now: u64,
) -> eticket_result {
    boundary(|| {
        // SAFETY: live handles by the caller's contract.
        let (list, keys) = unsafe {
            (
                eticket_revocation_list::as_mut(list)?,
                eticket_key_set::as_ref(keys)?,
            )
        };
        let next =
            RevocationList::from_signed_bytes(signed_input(data, len)?, &keys.set, Timestamp(now))?;
        if next.event != list.event {
            return Err(eticket_result::EventMismatch);
        }
        // A newer version, or a renewal: the same version with the same
        // entries, signed later (it moves `next_update` on).
        let renewal = next.version == list.version
            && next.entries() == list.entries()
            && next.issued_at > list.issued_at;
        if next.version < list.version || (next.version == list.version && !renewal) {
            return Err(eticket_result::NotNewer);
        }
        *list = next;
        Ok(())
    })
}

/// Apply a signed delta that starts at the list's version. On any failure
/// the list stays as it was.
///
/// # Safety
///
/// As `eticket_revocation_list_update`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_revocation_list_apply_delta(
    list: *mut eticket_revocation_list,
    data: *const u8,
    len: usize,
    keys: *const eticket_key_set,
    now: u64,
) -> eticket_result {
    boundary(|| {
        // SAFETY: live handles by the caller's contract.
        let (list, keys) = unsafe {
            (
                eticket_revocation_list::as_mut(list)?,
                eticket_key_set::as_ref(keys)?,
            )
        };
        let delta = RevocationDelta::from_signed_bytes(
            signed_input(data, len)?,
            &keys.set,
            Timestamp(now),
        )?;
        // `apply` checks before it changes anything.
        list.apply(&delta)?;
        Ok(())
    })
}

/// The list's version (0 for an empty list) into `*out_version`.
///
/// # Safety
///
/// `list` is a live handle; `out_version` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_revocation_list_version(
    list: *const eticket_revocation_list,
    out_version: *mut u64,
) -> eticket_result {
    boundary(|| {
        let out = Out::new(out_version)?;
        // SAFETY: a live handle by the caller's contract.
        let list = unsafe { eticket_revocation_list::as_ref(list)? };
        // SAFETY: writable by the caller's contract.
        unsafe { out.write(list.version) };
        Ok(())
    })
}

/// Whether generation `generation` of ticket `serial` is revoked, into
/// `*out_revoked`.
///
/// # Safety
///
/// `list` is a live handle; `out_revoked` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_revocation_list_contains(
    list: *const eticket_revocation_list,
    serial: u32,
    generation: u16,
    out_revoked: *mut bool,
) -> eticket_result {
    boundary(|| {
        let out = Out::new(out_revoked)?;
        // SAFETY: a live handle by the caller's contract.
        let list = unsafe { eticket_revocation_list::as_ref(list)? };
        let revoked = list.is_revoked(TicketSerial(serial), Generation(generation));
        // SAFETY: writable by the caller's contract.
        unsafe { out.write(revoked) };
        Ok(())
    })
}

/// Why generation `generation` of ticket `serial` admits nobody, into
/// `*out_reason`: `ETICKET_REASON_NONE` when the list does not revoke it,
/// else the reason a gate refuses it with (`ETICKET_REASON_REVOKED`,
/// `_REPLACED`, `_TRANSFERRED` or `_EVENT_CANCELLED`; a ticket's final end,
/// cancelled or revoked, speaks for its older generations too).
///
/// # Safety
///
/// `list` is a live handle; `out_reason` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_revocation_list_reason(
    list: *const eticket_revocation_list,
    serial: u32,
    generation: u16,
    out_reason: *mut crate::limits::eticket_reason,
) -> eticket_result {
    boundary(|| {
        let out = Out::new(out_reason)?;
        // SAFETY: a live handle by the caller's contract.
        let list = unsafe { eticket_revocation_list::as_ref(list)? };
        use crate::limits::eticket_reason as R;
        use eticket_core::revocation::RevocationReason as Why;
        let reason = match list.reason(TicketSerial(serial), Generation(generation)) {
            None => R::None,
            Some(Why::Revoked) => R::Revoked,
            Some(Why::Replaced) => R::Replaced,
            Some(Why::Transferred) => R::Transferred,
            Some(Why::EventCancelled) => R::EventCancelled,
        };
        // SAFETY: writable by the caller's contract.
        unsafe { out.write(reason) };
        Ok(())
    })
}

/// Free a list; NULL is ignored.
///
/// # Safety
///
/// `list` is NULL or a live handle, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_revocation_list_free(list: *mut eticket_revocation_list) {
    // SAFETY: NULL or a live handle freed once, by the caller's contract.
    boundary_void(|| unsafe { eticket_revocation_list::free(list) });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ptr::{null, null_mut};

    #[test]
    fn empty_list_and_nulls() {
        let mut list = null_mut();
        let (mut v, mut revoked) = (9, true);
        // SAFETY: every pointer is NULL or a live local.
        unsafe {
            assert_eq!(
                eticket_revocation_list_empty(5, null_mut()),
                eticket_result::NullParameter
            );
            assert_eq!(
                eticket_revocation_list_empty(5, &mut list),
                eticket_result::Ok
            );
            assert_eq!(
                eticket_revocation_list_version(list, &mut v),
                eticket_result::Ok
            );
            assert_eq!(v, 0);
            assert_eq!(
                eticket_revocation_list_contains(list, 1, 0, &mut revoked),
                eticket_result::Ok
            );
            assert!(!revoked);
            assert_eq!(
                eticket_revocation_list_apply_delta(list, [1u8].as_ptr(), 1, null(), 0),
                eticket_result::NullParameter
            );
            assert_eq!(
                eticket_revocation_list_load(null(), 0, null(), 0, &mut list),
                eticket_result::NullParameter
            );
            eticket_revocation_list_free(list);
            eticket_revocation_list_free(null_mut());
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "signatures take minutes under Miri")]
    fn renewals_are_taken_and_replays_are_not() {
        use eticket_core::fixtures;
        use eticket_core::revocation::Revoked;
        let root = fixtures::root_key();
        let set = fixtures::key_set().to_signed_bytes(&root).unwrap();
        let pk = root.public_key().to_uncompressed();
        let entries = vec![Revoked {
            serial: eticket_core::ids::TicketSerial(4),
            generation: eticket_core::ids::Generation(0),
            reason: eticket_core::revocation::RevocationReason::Revoked,
        }];
        let signed = |at: u64, entries: Vec<Revoked>| {
            RevocationList::new(fixtures::EVENT, 3, Timestamp(at), entries)
                .unwrap()
                .to_signed_bytes(&fixtures::list_key())
                .unwrap()
        };
        let now = fixtures::NOW.0;
        let (first, renewal, other) = (
            signed(now, entries.clone()),
            signed(now + 60, entries),
            signed(now + 120, vec![]),
        );
        let (mut keys, mut list) = (null_mut(), null_mut());
        // SAFETY: live locals and handles made here.
        unsafe {
            assert_eq!(
                crate::keys::eticket_key_set_load(
                    set.as_ptr(),
                    set.len(),
                    root.id().0,
                    pk.as_ptr(),
                    pk.len(),
                    &mut keys
                ),
                eticket_result::Ok
            );
            let load = |b: &[u8], out: &mut *mut eticket_revocation_list| {
                eticket_revocation_list_load(b.as_ptr(), b.len(), keys, now + 200, out)
            };
            assert_eq!(load(&first, &mut list), eticket_result::Ok);
            let update = |b: &[u8]| {
                eticket_revocation_list_update(list, b.as_ptr(), b.len(), keys, now + 200)
            };
            assert_eq!(update(&renewal), eticket_result::Ok);
            assert_eq!(update(&first), eticket_result::NotNewer, "an older signing");
            assert_eq!(
                update(&other),
                eticket_result::NotNewer,
                "other entries, same version"
            );
            eticket_revocation_list_free(list);
            crate::keys::eticket_key_set_free(keys);
        }
    }
}
