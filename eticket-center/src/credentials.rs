//! Credentials: each organizer, distributor, terminal and gate gets its own
//! bearer token. The ledger keeps only the token's SHA-256.

use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};

use crate::center::{Center, Principal};
use crate::store::Value;
use crate::{Error, Result};
use eticket_core::ids::{DistributorId, EventId};

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
        };
        let mut raw = [0u8; 32];
        OsRng.fill_bytes(&mut raw);
        let token = format!("{role}_{}", hex::encode(raw));
        let now = self.now();
        self.ledger_execute(
            "INSERT INTO credentials (token_hash, role, subject, label, created_at) VALUES ($1, $2, $3, $4, $5)",
            vec![
                Value::Blob(token_hash(&token)),
                Value::text(role),
                Value::Int(subject),
                Value::text(label),
                Value::u64(now.0)?,
            ],
        )?;
        Ok(token)
    }

    /// The principal a bearer token belongs to.
    pub fn authenticate(&self, token: &str) -> Result<Principal> {
        if token.is_empty() || token.len() > 256 {
            return Err(Error::Unauthorized);
        }
        let hash = token_hash(token);
        let row = self
            .read(|tx| {
                tx.query_opt(
                    "SELECT role, subject FROM credentials WHERE token_hash = $1",
                    &[Value::Blob(hash.clone())],
                )
            })?
            .ok_or(Error::Unauthorized)?;
        let subject = row.int(1)?;
        let bad = || Error::corrupt(format!("credential subject {subject} out of range"));
        Ok(match row.text(0)? {
            "organizer" => Principal::Organizer(u32::try_from(subject).map_err(|_| bad())?),
            "distributor" => {
                Principal::Distributor(DistributorId(u16::try_from(subject).map_err(|_| bad())?))
            }
            "terminal" => Principal::Terminal(u32::try_from(subject).map_err(|_| bad())?),
            "gate" => Principal::Gate(EventId(u32::try_from(subject).map_err(|_| bad())?)),
            other => return Err(Error::corrupt(format!("credential role {other:?}"))),
        })
    }

    fn ledger_execute(&self, sql: &str, params: Vec<Value>) -> Result<u64> {
        self.read(|tx| tx.execute(sql, &params))
    }
}
