//! The [`Center`]: the ledger, the clock and the keys, with every service as a
//! method (see the organizer, distributor, lottery, issuance, transfer and
//! publish modules). Every mutating call takes an idempotency key: the first
//! answer is stored in the same transaction as the change, and a retry with the
//! same key and the same request returns it without changing anything again.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use eticket_alloc::SeatMap;

use eticket_core::ids::{DistributorId, EventId, TicketSerial};
use eticket_core::ticket::Place;
use eticket_core::time::Timestamp;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::clock::{Clock, SystemClock};
use crate::keys::CenterKeys;
use crate::keystore::KeyStorage;
use crate::store::{Ledger, Store, Tx};
use crate::tables::idempotency;
use crate::{Error, Result};

/// Who is acting. Services check that the principal may do what it asks.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(tag = "role", content = "id", rename_all = "snake_case")]
pub enum Principal {
    /// The operator of the center (command line): may do everything.
    Operator,
    /// An organizer, owning the events it registered.
    Organizer(u32),
    /// A distributor, acting inside its allotments.
    Distributor(DistributorId),
    /// A store terminal: delivers tickets to the chip in front of it, prints paper.
    Terminal(u32),
    /// A gate of one event: reads key sets and revocation lists only.
    Gate(EventId),
    /// One venue unit of an event, with its own credential and signing key:
    /// reads key sets and revocation lists like a gate, and uploads its
    /// entry log, signed with its key.
    Unit {
        /// The event.
        event: EventId,
        /// The unit's id at the center.
        unit: u32,
    },
}

impl Principal {
    /// A stable text form, e.g. `distributor:3`.
    pub fn label(&self) -> String {
        match self {
            Principal::Operator => "operator".to_owned(),
            Principal::Organizer(id) => format!("organizer:{id}"),
            Principal::Distributor(d) => format!("distributor:{}", d.0),
            Principal::Terminal(id) => format!("terminal:{id}"),
            Principal::Gate(e) => format!("gate:{}", e.0),
            Principal::Unit { event, unit } => format!("unit:{}:{unit}", event.0),
        }
    }
}

/// Tunable periods of the center.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Cooling-off period of a transfer (c39, c44), in seconds.
    pub cooling_off_secs: u64,
    /// How long a write or delete grant is valid, in seconds.
    pub grant_ttl_secs: u64,
    /// The `next_update` a published revocation list (or delta) promises:
    /// this many seconds after it is signed. Gates past it apply their
    /// venue's staleness policy.
    pub list_next_update_secs: u64,
    /// The `next_update` a published key set promises, in seconds.
    pub key_set_next_update_secs: u64,
    /// How far a transfer or cancellation request's `requested_at` may be
    /// from the center's clock, either way, in seconds.
    pub request_window_secs: u64,
    /// How long a seat hold lasts before its seats return to sale, in
    /// seconds.
    pub hold_secs: u64,
    /// Most seats one buyer may hold at once for one event, per distributor.
    pub max_held_per_buyer: u32,
    /// Most keys the key set may list (every event still on has its own
    /// ticket key): a registration that would go past it is refused, so the
    /// signed key set always stays within what gates accept.
    pub max_key_set_keys: u32,
    /// Most events one organizer may have with a ticket key in the key set
    /// (registered and not ended a week ago), so that one organizer's
    /// token cannot take all of [`max_key_set_keys`](Self::max_key_set_keys).
    /// The operator's registrations count only against the latter.
    pub max_events_per_organizer: u32,
    /// How long a new credential works, in seconds (90 days).
    pub credential_ttl_secs: u64,
    /// How often, at most, a process reads the ledger's credentials version
    /// to notice revocations made by any process, in milliseconds (1 s):
    /// the longest a revoked credential still works elsewhere.
    pub credential_check_millis: u64,
    /// Let concurrent mutating requests share transactions and commits
    /// ([`Store::grouped`]); `false` gives each its own commit.
    pub group_commit: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            cooling_off_secs: 48 * 3600,
            grant_ttl_secs: 15 * 60,
            list_next_update_secs: 6 * 3600,
            key_set_next_update_secs: 7 * 86_400,
            request_window_secs: 15 * 60,
            hold_secs: 15 * 60,
            max_held_per_buyer: 10,
            // About 100 bytes a key: well inside eticket-core's 64 KiB.
            max_key_set_keys: 500,
            max_events_per_organizer: 100,
            credential_ttl_secs: 90 * 86_400,
            credential_check_millis: 1000,
            group_commit: true,
        }
    }
}

/// An event's seat map as the center keeps it in memory.
#[derive(Clone)]
struct EventSeatMap {
    map: Arc<SeatMap>,
    /// Its accessible places and companion seats.
    reserved: Arc<HashSet<Place>>,
}

/// Longest idempotency key accepted.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 128;

/// The platform center over one ledger.
///
/// ```
/// use eticket_center::Center;
/// use eticket_center::store::Store;
/// let center = Center::open_in_memory()?;
/// assert_eq!(center.ledger().backend(), "sqlite");
/// # Ok::<(), eticket_center::Error>(())
/// ```
pub struct Center {
    pub(crate) ledger: Ledger,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) keys: std::sync::RwLock<Arc<CenterKeys>>,
    pub(crate) config: Config,
    pub(crate) storage: KeyStorage,
    fail_point: Mutex<Option<&'static str>>,
    maps: Mutex<HashMap<EventId, EventSeatMap>>,
    /// Each event's ticket places by serial, read once (see `ticket_places`).
    #[cfg_attr(not(feature = "http"), allow(dead_code))] // the seat-map page's
    places: Mutex<HashMap<EventId, Arc<HashMap<TicketSerial, Place>>>>,
    pub(crate) credential_cache: crate::credentials::CredentialCache,
}

impl Center {
    /// Open a center over a ledger, generating the center keys on first use,
    /// with the default key storage ([`KeyStorage::default_for`]: beside a
    /// SQLite file, ephemeral in memory; a PostgreSQL ledger needs
    /// [`open_with_keys`](Self::open_with_keys)).
    pub fn open(ledger: Ledger) -> Result<Self> {
        Self::open_with(ledger, Arc::new(SystemClock), Config::default())
    }

    /// Open with a given clock and configuration and the default key storage.
    pub fn open_with(ledger: Ledger, clock: Arc<dyn Clock>, config: Config) -> Result<Self> {
        let storage = KeyStorage::default_for(&ledger)?;
        Self::open_with_keys(ledger, clock, config, storage)
    }

    /// Open with a given clock, configuration and key storage (the
    /// key-encryption key and where the root key lives). Keys of a ledger
    /// from before keys were sealed are sealed now, its root key moved to
    /// the root store, and a SQLite file rewritten so their plaintext is
    /// gone from it.
    pub fn open_with_keys(
        ledger: Ledger,
        clock: Arc<dyn Clock>,
        config: Config,
        storage: KeyStorage,
    ) -> Result<Self> {
        let now = clock.now();
        let (keys, sealed_now) =
            ledger.transaction(&mut |tx| CenterKeys::load_or_generate(tx, now, &storage))?;
        if sealed_now {
            ledger.scrub()?;
        }
        Ok(Self {
            ledger,
            clock,
            keys: std::sync::RwLock::new(Arc::new(keys)),
            config,
            storage,
            fail_point: Mutex::new(None),
            maps: Mutex::new(HashMap::new()),
            places: Mutex::new(HashMap::new()),
            credential_cache: crate::credentials::CredentialCache::default(),
        })
    }

    /// Open (or create) a center on a SQLite file: the embedded default,
    /// with the key-encryption key in `<path>.kek` and the root key in
    /// `<path>.root` ([`KeyStorage::beside_sqlite`]).
    pub fn open_sqlite(path: impl AsRef<std::path::Path>) -> Result<Self> {
        Self::open(Ledger::sqlite(path)?)
    }

    /// A center on a private in-memory SQLite ledger, its keys sealed under
    /// a random key-encryption key that lives as long as the process.
    pub fn open_in_memory() -> Result<Self> {
        Self::open(Ledger::sqlite_in_memory()?)
    }

    /// How this center keeps its private keys.
    pub fn key_storage(&self) -> &KeyStorage {
        &self.storage
    }

    /// The ledger.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// The center's keys as this process last loaded them (public halves go
    /// into key sets; see [`rotate_key`](Self::rotate_key)). Every signing
    /// path reloads them when another process changed them; use
    /// [`current_keys`](Self::current_keys) to look at them outside one.
    pub fn keys(&self) -> Arc<CenterKeys> {
        self.keys.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The center's keys as the ledger holds them now, reloaded when another
    /// center process rotated, prepared or retired a key since.
    pub fn current_keys(&self) -> Result<Arc<CenterKeys>> {
        self.read(|tx| self.keys_in(tx))
    }

    /// The configuration.
    pub fn config(&self) -> Config {
        self.config
    }

    /// The center's current time.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Make the next transaction that reaches the named step fail, as if the
    /// process died there (the transaction is rolled back). `None` clears it.
    /// Steps: `sale.after_first_record`, `issue.after_sign`,
    /// `transfer.after_reissue`, `transfer.after_revoke`, `lottery.after_first_winner`.
    pub fn set_fail_point(&self, step: Option<&'static str>) {
        *self.fail_point.lock().unwrap_or_else(|p| p.into_inner()) = step;
    }

    /// Whether a test armed a fail point (work that would skip it runs
    /// the way that reaches it instead).
    pub(crate) fn fail_point_armed(&self) -> bool {
        self.fail_point
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }

    pub(crate) fn fail_at(&self, step: &'static str) -> Result<()> {
        let mut fp = self.fail_point.lock().unwrap_or_else(|p| p.into_inner());
        if *fp == Some(step) {
            *fp = None;
            return Err(Error::FailPoint(step));
        }
        Ok(())
    }

    /// The seat map of a registered event, read once: the one it was
    /// registered with (geometry, labels, accessible and companion seats),
    /// else laid out from its seat master.
    pub(crate) fn seat_map(&self, tx: &mut dyn Tx, event: EventId) -> Result<Arc<SeatMap>> {
        Ok(self.event_seat_map(tx, event)?.map)
    }

    /// The places of the event's accessible places and companion seats:
    /// sold only to requests that ask for them.
    pub(crate) fn reserved_places(
        &self,
        tx: &mut dyn Tx,
        event: EventId,
    ) -> Result<Arc<HashSet<Place>>> {
        Ok(self.event_seat_map(tx, event)?.reserved)
    }

    /// Each ticket's place by serial, read from the ledger once per event
    /// and kept: a ticket's place is fixed when its event is registered, so
    /// the seat-map page reads only owners and states per request.
    #[cfg_attr(not(feature = "http"), allow(dead_code))] // the seat-map page's
    pub(crate) fn ticket_places(
        &self,
        tx: &mut dyn Tx,
        event: EventId,
    ) -> Result<Arc<HashMap<TicketSerial, Place>>> {
        let cache = || self.places.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(found) = cache().get(&event) {
            return Ok(found.clone());
        }
        let places: Arc<HashMap<TicketSerial, Place>> = Arc::new(
            crate::tables::tickets::all(tx, event)?
                .into_iter()
                .map(|t| (t.serial, t.place))
                .collect(),
        );
        cache().insert(event, places.clone());
        Ok(places)
    }

    fn event_seat_map(&self, tx: &mut dyn Tx, event: EventId) -> Result<EventSeatMap> {
        if let Some(found) = self
            .maps
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&event)
        {
            return Ok(found.clone());
        }
        let map = match crate::tables::seat_maps::load(tx, event)? {
            Some(json) => SeatMap::from_json(&json)
                .map_err(|e| Error::corrupt(format!("event {event}'s seat map: {e}")))?,
            None => {
                let info = crate::tables::events::load(tx, event)?.info;
                SeatMap::from_event(&info).map_err(|e| Error::invalid("seats", e.to_string()))?
            }
        };
        let reserved = map
            .cells()
            .iter()
            .filter(|c| (c.accessible || c.companion) && !c.blocked)
            .map(|c| Place::Seat {
                block: c.block,
                row: c.row,
                number: c.number,
            })
            .collect();
        let found = EventSeatMap {
            map: Arc::new(map),
            reserved: Arc::new(reserved),
        };
        self.maps
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(event, found.clone());
        Ok(found)
    }

    /// Run a read-only body in a transaction.
    pub(crate) fn read<T>(&self, mut body: impl FnMut(&mut dyn Tx) -> Result<T>) -> Result<T> {
        self.ledger.transaction(&mut |tx| body(tx))
    }

    /// Run a mutating request once per (principal, idempotency key): the answer
    /// is stored with the change; a retry gets the stored answer, a different
    /// request under the same key is refused.
    pub(crate) fn mutate<Req, T>(
        &self,
        who: &Principal,
        key: &str,
        operation: &str,
        request: &Req,
        mut body: impl FnMut(&mut dyn Tx, Timestamp) -> Result<T>,
    ) -> Result<T>
    where
        Req: Serialize + ?Sized,
        T: Serialize + DeserializeOwned,
    {
        check_idempotency_key(key)?;
        let hash = request_hash(operation, request)?;
        let principal = who.label();
        let now = self.clock.now();
        let mut run = |tx: &mut dyn Tx| {
            if let Some((stored_hash, stored)) = idempotency::find(tx, &principal, key)? {
                if stored_hash != hash {
                    return Err(Error::IdempotencyMismatch(key.to_owned()));
                }
                return serde_json::from_str(&stored)
                    .map_err(|e| Error::corrupt(format!("stored answer for {key:?}: {e}")));
            }
            let answer = body(tx, now)?;
            let json = serde_json::to_string(&answer)
                .map_err(|e| Error::corrupt(format!("answer does not serialize: {e}")))?;
            idempotency::insert(tx, &principal, key, &hash, json, now)?;
            Ok(answer)
        };
        if self.config.group_commit {
            self.ledger.grouped(&mut run)
        } else {
            self.ledger.transaction(&mut run)
        }
    }
}

/// What an idempotency key is stored with: the hash of the operation and
/// its request, so that a key reused for another request is refused.
pub(crate) fn request_hash<Req: Serialize + ?Sized>(
    operation: &str,
    request: &Req,
) -> Result<Vec<u8>> {
    let request_json =
        serde_json::to_vec(request).map_err(|e| Error::invalid("request", e.to_string()))?;
    Ok(Sha256::new()
        .chain_update(operation.as_bytes())
        .chain_update([0])
        .chain_update(&request_json)
        .finalize()
        .to_vec())
}

/// Keys are 1 to 128 printable ASCII characters.
pub fn check_idempotency_key(key: &str) -> Result<()> {
    if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY_LEN {
        return Err(Error::invalid(
            "idempotency key",
            format!("must be 1 to {MAX_IDEMPOTENCY_KEY_LEN} characters"),
        ));
    }
    if !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::invalid(
            "idempotency key",
            "printable ASCII without spaces only",
        ));
    }
    Ok(())
}
