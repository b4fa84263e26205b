//! Credentials: each organizer, distributor, terminal and gate gets its own
//! bearer token. The ledger keeps only the token's SHA-256.

use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};

use crate::center::{Center, Principal};
use crate::store::Store;
use crate::tables::credentials::{self, CredentialRow};
use crate::{Error, Result};
use eticket_core::ids::{DistributorId, EventId};

/// A venue unit's credential.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UnitCredential {
    /// The unit's id at the center.
    pub unit: u32,
    /// The bearer token, shown once.
    pub token: String,
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

impl Center {
    /// Create a credential for `principal` (operator only) and return the
    /// token, which is shown once: the ledger keeps only its hash.
    pub fn issue_credential(
        &self,
        who: &Principal,
        principal: Principal,
        label: &str,
    ) -> Result<String> {
        if *who != Principal::Operator {
            return Err(Error::Forbidden(
                "only the operator creates credentials".into(),
            ));
        }
        let (role, subject): (&str, i64) = match principal {
            Principal::Operator => {
                return Err(Error::invalid(
                    "role",
                    "the operator has no token; use the command line",
                ));
            }
            Principal::Organizer(id) => ("organizer", id.into()),
            Principal::Distributor(d) => {
                self.read(|tx| crate::organizer::distributor_exists(tx, d))?;
                ("distributor", d.0.into())
            }
            Principal::Terminal(id) => ("terminal", id.into()),
            Principal::Gate(e) => ("gate", e.0.into()),
            Principal::Unit { .. } => {
                return Err(Error::invalid(
                    "role",
                    "a venue unit's credential is made with its public key (issue_unit_credential)",
                ));
            }
        };
        let mut raw = [0u8; 32];
        OsRng.fill_bytes(&mut raw);
        let token = format!("{role}_{}", hex::encode(raw));
        let now = self.now();
        let row = CredentialRow {
            role: role.to_owned(),
            subject,
            unit: None,
        };
        self.ledger.transaction(&mut |tx| {
            credentials::insert(tx, &token_hash(&token), &row, label, now)
        })?;
        Ok(token)
    }

    /// The principal a bearer token belongs to.
    pub fn authenticate(&self, token: &str) -> Result<Principal> {
        if token.is_empty() || token.len() > 256 {
            return Err(Error::Unauthorized);
        }
        let hash = token_hash(token);
        let row = self
            .read(|tx| credentials::find(tx, &hash))?
            .ok_or(Error::Unauthorized)?;
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
        if *who != Principal::Operator {
            return Err(Error::Forbidden(
                "only the operator creates credentials".into(),
            ));
        }
        if name.is_empty() || name.len() > 64 {
            return Err(Error::invalid("unit", "a unit name is 1 to 64 bytes"));
        }
        let key = eticket_core::crypto::PublicKey::from_sec1(public_key)
            .map_err(|_| Error::invalid("unit_key", "not a P-256 public key"))?;
        let mut raw = [0u8; 32];
        OsRng.fill_bytes(&mut raw);
        let token = format!("unit_{}", hex::encode(raw));
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
            let row = CredentialRow {
                role: "gate".to_owned(),
                subject: i64::from(event.0),
                unit: Some(unit),
            };
            credentials::insert(tx, &token_hash(&token), &row, name, now)?;
            Ok(unit)
        })?;
        Ok(UnitCredential { unit, token })
    }
}
