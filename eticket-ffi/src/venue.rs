//! The venue unit: one event's admission context (event information, trust,
//! anti-passback policy) over the shared SQLite entry log; gates are opened
//! from it.

use std::ffi::c_char;

use ::eticket_gate::{
    OfflinePolicy, PassbackPolicy, Settings, StalePolicy, TrustStore, VenueUnit, WrongGatePolicy,
};
use eticket_core::event::EventInfo;
use eticket_core::ids::GateId;
use eticket_core::time::Timestamp;

use crate::ffi::{BoxHandle, Out, bytes, string};
use crate::gate::eticket_gate;
use crate::keys::eticket_key_set;
use crate::panic::{boundary, boundary_void};
use crate::result::eticket_result;
use crate::revocation::eticket_revocation_list;

/// Largest event information accepted, in bytes of JSON.
pub const ETICKET_MAX_EVENT_INFO_LEN: usize = 4 * 1024 * 1024;

/// A venue unit for one event.
///
/// Thread safety: use from one thread at a time (it may move between
/// threads). Gates opened from it have their own connection to the entry log
/// and run on their own threads; the unit may be freed before its gates.
pub struct eticket_venue {
    _private: [u8; 0],
}

// SAFETY: eticket_venue is a zero-sized marker never created in Rust.
unsafe impl BoxHandle for eticket_venue {
    type Inner = VenueUnit;
}

/// Anti-passback policies, for `eticket_venue_settings.policy`.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum eticket_passback {
    /// One admission per ticket.
    SingleEntry = 0,
    /// Any number of admissions, each after an exit scan.
    ReentryAfterExit = 1,
    /// At most `max_entries` admissions.
    Entries = 2,
}

/// What the gates refuse while the venue's revocation list or key set is
/// past its `next_update`, for `eticket_venue_settings.stale_policy`.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum eticket_stale_policy {
    /// Refuse tickets of generation 1 and up (the transferred ones); the
    /// default.
    FailClosedTransferred = 0,
    /// Refuse every ticket.
    FailClosedAll = 1,
}

/// How a venue admits. Start from `eticket_venue_settings_default`: a
/// zeroed struct refuses every chip (no time to answer) and every ticket
/// (no list is young enough).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct eticket_venue_settings {
    /// An `eticket_passback` value.
    pub policy: u32,
    /// For `ETICKET_PASSBACK_ENTRIES`: admissions per ticket.
    pub max_entries: u32,
    /// Seconds of clock difference tolerated at both ends of a ticket's
    /// validity window.
    pub clock_skew_seconds: u64,
    /// Non-zero: specimen tickets are admitted (rehearsals). A byte rather
    /// than a `bool` so that any bit pattern a caller leaves here is valid.
    pub accept_specimen: u8,
    /// An `eticket_stale_policy` value: what is refused while the revocation
    /// list or key set is past its `next_update`.
    pub stale_policy: u32,
    /// Oldest revocation list, in seconds since the center signed it, that
    /// the venue admits with (default a day); with an older one, or the
    /// empty list, every ticket is refused (reason 110) until a fresh list
    /// is accepted. `UINT64_MAX` switches the bound off.
    pub max_list_age_seconds: u64,
    /// Longest a chip may take to answer the gate's challenge, in
    /// milliseconds (default 1000); a slower answer is refused as possibly
    /// relayed (reason 111).
    pub max_answer_ms: u64,
    /// Non-zero: admit only chips holding the center's certificate of their
    /// key (written at personalization); others are refused (reason 112).
    /// Default 0.
    pub require_certificate: u8,
    /// A valid ticket for a place behind another gate: 0 admit and flag it
    /// (`eticket_outcome_info.wrong_gate`; the default), 1 refuse it
    /// (reason 113).
    pub wrong_gate_policy: u32,
}

impl Default for eticket_venue_settings {
    fn default() -> Self {
        Self::from_settings(&Settings::new(PassbackPolicy::SingleEntry))
    }
}

impl eticket_venue_settings {
    /// The C form of `s`.
    pub(crate) fn from_settings(s: &Settings) -> Self {
        let (policy, max_entries) = match s.policy {
            PassbackPolicy::SingleEntry => (eticket_passback::SingleEntry, 0),
            PassbackPolicy::ReentryAfterExit => (eticket_passback::ReentryAfterExit, 0),
            PassbackPolicy::Entries(n) => (eticket_passback::Entries, n),
        };
        Self {
            policy: policy as u32,
            max_entries,
            clock_skew_seconds: s.clock_skew,
            accept_specimen: u8::from(s.accept_specimen),
            stale_policy: match s.stale_policy {
                StalePolicy::FailClosedAll => eticket_stale_policy::FailClosedAll as u32,
                _ => eticket_stale_policy::FailClosedTransferred as u32,
            },
            max_list_age_seconds: s.max_list_age,
            max_answer_ms: s.max_answer_ms,
            require_certificate: u8::from(s.require_certificate),
            wrong_gate_policy: match s.wrong_gate {
                WrongGatePolicy::AdmitAndRedirect => 0,
                WrongGatePolicy::Refuse => 1,
            },
        }
    }
}

impl TryFrom<&eticket_venue_settings> for Settings {
    type Error = eticket_result;
    fn try_from(s: &eticket_venue_settings) -> Result<Self, eticket_result> {
        let policy = match s.policy {
            0 => PassbackPolicy::SingleEntry,
            1 => PassbackPolicy::ReentryAfterExit,
            // Zero entries would refuse every ticket: refused here instead.
            2 if s.max_entries == 0 => return Err(eticket_result::InvalidParameter),
            2 => PassbackPolicy::Entries(s.max_entries),
            _ => return Err(eticket_result::InvalidParameter),
        };
        let stale_policy = match s.stale_policy {
            0 => StalePolicy::FailClosedTransferred,
            1 => StalePolicy::FailClosedAll,
            _ => return Err(eticket_result::InvalidParameter),
        };
        Ok(Settings {
            policy,
            clock_skew: s.clock_skew_seconds,
            accept_specimen: s.accept_specimen != 0,
            stale_policy,
            max_list_age: s.max_list_age_seconds,
            max_answer_ms: s.max_answer_ms,
            require_certificate: s.require_certificate != 0,
            wrong_gate: match s.wrong_gate_policy {
                0 => WrongGatePolicy::AdmitAndRedirect,
                1 => WrongGatePolicy::Refuse,
                _ => return Err(eticket_result::InvalidParameter),
            },
            // A unit opened through the C library decides in its own log;
            // networked devices are not in the C ABI yet.
            offline: OfflinePolicy::ChipOnly,
        })
    }
}

/// The default settings (single entry, two minutes of clock skew, no
/// specimens, transferred tickets refused while the trust material is
/// stale, revocation lists at most a day old, chip answers within a second)
/// into `*out`.
///
/// # Safety
///
/// `out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_venue_settings_default(
    out: *mut eticket_venue_settings,
) -> eticket_result {
    boundary(|| {
        let out = Out::new(out)?;
        // SAFETY: writable by the caller's contract.
        unsafe { out.write(eticket_venue_settings::default()) };
        Ok(())
    })
}

/// The event information from JSON (the center's export of the event),
/// checked for consistency.
pub(crate) fn event_from_json(json: &[u8]) -> Result<EventInfo, eticket_result> {
    if json.len() > ETICKET_MAX_EVENT_INFO_LEN {
        return Err(eticket_result::InputTooLarge);
    }
    let event: EventInfo =
        serde_json::from_slice(json).map_err(|_| eticket_result::InvalidEventInfo)?;
    event
        .validate()
        .map_err(|_| eticket_result::InvalidEventInfo)?;
    Ok(event)
}

/// Open (or create) the venue unit for the event `(event_json, event_json_len)`
/// with its entry log at `entry_log_path`, trusting `keys` and `revocations`
/// (copied: the handles stay the caller's). `settings` may be NULL for the
/// defaults. Trust material stored in the log by an earlier run is used when
/// it is newer.
///
/// Where the event comes from: the center's `GET /v1/events/{event}` answer,
/// as it is (the event information JSON: venue, schedule, seats). The key
/// set and list: see `eticket_key_set_load` and `eticket_revocation_list_load`.
///
/// On success free `*out` with `eticket_venue_free`.
///
/// # Safety
///
/// Pointers point to what their names and lengths say; `out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_venue_open(
    entry_log_path: *const c_char,
    event_json: *const u8,
    event_json_len: usize,
    keys: *const eticket_key_set,
    revocations: *const eticket_revocation_list,
    settings: *const eticket_venue_settings,
    out: *mut *mut eticket_venue,
) -> eticket_result {
    boundary(|| {
        let out = Out::new(out)?;
        // SAFETY: each pointer is valid for its use by the caller's contract;
        // `settings` may be NULL (`as_ref` gives None).
        let (path, json, keys, revocations, settings) = unsafe {
            (
                string(entry_log_path)?,
                bytes(event_json, event_json_len)?,
                eticket_key_set::as_ref(keys)?,
                eticket_revocation_list::as_ref(revocations)?,
                settings.as_ref().copied().unwrap_or_default(),
            )
        };
        let settings = Settings::try_from(&settings)?;
        let event = event_from_json(json)?;
        if revocations.event != event.id {
            return Err(eticket_result::EventMismatch);
        }
        let trust = TrustStore::with(
            keys.root_id,
            keys.root.clone(),
            keys.set.clone(),
            revocations.clone(),
        );
        let unit = VenueUnit::open_with(path, event, trust, settings)?;
        // SAFETY: writable by the caller's contract.
        unsafe { out.write(eticket_venue::into_raw(unit)) };
        Ok(())
    })
}

/// Which sync material an update carries.
#[derive(Clone, Copy)]
enum Material {
    KeySet,
    RevocationList,
    RevocationDelta,
}

unsafe fn accept(
    venue: *mut eticket_venue,
    data: *const u8,
    len: usize,
    now: u64,
    out_version: *mut u64,
    material: Material,
) -> eticket_result {
    boundary(|| {
        let out = if out_version.is_null() {
            None
        } else {
            Some(Out::new(out_version)?)
        };
        // SAFETY: a live handle and readable bytes by the caller's contract.
        let (unit, signed) = unsafe { (eticket_venue::as_mut(venue)?, bytes(data, len)?) };
        let now = Timestamp(now);
        let version = match material {
            Material::KeySet => unit.accept_key_set(signed, now),
            Material::RevocationList => unit.accept_revocation_list(signed, now),
            Material::RevocationDelta => unit.accept_revocation_delta(signed, now),
        }?;
        if let Some(out) = out {
            // SAFETY: writable by the caller's contract.
            unsafe { out.write(version) };
        }
        Ok(())
    })
}

/// Take a newer signed key set (verified with the root key the venue was
/// opened with), keep it in the entry log, and use it at every gate from
/// the next scan. `out_version` may be NULL.
///
/// # Safety
///
/// `venue` is a live handle used by no other thread during the call;
/// `(data, len)` readable; `out_version` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_venue_accept_key_set(
    venue: *mut eticket_venue,
    data: *const u8,
    len: usize,
    now: u64,
    out_version: *mut u64,
) -> eticket_result {
    // SAFETY: the caller's contract is `accept`'s.
    unsafe { accept(venue, data, len, now, out_version, Material::KeySet) }
}

/// Take a newer signed revocation list for the venue's event.
///
/// # Safety
///
/// As `eticket_venue_accept_key_set`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_venue_accept_revocation_list(
    venue: *mut eticket_venue,
    data: *const u8,
    len: usize,
    now: u64,
    out_version: *mut u64,
) -> eticket_result {
    // SAFETY: the caller's contract is `accept`'s.
    unsafe { accept(venue, data, len, now, out_version, Material::RevocationList) }
}

/// Apply a signed revocation delta that starts at the installed version.
///
/// # Safety
///
/// As `eticket_venue_accept_key_set`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_venue_accept_revocation_delta(
    venue: *mut eticket_venue,
    data: *const u8,
    len: usize,
    now: u64,
    out_version: *mut u64,
) -> eticket_result {
    // SAFETY: the caller's contract is `accept`'s.
    unsafe {
        accept(
            venue,
            data,
            len,
            now,
            out_version,
            Material::RevocationDelta,
        )
    }
}

/// Take a signed root rollover: verified with the root the venue trusts
/// now, it makes the new root the one key sets must be signed with (the
/// old root is trusted no more), and is kept in the entry log so a restart
/// keeps the new root. The new root's key id goes to `*out_root_key_id`
/// (may be NULL). A rollover already taken, sent again, returns OK and
/// changes nothing. The new root's first key set is taken at any version up
/// to 1,000,000 past the installed one, lower included, so a rollover also
/// undoes a version a stolen old root pushed ahead.
///
/// # Safety
///
/// `venue` is a live handle used by no other thread during the call;
/// `(data, len)` readable; `out_root_key_id` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_venue_accept_root_rollover(
    venue: *mut eticket_venue,
    data: *const u8,
    len: usize,
    now: u64,
    out_root_key_id: *mut u16,
) -> eticket_result {
    boundary(|| {
        let out = if out_root_key_id.is_null() {
            None
        } else {
            Some(Out::new(out_root_key_id)?)
        };
        // SAFETY: a live handle and readable bytes by the caller's contract.
        let (unit, signed) = unsafe { (eticket_venue::as_mut(venue)?, bytes(data, len)?) };
        let root = unit.accept_root_rollover(signed, Timestamp(now))?;
        if let Some(out) = out {
            // SAFETY: writable by the caller's contract.
            unsafe { out.write(root.0) };
        }
        Ok(())
    })
}

/// Open gate `gate_id` of the venue as device `device_name` (logged with
/// every scan), with its own connection to the entry log.
///
/// On success free `*out` with `eticket_gate_free`.
///
/// # Safety
///
/// `venue` is a live handle; `device_name` a NUL-terminated string; `out`
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_venue_open_gate(
    venue: *const eticket_venue,
    gate_id: u16,
    device_name: *const c_char,
    out: *mut *mut eticket_gate,
) -> eticket_result {
    boundary(|| {
        let out = Out::new(out)?;
        // SAFETY: a live handle and a NUL-terminated string by the contract.
        let (unit, device) = unsafe { (eticket_venue::as_ref(venue)?, string(device_name)?) };
        let gate = unit.gate(GateId(gate_id), device)?;
        // SAFETY: writable by the caller's contract.
        unsafe { out.write(eticket_gate::into_raw(gate)) };
        Ok(())
    })
}

/// Free a venue unit; NULL is ignored. Its gates stay usable.
///
/// # Safety
///
/// `venue` is NULL or a live handle, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_venue_free(venue: *mut eticket_venue) {
    // SAFETY: NULL or a live handle freed once, by the caller's contract.
    boundary_void(|| unsafe { eticket_venue::free(venue) });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{eticket_key_set_free, eticket_key_set_load};
    use crate::revocation::{eticket_revocation_list_free, eticket_revocation_list_load};
    use eticket_core::fixtures::{self, NOW};
    use eticket_core::ids::KeyId;
    use eticket_core::keys::SigningKeyPair;
    use eticket_core::revocation::RevocationList;
    use eticket_core::rollover::RootRollover;
    use std::ffi::CString;
    use std::ptr::{null, null_mut};

    #[test]
    fn settings_defaults_and_limits_cross_the_abi() {
        let mut s = std::mem::MaybeUninit::uninit();
        // SAFETY: a local to write to.
        let r = unsafe { eticket_venue_settings_default(s.as_mut_ptr()) };
        assert_eq!(r, eticket_result::Ok);
        // SAFETY: written on success.
        let s = unsafe { s.assume_init() };
        assert_eq!(
            (s.stale_policy, s.max_list_age_seconds, s.max_answer_ms),
            (
                eticket_stale_policy::FailClosedTransferred as u32,
                86_400,
                1000
            )
        );
        assert_eq!(
            Settings::try_from(&s).unwrap(),
            Settings::new(PassbackPolicy::SingleEntry)
        );
        let all = eticket_venue_settings {
            stale_policy: eticket_stale_policy::FailClosedAll as u32,
            max_list_age_seconds: 3600,
            max_answer_ms: 400,
            ..s
        };
        let back = Settings::try_from(&all).unwrap();
        assert_eq!(
            (back.stale_policy, back.max_list_age, back.max_answer_ms),
            (StalePolicy::FailClosedAll, 3600, 400)
        );
        assert_eq!(eticket_venue_settings::from_settings(&back), all);
        let bad = eticket_venue_settings {
            stale_policy: 2,
            ..s
        };
        assert_eq!(
            Settings::try_from(&bad),
            Err(eticket_result::InvalidParameter)
        );
    }

    #[test]
    #[cfg_attr(miri, ignore = "SQLite is C code and P-256 is far too slow under Miri")]
    fn a_root_rollover_through_the_abi() {
        let dir = tempfile::tempdir().unwrap();
        let old = fixtures::root_key();
        let new = SigningKeyPair::from_secret_bytes(KeyId(101), &[0x71; 32]).unwrap();
        let pk = old.public_key().to_uncompressed();
        let keys_v1 = fixtures::key_set().to_signed_bytes(&old).unwrap();
        let list = RevocationList::new(fixtures::EVENT, 0, NOW, vec![])
            .unwrap()
            .to_signed_bytes(&fixtures::list_key())
            .unwrap();
        let rollover = RootRollover {
            new_id: new.id(),
            new_public: new.public_key(),
            issued_at: NOW,
        }
        .to_signed_bytes(&old)
        .unwrap();
        let other = SigningKeyPair::from_secret_bytes(KeyId(102), &[0x72; 32]).unwrap();
        let other_rollover = RootRollover {
            new_id: other.id(),
            new_public: other.public_key(),
            issued_at: NOW,
        }
        .to_signed_bytes(&old)
        .unwrap();
        let mut v2 = fixtures::key_set();
        v2.version = 2;
        let by_old = v2.to_signed_bytes(&old).unwrap();
        let by_new = v2.to_signed_bytes(&new).unwrap();
        let event = serde_json::to_vec(&fixtures::small_event()).unwrap();
        let log = CString::new(dir.path().join("e.db").to_str().unwrap()).unwrap();
        let (mut keys, mut revocations, mut venue) = (null_mut(), null_mut(), null_mut());
        // SAFETY: every pointer is a live local of the length given; each
        // handle is freed once at the end.
        unsafe {
            let ok = eticket_result::Ok;
            let r = eticket_key_set_load(
                keys_v1.as_ptr(),
                keys_v1.len(),
                100,
                pk.as_ptr(),
                65,
                &mut keys,
            );
            assert_eq!(r, ok);
            let r = eticket_revocation_list_load(
                list.as_ptr(),
                list.len(),
                keys,
                NOW.0,
                &mut revocations,
            );
            assert_eq!(r, ok);
            let r = eticket_venue_open(
                log.as_ptr(),
                event.as_ptr(),
                event.len(),
                keys,
                revocations,
                null(),
                &mut venue,
            );
            assert_eq!(r, ok);
            let mut root = 0u16;
            assert_eq!(
                eticket_venue_accept_root_rollover(
                    null_mut(),
                    rollover.as_ptr(),
                    rollover.len(),
                    NOW.0,
                    &mut root
                ),
                eticket_result::NullParameter
            );
            assert_eq!(
                eticket_venue_accept_root_rollover(
                    venue,
                    rollover.as_ptr(),
                    rollover.len(),
                    NOW.0,
                    &mut root
                ),
                ok
            );
            assert_eq!(root, 101);
            // The same rollover again (a resend) is taken without change.
            let mut again = 0u16;
            assert_eq!(
                eticket_venue_accept_root_rollover(
                    venue,
                    rollover.as_ptr(),
                    rollover.len(),
                    NOW.0,
                    &mut again
                ),
                ok
            );
            assert_eq!(again, 101);
            // Another rollover signed by the root the venue no longer trusts:
            // refused.
            assert_eq!(
                eticket_venue_accept_root_rollover(
                    venue,
                    other_rollover.as_ptr(),
                    other_rollover.len(),
                    NOW.0,
                    null_mut()
                ),
                eticket_result::UnknownKey
            );
            let mut version = 0;
            assert_eq!(
                eticket_venue_accept_key_set(
                    venue,
                    by_old.as_ptr(),
                    by_old.len(),
                    NOW.0,
                    &mut version
                ),
                eticket_result::UnknownKey
            );
            assert_eq!(
                eticket_venue_accept_key_set(
                    venue,
                    by_new.as_ptr(),
                    by_new.len(),
                    NOW.0,
                    &mut version
                ),
                ok
            );
            assert_eq!(version, 2);
            eticket_venue_free(venue);
            eticket_revocation_list_free(revocations);
            eticket_key_set_free(keys);
        }
    }
}
