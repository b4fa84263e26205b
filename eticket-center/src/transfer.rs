//! Transfers (c36-44). The assignor's chip signs a request naming the ticket
//! and the assignee's chip; the center checks it against the ledger and keeps
//! it pending for the cooling-off period, during which the assignor can cancel
//! (its chip signs a [`TransferCancel`] with the holder's PIN, under a domain
//! of its own). The distributor that sold the ticket sees every pending
//! transfer of its tickets ([`Center::pending_transfers`]), so a holder whose
//! card was made to sign can be told in time. Requests and cancellations
//! whose `requested_at` is not close to the center's clock are refused. Then one
//! transaction re-issues the ticket to the assignee with the next generation,
//! marks the old generation transferred and revokes it (the revocation list
//! version grows). The ledger's unique index allows one valid generation per
//! ticket, so a crash or a retry at any step leaves exactly one valid holder;
//! the grants for both chips are produced on demand and can be fetched again.

use eticket_core::cancel::{TransferCancel, transfer_ref};
use eticket_core::crypto::PublicKey;
use eticket_core::ids::{ChipId, EventId, Generation, TicketSerial};
use eticket_core::ticket::Holder;
use eticket_core::time::Timestamp;
use eticket_core::transfer::TransferRequest;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::center::{Center, Principal};
use crate::issuance::{IssuedTicket, sold_record, valid_issued};
use crate::reissue::Reason;

use crate::metrics::{self, Fresh};
use crate::store::{Store, Tx};
use crate::tables::issued;
use crate::tables::transfers::{self, NewTransfer, TransferState};
use crate::wire;
use crate::{Error, Result};

/// A transfer request as submitted: the chip-signed request and the
/// assignor chip's public key (uncompressed SEC1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferSubmission {
    /// The signed request bytes.
    #[serde(with = "wire::hex_bytes")]
    #[schemars(with = "wire::schema::HexBytes")]
    pub request: Vec<u8>,
    /// The assignor chip's public key.
    #[serde(with = "wire::hex_bytes")]
    #[schemars(with = "wire::schema::HexBytes")]
    pub assignor_public_key: Vec<u8>,
}

/// A transfer as the ledger holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TransferView {
    /// Its id: the first 16 bytes of SHA-256 over the request, hex.
    pub id: String,
    /// The event.
    pub event: EventId,
    /// The ticket.
    pub serial: TicketSerial,
    /// The generation being transferred.
    pub generation: Generation,
    /// The assignor chip.
    #[serde(with = "wire::chip")]
    #[schemars(with = "wire::schema::ChipHex")]
    pub from: ChipId,
    /// The assignee chip.
    #[serde(with = "wire::chip")]
    #[schemars(with = "wire::schema::ChipHex")]
    pub to: ChipId,
    /// When it was requested: the time the assignor's chip signed (as the
    /// host stamped it; the center refuses one far from its clock).
    pub requested_at: Timestamp,
    /// When the cooling-off period ends.
    pub effective_at: Timestamp,
    /// "pending", "cancelled" or "completed".
    pub state: String,
    /// When it was cancelled or completed.
    pub finished_at: Option<Timestamp>,
}

/// A completed transfer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TransferCompletion {
    /// The transfer.
    pub transfer: TransferView,
    /// The ticket re-issued to the assignee.
    pub ticket: IssuedTicket,
    /// The event's revocation list version that revokes the old generation.
    pub revocation_version: u64,
}

/// A cancellation by the assignor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TransferCancellation {
    /// The assignor chip's public key.
    #[serde(with = "wire::hex_bytes")]
    #[schemars(with = "wire::schema::HexBytes")]
    pub assignor_public_key: Vec<u8>,
    /// The cancellation the assignor's chip signed (SIGN CANCEL with the
    /// holder's PIN; [`TransferCancel`]), naming this transfer.
    #[serde(with = "wire::hex_bytes")]
    #[schemars(with = "wire::schema::HexBytes")]
    pub cancel: Vec<u8>,
}

/// The id of a transfer request.
pub fn transfer_id(request: &[u8]) -> String {
    hex::encode(&Sha256::digest(request)[..16])
}

fn check_relay(who: &Principal) -> Result<()> {
    match who {
        Principal::Distributor(_) | Principal::Terminal(_) | Principal::Operator => Ok(()),
        _ => Err(Error::Forbidden(
            "transfers are relayed by distributors and terminals".into(),
        )),
    }
}

/// A relay acts on a ticket's transfer when it is a terminal (the chips are
/// in front of it), the operator, or the distributor that sold the ticket.
fn check_relay_for(
    tx: &mut dyn Tx,
    who: &Principal,
    event: EventId,
    serial: TicketSerial,
) -> Result<()> {
    check_relay(who)?;
    sold_record(tx, who, event, serial).map(drop)
}

/// What [`Center::complete_due_transfers`] did: the completions, and the
/// transfers that could not complete with the reason (they stay pending and
/// are tried again next time; the others are not held up by them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DueTransfers {
    /// Transfers completed now.
    pub completed: Vec<TransferCompletion>,
    /// Transfers that failed, with the error's code and message.
    pub failed: Vec<FailedTransfer>,
}

/// A due transfer that did not complete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FailedTransfer {
    /// The transfer.
    pub id: String,
    /// The error's stable code.
    pub code: String,
    /// What went wrong.
    pub message: String,
}

/// Refuse a chip-signed request whose `requested_at` is further than
/// `window` seconds from the center's clock: a request a skimmer collected
/// earlier, or one stamped 1970, is not taken.
fn check_fresh(
    what: &'static str,
    requested_at: Timestamp,
    now: Timestamp,
    window: u64,
) -> Result<()> {
    if requested_at.0.abs_diff(now.0) > window {
        return Err(Error::invalid(
            what,
            format!(
                "requested at {requested_at}, more than {window} s from the center's clock ({now}); sign it again"
            ),
        ));
    }
    Ok(())
}

fn check_id(id: &str) -> Result<()> {
    if id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(Error::invalid("transfer id", "expected 32 hex digits"))
    }
}

impl Center {
    /// Start a transfer from a request signed by the assignor's chip. The
    /// request's own hash is its id, so submitting it again (a retry, or a
    /// replay) returns the same transfer instead of starting another.
    ///
    /// Like every mutating call it is also stored under the caller's
    /// idempotency `key`. Relays: terminals, the operator, and the distributor
    /// that sold the ticket.
    pub fn request_transfer(
        &self,
        who: &Principal,
        key: &str,
        sub: &TransferSubmission,
    ) -> Result<TransferView> {
        check_relay(who)?;
        let public = PublicKey::from_sec1(&sub.assignor_public_key)?;
        let req = TransferRequest::verify(&sub.request, &public)?;
        let id = transfer_id(&sub.request);
        let cooling_off = self.config.cooling_off_secs;
        let window = self.config.request_window_secs;
        self.mutate(who, key, "request_transfer", sub, |tx, now| {
            check_relay_for(tx, who, req.event, req.serial)?;
            let effective = now.plus(cooling_off);
            if let Some(t) = transfers::find(tx, &id)? {
                // The same request again: the transfer it started.
                return Ok(Fresh {
                    value: t,
                    made_now: false,
                });
            }
            check_fresh(
                "transfer request requested_at",
                req.requested_at,
                now,
                window,
            )?;
            let (event, serial) = (req.event, req.serial);
            let current = valid_issued(tx, event, serial)?.ok_or(Error::NotIssued {
                event,
                serial,
                what: "issued",
            })?;
            if current.generation != req.generation {
                return Err(Error::TransferStale(format!(
                    "ticket {serial} of event {event} is at generation {}, the request names {}",
                    current.generation, req.generation
                )));
            }
            if current.holder != Holder::Chip(req.from) {
                return Err(Error::TransferStale(format!(
                    "chip {} does not hold ticket {serial} of event {event}",
                    req.from
                )));
            }
            if eticket_core::grant::payload_hash(&current.ticket) != req.ticket_hash {
                return Err(Error::TransferStale(
                    "the request's ticket hash is not the issued ticket's".into(),
                ));
            }
            if transfers::pending_of(tx, event, serial)? {
                return Err(Error::TransferPending { event, serial });
            }
            transfers::insert(
                tx,
                &NewTransfer {
                    id: &id,
                    event,
                    serial,
                    generation: req.generation,
                    from: req.from,
                    to: req.to,
                    request: &sub.request,
                    // When the chip signed it (within the window of the
                    // center's clock), not when the center received it.
                    requested_at: req.requested_at,
                    effective_at: effective,
                },
            )?;
            transfers::load(tx, &id).map(Fresh::new)
        })
        .map(|t| t.counted(|_| metrics::record_transfer_requested()))
    }

    /// A transfer by id, for its relays (a terminal, the operator, the
    /// distributor that sold the ticket) and the event's organizer.
    pub fn transfer(&self, who: &Principal, id: &str) -> Result<TransferView> {
        check_id(id)?;
        self.read(|tx| {
            let t = transfers::load(tx, id)?;
            match who {
                Principal::Organizer(_) => crate::organizer::check_organizer(tx, who, t.event)?,
                _ => check_relay_for(tx, who, t.event, t.serial)?,
            }
            Ok(t)
        })
    }

    /// Cancel a pending transfer during its cooling-off period: the assignor's
    /// chip signed a [`TransferCancel`] for it (with the holder's PIN).
    pub fn cancel_transfer(
        &self,
        who: &Principal,
        key: &str,
        id: &str,
        cancel: &TransferCancellation,
    ) -> Result<TransferView> {
        check_relay(who)?;
        check_id(id)?;
        let public = PublicKey::from_sec1(&cancel.assignor_public_key)?;
        let signed = TransferCancel::verify(&cancel.cancel, &public)?;
        let window = self.config.request_window_secs;
        self.mutate(who, key, "cancel_transfer", &(id, cancel), |tx, now| {
            let t = transfers::load(tx, id)?;
            check_relay_for(tx, who, t.event, t.serial)?;
            if signed.from != t.from
                || signed.transfer != transfer_ref(id)
                || (signed.event, signed.serial, signed.generation)
                    != (t.event, t.serial, t.generation)
            {
                return Err(Error::invalid(
                    "cancel",
                    "the signed cancellation is not for this transfer by its assignor chip",
                ));
            }
            if t.state == "pending" {
                check_fresh(
                    "cancellation requested_at",
                    signed.requested_at,
                    now,
                    window,
                )?;
            }
            match t.state.as_str() {
                "cancelled" => return Ok(t),
                "pending" => {}
                other => {
                    return Err(Error::TransferState {
                        id: id.to_owned(),
                        state: other.to_owned(),
                    });
                }
            }
            if now >= t.effective_at {
                return Err(Error::TransferState {
                    id: id.to_owned(),
                    state: format!("past its cooling-off period (ended {})", t.effective_at),
                });
            }
            transfers::finish(tx, id, TransferState::Cancelled, now)?;
            transfers::load(tx, id)
        })
    }

    /// Pending transfers of tickets the caller sold (a distributor), or of
    /// every ticket (the operator), oldest first: the notice a distributor
    /// shows its holders, so one whose card was made to sign can cancel
    /// during the cooling-off period.
    pub fn pending_transfers(&self, who: &Principal) -> Result<Vec<TransferView>> {
        let distributor = match who {
            Principal::Operator => None,
            Principal::Distributor(d) => Some(*d),
            _ => {
                return Err(Error::Forbidden(
                    "pending transfers are listed for distributors and the operator".into(),
                ));
            }
        };
        self.read(|tx| transfers::pending(tx, distributor))
    }

    /// Complete a transfer after its cooling-off period, in one transaction.
    /// Completing it again returns the same completion.
    pub fn complete_transfer(
        &self,
        who: &Principal,
        key: &str,
        id: &str,
    ) -> Result<TransferCompletion> {
        check_relay(who)?;
        check_id(id)?;
        self.mutate(who, key, "complete_transfer", id, |tx, now| {
            let t = transfers::load(tx, id)?;
            check_relay_for(tx, who, t.event, t.serial)?;
            self.complete_in(tx, id, now)
        })
        .map(|done| done.counted(|_| metrics::record_transfer_completed()))
    }

    /// Complete transfer `id` in `tx`; one completed before is its
    /// completion again, not made now.
    fn complete_in(
        &self,
        tx: &mut dyn Tx,
        id: &str,
        now: Timestamp,
    ) -> Result<Fresh<TransferCompletion>> {
        let t = transfers::load(tx, id)?;
        let (event, serial) = (t.event, t.serial);
        let new_generation = t.generation.next()?;
        match t.state.as_str() {
            "completed" => {
                let ticket =
                    issued::generation(tx, event, serial, new_generation)?.ok_or_else(|| {
                        Error::corrupt(format!("completed transfer {id} has no new generation"))
                    })?;
                let version = issued::revoked_in(tx, event, serial, t.generation)?.unwrap_or(0);
                return Ok(Fresh {
                    value: TransferCompletion {
                        ticket,
                        transfer: t,
                        revocation_version: version,
                    },
                    made_now: false,
                });
            }
            "pending" => {}
            other => {
                return Err(Error::TransferState {
                    id: id.to_owned(),
                    state: other.to_owned(),
                });
            }
        }
        if now < t.effective_at {
            return Err(Error::CoolingOff {
                id: id.to_owned(),
                until: t.effective_at,
            });
        }
        let who = Principal::Operator;
        let r = self.reissue_in(
            tx,
            (event, serial, t.generation),
            Holder::Chip(t.to),
            Reason::Transfer,
            &who,
            now,
        )?;
        if !transfers::finish(tx, id, TransferState::Completed, now)? {
            return Err(Error::corrupt(format!(
                "transfer {id} ended while it completed"
            )));
        }
        Ok(Fresh::new(TransferCompletion {
            transfer: transfers::load(tx, id)?,
            ticket: r.ticket,
            revocation_version: r.revocation_version,
        }))
    }

    /// Complete every pending transfer whose cooling-off period has ended,
    /// each in its own transaction (a background task of `eticket serve` calls
    /// this). One that fails is reported and does not stop the others.
    pub fn complete_due_transfers(&self) -> Result<DueTransfers> {
        let now = self.now();
        let due = self.read(|tx| transfers::due(tx, now))?;
        let mut out = DueTransfers {
            completed: Vec::new(),
            failed: Vec::new(),
        };
        for id in due {
            match self
                .ledger
                .transaction(&mut |tx| self.complete_in(tx, &id, now))
            {
                Ok(done) => out
                    .completed
                    .push(done.counted(|_| metrics::record_transfer_completed())),
                Err(e) => {
                    // A transfer whose generation is no longer valid (its
                    // ticket was revoked, e.g. by a center from before
                    // revocation cancelled transfers) can never complete:
                    // cancel it, so it is reported once, not every sweep.
                    if matches!(e, Error::TransferStale(_)) {
                        self.ledger.transaction(&mut |tx| {
                            transfers::finish(tx, &id, TransferState::Cancelled, now)
                        })?;
                    }
                    out.failed.push(FailedTransfer {
                        id,
                        code: e.code().to_owned(),
                        message: e.to_string(),
                    });
                }
            }
        }
        Ok(out)
    }
}
