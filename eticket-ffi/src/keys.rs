//! Key sets: the center keys a gate or terminal trusts, verified with the
//! root key the caller is configured with, and replaced by newer versions.

use eticket_core::crypto::PublicKey;
use eticket_core::ids::KeyId;
use eticket_core::keys::{KeySet, MAX_KEY_SET_LEN};

use crate::ffi::{BoxHandle, Out, bytes};
use crate::panic::{boundary, boundary_void};
use crate::result::eticket_result;

/// A verified key set and the root key that verifies its updates.
///
/// Thread safety: reading functions may run on several threads at once;
/// `eticket_key_set_update` needs the handle to itself (no concurrent use).
pub struct eticket_key_set {
    _private: [u8; 0],
}

/// What an `eticket_key_set` stands for.
#[derive(Debug, Clone)]
pub(crate) struct TrustedKeys {
    pub(crate) root_id: KeyId,
    pub(crate) root: PublicKey,
    pub(crate) set: KeySet,
}

// SAFETY: eticket_key_set is a zero-sized marker never created in Rust.
unsafe impl BoxHandle for eticket_key_set {
    type Inner = TrustedKeys;
}

fn verify(signed: &[u8], root_id: KeyId, root: &PublicKey) -> Result<KeySet, eticket_result> {
    if signed.len() > MAX_KEY_SET_LEN {
        return Err(eticket_result::InputTooLarge);
    }
    Ok(KeySet::from_signed_bytes(signed, root_id, root)?)
}

/// Load a signed key set `(data, len)`, verified with the root key
/// `root_key_id` / `(root_key, root_key_len)` (SEC1, 65 bytes uncompressed or
/// 33 compressed). On success `*out` is a new handle to free with
/// `eticket_key_set_free`.
///
/// Where they come from: the center's `GET /v1/keyset` answers JSON with
/// `key_set` (these bytes, hex), `root_key_id` and `root_public_key` (hex);
/// `eticket export-key-set` prints the same. Configure the root once (it
/// changes only by a rollover, `GET /v1/keyset/rollovers`,
/// `eticket_venue_accept_root_rollover`); fetch the key set at every sync.
/// `examples/c/handoff.c` with `scripts/checks/center-handoff.sh` does it
/// against a live center.
///
/// # Safety
///
/// Byte pointers point to their lengths of readable memory; `out` points to
/// a writable handle pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_key_set_load(
    data: *const u8,
    len: usize,
    root_key_id: u16,
    root_key: *const u8,
    root_key_len: usize,
    out: *mut *mut eticket_key_set,
) -> eticket_result {
    boundary(|| {
        let out = Out::new(out)?;
        // SAFETY: readable for their lengths by the caller's contract.
        let (signed, root) = unsafe { (bytes(data, len)?, bytes(root_key, root_key_len)?) };
        if root.len() > 65 {
            return Err(eticket_result::InvalidKey);
        }
        let root = PublicKey::from_sec1(root)?;
        let root_id = KeyId(root_key_id);
        let set = verify(signed, root_id, &root)?;
        let handle = eticket_key_set::into_raw(TrustedKeys { root_id, root, set });
        // SAFETY: `out` is writable by the caller's contract.
        unsafe { out.write(handle) };
        Ok(())
    })
}

/// Replace the key set with a newer signed one, verified with the same root
/// key. An older or equal version is refused with `ETICKET_RESULT_NOT_NEWER`
/// and the set stays as it was; so does any other failure.
///
/// # Safety
///
/// `keys` is a live handle not used by another thread during the call;
/// `(data, len)` is readable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_key_set_update(
    keys: *mut eticket_key_set,
    data: *const u8,
    len: usize,
) -> eticket_result {
    boundary(|| {
        // SAFETY: a live, unshared handle and readable bytes by the contract.
        let (keys, signed) = unsafe { (eticket_key_set::as_mut(keys)?, bytes(data, len)?) };
        let set = verify(signed, keys.root_id, &keys.root)?;
        if set.version <= keys.set.version {
            return Err(eticket_result::NotNewer);
        }
        keys.set = set;
        Ok(())
    })
}

/// The key set's version into `*out_version`.
///
/// # Safety
///
/// `keys` is a live handle; `out_version` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_key_set_version(
    keys: *const eticket_key_set,
    out_version: *mut u64,
) -> eticket_result {
    boundary(|| {
        let out = Out::new(out_version)?;
        // SAFETY: a live handle by the caller's contract.
        let keys = unsafe { eticket_key_set::as_ref(keys)? };
        // SAFETY: writable by the caller's contract.
        unsafe { out.write(keys.set.version) };
        Ok(())
    })
}

/// Free a key set; NULL is ignored. Handles created from it (venues) keep
/// their own copy and stay valid.
///
/// # Safety
///
/// `keys` is NULL or a live handle, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_key_set_free(keys: *mut eticket_key_set) {
    // SAFETY: NULL or a live handle freed once, by the caller's contract.
    boundary_void(|| unsafe { eticket_key_set::free(keys) });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ptr::{null, null_mut};

    #[test]
    fn garbage_and_nulls_are_result_codes() {
        let mut out = null_mut();
        // SAFETY: every pointer is NULL or points to a live local.
        unsafe {
            assert_eq!(
                eticket_key_set_load(null(), 0, 1, null(), 0, null_mut()),
                eticket_result::NullParameter
            );
            assert_eq!(
                eticket_key_set_load(null(), 5, 1, null(), 0, &mut out),
                eticket_result::NullParameter
            );
            let garbage = [1u8, 2, 3];
            assert_ne!(
                eticket_key_set_load(garbage.as_ptr(), 3, 1, garbage.as_ptr(), 3, &mut out),
                eticket_result::Ok
            );
            assert!(out.is_null());
            assert_eq!(
                eticket_key_set_update(null_mut(), null(), 0),
                eticket_result::NullParameter
            );
            let mut v = 0;
            assert_eq!(
                eticket_key_set_version(null(), &mut v),
                eticket_result::NullParameter
            );
            eticket_key_set_free(null_mut());
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "P-256 verification is far too slow under Miri")]
    fn load_update_and_refuse_older() {
        use eticket_core::fixtures;
        let root = fixtures::root_key();
        let pk = root.public_key().to_uncompressed();
        let v1 = fixtures::key_set().to_signed_bytes(&root).unwrap();
        let mut next = fixtures::key_set();
        next.version = 2;
        let v2 = next.to_signed_bytes(&root).unwrap();
        let mut keys = null_mut();
        let mut version = 0;
        // SAFETY: every pointer points to a live local of the right length.
        unsafe {
            let r = eticket_key_set_load(v1.as_ptr(), v1.len(), 100, pk.as_ptr(), 65, &mut keys);
            assert_eq!(r, eticket_result::Ok);
            assert_eq!(
                eticket_key_set_update(keys, v2.as_ptr(), v2.len()),
                eticket_result::Ok
            );
            assert_eq!(
                eticket_key_set_update(keys, v1.as_ptr(), v1.len()),
                eticket_result::NotNewer
            );
            assert_eq!(
                eticket_key_set_version(keys, &mut version),
                eticket_result::Ok
            );
            assert_eq!(version, 2);
            let r = eticket_key_set_load(v1.as_ptr(), v1.len(), 7, pk.as_ptr(), 65, &mut keys);
            assert_eq!(r, eticket_result::UnknownKey);
            eticket_key_set_free(keys);
        }
    }
}
