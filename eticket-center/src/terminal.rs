//! Purchases at a store terminal (c17, c19, c34): the terminal takes a
//! buyer's request and passes it to one of the distributors it serves; that
//! distributor's policy decides exactly as for its own sales, the center
//! issues, and the answer tells the terminal what to do next.
//!
//! 1. For a member's purchase the terminal first asks for a challenge
//!    ([`Center::terminal_challenge`]); the buyer's membership card signs it
//!    (INTERNAL AUTHENTICATE, eticket-chip's `prove` or `eticket_chip_prove`
//!    in C), which proves the card itself is at the terminal.
//! 2. The terminal sends the purchase ([`Center::terminal_purchase`]) under
//!    an idempotency key: a retry sells once.
//! 3. The answer's [`TerminalNext`] says: write the issued tickets to the
//!    presented chip with their grants, print them (`POST …/paper`), come
//!    back after the distributor's hold-until time (`POST …/delivery` then),
//!    or wait for the lottery's draw.
//!
//! ```
//! use eticket_center::terminal::{TerminalNext, TerminalPurchase};
//! let p: TerminalPurchase = serde_json::from_str(
//!     r#"{"distributor": 1, "seats": {"best_available": {"quantity": 2}}, "holder": "paper"}"#,
//! ).unwrap();
//! assert!(p.member.is_none());
//! assert_eq!(serde_json::to_string(&TerminalNext::Print).unwrap(), "\"print\"");
//! ```

use eticket_core::chipauth::{CHALLENGE_LEN, verify_answer};
use eticket_core::crypto::SIGNATURE_LEN;
use eticket_core::ids::{ChipId, DistributorId, EventId, MemberId};
use eticket_core::ticket::Holder;
use eticket_core::time::Timestamp;
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};

use crate::center::{Center, Principal};
use crate::distributor::{SaleRequest, SeatChoice};
use crate::issuance::{ChipTarget, Delivery};
use crate::lottery::LotteryApplication;
use crate::metrics::{self, Fresh};
use crate::policy::PolicyKind;
use crate::records::RecordView;
use crate::store::Store;
use crate::tables::{credentials, terminal_challenges};
use crate::wire;
use crate::{Error, Result};

/// How long a terminal challenge may wait for the card's answer, in seconds.
pub const CHALLENGE_TTL_SECS: u64 = 5 * 60;

/// A challenge for a buyer's card at a store terminal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TerminalChallenge {
    /// 32 bytes for the card to sign (INTERNAL AUTHENTICATE), as hex.
    #[serde(with = "wire::hex_bytes")]
    #[schemars(with = "wire::schema::HexBytes")]
    pub challenge: Vec<u8>,
    /// When it can no longer be used.
    pub expires_at: Timestamp,
}

/// A card's answer to a terminal challenge: what the terminal read from the
/// buyer's membership card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CardProof {
    /// The card's chip id.
    #[serde(with = "wire::chip")]
    #[schemars(with = "wire::schema::ChipHex")]
    pub chip: ChipId,
    /// The card's public key (65 bytes SEC1, hex), as its answer gives it.
    #[serde(with = "wire::hex_bytes")]
    #[schemars(with = "wire::schema::HexBytes")]
    pub public_key: Vec<u8>,
    /// The challenge the center gave ([`TerminalChallenge::challenge`]).
    #[serde(with = "wire::hex_bytes")]
    #[schemars(with = "wire::schema::HexBytes")]
    pub challenge: Vec<u8>,
    /// The card's signature over its id and the challenge (64 bytes, hex).
    #[serde(with = "wire::hex_bytes")]
    #[schemars(with = "wire::schema::HexBytes")]
    pub answer: Vec<u8>,
}

/// A buyer's purchase request, sent by a store terminal to one of the
/// distributors it serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TerminalPurchase {
    /// The distributor the buyer buys from (one the terminal serves).
    pub distributor: DistributorId,
    /// Which tickets (a lottery takes `best_available` only).
    #[serde(deserialize_with = "crate::distributor::one_seat_choice")]
    #[schemars(with = "SeatChoice")]
    pub seats: SeatChoice,
    /// Who will hold them: the chip presented at the terminal, or paper.
    #[serde(with = "wire::holder")]
    #[schemars(with = "wire::schema::HolderText")]
    pub holder: Holder,
    /// The member buying, when there is one; needs `card`.
    #[serde(default)]
    pub member: Option<MemberId>,
    /// The member's card, proven at the terminal.
    #[serde(default)]
    pub card: Option<CardProof>,
    /// The holder chip's state as the terminal read it (counter, first free
    /// slot, trusted grant keys): the answer then carries a write grant per
    /// ticket, for counters `counter`, `counter + 1`, … and slots `slot`,
    /// `slot + 1`, … in the order of `tickets`.
    #[serde(default)]
    pub target: Option<ChipTarget>,
}

/// What the terminal does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TerminalNext {
    /// Write each ticket to the presented chip with its grant (or, without
    /// a `target`, fetch grants with `POST …/delivery`).
    Write,
    /// Print each ticket (`POST /v1/events/{event}/tickets/{serial}/paper`).
    Print,
    /// The tickets are sold but may not be written before `come_back_at`
    /// (the distributor's hold-until time): deliver or print them then.
    ComeBack,
    /// The buyer entered the distributor's lottery: the draw decides after
    /// `come_back_at` (the applications' close); winners' tickets are
    /// delivered then.
    WaitForDraw,
}

/// A terminal purchase's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TerminalPurchaseDone {
    /// What to do next.
    pub next: TerminalNext,
    /// The issuing records of the tickets sold (none for a lottery entry).
    pub records: Vec<RecordView>,
    /// The issued chip tickets, with write grants for a chip target (none
    /// for paper, which is printed through `POST …/tickets/{serial}/paper`
    /// so that every copy is recorded; none when they wait for a hold-until
    /// time or a draw).
    pub tickets: Vec<Delivery>,
    /// When to come back, for `come_back` and `wait_for_draw`.
    pub come_back_at: Option<Timestamp>,
}

fn terminal_of(who: &Principal) -> Result<u32> {
    match who {
        Principal::Terminal(t) => Ok(*t),
        _ => Err(Error::Forbidden(
            "only a store terminal takes a buyer's purchase".into(),
        )),
    }
}

impl Center {
    /// A fresh challenge for a buyer's card at store terminal `who`, valid
    /// [`CHALLENGE_TTL_SECS`] and once.
    pub fn terminal_challenge(&self, who: &Principal) -> Result<TerminalChallenge> {
        let terminal = terminal_of(who)?;
        let mut challenge = vec![0u8; CHALLENGE_LEN];
        OsRng.fill_bytes(&mut challenge);
        let now = self.now();
        let expires_at = now.plus(CHALLENGE_TTL_SECS);
        self.ledger.transaction(&mut |tx| {
            // Old challenges go as new ones come: the table stays small.
            terminal_challenges::delete_expired(tx, now.minus(CHALLENGE_TTL_SECS))?;
            terminal_challenges::insert(tx, &challenge, terminal, now, expires_at)
        })?;
        Ok(TerminalChallenge {
            challenge,
            expires_at,
        })
    }

    /// Take a buyer's purchase at store terminal `who` for one of the
    /// distributors it serves: that distributor's policy decides as for its
    /// own sales; sold tickets are issued at once when they may be written
    /// now. Once per idempotency key (the terminal's).
    pub fn terminal_purchase(
        &self,
        who: &Principal,
        key: &str,
        event: EventId,
        req: &TerminalPurchase,
    ) -> Result<TerminalPurchaseDone> {
        let terminal = terminal_of(who)?;
        let quantity = req.seats.quantity()?;
        if req.member.is_some() != req.card.is_some() {
            return Err(Error::invalid(
                "card",
                "a member's purchase comes with the member's card proven at the terminal, and a card with its member",
            ));
        }
        let d = req.distributor;
        self.mutate(who, key, "terminal_purchase", &(event, req), |tx, now| {
            if !credentials::terminal_serves(tx, terminal, d)? {
                return Err(Error::Forbidden(format!(
                    "terminal {terminal} does not serve distributor {}",
                    d.0
                )));
            }
            if let (Some(member), Some(card)) = (req.member, &req.card) {
                check_card(tx, terminal, d, member, card, now)?;
            }
            let policy = crate::organizer::check_selected(tx, event, d)?;
            if policy.kind == PolicyKind::Lottery {
                let (SeatChoice::BestAvailable { seat_type, .. }, Holder::Chip(chip)) =
                    (&req.seats, req.holder)
                else {
                    return Err(Error::invalid(
                        "seats",
                        "a lottery entry asks for best_available seats on a chip",
                    ));
                };
                let app = LotteryApplication {
                    chip,
                    member: req.member,
                    quantity,
                    seat_type: *seat_type,
                };
                self.apply_in(tx, d, event, &app, now)?;
                let closes = crate::lottery::closes_at(tx, event, d, now)?;
                return Ok(Fresh::new(TerminalPurchaseDone {
                    next: TerminalNext::WaitForDraw,
                    records: Vec::new(),
                    tickets: Vec::new(),
                    come_back_at: Some(closes),
                }));
            }
            let sale = SaleRequest {
                seats: req.seats.clone(),
                holder: req.holder,
                member: req.member,
            };
            let sold = self.sell_in(tx, d, event, &sale, now)?;
            if let Some(until) = policy.hold_until.filter(|t| now < *t) {
                return Ok(Fresh::new(TerminalPurchaseDone {
                    next: TerminalNext::ComeBack,
                    records: sold.records,
                    tickets: Vec::new(),
                    come_back_at: Some(until),
                }));
            }
            let seller = Principal::Distributor(d);
            let mut tickets = Vec::with_capacity(sold.records.len());
            for (i, record) in sold.records.iter().enumerate() {
                if req.holder == Holder::Paper {
                    // Issued, but printed only through `…/paper`, which
                    // records each copy: the answer carries no ticket bytes.
                    self.issue_in(tx, &seller, event, record.serial, None, now)?;
                    continue;
                }
                let target = req.target.as_ref().map(|t| nth_target(t, i)).transpose()?;
                tickets.push(self.issue_in(
                    tx,
                    &seller,
                    event,
                    record.serial,
                    target.as_ref(),
                    now,
                )?);
            }
            Ok(Fresh::new(TerminalPurchaseDone {
                next: match req.holder {
                    Holder::Chip(_) => TerminalNext::Write,
                    Holder::Paper => TerminalNext::Print,
                },
                records: sold.records,
                tickets,
                come_back_at: None,
            }))
        })
        .map(|done| done.counted(count_purchase))
    }
}

/// Count a store terminal's purchase: a sale, and an issuance when its
/// tickets were issued at once (to be written or printed).
fn count_purchase(done: &TerminalPurchaseDone) {
    if done.records.is_empty() {
        return;
    }
    metrics::record_sale(done.records.len());
    if matches!(done.next, TerminalNext::Write | TerminalNext::Print) {
        metrics::record_issuance(done.records.len());
    }
}

/// The target of the `i`-th ticket: the chip's counter and slot moved on by
/// the writes before it.
fn nth_target(first: &ChipTarget, i: usize) -> Result<ChipTarget> {
    let step = u32::try_from(i).map_err(|_| Error::invalid("target", "too many tickets"))?;
    let slot = u8::try_from(u32::from(first.slot) + step)
        .map_err(|_| Error::invalid("target", "the chip has no slot that far"))?;
    let counter = first
        .counter
        .checked_add(step)
        .ok_or_else(|| Error::invalid("target", "the chip's counter is at its end"))?;
    Ok(ChipTarget {
        counter,
        slot,
        ..first.clone()
    })
}

/// The card proof of `member` of distributor `d`: a challenge given to this
/// terminal, unexpired and unused (used now), signed by the member's own
/// chip. The answer and the challenge are checked before the member is
/// looked up, and an unknown member is refused like another's card, so the
/// refusals tell nobody which member numbers exist.
fn check_card(
    tx: &mut dyn crate::store::Tx,
    terminal: u32,
    d: DistributorId,
    member: MemberId,
    card: &CardProof,
    now: Timestamp,
) -> Result<()> {
    let refuse = |why: &str| Error::CardProof(format!("member {member}'s card: {why}"));
    let challenge: [u8; CHALLENGE_LEN] = card
        .challenge
        .as_slice()
        .try_into()
        .map_err(|_| refuse("the challenge is not 32 bytes"))?;
    let answer: [u8; SIGNATURE_LEN] = card
        .answer
        .as_slice()
        .try_into()
        .map_err(|_| refuse("the answer is not 64 bytes"))?;
    verify_answer(card.chip, &card.public_key, &challenge, &answer)
        .map_err(|_| refuse("the answer does not verify with the card's key"))?;
    if !terminal_challenges::use_once(tx, &challenge, terminal, now)? {
        return Err(refuse(
            "the challenge was not given to this terminal, has expired or was used",
        ));
    }
    match crate::tables::members::load(tx, d, member)? {
        Some(row) if row.chip == card.chip => Ok(()),
        _ => Err(refuse("this is not the member's card")),
    }
}
