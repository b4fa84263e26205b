//! The venue unit talks to the center itself (c57): it fetches root
//! rollovers, the key set and revocation list updates from the center's
//! HTTP API and uploads its entry log batch by batch from its upload cursor,
//! retrying what failed. Everything it fetches is verified by the unit with
//! its root before it is taken; every batch is signed with the unit's key.
//!
//! Routes (eticket-center's openapi.json): `GET /v1/keyset/rollovers`,
//! `GET /v1/keyset`, `GET /v1/events/{event}/revocations[?since=N]`,
//! `POST /v1/events/{event}/entries` with the unit's credential.

use std::time::Duration;

use eticket_core::time::Timestamp;
use serde::Deserialize;

use crate::unit::VenueUnit;
use crate::upload::MAX_BATCH_RECORDS;
use crate::{Error, Result};

/// Attempts per request before a round gives up (the next round tries
/// again).
const ATTEMPTS: u32 = 4;
/// The first wait between attempts; it doubles.
const FIRST_BACKOFF: Duration = Duration::from_millis(200);

/// How the unit reaches the center.
#[derive(Clone)]
pub struct CenterLink {
    base: String,
    token: String,
    unit_name: String,
    agent: ureq::Agent,
}

impl std::fmt::Debug for CenterLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CenterLink")
            .field("center", &self.base)
            .field("unit", &self.unit_name)
            .finish_non_exhaustive()
    }
}

/// What one round with the center did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoundReport {
    /// Root rollovers taken.
    pub rollovers: u32,
    /// The key set version installed after the round.
    pub key_set_version: u64,
    /// The revocation list version installed after the round.
    pub revocation_version: u64,
    /// Scans the center stored for the first time.
    pub uploaded: u64,
    /// Scans the center had already (a retried batch).
    pub already_present: u64,
}

#[derive(Deserialize)]
struct SignedKeySet {
    key_set: String,
}

#[derive(Deserialize)]
struct Rollovers {
    rollovers: Vec<Published>,
}

#[derive(Deserialize)]
struct Published {
    signed: String,
}

#[derive(Deserialize)]
struct SignedRevocations {
    from_version: Option<u64>,
    signed: String,
}

#[derive(Deserialize)]
struct EntryImport {
    added: u64,
    already_present: u64,
}

impl CenterLink {
    /// The center at `base` (e.g. `https://center.example`), the unit's
    /// credential `token` (`eticket credential --role unit`), and the name
    /// the unit is registered under.
    pub fn new(base: &str, token: &str, unit_name: &str) -> Self {
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .build();
        Self {
            base: base.trim_end_matches('/').to_owned(),
            token: token.trim().to_owned(),
            unit_name: unit_name.to_owned(),
            agent,
        }
    }

    /// The event as the center registered it (`GET /v1/events/{event}`),
    /// for a unit configured with the event's id only.
    pub fn event(&self, id: eticket_core::ids::EventId) -> Result<eticket_core::event::EventInfo> {
        let event: eticket_core::event::EventInfo =
            self.get_json(&format!("/v1/events/{}", id.0))?;
        event.validate().map_err(|e| {
            Error::Center(format!(
                "the center's event {id} does not hold together: {e}"
            ))
        })?;
        Ok(event)
    }

    /// Fetch and take newer trust material, then upload every scan after
    /// the cursor. A failure stops the round with an error; what was taken
    /// and uploaded before it stays.
    pub fn round(&self, unit: &VenueUnit, now: Timestamp) -> Result<RoundReport> {
        let mut report = self.pull(unit, now)?;
        let (added, already) = self.push(unit)?;
        report.uploaded = added;
        report.already_present = already;
        Ok(report)
    }

    /// Take the center's rollovers, key set and revocation update.
    pub fn pull(&self, unit: &VenueUnit, now: Timestamp) -> Result<RoundReport> {
        let mut report = RoundReport::default();
        let rollovers: Rollovers = self.get_json("/v1/keyset/rollovers")?;
        for r in rollovers.rollovers {
            let bytes = unhex(&r.signed, "rollover")?;
            let before = unit.freshness(now).root_key_id;
            // One taken before is taken again without change.
            if unit.accept_root_rollover(&bytes, now).is_ok()
                && unit.freshness(now).root_key_id != before
            {
                report.rollovers += 1;
            }
        }
        let keys: SignedKeySet = self.get_json("/v1/keyset")?;
        let bytes = unhex(&keys.key_set, "key set")?;
        match unit.accept_key_set(&bytes, now) {
            Ok(_) | Err(Error::NotNewer { .. }) => {}
            Err(e) => return Err(e),
        }
        let installed = unit.freshness(now).revocation_version;
        let signed_ever = unit.freshness(now).revocation_issued_ago.is_some();
        let event = unit.event().id.0;
        let path = if signed_ever {
            format!("/v1/events/{event}/revocations?since={installed}")
        } else {
            format!("/v1/events/{event}/revocations")
        };
        let list: SignedRevocations = self.get_json(&path)?;
        let bytes = unhex(&list.signed, "revocations")?;
        let taken = match list.from_version {
            Some(_) => unit.accept_revocation_delta(&bytes, now),
            None => unit.accept_revocation_list(&bytes, now),
        };
        match taken {
            Ok(_) | Err(Error::NotNewer { .. }) => {}
            Err(e) => return Err(e),
        }
        let f = unit.freshness(now);
        report.key_set_version = f.key_set_version;
        report.revocation_version = f.revocation_version;
        Ok(report)
    }

    /// Upload every scan after the unit's cursor, batch by batch; returns
    /// (stored for the first time, already present).
    pub fn push(&self, unit: &VenueUnit) -> Result<(u64, u64)> {
        let (mut added, mut already) = (0, 0);
        let event = unit.event().id.0;
        loop {
            let (batch, bytes) = unit.signed_upload(&self.unit_name, MAX_BATCH_RECORDS)?;
            if batch.records.is_empty() {
                return Ok((added, already));
            }
            // One key for this batch's bytes, kept across its retries.
            let key = format!(
                "entries-{}-{}-{}-{}",
                self.unit_name,
                batch.from_cursor,
                batch.to_cursor,
                hex::encode(crate::venue::protocol::random_bytes::<6>()?)
            );
            let import: EntryImport = self.with_retries(|| {
                self.agent
                    .post(&format!("{}/v1/events/{event}/entries", self.base))
                    .set("Authorization", &format!("Bearer {}", self.token))
                    .set("Idempotency-Key", &key)
                    .set("Content-Type", "application/octet-stream")
                    .send_bytes(&bytes)
                    .map_err(Box::new)
            })?;
            unit.confirm_upload(&batch)?;
            added += import.added;
            already += import.already_present;
        }
    }

    fn get_json<T: for<'de> Deserialize<'de>>(&self, path: &str) -> Result<T> {
        self.with_retries(|| {
            self.agent
                .get(&format!("{}{path}", self.base))
                .set("Authorization", &format!("Bearer {}", self.token))
                .call()
                .map_err(Box::new)
        })
    }

    /// Send with up to [`ATTEMPTS`] tries: the network failing and the
    /// center answering 5xx are tried again, any other answer is final.
    fn with_retries<T: for<'de> Deserialize<'de>>(
        &self,
        send: impl Fn() -> std::result::Result<ureq::Response, Box<ureq::Error>>,
    ) -> Result<T> {
        let mut wait = FIRST_BACKOFF;
        let mut last = String::new();
        for attempt in 1..=ATTEMPTS {
            match send().map_err(|e| *e) {
                Ok(answer) => {
                    let text = answer
                        .into_string()
                        .map_err(|e| Error::Center(format!("reading the answer: {e}")))?;
                    return serde_json::from_str(&text).map_err(|e| {
                        Error::Center(format!("an answer that is not what was asked: {e}"))
                    });
                }
                Err(ureq::Error::Status(code, answer)) if code < 500 => {
                    let text = answer.into_string().unwrap_or_default();
                    return Err(Error::Center(format!("{code}: {}", text.trim())));
                }
                Err(e) => last = e.to_string(),
            }
            if attempt < ATTEMPTS {
                std::thread::sleep(wait);
                wait *= 2;
            }
        }
        Err(Error::Center(format!(
            "{} did not answer after {ATTEMPTS} attempts: {last}",
            self.base
        )))
    }
}

fn unhex(text: &str, what: &str) -> Result<Vec<u8>> {
    hex::decode(text).map_err(|e| Error::Center(format!("the center's {what} is not hex: {e}")))
}
