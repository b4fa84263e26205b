//! The event-venue management unit (c55, c58): one event, its trust store,
//! its anti-passback policy and the shared entry log that every gate writes.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use eticket_core::admission::PlaceIndex;
use eticket_core::crypto::SecretKey;
use eticket_core::event::EventInfo;
use eticket_core::ids::{GateId, Generation, KeyId};
use eticket_core::revocation::RevocationList;
use eticket_core::time::Timestamp;

use crate::entry_log::{Cursor, EntryLog};
use crate::gate::Gate;
use crate::passback::PassbackPolicy;
use crate::record::EntryRecord;
use crate::trust::{Freshness, TrustStore};
use crate::upload::UploadBatch;
use crate::venue::feed;
use crate::venue::protocol::TrustKind;
use crate::{Error, Result};

/// What the gates do while the revocation list or the key set is past its
/// `next_update` (the center promised a newer one by then and the unit has
/// not received it: the network is down, or someone keeps it from the unit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum StalePolicy {
    /// Refuse every ticket.
    FailClosedAll,
    /// Refuse the tickets of generation 1 and up, which are exactly the
    /// transferred ones: the revocation of the generation a transfer
    /// replaced, or a later transfer of it, may be what the unit missed.
    /// Tickets still with their first holder are admitted.
    #[default]
    FailClosedTransferred,
}

/// What a gate does with a valid ticket whose place is reached through
/// another gate of the venue (c59).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum WrongGatePolicy {
    /// Admit, and flag it: the outcome says which gate the place is through
    /// (`Outcome::wrong_gate`), so the steward sends the person on.
    #[default]
    AdmitAndRedirect,
    /// Refuse ([`Refusal::WrongGate`](crate::Refusal::WrongGate)): the
    /// person goes to the right gate first.
    Refuse,
}

/// What a gate device admits while it cannot reach the venue unit (its
/// own log is all it knows, so a ticket admitted at another device meanwhile
/// may enter again: the unit reports such double admissions when the
/// device's scans reach it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum OfflinePolicy {
    /// Chip tickets only: a chip proves itself and is one card, while a
    /// paper ticket can be copied and shown at every device of a cut-off
    /// venue. Paper is refused
    /// ([`Refusal::RefusedOffline`](crate::Refusal::RefusedOffline)).
    #[default]
    ChipOnly,
    /// Chip and paper tickets.
    AdmitAll,
    /// Nothing: every admission needs the unit.
    RefuseAll,
}

impl OfflinePolicy {
    /// Whether an otherwise admissible ticket on `paper` (or a chip) is
    /// refused while the device decides alone.
    ///
    /// ```
    /// use eticket_gate::OfflinePolicy;
    /// assert!(OfflinePolicy::ChipOnly.refuses(true));
    /// assert!(!OfflinePolicy::ChipOnly.refuses(false));
    /// assert!(OfflinePolicy::RefuseAll.refuses(false));
    /// ```
    pub fn refuses(self, paper: bool) -> bool {
        match self {
            OfflinePolicy::ChipOnly => paper,
            OfflinePolicy::AdmitAll => false,
            OfflinePolicy::RefuseAll => true,
        }
    }
}

impl StalePolicy {
    /// Whether a ticket of `generation` is refused while the material is
    /// stale.
    ///
    /// ```
    /// use eticket_core::ids::Generation;
    /// use eticket_gate::StalePolicy;
    /// assert!(!StalePolicy::FailClosedTransferred.refuses(Generation(0)));
    /// assert!(StalePolicy::FailClosedTransferred.refuses(Generation(1)));
    /// assert!(StalePolicy::FailClosedAll.refuses(Generation(0)));
    /// ```
    pub fn refuses(self, generation: Generation) -> bool {
        match self {
            StalePolicy::FailClosedAll => true,
            StalePolicy::FailClosedTransferred => generation.0 >= 1,
        }
    }
}

/// Default for [`Settings::max_list_age`]: a day.
pub const DEFAULT_MAX_LIST_AGE: u64 = 86_400;

/// Default for [`Settings::max_answer_ms`]: one second (real cards answer
/// in 100 to 300 ms).
pub const DEFAULT_MAX_ANSWER_MS: u64 = 1000;

/// How a unit admits: the venue's one policy, which a venue unit also hands
/// to every gate device that connects to it over the network
/// ([`venue`](crate::venue)). Read from JSON, a field left out keeps its
/// default ([`Settings::default`]: single entry).
///
/// ```
/// use eticket_gate::{OfflinePolicy, PassbackPolicy, Settings};
/// let s: Settings = serde_json::from_str(r#"{"offline": "AdmitAll", "clock_skew": 60}"#).unwrap();
/// assert_eq!((s.offline, s.clock_skew), (OfflinePolicy::AdmitAll, 60));
/// assert_eq!(s.policy, PassbackPolicy::SingleEntry);
/// assert!(serde_json::from_str::<Settings>(r#"{"ofline": "AdmitAll"}"#).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Anti-passback policy.
    pub policy: PassbackPolicy,
    /// Seconds of clock difference tolerated at both ends of a ticket's
    /// validity window.
    pub clock_skew: u64,
    /// Whether specimen tickets are admitted (rehearsals).
    pub accept_specimen: bool,
    /// What to refuse while the revocation list or key set is stale.
    pub stale_policy: StalePolicy,
    /// Oldest revocation list, in seconds since the center signed it
    /// (`issued_at`; a renewal signs it again), that the unit admits with.
    /// With an older one, and with the empty list a unit starts with, every
    /// ticket is refused ([`Refusal::RevocationListTooOld`](crate::Refusal::RevocationListTooOld))
    /// until a fresh list is accepted. Checked at every scan, so it is also
    /// the longest a unit keeps admitting without hearing from the center.
    /// `u64::MAX` switches the bound off.
    pub max_list_age: u64,
    /// Longest a chip may take to answer the gate's challenge, in
    /// milliseconds of the gate's [`MonotonicClock`](crate::clock::MonotonicClock);
    /// a slower answer is refused
    /// ([`Refusal::AnswerTooSlow`](crate::Refusal::AnswerTooSlow)), because
    /// a relay to a card elsewhere adds its round trip.
    pub max_answer_ms: u64,
    /// Admit only chips that hold the center's certificate of their key
    /// (GET CERTIFICATE, verified with the key set): a chip with a key of
    /// anyone else's making is refused
    /// ([`Refusal::ChipNotCertified`](crate::Refusal::ChipNotCertified)).
    /// Off by default: turn it on where every card was personalized by the
    /// center (`eticket chip personalize` writes the certificate).
    pub require_certificate: bool,
    /// A valid ticket for a place behind another gate: admitted and flagged
    /// (the default), or refused.
    pub wrong_gate: WrongGatePolicy,
    /// What a networked gate device admits while its venue unit does not
    /// answer (chip tickets only, by default).
    pub offline: OfflinePolicy,
}

impl Default for Settings {
    /// [`Settings::new`] with [`PassbackPolicy::SingleEntry`].
    fn default() -> Self {
        Self::new(PassbackPolicy::SingleEntry)
    }
}

impl Settings {
    /// `policy` with a two-minute clock skew, no specimens, transferred
    /// tickets refused while the trust material is stale, lists at most
    /// [`DEFAULT_MAX_LIST_AGE`] old and chip answers within
    /// [`DEFAULT_MAX_ANSWER_MS`].
    pub fn new(policy: PassbackPolicy) -> Self {
        Self {
            policy,
            clock_skew: 120,
            accept_specimen: false,
            stale_policy: StalePolicy::default(),
            max_list_age: DEFAULT_MAX_LIST_AGE,
            max_answer_ms: DEFAULT_MAX_ANSWER_MS,
            require_certificate: false,
            wrong_gate: WrongGatePolicy::AdmitAndRedirect,
            offline: OfflinePolicy::ChipOnly,
        }
    }
}

/// What every gate of a unit shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub event: EventInfo,
    /// The venue's time zone name, for the times on screens.
    pub zone: Arc<str>,
    /// The event's seats, indexed once for the admission checks.
    pub places: PlaceIndex,
    pub settings: Settings,
    trust: RwLock<TrustStore>,
}

impl Shared {
    pub(crate) fn trust_read(&self) -> RwLockReadGuard<'_, TrustStore> {
        // The store is replaced whole under the lock, so a panicked writer
        // cannot leave it half-updated: the poison flag carries no meaning.
        self.trust
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn trust_write(&self) -> RwLockWriteGuard<'_, TrustStore> {
        self.trust
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

const KEY_SET: &str = "key_set";
const KEY_SET_RECEIVED: &str = "key_set_received";
const REVOCATIONS: &str = "revocations";
const REVOCATIONS_RECEIVED: &str = "revocations_received";
const ROOT_ROLLOVERS: &str = "root_rollovers";
const UNIT_KEY: &str = "unit_signing_key";

/// A venue unit: open it once per event on the venue's server, then hand a
/// [`Gate`] to each gate device.
///
/// ```
/// use eticket_core::{fixtures, ids::*, revocation::RevocationList};
/// use eticket_gate::{PassbackPolicy, TrustStore, VenueUnit};
/// let dir = tempfile::tempdir().unwrap();
/// let event = fixtures::small_event();
/// let root = fixtures::root_key();
/// // The event's revocation list as the center signed it just now (a unit
/// // admits nothing with a list older than `Settings::max_list_age`).
/// let list = RevocationList::new(event.id, 0, fixtures::NOW, vec![]).unwrap();
/// let trust = TrustStore::with(root.id(), root.public_key(), fixtures::key_set(), list);
/// let unit = VenueUnit::open(dir.path().join("entries.db"), event, trust,
///     PassbackPolicy::SingleEntry).unwrap();
/// let mut gate = unit.gate(GateId(1), "north-1").unwrap();
/// let paper = fixtures::paper_ticket(TicketSerial(5)).sign(&fixtures::ticket_key()).unwrap();
/// assert!(gate.admit_paper(paper.as_bytes(), fixtures::NOW).unwrap().is_admitted());
/// let copy = gate.admit_paper(paper.as_bytes(), fixtures::NOW).unwrap();
/// assert_eq!(copy.refusal(), Some(eticket_gate::Refusal::PaperAlreadyUsed));
/// ```
#[derive(Debug)]
pub struct VenueUnit {
    shared: Arc<Shared>,
    log: EntryLog,
    path: PathBuf,
}

impl VenueUnit {
    /// Open (or create) the unit's entry log at `path` for `event`, with the
    /// default [`Settings`] for `policy`. Trust material stored by an earlier
    /// run is taken when it is newer than `trust`.
    pub fn open(
        path: impl AsRef<Path>,
        event: EventInfo,
        trust: TrustStore,
        policy: PassbackPolicy,
    ) -> Result<Self> {
        Self::open_with(path, event, trust, Settings::new(policy))
    }

    /// [`open`](Self::open) with explicit settings.
    pub fn open_with(
        path: impl AsRef<Path>,
        event: EventInfo,
        trust: TrustStore,
        settings: Settings,
    ) -> Result<Self> {
        if settings.policy == PassbackPolicy::Entries(0) {
            return Err(Error::Config(
                "an entries policy needs at least one entry per ticket",
            ));
        }
        let log = EntryLog::open(path.as_ref(), event.id)?;
        let mut trust = trust.for_event(event.id)?;
        // Signed material the caller accepted itself starts the feed its
        // gate devices read (a feed with items is left as it is).
        log.put_meta(&feed::seed(&log, &trust)?)?;
        restore_trust(&log, &mut trust)?;
        Ok(Self {
            shared: Arc::new(Shared {
                places: PlaceIndex::new(&event.seats),
                zone: Arc::from(event.venue.time_zone.as_str()),
                event,
                settings,
                trust: RwLock::new(trust),
            }),
            log,
            path: path.as_ref().to_path_buf(),
        })
    }

    /// A gate device with its own connection to the entry log, timing chip
    /// answers with the system's monotonic clock (another clock:
    /// [`Gate::with_answer_clock`]).
    pub fn gate(&self, id: GateId, device: &str) -> Result<Gate> {
        if self.shared.event.venue.gate(id).is_none() {
            return Err(Error::Config("the venue has no gate with this id"));
        }
        let log = EntryLog::open(&self.path, self.shared.event.id)?;
        Ok(Gate::new(id, device, log, Arc::clone(&self.shared)))
    }

    /// The event.
    pub fn event(&self) -> &EventInfo {
        &self.shared.event
    }

    /// The settings.
    pub fn settings(&self) -> Settings {
        self.shared.settings
    }

    /// The unit's own connection to the entry log (queries, export).
    pub fn log(&self) -> &EntryLog {
        &self.log
    }

    /// Every record of the log.
    pub fn records(&self) -> Result<Vec<EntryRecord>> {
        self.log.records()
    }

    /// How old the key set and revocation list are.
    pub fn freshness(&self, now: Timestamp) -> Freshness {
        self.shared.trust_read().freshness(now)
    }

    /// Take a newer signed key set from the center and keep it in the log.
    pub fn accept_key_set(&self, signed: &[u8], now: Timestamp) -> Result<u64> {
        self.update_trust(now, (TrustKind::KeySet, signed), |t| {
            t.accept_key_set(signed, now)
        })
    }

    /// Take a newer signed revocation list and keep it in the log.
    pub fn accept_revocation_list(&self, signed: &[u8], now: Timestamp) -> Result<u64> {
        self.update_trust(now, (TrustKind::RevocationList, signed), |t| {
            t.accept_revocation_list(signed, now)
        })
    }

    /// Apply a signed revocation delta and keep the result in the log.
    pub fn accept_revocation_delta(&self, signed: &[u8], now: Timestamp) -> Result<u64> {
        self.update_trust(now, (TrustKind::RevocationDelta, signed), |t| {
            t.accept_revocation_delta(signed, now)
        })
    }

    /// Take a signed root rollover (verified with the current root) and keep
    /// it in the log, so the unit trusts the new root, and no longer the old
    /// one, after a restart too. Returns the new root's id.
    pub fn accept_root_rollover(&self, signed: &[u8], now: Timestamp) -> Result<KeyId> {
        self.update_trust(now, (TrustKind::Rollover, signed), |t| {
            t.accept_root_rollover(signed, now)
        })
    }

    /// Take newer trust material that another unit on the same file (another
    /// gate server of the venue) has accepted and stored since this one
    /// opened.
    pub fn reload_trust(&self) -> Result<()> {
        let mut guard = self.shared.trust_write();
        let mut next = guard.clone();
        restore_trust(&self.log, &mut next)?;
        *guard = next;
        Ok(())
    }

    fn update_trust<T>(
        &self,
        now: Timestamp,
        item: (TrustKind, &[u8]),
        change: impl FnOnce(&mut TrustStore) -> Result<T>,
    ) -> Result<T> {
        update_trust(&self.shared, &self.log, now, item, change)
    }

    /// The signed trust material this unit accepted, in the order to apply
    /// it, after feed position `after` (what it hands its gate devices).
    pub fn trust_feed(&self, after: u64) -> Result<Vec<crate::venue::protocol::TrustItem>> {
        feed::since(&self.log, after)
    }

    /// Every ticket admitted more often than the venue's policy allows by
    /// devices that decided apart (see [`venue`](crate::venue)).
    pub fn conflicts(&self) -> Result<Vec<crate::entry_log::Conflict>> {
        self.log.conflicts()
    }

    /// The unit's statistics (c60) from its own log, with the double
    /// admissions it found, for the tickets the center `issued` (empty when
    /// the unit does not know them: no-shows are then not counted).
    pub fn statistics(
        &self,
        issued: impl IntoIterator<Item = crate::record::TicketFacts>,
    ) -> Result<crate::Statistics> {
        Ok(
            crate::Statistics::compute(&self.shared.event, &self.log.records()?, issued)
                .with_conflicts(self.log.conflicts()?),
        )
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The records not yet confirmed by the center, at most `limit` (and at
    /// most [`MAX_BATCH_RECORDS`](crate::upload::MAX_BATCH_RECORDS), and no
    /// more than fit in [`MAX_BATCH_LEN`](crate::upload::MAX_BATCH_LEN)), as
    /// an upload batch. Nothing is marked: call
    /// [`confirm_upload`](Self::confirm_upload) once the center stored it.
    pub fn pending_upload(&self, unit_name: &str, limit: usize) -> Result<UploadBatch> {
        // The center registers units under names of 1 to 64 bytes: another
        // name would only be refused at upload.
        if unit_name.is_empty() || unit_name.len() > crate::record::MAX_DEVICE_LEN {
            return Err(Error::Config("a unit name is 1 to 64 bytes"));
        }
        let from = self.log.upload_cursor()?;
        let limit = limit.min(crate::upload::MAX_BATCH_RECORDS);
        // Room for the double admissions the batch reports, as many as
        // there are records at most.
        let budget = crate::upload::MAX_BATCH_LEN
            - crate::upload::MAX_BATCH_OVERHEAD
            - limit * (crate::upload::CONFLICT_LEN + 1);
        let (records, to) = self.log.export_within(from, limit, budget)?;
        let conflicts = self.log.unreported_conflicts(to.0, limit)?;
        Ok(
            UploadBatch::new(unit_name, self.shared.event.id, from, to, records)?
                .with_conflicts(conflicts)?,
        )
    }

    /// The unit's own signing key for its upload batches: made from the
    /// operating system's random source on first use and kept in the entry
    /// log (so every gate server on the same file signs as the same unit).
    /// Register its public half with the unit's credential at the center.
    pub fn signing_key(&self) -> Result<SecretKey> {
        signing_key_in(&self.log)
    }

    /// The public half of [`signing_key`](Self::signing_key), uncompressed
    /// SEC1 (65 bytes), to register with the center.
    pub fn public_key(&self) -> Result<[u8; 65]> {
        Ok(self.signing_key()?.public_key().to_uncompressed())
    }

    /// [`pending_upload`](Self::pending_upload), encoded and signed with the
    /// unit's key: the bytes to send to the center. Call
    /// [`confirm_upload`](Self::confirm_upload) with the batch once the center
    /// stored it.
    pub fn signed_upload(&self, unit_name: &str, limit: usize) -> Result<(UploadBatch, Vec<u8>)> {
        let batch = self.pending_upload(unit_name, limit)?;
        let bytes = crate::signed_batch::sign_batch(&batch, &self.signing_key()?)?;
        Ok((batch, bytes))
    }

    /// Mark a batch (its scans and the double admissions it reported) as
    /// stored by the center.
    pub fn confirm_upload(&self, batch: &UploadBatch) -> Result<()> {
        self.log.conflicts_reported(&batch.conflicts)?;
        self.log.set_upload_cursor(Cursor(batch.to_cursor))
    }
}

/// The unit key kept in `log`, made on first use.
fn signing_key_in(log: &EntryLog) -> Result<SecretKey> {
    let fresh = SecretKey::generate(&mut rand_core::OsRng).to_bytes();
    let stored = log.meta_or_insert(UNIT_KEY, &fresh)?;
    SecretKey::from_bytes(&stored)
        .map_err(|_| Error::Config("the entry log's unit key is not a P-256 key"))
}

/// The public half of the signing key of the unit whose entry log for
/// `event` is at `path` (made, with the log, on first use): what the
/// center registers the unit with, before the unit has its event and
/// trust material.
pub fn unit_public_key(
    path: impl AsRef<Path>,
    event: eticket_core::ids::EventId,
) -> Result<[u8; 65]> {
    let log = EntryLog::open(path, event)?;
    Ok(signing_key_in(&log)?.public_key().to_uncompressed())
}

fn restore_trust(log: &EntryLog, trust: &mut TrustStore) -> Result<()> {
    let time = |key| -> Result<Option<Timestamp>> {
        Ok(log
            .get_meta(key)?
            .and_then(|b| <[u8; 8]>::try_from(b.as_slice()).ok())
            .map(|b| Timestamp(u64::from_be_bytes(b))))
    };
    // The stored key set may have been signed by the configured root or by
    // any root a stored rollover handed over to: try it with each root in
    // turn, replaying the rollovers in the order they were taken. A rollover
    // signed by a root this unit no longer starts from (its configuration
    // already names a later root) does not verify and is skipped.
    let mut keys = match log.get_meta(KEY_SET)? {
        Some(bytes) => Some((bytes, time(KEY_SET_RECEIVED)?)),
        None => None,
    };
    let mut refused = None;
    restore_key_set(trust, &mut keys, &mut refused)?;
    let rollovers: Vec<(Vec<u8>, Timestamp)> = match log.get_meta(ROOT_ROLLOVERS)? {
        Some(bytes) => postcard::from_bytes(&bytes).map_err(|e| Error::CorruptLog {
            what: "unit.root_rollovers",
            detail: e.to_string(),
        })?,
        None => Vec::new(),
    };
    let mut skipped = false;
    for (bytes, received) in rollovers {
        if trust.accept_root_rollover(&bytes, received).is_ok() {
            restore_key_set(trust, &mut keys, &mut refused)?;
        } else {
            skipped = true;
        }
    }
    if keys.is_some() {
        if let Some(e) = refused {
            // The configuration names a root past a stored rollover, and the
            // stored set was signed by a root before it: no root the unit
            // trusts vouches for it any more, so it waits for the center's
            // next set. Otherwise the stored set is damaged: an error.
            if !skipped {
                return Err(e);
            }
        }
    }
    if let Some(bytes) = log.get_meta(REVOCATIONS)? {
        let stored: RevocationList =
            postcard::from_bytes(&bytes).map_err(|e| Error::CorruptLog {
                what: "unit.revocations",
                detail: e.to_string(),
            })?;
        // Re-sort through the constructor: the stored order is not trusted.
        let list = RevocationList::new(
            stored.event,
            stored.version,
            stored.issued_at,
            stored.entries().to_vec(),
        )
        .map_err(|e| Error::CorruptLog {
            what: "unit.revocations",
            detail: e.to_string(),
        })?
        .with_next_update(stored.next_update);
        trust.adopt_revocations(list, time(REVOCATIONS_RECEIVED)?);
    }
    Ok(())
}

/// Install the stored key set `pending` if the store's current root verifies
/// it; it is done with (`None`) once installed or when the installed set is
/// as new. A signature that does not verify is remembered in `refused`.
fn restore_key_set(
    trust: &mut TrustStore,
    pending: &mut Option<(Vec<u8>, Option<Timestamp>)>,
    refused: &mut Option<Error>,
) -> Result<()> {
    let Some((bytes, received)) = pending.as_ref() else {
        return Ok(());
    };
    // Accepted by this unit before, in steps: no version jump bound.
    match trust.install_key_set(bytes, received.unwrap_or_default(), false) {
        Ok(_) => {
            trust.set_keys_received(*received);
            *pending = None;
        }
        Err(Error::NotNewer { .. }) => *pending = None,
        Err(e @ Error::Sync { .. }) => *refused = Some(e),
        Err(e) => return Err(e),
    }
    Ok(())
}

/// Change the trust store of `shared` (and its copy in `log`) with `change`,
/// adding the signed `item` it accepted to the trust feed; all or nothing.
pub(crate) fn update_trust<T>(
    shared: &Shared,
    log: &EntryLog,
    now: Timestamp,
    item: (TrustKind, &[u8]),
    change: impl FnOnce(&mut TrustStore) -> Result<T>,
) -> Result<T> {
    let mut guard = shared.trust_write();
    let mut next = guard.clone();
    let version = change(&mut next)?;
    let mut values = trust_values(&next, now)?;
    values.extend(feed::append(log, item.0, item.1)?);
    // All in one transaction: a crash leaves the old or the new material.
    log.put_meta(&values)?;
    *guard = next;
    Ok(version)
}

fn trust_values(trust: &TrustStore, now: Timestamp) -> Result<Vec<(&'static str, Vec<u8>)>> {
    let (keys_received, lists_received) = trust.received();
    let list = postcard::to_allocvec(trust.revocations()).map_err(|e| Error::CorruptLog {
        what: "unit.revocations",
        detail: e.to_string(),
    })?;
    let mut values = vec![
        (REVOCATIONS, list),
        (
            REVOCATIONS_RECEIVED,
            lists_received.unwrap_or(now).0.to_be_bytes().to_vec(),
        ),
    ];
    if let Some(bytes) = trust.key_set_bytes() {
        values.push((KEY_SET, bytes.to_vec()));
        values.push((
            KEY_SET_RECEIVED,
            keys_received.unwrap_or(now).0.to_be_bytes().to_vec(),
        ));
    }
    if !trust.rollovers().is_empty() {
        let rollovers =
            postcard::to_allocvec(trust.rollovers()).map_err(|e| Error::CorruptLog {
                what: "unit.root_rollovers",
                detail: e.to_string(),
            })?;
        values.push((ROOT_ROLLOVERS, rollovers));
    }
    Ok(values)
}
