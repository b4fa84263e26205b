//! Re-issue: one ticket's valid generation replaced by the next, signed now,
//! for a holder, with the old generation revoked, in one transaction. A
//! transfer does it for the assignee's chip; a paper reprint does it so the
//! lost copy no longer enters; after a ticket key is compromised every ticket
//! it signed is re-issued under the current key; a holder whose card is lost,
//! broken or PIN-locked gets the tickets on a new card. Each re-issue is
//! recorded (`reissues`: which generation replaced which, why, by whom).
//!
//! The grants that put a re-issued ticket on a chip are made when the chip is
//! in a reader (they name its counter): [`Center::deliver`] writes the new
//! generation, [`Center::delete_grant`] removes the old one.

use eticket_core::ids::{ChipId, EventId, Generation, KeyId, TicketSerial};
use eticket_core::signed::Envelope;
use eticket_core::ticket::{Holder, MAX_TICKET_LEN};
use eticket_core::time::Timestamp;
use serde::{Deserialize, Serialize};

use crate::center::{Center, Principal};
use crate::issuance::{IssuedTicket, sign_ticket, sold_record, valid_issued};
use crate::records;
use crate::store::{Store, Tx};
use crate::tables::issued::{self, IssuedStatus};
use crate::tables::reissues::{self, ReissueRow};
use crate::wire;
use crate::{Error, Result};
use eticket_core::revocation::RevocationReason;

/// Why a generation is replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reason {
    /// A completed transfer (the old generation is "transferred").
    Transfer,
    /// A paper reprint: the lost copy is revoked.
    Reprint,
    /// The key that signed it was compromised.
    KeyCompromise,
    /// The holder's card was lost, broken or PIN-locked.
    Replacement,
    /// Signed in an older format version than gates read now.
    FormatUpgrade,
    /// The event moved to a new date: a new validity window.
    Postponement,
}

impl Reason {
    fn name(self) -> &'static str {
        match self {
            Reason::Transfer => "transfer",
            Reason::Reprint => "reprint",
            Reason::KeyCompromise => "key compromise",
            Reason::Replacement => "card replacement",
            Reason::FormatUpgrade => "format upgrade",
            Reason::Postponement => "postponement",
        }
    }

    /// What gates tell the holder of the old generation.
    fn revocation(self) -> RevocationReason {
        match self {
            Reason::Transfer => RevocationReason::Transferred,
            _ => RevocationReason::Replaced,
        }
    }

    fn old_status(self) -> IssuedStatus {
        match self {
            Reason::Transfer => IssuedStatus::Transferred,
            _ => IssuedStatus::Revoked,
        }
    }

    /// The fail points the crash tests use between the steps.
    fn fail_points(self) -> (&'static str, &'static str) {
        match self {
            Reason::Transfer => ("transfer.after_reissue", "transfer.after_revoke"),
            Reason::Reprint => ("reprint.after_reissue", "reprint.after_revoke"),
            Reason::KeyCompromise => (
                "key_compromise.after_reissue",
                "key_compromise.after_revoke",
            ),
            Reason::Replacement => ("replacement.after_reissue", "replacement.after_revoke"),
            Reason::FormatUpgrade => ("format.after_reissue", "format.after_revoke"),
            Reason::Postponement => ("postpone.after_reissue", "postpone.after_revoke"),
        }
    }
}

/// A ticket re-issued with the revocation that kills its old generation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Reissued {
    /// The new generation.
    pub ticket: IssuedTicket,
    /// The generation it replaced (revoked now).
    pub replaced: Generation,
    /// The event's revocation list version that revokes the old generation.
    pub revocation_version: u64,
}

/// What a bulk re-issue did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ReissueReport {
    /// The tickets re-issued now.
    pub reissued: Vec<Reissued>,
    /// Tickets that were already re-issued (a run resumed after a stop).
    pub already_done: usize,
}

/// A holder's request for a new card: which card the tickets leave, which
/// they go to, and the distributor's note on how the holder's identity was
/// checked (kept with every re-issue).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CardReplacement {
    /// The lost, broken or PIN-locked card.
    #[serde(with = "wire::chip")]
    #[schemars(with = "wire::schema::ChipHex")]
    pub old_chip: ChipId,
    /// The holder's new card.
    #[serde(with = "wire::chip")]
    #[schemars(with = "wire::schema::ChipHex")]
    pub new_chip: ChipId,
    /// How the holder's identity was checked (at most 200 characters).
    pub identity_check: String,
}

/// The key id in a signed ticket's header.
fn signer(ticket: &[u8]) -> Result<KeyId> {
    Ok(Envelope::split(ticket, "ticket", MAX_TICKET_LEN)?.key_id)
}

impl Center {
    /// In `tx`: replace generation `old` (which must be the valid one) of a
    /// ticket with the next generation for `holder`, signed now with the
    /// current ticket key, and revoke `old`.
    pub(crate) fn reissue_in(
        &self,
        tx: &mut dyn Tx,
        (event, serial, old): (EventId, TicketSerial, Generation),
        holder: Holder,
        reason: Reason,
        who: &Principal,
        now: Timestamp,
    ) -> Result<Reissued> {
        let record = records::load_record(tx, event, serial)?.ok_or(Error::NotIssued {
            event,
            serial,
            what: "sold",
        })?;
        if !issued::end_valid(tx, event, serial, old, reason.old_status())? {
            return Err(Error::TransferStale(format!(
                "generation {old} of ticket {serial} of event {event} is no longer valid"
            )));
        }
        let generation = old.next()?;
        let keys = self.keys_in(tx)?;
        let signed = sign_ticket(&keys, tx, &record, generation, holder, now)?;
        issued::insert_valid(
            tx,
            event,
            serial,
            generation,
            &holder,
            signed.as_bytes(),
            now,
        )?;
        let (after_reissue, after_revoke) = reason.fail_points();
        self.fail_at(after_reissue)?;
        let version = crate::publish::revoke_in(tx, event, serial, old, reason.revocation())?;
        self.fail_at(after_revoke)?;
        crate::tables::tickets::set_generation(tx, event, serial, generation)?;
        reissues::insert(
            tx,
            &ReissueRow {
                event,
                serial,
                old,
                new: generation,
                reason: reason.name(),
                by: &who.label(),
                at: now,
            },
        )?;
        Ok(Reissued {
            ticket: IssuedTicket {
                event,
                serial,
                generation,
                holder,
                ticket: signed.into_bytes(),
                issued_at: now,
            },
            replaced: old,
            revocation_version: version,
        })
    }

    /// After ticket key `compromised` leaked: re-issue every valid ticket it
    /// signed under the current ticket key (rotate the ticket key first),
    /// each with the next generation for the same holder, the old generation
    /// revoked. Each ticket is its own transaction, so a stopped run resumes
    /// where it stopped (tickets already re-issued are counted, not touched).
    /// Then retire the key: gates refuse what it signed, and holders' readers
    /// swap the tickets on their chips ([`Center::delete_grant`] for the old
    /// generation, [`Center::deliver`] for the new one). Operator only.
    pub fn reissue_signed_by(&self, who: &Principal, compromised: KeyId) -> Result<ReissueReport> {
        if *who != Principal::Operator {
            return Err(Error::Forbidden(
                "only the operator re-issues after a key compromise".into(),
            ));
        }
        let keys = self.current_keys()?;
        if let Some(what) = keys.signs_now(compromised) {
            let rotate = match keys.entry(compromised).map(|e| &e.scope) {
                Some(eticket_core::keys::KeyScope::Events(events)) => events
                    .iter()
                    .map(|e| format!("`eticket rotate-key --purpose tickets --event {}`", e.0))
                    .collect::<Vec<_>>()
                    .join(", "),
                _ => "`eticket rotate-key --purpose tickets`".to_owned(),
            };
            return Err(Error::invalid(
                "key",
                format!("key {compromised} signs {what} now; rotate it first ({rotate})"),
            ));
        }
        let (valid, earlier) = self.read(|tx| {
            let valid: Vec<_> = issued::all_valid(tx, None)?
                .into_iter()
                .map(|v| (v.event, v.serial, v.generation, v.ticket))
                .collect();
            // Generations an earlier run replaced after this key's compromise.
            let mut earlier = 0;
            for ticket in reissues::replaced_tickets(tx, Reason::KeyCompromise.name())? {
                if signer(&ticket)? == compromised {
                    earlier += 1;
                }
            }
            Ok((valid, earlier))
        })?;
        let mut report = ReissueReport {
            reissued: Vec::new(),
            already_done: earlier,
        };
        let total = valid.len();
        for (i, (event, serial, generation, ticket)) in valid.into_iter().enumerate() {
            if signer(&ticket)? != compromised {
                continue;
            }
            let now = self.now();
            let done = self.ledger.transaction(&mut |tx| {
                let Some(current) = valid_issued(tx, event, serial)? else {
                    return Ok(None);
                };
                if current.generation != generation || signer(&current.ticket)? != compromised {
                    return Ok(None);
                }
                self.reissue_in(
                    tx,
                    (event, serial, generation),
                    current.holder,
                    Reason::KeyCompromise,
                    who,
                    now,
                )
                .map(Some)
            })?;
            match done {
                Some(r) => report.reissued.push(r),
                None => report.already_done += 1,
            }
            if (i + 1) % 1000 == 0 {
                eprintln!(
                    "re-issue after compromise of key {compromised}: {} of {total} tickets looked at",
                    i + 1
                );
            }
        }
        Ok(report)
    }

    /// After an upgrade from a center that signed an older format version
    /// (a ledger of schema version 1 holds format 1 tickets, which gates of
    /// this version refuse as `unsupported_version`): re-issue every valid
    /// ticket whose bytes are of another format than
    /// [`FORMAT_VERSION`](eticket_core::signed::FORMAT_VERSION) under the
    /// current ticket key, each as the next generation for the same holder
    /// with the old one revoked. Each ticket is its own transaction, so a
    /// stopped run resumes (`already_done` counts the earlier ones). Holders'
    /// readers then swap chip tickets ([`Center::deliver`],
    /// [`Center::delete_grant`]); paper holders get a reprint. Operator only
    /// (`eticket reissue-old-format`).
    pub fn reissue_old_format(&self, who: &Principal) -> Result<ReissueReport> {
        if *who != Principal::Operator {
            return Err(Error::Forbidden(
                "only the operator re-issues tickets of an old format".into(),
            ));
        }
        let current = eticket_core::signed::FORMAT_VERSION;
        let old = |ticket: &[u8]| ticket.first().is_some_and(|v| *v != current);
        let (valid, earlier) = self.read(|tx| {
            let mut valid = Vec::new();
            for v in issued::all_valid(tx, None)? {
                if old(&v.ticket) {
                    valid.push((v.event, v.serial, v.generation));
                }
            }
            let earlier = reissues::count(tx, Reason::FormatUpgrade.name())?;
            Ok((valid, earlier))
        })?;
        let mut report = ReissueReport {
            reissued: Vec::new(),
            already_done: earlier,
        };
        let total = valid.len();
        for (i, (event, serial, generation)) in valid.into_iter().enumerate() {
            let now = self.now();
            let done = self.ledger.transaction(&mut |tx| {
                let Some(current) = valid_issued(tx, event, serial)? else {
                    return Ok(None);
                };
                if current.generation != generation || !old(&current.ticket) {
                    return Ok(None);
                }
                self.reissue_in(
                    tx,
                    (event, serial, generation),
                    current.holder,
                    Reason::FormatUpgrade,
                    who,
                    now,
                )
                .map(Some)
            })?;
            match done {
                Some(r) => report.reissued.push(r),
                None => report.already_done += 1,
            }
            if (i + 1) % 1000 == 0 {
                eprintln!(
                    "re-issue in the current format: {} of {total} tickets",
                    i + 1
                );
            }
        }
        Ok(report)
    }

    /// Move every valid ticket on a lost, broken or PIN-locked card to the
    /// holder's new card, without the old card's signature: the distributor
    /// that sold the tickets checks the holder's identity and says how in the
    /// request. Each ticket gets the next generation for the new chip and the
    /// old generation is revoked, so the old card admits nobody even if it
    /// turns up; pending transfers from the old card are cancelled. A
    /// distributor moves only the tickets it sold; the operator moves all.
    /// Idempotent under `key`.
    pub fn replace_card(
        &self,
        who: &Principal,
        key: &str,
        req: &CardReplacement,
    ) -> Result<Vec<Reissued>> {
        if !matches!(who, Principal::Distributor(_) | Principal::Operator) {
            return Err(Error::Forbidden(
                "a card is replaced by the distributor that sold its tickets or the operator"
                    .into(),
            ));
        }
        if req.old_chip == req.new_chip {
            return Err(Error::invalid(
                "new_chip",
                "the new card must be another card",
            ));
        }
        let check = req.identity_check.trim();
        if check.is_empty() || check.chars().count() > 200 {
            return Err(Error::invalid(
                "identity_check",
                "say in 1 to 200 characters how the holder's identity was checked",
            ));
        }
        let old_holder = Holder::Chip(req.old_chip);
        self.mutate(who, key, "replace_card", req, |tx, now| {
            let held: Vec<_> = issued::all_valid(tx, Some(&old_holder))?
                .into_iter()
                .map(|v| (v.event, v.serial, v.generation))
                .collect();
            let mut out = Vec::new();
            for (event, serial, generation) in held {
                // A ticket this caller did not sell stays where it is; a
                // failure of the ledger ends the request (on PostgreSQL the
                // transaction is aborted: nothing after it may run).
                match sold_record(tx, who, event, serial) {
                    Ok(_) => {}
                    Err(
                        Error::NotIssued { .. }
                        | Error::NotInAllotment { .. }
                        | Error::Forbidden(_),
                    ) => continue,
                    Err(e) => return Err(e),
                }
                crate::tables::transfers::cancel_pending_of(tx, event, serial, now)?;
                out.push(self.reissue_in(
                    tx,
                    (event, serial, generation),
                    Holder::Chip(req.new_chip),
                    Reason::Replacement,
                    who,
                    now,
                )?);
            }
            if out.is_empty() {
                return Err(Error::invalid(
                    "old_chip",
                    format!(
                        "chip {} holds no valid ticket this caller sold",
                        req.old_chip
                    ),
                ));
            }
            reissues::insert_card_replacement(
                tx,
                req.old_chip,
                req.new_chip,
                &who.label(),
                check,
                now,
            )?;
            Ok(out)
        })
    }
}
