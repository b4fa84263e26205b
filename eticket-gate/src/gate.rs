//! One gate device: admission in one call, for a chip or a scanned paper
//! code, and exit scans for re-entry policies.
//!
//! The chip flow: ask the chip who it is, send it a fresh challenge bound to
//! the event, the gate and the time ([`GateChallenge`], 18 random bytes),
//! verify the answer with the public key whose hash is the chip id (a cloned
//! card or a replayed answer fails here) and refuse it when it took longer
//! than the venue allows (a relayed card), read its tickets, run core's
//! [`decide`] on each with `Presented::Chip(proven id)`, hold back what the
//! age of the unit's trust material does not allow, then let the entry log's
//! anti-passback transaction pick the first admissible ticket. Every scan,
//! admitted or not, is logged, a chip's challenge and answer with it.

use std::fmt;
use std::sync::Arc;

use eticket_core::admission::{Decision, GateContext, Guidance, Presented, Reason, decide};
use eticket_core::certificate::ChipCertificate;
use eticket_core::chipauth::{CHALLENGE_NONCE_LEN, GateChallenge, verify_answer};
use eticket_core::ids::{ChipId, GateId, Generation};
use eticket_core::local_time::VenueTime;
use eticket_core::ticket::{Flags, Holder, TicketBody, VerifiedTicket};
use eticket_core::time::Timestamp;
use rand_core::{OsRng, RngCore};

use crate::chip::{MAX_TICKETS_PER_CHIP, PresentedChip};
use crate::clock::{MonotonicClock, SystemMonotonic};
use crate::entry_log::{Candidate, EntryLog, Logged, PreviousEntry};
use crate::record::{
    ChipProof, Direction, EntryRecord, Medium, ScanId, ScanResult, TicketFacts, device_name,
};
use crate::refusal::Refusal;
use crate::trust::TrustStore;
use crate::unit::{Settings, Shared, StalePolicy, WrongGatePolicy};
use crate::venue::protocol::{Answer, Request, WireCandidate};
use crate::venue::{Link, SyncStatus};
use crate::{Error, Result};

/// What a scan ended in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Let them in.
    Admitted {
        /// The ticket that admitted them.
        ticket: VerifiedTicket,
        /// Where to go (c59).
        guidance: Guidance,
        /// Which admission of this ticket it was, from 1.
        entry: u32,
    },
    /// Refuse.
    Refused {
        /// Why.
        refusal: Refusal,
        /// The ticket, when it verified.
        ticket: Option<TicketBody>,
        /// For a passback refusal, the ticket's last admission.
        previous: Option<PreviousEntry>,
    },
    /// An exit scan was recorded.
    Exited {
        /// The ticket.
        ticket: TicketBody,
        /// Whether the log had it inside.
        was_inside: bool,
    },
}

/// The result of one scan: the verdict and the logged record. Its screen
/// line (`Display`) shows times in the venue's time zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// What to do.
    pub verdict: Verdict,
    /// The line written to the entry log.
    pub record: EntryRecord,
    /// The gate device decided alone: its venue unit did not answer (the
    /// steward is told; the scan reaches the unit later).
    pub offline: bool,
    /// The venue's time zone (IANA name) for the screen line's times.
    zone: Arc<str>,
}

impl Outcome {
    /// For an admission at another gate than the one the place is reached
    /// through (c59; the venue admits and redirects): that gate's name, for
    /// the steward to send the person on.
    pub fn wrong_gate(&self) -> Option<&str> {
        match &self.verdict {
            Verdict::Admitted { guidance, .. } if guidance.gate_id != self.record.gate => {
                Some(&guidance.gate)
            }
            _ => None,
        }
    }

    /// The scan's unique id.
    pub fn scan_id(&self) -> ScanId {
        self.record.scan_id
    }

    /// Whether the person may enter.
    pub fn is_admitted(&self) -> bool {
        matches!(self.verdict, Verdict::Admitted { .. })
    }

    /// Why it was refused.
    pub fn refusal(&self) -> Option<Refusal> {
        match &self.verdict {
            Verdict::Refused { refusal, .. } => Some(*refusal),
            _ => None,
        }
    }

    /// Where an admitted person goes.
    pub fn guidance(&self) -> Option<&Guidance> {
        match &self.verdict {
            Verdict::Admitted { guidance, .. } => Some(guidance),
            _ => None,
        }
    }
}

impl fmt::Display for Outcome {
    /// One line for the gate's screen: `ADMIT …guidance…` or `REFUSE
    /// …reason…`, times in the venue's time zone with their UTC offset.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let local = VenueTime::named_or_utc(&self.zone);
        if self.offline {
            f.write_str("OFFLINE ")?;
        }
        match &self.verdict {
            Verdict::Admitted { guidance, .. } => match self.wrong_gate() {
                // The guidance starts with the right gate's name.
                Some(_) => write!(f, "ADMIT  WRONG GATE, send on: {guidance}"),
                None => write!(f, "ADMIT  {guidance}"),
            },
            Verdict::Refused {
                refusal, previous, ..
            } => {
                f.write_str("REFUSE ")?;
                refusal.write_with(f, |t| local.second(t))?;
                if let Some(p) = previous {
                    let at = local.second(p.at);
                    match &p.gate_name {
                        Some(name) => write!(f, " (entered at {name}, {at})")?,
                        None => write!(f, " (entered at gate {}, {at})", p.gate)?,
                    }
                }
                Ok(())
            }
            Verdict::Exited { ticket, .. } => write!(f, "EXIT   {}", ticket.serial),
        }
    }
}

/// A gate device of the venue unit, with its own connection to the shared
/// entry log. Create it with [`VenueUnit::gate`](crate::VenueUnit::gate);
/// move it to the thread that drives the reader.
#[derive(Debug)]
pub struct Gate {
    id: GateId,
    device: String,
    log: EntryLog,
    shared: Arc<Shared>,
    clock: Arc<dyn MonotonicClock>,
    /// A device's connection to the venue unit that decides anti-passback
    /// (none: this gate's own log decides, as at a unit's own gates).
    link: Option<Link>,
}

/// A chip that proved its identity, with the tickets it holds.
struct ProvenChip {
    id: ChipId,
    tickets: Vec<Vec<u8>>,
}

impl Gate {
    pub(crate) fn new(id: GateId, device: &str, log: EntryLog, shared: Arc<Shared>) -> Self {
        Self {
            id,
            device: device_name(device),
            log,
            shared,
            clock: Arc::new(SystemMonotonic::new()),
            link: None,
        }
    }

    /// The same gate deciding anti-passback at a venue unit over `link`.
    pub(crate) fn with_link(mut self, link: Link) -> Self {
        self.link = Some(link);
        self
    }

    /// Whether the gate's venue unit answered its last request (always
    /// true for a gate of a unit in the same process).
    pub fn is_online(&self) -> bool {
        self.link.as_ref().is_none_or(Link::is_connected)
    }

    /// For a gate device of a networked venue
    /// ([`venue::Device`](crate::venue::Device)): reach the venue unit if it
    /// is away, send every scan it has not confirmed, take its newer trust
    /// material. A gate of a unit in the same process has nothing to do and
    /// reports itself online.
    pub fn sync(&mut self, now: Timestamp) -> Result<SyncStatus> {
        self.sync_up_to(now, usize::MAX)
    }

    /// [`sync`](Self::sync), sending at most `limit` pending scans.
    pub(crate) fn sync_up_to(&mut self, now: Timestamp, limit: usize) -> Result<SyncStatus> {
        let Some(link) = self.link.as_mut() else {
            return Ok(SyncStatus {
                online: true,
                pending: 0,
                trust_applied: 0,
                trust_refused: 0,
            });
        };
        let mut status = SyncStatus {
            online: false,
            pending: 0,
            trust_applied: 0,
            trust_refused: 0,
        };
        if let Ok((ok, _)) = crate::venue::pull_trust(link, &self.shared, &self.log, now) {
            status.trust_applied = ok;
            let _ = crate::venue::flush(link, &self.log, limit);
        }
        status.trust_refused = link.trust_refused;
        status.online = link.is_connected();
        status.pending = crate::venue::pending(&self.log)?;
        Ok(status)
    }

    /// After a scan: a little of [`sync`](Self::sync) while the unit answers.
    fn after_scan(&mut self, now: Timestamp) {
        let Some(link) = self.link.as_mut() else {
            return;
        };
        if !link.is_connected() {
            return;
        }
        if crate::venue::pending(&self.log).is_ok_and(|n| n > 0) {
            let _ = crate::venue::flush(link, &self.log, crate::venue::FLUSH_PER_SCAN);
        }
        if link.trust_seen > crate::venue::trust_applied(&self.log) {
            let _ = crate::venue::pull_trust(link, &self.shared, &self.log, now);
        }
    }

    /// The same gate timing chip answers with `clock` (a simulation's or a
    /// test's [`ManualMonotonic`](crate::clock::ManualMonotonic), or the
    /// reader driver's own clock).
    pub fn with_answer_clock(mut self, clock: Arc<dyn MonotonicClock>) -> Self {
        self.clock = clock;
        self
    }

    /// The gate's id.
    pub fn id(&self) -> GateId {
        self.id
    }

    /// The device name logged with every scan.
    pub fn device(&self) -> &str {
        &self.device
    }

    fn template(
        &self,
        direction: Direction,
        medium: Medium,
        now: Timestamp,
    ) -> Result<EntryRecord> {
        Ok(EntryRecord {
            scan_id: ScanId::random()?,
            event: self.shared.event.id,
            at: now,
            gate: self.id,
            device: self.device.clone(),
            direction,
            medium,
            ticket: None,
            result: ScanResult::Refused {
                code: Refusal::NoTicket.code(),
            },
            chip_proof: None,
        })
    }

    /// Admit or refuse the chip in front of the reader.
    ///
    /// Errors only when the entry log cannot be written (the gate must then
    /// not open); everything about the chip and its tickets is an [`Outcome`].
    pub fn admit_chip<C: PresentedChip + ?Sized>(
        &mut self,
        chip: &mut C,
        now: Timestamp,
    ) -> Result<Outcome> {
        let (template, proven) = self.prove(chip, Direction::Entry, now)?;
        let out = match proven {
            Ok(p) => self.enter(template, &p.tickets, Presented::Chip(p.id), now),
            Err(refusal) => self.refuse(template, refusal, None),
        };
        self.after_scan(now);
        out
    }

    /// Admit or refuse a scanned paper ticket: the QR code's text as a
    /// scanner gives it (`ET1:…`, a trailing line end ignored) or the signed
    /// ticket's bytes. Anything else is refused as unreadable, and logged.
    pub fn admit_paper(&mut self, payload: &[u8], now: Timestamp) -> Result<Outcome> {
        let template = self.template(Direction::Entry, Medium::Paper, now)?;
        let out = self.enter(template, &[paper_bytes(payload)], Presented::Paper, now);
        self.after_scan(now);
        out
    }

    /// Record that the chip's holder leaves (re-entry policies). The chip
    /// proves its identity as on entry, so a clone cannot check someone out.
    pub fn exit_chip<C: PresentedChip + ?Sized>(
        &mut self,
        chip: &mut C,
        now: Timestamp,
    ) -> Result<Outcome> {
        let (template, proven) = self.prove(chip, Direction::Exit, now)?;
        let out = match proven {
            Ok(p) => self.exit(template, &p.tickets, Presented::Chip(p.id), now),
            Err(refusal) => self.refuse(template, refusal, None),
        };
        self.after_scan(now);
        out
    }

    /// Record that a paper ticket's holder leaves (the scan as for
    /// [`admit_paper`](Self::admit_paper)).
    pub fn exit_paper(&mut self, payload: &[u8], now: Timestamp) -> Result<Outcome> {
        let template = self.template(Direction::Exit, Medium::Paper, now)?;
        let out = self.exit(template, &[paper_bytes(payload)], Presented::Paper, now);
        self.after_scan(now);
        out
    }

    /// Identity, fresh challenge, answer (timed), tickets.
    fn prove<C: PresentedChip + ?Sized>(
        &self,
        chip: &mut C,
        direction: Direction,
        now: Timestamp,
    ) -> Result<(EntryRecord, std::result::Result<ProvenChip, Refusal>)> {
        let mut template = self.template(direction, Medium::UnreadableChip, now)?;
        let Ok(who) = chip.identity() else {
            return Ok((template, Err(Refusal::ChipUnreadable)));
        };
        template.medium = Medium::Chip(who.id);
        let challenge = self.fresh_challenge(now)?.to_bytes();
        let asked = self.clock.elapsed();
        let answer = chip.answer(&challenge);
        let took = self.clock.elapsed().saturating_sub(asked);
        let Ok(answer) = answer else {
            return Ok((template, Err(Refusal::ChipUnreadable)));
        };
        template.chip_proof = Some(ChipProof {
            challenge,
            answer,
            answer_ms: u32::try_from(took.as_millis()).unwrap_or(u32::MAX),
        });
        if verify_answer(who.id, &who.public_key, &challenge, &answer).is_err() {
            return Ok((template, Err(Refusal::ChallengeFailed)));
        }
        // A genuine answer that took too long: the card may be elsewhere,
        // relayed. (Timed on the gate's monotonic clock, never the wall.)
        if took > std::time::Duration::from_millis(self.shared.settings.max_answer_ms) {
            return Ok((template, Err(Refusal::AnswerTooSlow)));
        }
        if self.shared.settings.require_certificate && !self.certified(chip, who.id, now) {
            return Ok((template, Err(Refusal::ChipNotCertified)));
        }
        let tickets = match chip.tickets() {
            Ok(t) if t.len() > MAX_TICKETS_PER_CHIP => {
                return Ok((template, Err(Refusal::ChipUnreadable)));
            }
            Ok(t) if t.is_empty() => return Ok((template, Err(Refusal::NoTicket))),
            Ok(t) => t,
            Err(_) => return Ok((template, Err(Refusal::ChipUnreadable))),
        };
        Ok((
            template,
            Ok(ProvenChip {
                id: who.id,
                tickets,
            }),
        ))
    }

    /// Whether the chip holds a certificate for `id` that verifies with the
    /// unit's key set at `now`.
    fn certified<C: PresentedChip + ?Sized>(
        &self,
        chip: &mut C,
        id: ChipId,
        now: Timestamp,
    ) -> bool {
        let Ok(Some(bytes)) = chip.certificate() else {
            return false;
        };
        let trust = self.shared.trust_read();
        ChipCertificate::from_signed_bytes(&bytes, trust.keys(), now).is_ok_and(|c| c.chip == id)
    }

    /// A challenge naming this gate, its event and `now`, with a nonce from
    /// the operating system's CSPRNG.
    fn fresh_challenge(&self, now: Timestamp) -> Result<GateChallenge> {
        let mut nonce = [0u8; CHALLENGE_NONCE_LEN];
        OsRng
            .try_fill_bytes(&mut nonce)
            .map_err(|e| Error::Random(e.to_string()))?;
        Ok(GateChallenge {
            event: self.shared.event.id,
            gate: self.id,
            at: now,
            nonce,
        })
    }

    /// Core's decision on every ticket, with the unit's trust and settings,
    /// and what the trust material's age holds back.
    fn decide_all(
        &self,
        tickets: &[Vec<u8>],
        presented: Presented,
        now: Timestamp,
    ) -> Result<(Vec<Decision>, Hold)> {
        let trust = self.shared.trust_read();
        let settings = &self.shared.settings;
        let mut ctx = GateContext::new(&self.shared.event, trust.keys(), trust.revocations(), now)
            .map_err(|_| Error::Config("the revocation list is for another event"))?;
        ctx.clock_skew = settings.clock_skew;
        ctx.accept_specimen = settings.accept_specimen;
        ctx.places = Some(&self.shared.places);
        let decisions = tickets.iter().map(|t| decide(t, presented, &ctx)).collect();
        Ok((decisions, Hold::new(&trust, settings, now)))
    }

    fn enter(
        &mut self,
        template: EntryRecord,
        tickets: &[Vec<u8>],
        presented: Presented,
        now: Timestamp,
    ) -> Result<Outcome> {
        let (decisions, hold) = self.decide_all(tickets, presented, now)?;
        let mut admissible = Vec::new();
        let mut candidates = Vec::new();
        let mut held = None;
        for d in &decisions {
            if let Decision::Admit { ticket, guidance } = d {
                if let Some(refusal) = hold.refusal_for(ticket.body.generation) {
                    held.get_or_insert((refusal, &ticket.body));
                    continue;
                }
                if guidance.gate_id != self.id
                    && self.shared.settings.wrong_gate == WrongGatePolicy::Refuse
                {
                    held.get_or_insert((Refusal::WrongGate, &ticket.body));
                    continue;
                }
                candidates.push(Candidate {
                    facts: TicketFacts::from(&ticket.body),
                    paper: presented == Presented::Paper,
                    reentry: ticket.body.flags.contains(Flags::REENTRY),
                });
                admissible.push((ticket, guidance));
            }
        }
        if candidates.is_empty() {
            let mut template = template;
            // A ticket that passed every check but the trust material's age:
            // that is what the steward must hear.
            if let Some((refusal, body)) = held {
                template.ticket = Some(TicketFacts::from(body));
                return self.refuse(template, refusal, Some(body.clone()));
            }
            let (reason, ticket) = most_telling(&decisions, self.shared.event.id);
            template.ticket = ticket.as_ref().map(TicketFacts::from);
            return self.refuse(template, reason.into(), ticket);
        }
        let (logged, offline) = self.passback(template, &candidates)?;
        let verdict = match logged.admitted.and_then(|i| admissible.get(i)) {
            Some((ticket, guidance)) => Verdict::Admitted {
                ticket: (*ticket).clone(),
                guidance: (*guidance).clone(),
                entry: match logged.record.result {
                    ScanResult::Admitted { entry } => entry,
                    _ => 1,
                },
            },
            None => Verdict::Refused {
                refusal: logged
                    .record
                    .result
                    .refusal()
                    .unwrap_or(Refusal::AlreadyAdmitted),
                ticket: admissible.first().map(|(t, _)| t.body.clone()),
                previous: logged.previous.map(|mut p| {
                    p.gate_name = self.shared.event.venue.gate(p.gate).map(|g| g.name.clone());
                    p
                }),
            },
        };
        Ok(Outcome {
            verdict,
            record: logged.record,
            offline,
            zone: self.shared.zone.clone(),
        })
    }

    /// Anti-passback for `candidates`: at the venue unit when this gate is a
    /// networked device and the unit answers in time, else in this gate's
    /// own log under the venue's offline policy. Returns whether it was
    /// decided alone.
    fn passback(
        &mut self,
        template: EntryRecord,
        candidates: &[Candidate],
    ) -> Result<(Logged, bool)> {
        let policy = self.shared.settings.policy;
        let Some(link) = self.link.as_mut() else {
            return Ok((self.log.enter(template, candidates, policy)?, false));
        };
        let request = Request::Enter {
            template: template.clone(),
            candidates: candidates
                .iter()
                .map(|c| WireCandidate {
                    facts: c.facts,
                    paper: c.paper,
                    reentry: c.reentry,
                })
                .collect(),
        };
        if let Ok(Answer::Entered {
            admitted,
            record,
            previous,
            trust,
        }) = link.request(&request)
        {
            // The unit's answer must be about this scan and one of its
            // tickets; anything else is decided here.
            let admitted = admitted.map(|i| i as usize);
            let consistent = record.scan_id == template.scan_id
                && admitted.is_none_or(|i| candidates.get(i).map(|c| c.facts) == record.ticket);
            if consistent {
                link.trust_seen = link.trust_seen.max(trust);
                let before = self.log.last_seq()?;
                self.log.store_decided(&record, policy)?;
                crate::venue::confirmed(&self.log, before)?;
                return Ok((
                    Logged {
                        admitted,
                        record,
                        previous: previous.map(Into::into),
                    },
                    false,
                ));
            }
        }
        let paper = candidates.first().is_some_and(|c| c.paper);
        if self.shared.settings.offline.refuses(paper) {
            let record = EntryRecord {
                ticket: candidates.first().map(|c| c.facts),
                result: ScanResult::Refused {
                    code: Refusal::RefusedOffline.code(),
                },
                ..template
            };
            self.log.append(&record)?;
            return Ok((
                Logged {
                    admitted: None,
                    record,
                    previous: None,
                },
                true,
            ));
        }
        Ok((self.log.enter(template, candidates, policy)?, true))
    }

    /// Tell the venue unit about a scan this gate logged itself; whether it
    /// could not (the device is offline).
    fn tell_unit(&mut self, request: Request, seq_before: i64) -> Result<bool> {
        let Some(link) = self.link.as_mut() else {
            return Ok(false);
        };
        match link.request(&request) {
            Ok(Answer::Logged | Answer::Exited { .. }) => {
                crate::venue::confirmed(&self.log, seq_before)?;
                Ok(false)
            }
            _ => Ok(true),
        }
    }

    fn exit(
        &mut self,
        mut template: EntryRecord,
        tickets: &[Vec<u8>],
        presented: Presented,
        now: Timestamp,
    ) -> Result<Outcome> {
        // Leaving lets nobody in: the trust material's age does not matter.
        let (decisions, _) = self.decide_all(tickets, presented, now)?;
        // Leaving needs an authentic ticket of this event on the right medium;
        // a ticket that expired while inside may still leave. A revoked
        // generation may not: presence is kept per serial, so the assignor's
        // dead copy would otherwise mark the new holder outside and let the
        // new holder's card bring a second person in.
        let leaving: Vec<&TicketBody> = decisions
            .iter()
            .filter_map(|d| match d {
                Decision::Admit { ticket, .. } => Some(&ticket.body),
                Decision::Reject {
                    reason: Reason::Expired | Reason::NotYetValid,
                    ticket: Some(t),
                } if t.body.event == self.shared.event.id && holds(presented, t) => Some(&t.body),
                _ => None,
            })
            .collect();
        let mut chosen = None;
        for body in &leaving {
            if self.log.presence(body.serial)?.inside {
                chosen = Some(*body);
                break;
            }
        }
        let Some(body) = chosen.or(leaving.first().copied()) else {
            let (reason, ticket) = most_telling(&decisions, self.shared.event.id);
            template.ticket = ticket.as_ref().map(TicketFacts::from);
            return self.refuse(template, reason.into(), ticket);
        };
        template.ticket = Some(TicketFacts::from(body));
        template.result = ScanResult::Exited;
        let before = self.log.last_seq()?;
        let mut was_inside = self.log.exit(&template, body.serial)?;
        let mut offline = false;
        if let Some(link) = self.link.as_mut() {
            let request = Request::Exit {
                record: template.clone(),
                serial: body.serial,
            };
            match link.request(&request) {
                Ok(Answer::Exited { was_inside: w }) => {
                    was_inside = w;
                    crate::venue::confirmed(&self.log, before)?;
                }
                _ => offline = true,
            }
        }
        Ok(Outcome {
            verdict: Verdict::Exited {
                ticket: body.clone(),
                was_inside,
            },
            record: template,
            offline,
            zone: self.shared.zone.clone(),
        })
    }

    fn refuse(
        &mut self,
        mut template: EntryRecord,
        refusal: Refusal,
        ticket: Option<TicketBody>,
    ) -> Result<Outcome> {
        template.result = ScanResult::Refused {
            code: refusal.code(),
        };
        let before = self.log.last_seq()?;
        self.log.append(&template)?;
        let offline = self.tell_unit(
            Request::Log {
                record: template.clone(),
            },
            before,
        )?;
        Ok(Outcome {
            verdict: Verdict::Refused {
                refusal,
                ticket,
                previous: None,
            },
            record: template,
            offline,
            zone: self.shared.zone.clone(),
        })
    }
}

/// What the age of the unit's trust material holds back at one scan.
#[derive(Debug, Clone, Copy)]
struct Hold {
    /// The revocation list is older than the venue allows: refuse all.
    too_old: Option<Refusal>,
    /// The list or key set is stale: refuse what the policy says.
    stale: Option<Refusal>,
    policy: StalePolicy,
}

impl Hold {
    fn new(trust: &TrustStore, settings: &Settings, now: Timestamp) -> Self {
        let list = trust.revocations();
        let keys = trust.keys();
        let too_old = (now.0.saturating_sub(list.issued_at.0) > settings.max_list_age).then_some(
            Refusal::RevocationListTooOld {
                issued_at: Some(list.issued_at),
            },
        );
        let stale = if list.is_stale(now) {
            Some(Refusal::RevocationListStale {
                since: Some(list.next_update),
            })
        } else if keys.is_stale(now) {
            Some(Refusal::KeySetStale {
                since: Some(keys.next_update),
            })
        } else {
            None
        };
        Self {
            too_old,
            stale,
            policy: settings.stale_policy,
        }
    }

    /// The refusal for an otherwise admissible ticket of `generation`.
    fn refusal_for(&self, generation: Generation) -> Option<Refusal> {
        self.too_old
            .or(self.stale.filter(|_| self.policy.refuses(generation)))
    }
}

/// The system clock as a [`Timestamp`], for callers that admit "now" (core
/// reads no clock; every admission takes its time as an argument). A clock
/// set before 1970 reads as the epoch.
pub fn system_now() -> Timestamp {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Timestamp(secs)
}

/// The signed ticket bytes of a scanned paper code: its QR text (`ET1:…`)
/// decoded, or the bytes as they are. QR text that does not decode is
/// passed on as it is, and refused as malformed.
fn paper_bytes(payload: &[u8]) -> Vec<u8> {
    let prefix = eticket_chip::paper::PAYLOAD_PREFIX.as_bytes();
    if payload.starts_with(prefix) {
        if let Some(ticket) = std::str::from_utf8(payload)
            .ok()
            .and_then(|text| eticket_chip::paper::parse_payload(text).ok())
        {
            return ticket.into_bytes();
        }
    }
    payload.to_vec()
}

/// Whether the presentation matches the ticket's holder.
fn holds(presented: Presented, ticket: &VerifiedTicket) -> bool {
    match (presented, ticket.body.holder) {
        (Presented::Chip(chip), Holder::Chip(owner)) => chip == owner,
        (Presented::Paper, Holder::Paper) => true,
        _ => false,
    }
}

/// Of several refused tickets on one chip, the refusal a steward should hear:
/// one about a ticket of this event first, then one about a ticket that did
/// not verify, and "for another event" last.
fn most_telling(
    decisions: &[Decision],
    event: eticket_core::ids::EventId,
) -> (Reason, Option<TicketBody>) {
    let rank = |d: &Decision| match d {
        Decision::Reject {
            ticket: Some(t), ..
        } if t.body.event == event => 0,
        Decision::Reject { ticket: None, .. } => 1,
        _ => 2,
    };
    decisions
        .iter()
        .min_by_key(|d| rank(d))
        .and_then(|d| match d {
            Decision::Reject { reason, ticket } => {
                Some((*reason, ticket.as_ref().map(|t| t.body.clone())))
            }
            Decision::Admit { .. } => None,
        })
        .unwrap_or((Reason::Malformed, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_system_clock_is_after_2024() {
        assert!(system_now() > Timestamp(1_700_000_000));
    }
}
