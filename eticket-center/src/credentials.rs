//! Credentials: each organizer, distributor, terminal, gate and venue unit
//! gets its own bearer token, with a life cycle. The ledger keeps only the
//! token's SHA-256.
//!
//! - A credential expires ([`Config::credential_ttl_secs`], 90 days by
//!   default) and can be revoked; it can be rotated (a new token for the
//!   same caller, the old one cut short to a grace period).
//! - Each is known by an id, the first 8 bytes of its token's hash in hex:
//!   listing shows ids, never tokens.
//! - A store terminal serves only the distributors listed for it
//!   ([`Center::set_terminal_distributors`]): its token acts on their
//!   tickets only.
//! - Each center process keeps the credentials it has seen in memory and
//!   reads the ledger's credentials version at most once per
//!   [`Config::credential_check_millis`] (1 s): a revocation made by any
//!   process takes effect in every process within that time, and a request
//!   costs no ledger read for its token.
//!
//! ```
//! use eticket_center::{Center, Principal};
//! use eticket_core::ids::DistributorId;
//! let center = Center::open_in_memory().unwrap();
//! let op = Principal::Operator;
//! center.register_distributor(&op, "d", DistributorId(1), "Shop").unwrap();
//! let token = center
//!     .issue_credential(&op, Principal::Distributor(DistributorId(1)), "shop api")
//!     .unwrap();
//! assert_eq!(center.authenticate(&token).unwrap(), Principal::Distributor(DistributorId(1)));
//! let listed = center.list_credentials(&op).unwrap();
//! center.revoke_credential(&op, "revoke", &listed[0].id).unwrap();
//! assert!(center.authenticate(&token).is_err());
//! ```
//!
//! [`Config::credential_ttl_secs`]: crate::Config::credential_ttl_secs
//! [`Config::credential_check_millis`]: crate::Config::credential_check_millis

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::center::{Center, Principal};
use crate::store::Store;
use crate::tables::credentials::{self, CredentialRow};
use crate::{Error, Result};
use eticket_core::ids::{DistributorId, EventId};
use eticket_core::time::Timestamp;

/// A venue unit's credential.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UnitCredential {
    /// The unit's id at the center.
    pub unit: u32,
    /// The bearer token, shown once.
    pub token: String,
}

/// Where a credential is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CredentialState {
    /// It works.
    Active,
    /// Its time ran out.
    Expired,
    /// It was revoked.
    Revoked,
}

/// A credential as listed: everything but the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CredentialInfo {
    /// Its id: the first 8 bytes of the token's SHA-256, in hex.
    pub id: String,
    /// Whose it is (`unit` for a venue unit's).
    pub principal: Principal,
    /// What the operator called it.
    pub label: String,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it stops working; `null` for a credential made before
    /// credentials expired (rotate it).
    pub expires_at: Option<Timestamp>,
    /// When it was revoked.
    pub revoked_at: Option<Timestamp>,
    /// Active, expired or revoked.
    pub state: CredentialState,
    /// For a store terminal: the distributors it serves.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub distributors: Vec<DistributorId>,
}

/// A rotation's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Rotation {
    /// The new credential's id.
    pub id: String,
    /// The new bearer token: shown once, in the first answer only (a retry
    /// under the same idempotency key answers `null`; rotate again to get
    /// another).
    pub token: Option<String>,
    /// When the new credential expires.
    pub expires_at: Timestamp,
    /// The old credential's id.
    pub old_id: String,
    /// When the old credential stops working (the grace period's end).
    pub old_expires_at: Timestamp,
}

/// Body of a rotation request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RotationRequest {
    /// Seconds the old token keeps working, so devices can switch (0 to
    /// 7 days; 1 hour when left out).
    #[serde(default)]
    pub grace_secs: Option<u64>,
}

/// Grace period of a rotation when the request names none.
pub const DEFAULT_ROTATION_GRACE_SECS: u64 = 3600;
/// Longest grace period of a rotation.
pub const MAX_ROTATION_GRACE_SECS: u64 = 7 * 86_400;

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A remembered credential as presented at `now`: refused once expired.
fn presented(known: Known, hash: &[u8], now: Timestamp) -> Result<Presented> {
    if known.expires_at.is_some_and(|t| now >= t) {
        return Err(Error::Unauthorized);
    }
    Ok(Presented {
        principal: known.principal,
        id: id_of(hash),
        replaced: known.replaced,
    })
}

fn id_of(hash: &[u8]) -> String {
    hex::encode(&hash[..hash.len().min(8)])
}

fn new_token(role: &str) -> String {
    let mut raw = [0u8; 32];
    OsRng.fill_bytes(&mut raw);
    format!("{role}_{}", hex::encode(raw))
}

/// The role and subject a principal's credentials are stored under.
fn role_of(p: &Principal) -> Option<(&'static str, i64)> {
    Some(match *p {
        Principal::Operator => return None,
        Principal::Organizer(id) => ("organizer", id.into()),
        Principal::Distributor(d) => ("distributor", d.0.into()),
        Principal::Terminal(id) => ("terminal", id.into()),
        Principal::Gate(e) | Principal::Unit { event: e, .. } => ("gate", e.0.into()),
    })
}

fn principal_of(row: &CredentialRow) -> Result<Principal> {
    let subject = row.subject;
    let bad = || Error::corrupt(format!("credential subject {subject} out of range"));
    Ok(match row.role.as_str() {
        "organizer" => Principal::Organizer(u32::try_from(subject).map_err(|_| bad())?),
        "distributor" => {
            Principal::Distributor(DistributorId(u16::try_from(subject).map_err(|_| bad())?))
        }
        "terminal" => Principal::Terminal(u32::try_from(subject).map_err(|_| bad())?),
        "gate" => {
            let event = EventId(u32::try_from(subject).map_err(|_| bad())?);
            match row.unit {
                Some(unit) => Principal::Unit { event, unit },
                None => Principal::Gate(event),
            }
        }
        other => return Err(Error::corrupt(format!("credential role {other:?}"))),
    })
}

fn state_of(row: &CredentialRow, now: Timestamp) -> CredentialState {
    if row.revoked_at.is_some() {
        CredentialState::Revoked
    } else if row.expires_at.is_some_and(|t| now >= t) {
        CredentialState::Expired
    } else {
        CredentialState::Active
    }
}

/// A process's memory of the credentials it has seen (see the module's
/// text).
#[derive(Default)]
pub(crate) struct CredentialCache {
    inner: Mutex<CacheState>,
}

#[derive(Default)]
struct CacheState {
    /// When the ledger's credentials version was last read.
    checked: Option<Instant>,
    /// That version.
    version: Option<i64>,
    /// Active credentials by token hash.
    known: HashMap<Vec<u8>, Known>,
}

/// What a process remembers of an active credential.
#[derive(Debug, Clone, Copy)]
struct Known {
    principal: Principal,
    expires_at: Option<Timestamp>,
    /// Replaced by a rotation (working for its grace period).
    replaced: bool,
}

/// The credential a request presented: whose it is, its id, and whether a
/// rotation replaced it (such a token still works for its grace period but
/// manages no credential).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presented {
    /// Whose it is.
    pub principal: Principal,
    /// Its id.
    pub id: String,
    /// Whether a rotation replaced it.
    pub replaced: bool,
}

/// Most credentials a process remembers; past it the memory starts over.
const MAX_REMEMBERED: usize = 100_000;

impl CredentialCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, CacheState> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Forget everything (after a change made by this process).
    fn clear(&self) {
        let mut state = self.lock();
        state.known.clear();
        state.checked = None;
    }
}

impl Center {
    /// Create a credential for `principal` (operator only) and return the
    /// token, which is shown once: the ledger keeps only its hash. It
    /// expires after [`Config::credential_ttl_secs`](crate::Config::credential_ttl_secs).
    /// A store terminal's token acts only for the distributors listed with
    /// [`set_terminal_distributors`](Self::set_terminal_distributors).
    pub fn issue_credential(
        &self,
        who: &Principal,
        principal: Principal,
        label: &str,
    ) -> Result<String> {
        check_operator(who)?;
        check_label(label)?;
        let (role, subject) = match principal {
            Principal::Operator => {
                return Err(Error::invalid(
                    "role",
                    "the operator has no token; use the command line",
                ));
            }
            Principal::Unit { .. } => {
                return Err(Error::invalid(
                    "role",
                    "a venue unit's credential is made with its public key (issue_unit_credential)",
                ));
            }
            Principal::Distributor(d) => {
                self.read(|tx| crate::organizer::distributor_exists(tx, d))?;
                ("distributor", i64::from(d.0))
            }
            other => role_of(&other).ok_or(Error::Unauthorized)?,
        };
        let token = new_token(role);
        let row = self.new_row(&token, role, subject, None, label);
        self.ledger
            .transaction(&mut |tx| credentials::insert(tx, &row))?;
        Ok(token)
    }

    fn new_row(
        &self,
        token: &str,
        role: &str,
        subject: i64,
        unit: Option<u32>,
        label: &str,
    ) -> CredentialRow {
        let now = self.now();
        CredentialRow {
            token_hash: token_hash(token),
            role: role.to_owned(),
            subject,
            unit,
            label: label.to_owned(),
            created_at: now,
            expires_at: Some(now.plus(self.config.credential_ttl_secs)),
            revoked_at: None,
            rotated_at: None,
        }
    }

    /// The principal a bearer token belongs to, if its credential is
    /// active. Answered from memory; the ledger is read for a token not
    /// seen before, and for the credentials version at most once per
    /// [`Config::credential_check_millis`](crate::Config::credential_check_millis).
    pub fn authenticate(&self, token: &str) -> Result<Principal> {
        self.authenticate_presented(token).map(|p| p.principal)
    }

    /// As [`authenticate`](Self::authenticate), with the credential's id and
    /// whether a rotation replaced it (the credential routes refuse such a
    /// token).
    pub fn authenticate_presented(&self, token: &str) -> Result<Presented> {
        if token.is_empty() || token.len() > 256 {
            return Err(Error::Unauthorized);
        }
        let hash = token_hash(token);
        let now = self.now();
        self.refresh_credentials()?;
        let remembered = self.credential_cache.lock().known.get(&hash).copied();
        let known = match remembered {
            Some(known) => known,
            None => {
                let row = self
                    .read(|tx| credentials::find(tx, &hash))?
                    .ok_or(Error::Unauthorized)?;
                if row.revoked_at.is_some() {
                    return Err(Error::Unauthorized);
                }
                let known = Known {
                    principal: principal_of(&row)?,
                    expires_at: row.expires_at,
                    replaced: row.rotated_at.is_some(),
                };
                let mut state = self.credential_cache.lock();
                if state.known.len() >= MAX_REMEMBERED {
                    state.known.clear();
                }
                state.known.insert(hash.clone(), known);
                known
            }
        };
        presented(known, &hash, now)
    }

    /// As [`authenticate_presented`](Self::authenticate_presented) when the
    /// answer is in memory (a credential seen within the check interval):
    /// `None` when the ledger must be read, which the HTTP server then does
    /// off its request threads.
    pub fn authenticate_remembered(&self, token: &str) -> Option<Result<Presented>> {
        if token.is_empty() || token.len() > 256 {
            return Some(Err(Error::Unauthorized));
        }
        let hash = token_hash(token);
        let every = Duration::from_millis(self.config.credential_check_millis);
        let known = {
            let state = self.credential_cache.lock();
            if state.checked.is_none_or(|at| at.elapsed() >= every) {
                return None;
            }
            state.known.get(&hash).copied()?
        };
        Some(presented(known, &hash, self.now()))
    }

    /// Read the ledger's credentials version if it was not read within the
    /// check interval; forget every remembered credential when it changed.
    fn refresh_credentials(&self) -> Result<()> {
        let every = Duration::from_millis(self.config.credential_check_millis);
        let due = self
            .credential_cache
            .lock()
            .checked
            .is_none_or(|at| at.elapsed() >= every);
        if !due {
            return Ok(());
        }
        let version = self.read(credentials::version)?;
        let mut state = self.credential_cache.lock();
        if state.version != Some(version) {
            state.known.clear();
            state.version = Some(version);
        }
        state.checked = Some(Instant::now());
        Ok(())
    }

    /// The credentials `who` may see, without their tokens: every one for
    /// the operator, a caller's own (same role and id) for anyone else.
    pub fn list_credentials(&self, who: &Principal) -> Result<Vec<CredentialInfo>> {
        let now = self.now();
        self.read(|tx| {
            credentials::list(tx, role_of(who))?
                .iter()
                .filter(|row| visible_to(who, row))
                .map(|row| info_of(tx, row, now))
                .collect()
        })
    }

    /// Revoke the credential with id `id` (see [`CredentialInfo::id`]):
    /// the operator any, a caller its own. Every center process refuses it
    /// within the check interval; this one at once.
    pub fn revoke_credential(
        &self,
        who: &Principal,
        key: &str,
        id: &str,
    ) -> Result<CredentialInfo> {
        let done = self.mutate(who, key, "revoke_credential", id, |tx, now| {
            let row = own_credential(tx, who, id)?;
            credentials::revoke(tx, &row.token_hash, now)?;
            let row = credentials::find(tx, &row.token_hash)?
                .ok_or_else(|| Error::corrupt("a revoked credential vanished"))?;
            info_of(tx, &row, now)
        });
        self.credential_cache.clear();
        done
    }

    /// Rotate the credential with id `id`: a new token for the same caller
    /// (same role, id, unit and label, a fresh expiry), and the old one cut
    /// short to `grace_secs` from now. The operator rotates any, a caller
    /// its own.
    pub fn rotate_credential(
        &self,
        who: &Principal,
        key: &str,
        id: &str,
        req: &RotationRequest,
    ) -> Result<Rotation> {
        let grace = req.grace_secs.unwrap_or(DEFAULT_ROTATION_GRACE_SECS);
        if grace > MAX_ROTATION_GRACE_SECS {
            return Err(Error::invalid(
                "grace_secs",
                format!("at most {MAX_ROTATION_GRACE_SECS} s (7 days)"),
            ));
        }
        let mut token = None;
        let done = self.mutate(who, key, "rotate_credential", &(id, req), |tx, now| {
            let old = own_credential(tx, who, id)?;
            if state_of(&old, now) != CredentialState::Active {
                return Err(Error::Forbidden(format!(
                    "credential {id} is not active: make a new one"
                )));
            }
            // Once replaced, a credential (and whoever else holds its token
            // during the grace period) cannot mint another.
            if old.rotated_at.is_some() {
                return Err(Error::Forbidden(format!(
                    "credential {id} was rotated already: rotate the credential that replaced it"
                )));
            }
            let fresh = new_token(if old.unit.is_some() {
                "unit"
            } else {
                &old.role
            });
            let row = CredentialRow {
                token_hash: token_hash(&fresh),
                created_at: now,
                expires_at: Some(now.plus(self.config.credential_ttl_secs)),
                revoked_at: None,
                rotated_at: None,
                ..old.clone()
            };
            credentials::insert(tx, &row)?;
            let old_expires_at = old
                .expires_at
                .map_or(now.plus(grace), |t| t.min(now.plus(grace)));
            credentials::replace(tx, &old.token_hash, now, old_expires_at)?;
            let answer = Rotation {
                id: id_of(&row.token_hash),
                token: None,
                expires_at: row.expires_at.unwrap_or(now),
                old_id: id.to_owned(),
                old_expires_at,
            };
            token = Some(fresh);
            Ok(answer)
        });
        self.credential_cache.clear();
        let mut rotation = done?;
        // The stored answer has no token (the ledger keeps none); the first
        // answer, whose token this call made, shows it.
        if let Some(t) = token {
            if id_of(&token_hash(&t)) == rotation.id {
                rotation.token = Some(t);
            }
        }
        Ok(rotation)
    }

    /// List the distributors store terminal `terminal` serves (operator
    /// only); its tokens act on their tickets only. Adds to the list.
    pub fn set_terminal_distributors(
        &self,
        who: &Principal,
        terminal: u32,
        distributors: &[DistributorId],
    ) -> Result<()> {
        check_operator(who)?;
        self.ledger.transaction(&mut |tx| {
            for d in distributors {
                crate::organizer::distributor_exists(tx, *d)?;
                credentials::add_terminal_distributor(tx, terminal, *d)?;
            }
            Ok(())
        })
    }

    /// The distributors store terminal `terminal` serves (operator only).
    pub fn terminal_distributors(
        &self,
        who: &Principal,
        terminal: u32,
    ) -> Result<Vec<DistributorId>> {
        check_operator(who)?;
        self.read(|tx| credentials::terminal_distributors(tx, terminal))
    }

    /// Register a venue unit of `event` by name with its public key (the
    /// unit's `VenueUnit::signing_key` in eticket-gate) and
    /// return its credential's token, shown once. The unit then uploads its
    /// entry log signed with that key; no other credential can upload as it.
    /// Operator only; a unit name is registered once per event.
    pub fn issue_unit_credential(
        &self,
        who: &Principal,
        event: EventId,
        name: &str,
        public_key: &[u8],
    ) -> Result<UnitCredential> {
        check_operator(who)?;
        if name.is_empty() || name.len() > 64 || name.contains('\0') {
            return Err(Error::invalid(
                "unit",
                "a unit name is 1 to 64 bytes, without U+0000",
            ));
        }
        let key = eticket_core::crypto::PublicKey::from_sec1(public_key)
            .map_err(|_| Error::invalid("unit_key", "not a P-256 public key"))?;
        let token = new_token("unit");
        let now = self.now();
        let unit = self.ledger.transaction(&mut |tx| {
            crate::tables::events::load(tx, event)?;
            if crate::tables::entries::unit(tx, event, name)?.is_some() {
                return Err(Error::invalid(
                    "unit",
                    format!("event {event} has a unit named {name:?} already"),
                ));
            }
            let unit = crate::tables::entries::insert_unit(tx, event, name, &key, now)?;
            let row = self.new_row(&token, "gate", i64::from(event.0), Some(unit), name);
            credentials::insert(tx, &row)?;
            Ok(unit)
        })?;
        Ok(UnitCredential { unit, token })
    }
}

fn check_operator(who: &Principal) -> Result<()> {
    if *who == Principal::Operator {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "only the operator creates credentials".into(),
        ))
    }
}

fn check_label(label: &str) -> Result<()> {
    if label.len() > 200 || label.contains('\0') {
        return Err(Error::invalid("label", "at most 200 bytes, without U+0000"));
    }
    Ok(())
}

/// The credential with id `id` that `who` may manage: any for the
/// operator, one of its own for anyone else (another's is unknown to it).
fn own_credential(
    tx: &mut dyn crate::store::Tx,
    who: &Principal,
    id: &str,
) -> Result<CredentialRow> {
    let unknown = || Error::invalid("credential", format!("no credential {id:?} of yours"));
    if id.len() != 16 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(unknown());
    }
    let id = id.to_ascii_lowercase();
    credentials::list(tx, role_of(who))?
        .into_iter()
        .find(|row| id_of(&row.token_hash) == id && visible_to(who, row))
        .ok_or_else(unknown)
}

/// Whether `who` sees (and manages) a credential of its role and id: a
/// venue unit only its own, an event's shared gate credential not the
/// units'.
fn visible_to(who: &Principal, row: &CredentialRow) -> bool {
    match who {
        Principal::Unit { unit, .. } => row.unit == Some(*unit),
        Principal::Gate(_) => row.unit.is_none(),
        _ => true,
    }
}

fn info_of(
    tx: &mut dyn crate::store::Tx,
    row: &CredentialRow,
    now: Timestamp,
) -> Result<CredentialInfo> {
    let principal = principal_of(row)?;
    let distributors = match principal {
        Principal::Terminal(t) => credentials::terminal_distributors(tx, t)?,
        _ => Vec::new(),
    };
    Ok(CredentialInfo {
        id: id_of(&row.token_hash),
        principal,
        label: row.label.clone(),
        created_at: row.created_at,
        expires_at: row.expires_at,
        revoked_at: row.revoked_at,
        state: state_of(row, now),
        distributors,
    })
}
