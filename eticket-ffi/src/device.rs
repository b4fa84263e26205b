//! A gate device of a networked venue: its gate verifies tickets here and
//! asks the venue unit (`eticket-venue serve`) for every passback decision;
//! when the unit does not answer within the deadline it decides alone under
//! the venue's offline policy and keeps the scan for the unit.

use std::ffi::c_char;
use std::time::Duration;

use ::eticket_gate::venue::{Device, DeviceConfig, DeviceCredential};
use eticket_core::crypto::PublicKey;
use eticket_core::ids::KeyId;
use eticket_core::time::Timestamp;

use crate::ffi::{BoxHandle, Out, bytes, string};
use crate::gate::{eticket_gate, eticket_outcome};
use crate::panic::boundary;
use crate::result::eticket_result;
use crate::venue::eticket_venue;

/// Longest device credential accepted, in bytes of JSON.
pub const ETICKET_MAX_CREDENTIAL_LEN: usize = 4096;

/// How a gate device reaches its venue unit. Start from
/// `eticket_device_config_init`, then set the strings and the root key.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct eticket_device_config {
    /// The unit's address, `host:port` (NUL-terminated).
    pub unit_address: *const c_char,
    /// The device's credential as `eticket-venue new-device` printed it:
    /// JSON with its name, gate and secret (NUL-terminated).
    pub credential_json: *const c_char,
    /// The center's root key id.
    pub root_key_id: u16,
    /// The root public key, uncompressed SEC1 (65 bytes).
    pub root_public_key: *const u8,
    /// Its length.
    pub root_public_key_len: usize,
    /// The device's own entry log (a SQLite file; NUL-terminated path).
    pub log_path: *const c_char,
    /// Longest wait for the unit's answer to a scan before deciding alone,
    /// in milliseconds (default 300).
    pub deadline_ms: u32,
    /// After a failure, how long the device decides alone before trying
    /// the unit again, in milliseconds (default 2000; 0 tries at every scan).
    pub retry_after_ms: u32,
}

/// Where a device stands with its venue unit.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct eticket_sync_status {
    /// The unit answered.
    pub online: bool,
    /// Scans the unit has not confirmed yet.
    pub pending: u64,
    /// Trust items (key sets, lists) taken from the unit now.
    pub trust_applied: u32,
    /// Trust items the unit offered that did not verify here, since the
    /// device was opened (not 0: a unit of another center, or tampered with).
    pub trust_refused: u32,
}

/// The defaults into `*out`: no address, credential, root or log yet;
/// a 300 ms deadline; a retry every 2 s.
///
/// # Safety
///
/// `out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_device_config_init(
    out: *mut eticket_device_config,
) -> eticket_result {
    boundary(|| {
        let out = Out::new(out)?;
        let config = eticket_device_config {
            unit_address: std::ptr::null(),
            credential_json: std::ptr::null(),
            root_key_id: 0,
            root_public_key: std::ptr::null(),
            root_public_key_len: 0,
            log_path: std::ptr::null(),
            deadline_ms: 300,
            retry_after_ms: 2000,
        };
        // SAFETY: writable by the caller's contract.
        unsafe { out.write(config) };
        Ok(())
    })
}

/// Open a gate device: connect to the unit (or, when it does not answer,
/// start from what an earlier run kept in the device's log), take the
/// event, the venue's settings and the trust material from it (verified
/// with the root key here), and hand out the device's own venue (its log
/// and trust; free with `eticket_venue_free`) and its gate (admit with the
/// `eticket_gate_*` functions; free with `eticket_gate_free`). Either may
/// be freed first.
///
/// Errors: `ETICKET_RESULT_VENUE_UNREACHABLE` when the unit does not answer
/// and the log holds nothing from before, `ETICKET_RESULT_VENUE_REFUSED`
/// when the unit does not know the device, `ETICKET_RESULT_VENUE_PROTOCOL`
/// when the other end does not prove it holds the device's secret.
///
/// # Safety
///
/// `config` points to a readable config whose pointers are valid as its
/// fields say; `venue_out` and `gate_out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_device_open(
    config: *const eticket_device_config,
    now: u64,
    venue_out: *mut *mut eticket_venue,
    gate_out: *mut *mut eticket_gate,
) -> eticket_result {
    boundary(|| {
        let venue_out = Out::new(venue_out)?;
        let gate_out = Out::new(gate_out)?;
        // SAFETY: readable by the caller's contract.
        let c = unsafe { config.as_ref() }.ok_or(eticket_result::NullParameter)?;
        // SAFETY: each pointer is valid for its use by the caller's contract.
        let (address, credential, root, log) = unsafe {
            (
                string(c.unit_address)?,
                string(c.credential_json)?,
                bytes(c.root_public_key, c.root_public_key_len)?,
                string(c.log_path)?,
            )
        };
        if credential.len() > ETICKET_MAX_CREDENTIAL_LEN {
            return Err(eticket_result::InputTooLarge);
        }
        let credential: DeviceCredential =
            serde_json::from_str(credential).map_err(|_| eticket_result::Malformed)?;
        let root = PublicKey::from_sec1(root).map_err(|_| eticket_result::InvalidKey)?;
        let mut config = DeviceConfig::new(address, credential, KeyId(c.root_key_id), root, log);
        config.deadline = Duration::from_millis(u64::from(c.deadline_ms));
        config.retry_after = Duration::from_millis(u64::from(c.retry_after_ms));
        let (unit, gate) = Device::open(config, Timestamp(now))?.into_parts();
        // SAFETY: both writable by the caller's contract.
        unsafe {
            venue_out.write(eticket_venue::into_raw(unit));
            gate_out.write(eticket_gate::into_raw(gate));
        }
        Ok(())
    })
}

/// For a gate opened with `eticket_device_open`: reach the unit if it is
/// away, send every scan it has not confirmed, take its newer trust
/// material; where the device stands into `*out`. Call it every few seconds
/// while no one is at the gate. A gate of an in-process venue reports
/// itself online with nothing pending.
///
/// # Safety
///
/// `gate` is a live handle used by no other thread during the call; `out`
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_gate_sync(
    gate: *mut eticket_gate,
    now: u64,
    out: *mut eticket_sync_status,
) -> eticket_result {
    boundary(|| {
        let out = Out::new(out)?;
        // SAFETY: a live, unshared handle by the caller's contract.
        let gate = unsafe { eticket_gate::as_mut(gate)? };
        let s = gate.sync(Timestamp(now))?;
        let status = eticket_sync_status {
            online: s.online,
            pending: s.pending,
            trust_applied: s.trust_applied,
            trust_refused: s.trust_refused,
        };
        // SAFETY: writable by the caller's contract.
        unsafe { out.write(status) };
        Ok(())
    })
}

/// Whether the scan was decided by the gate device alone, its venue unit
/// not answering in time (the steward is told; the scan reaches the unit
/// later), into `*out`.
///
/// # Safety
///
/// `outcome` is a live handle; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_outcome_offline(
    outcome: *const eticket_outcome,
    out: *mut bool,
) -> eticket_result {
    boundary(|| {
        let out = Out::new(out)?;
        // SAFETY: a live handle by the caller's contract.
        let outcome = unsafe { eticket_outcome::as_ref(outcome)? };
        // SAFETY: writable by the caller's contract.
        unsafe { out.write(outcome.offline) };
        Ok(())
    })
}
