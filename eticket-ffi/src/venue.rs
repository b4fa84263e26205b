//! The venue unit: one event's admission context (event information, trust,
//! anti-passback policy) over the shared SQLite entry log; gates are opened
//! from it.

use std::ffi::c_char;

use ::eticket_gate::{PassbackPolicy, Settings, TrustStore, VenueUnit};
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

/// How a venue admits. Start from `eticket_venue_settings_default`.
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
}

impl Default for eticket_venue_settings {
    fn default() -> Self {
        let s = Settings::new(PassbackPolicy::SingleEntry);
        Self {
            policy: eticket_passback::SingleEntry as u32,
            max_entries: 0,
            clock_skew_seconds: s.clock_skew,
            accept_specimen: u8::from(s.accept_specimen),
        }
    }
}

impl TryFrom<&eticket_venue_settings> for Settings {
    type Error = eticket_result;
    fn try_from(s: &eticket_venue_settings) -> Result<Self, eticket_result> {
        let policy = match s.policy {
            0 => PassbackPolicy::SingleEntry,
            1 => PassbackPolicy::ReentryAfterExit,
            2 => PassbackPolicy::Entries(s.max_entries),
            _ => return Err(eticket_result::InvalidParameter),
        };
        Ok(Settings {
            clock_skew: s.clock_skew_seconds,
            accept_specimen: s.accept_specimen != 0,
            ..Settings::new(policy)
        })
    }
}

/// The default settings (single entry, two minutes of clock skew, no
/// specimens) into `*out`.
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

/// Open gate `gate_id` of the venue as device `device_name` (logged with
/// every scan), with its own connection to the entry log.
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
