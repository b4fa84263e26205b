//! `eticket chip …` and `eticket transfer`: a chip in a PC/SC reader, served
//! by the center on this ledger the way a store terminal serves it. Read and
//! verify its tickets, write an issued ticket with a fresh grant for the
//! chip's counter, delete an old generation after a transfer, install the
//! center's grant keys on a blank card, and have the chip sign a transfer
//! request that the center then holds for its cooling-off period.
//!
//! The commands need the `pcsc` feature (libpcsclite and a running pcscd);
//! without it they say so and fail.

use clap::{Args, Subcommand};

use crate::{Center, Error, Result};

/// Wrong PINs in a row before a new card blocks, unless told otherwise: the
/// chip's default, here too without the `pcsc` feature (which brings
/// eticket-chip), so that the CLI builds either way.
const DEFAULT_PIN_TRIES: u8 = 3;
#[cfg(feature = "pcsc")]
const _: () = assert!(DEFAULT_PIN_TRIES == eticket_chip::protocol::DEFAULT_PIN_TRIES);

/// Which reader, and how long to wait for a card in it.
#[derive(Debug, Clone, Args)]
pub struct ReaderArgs {
    /// The PC/SC reader's name (default: the first reader pcscd lists).
    #[arg(long, global = true)]
    pub reader: Option<String>,
    /// Seconds to wait for a card in the reader.
    #[arg(long, default_value_t = 10, global = true)]
    pub wait: u64,
}

/// `eticket chip …`.
#[derive(Debug, Args)]
pub struct ChipArgs {
    /// The reader.
    #[command(flatten)]
    pub reader: ReaderArgs,
    /// What to do with the chip.
    #[command(subcommand)]
    pub command: ChipCommand,
}

/// The chip commands.
#[derive(Debug, Subcommand)]
pub enum ChipCommand {
    /// List the PC/SC readers.
    Readers,
    /// The chip's id, counter, slots, trusted grant keys and member record.
    Info,
    /// Every ticket on the chip, verified against the center's key set and
    /// compared with the ledger (valid, old generation, or revoked).
    Read,
    /// Write a sold ticket to its holder chip: issued first if it is not yet,
    /// then delivered with a write grant for the chip's current counter.
    Write {
        /// The event.
        #[arg(long)]
        event: u32,
        /// The ticket.
        #[arg(long)]
        serial: u32,
    },
    /// Delete a ticket's old generation (after a transfer) from the chip,
    /// with the center's delete grant.
    Delete {
        /// The event.
        #[arg(long)]
        event: u32,
        /// The ticket.
        #[arg(long)]
        serial: u32,
    },
    /// Install the center's grant keys on a blank card. A card takes this
    /// once and is locked afterwards. With `--member-of`, the card becomes a
    /// membership card (c28, c31): the member is registered with the
    /// distributor for this chip and the member record is written with the keys.
    Personalize {
        /// The distributor the holder becomes a member of.
        #[arg(long, requires_all = ["member", "name"])]
        member_of: Option<u16>,
        /// The member number.
        #[arg(long, requires = "member_of")]
        member: Option<u32>,
        /// The member's name.
        #[arg(long, requires = "member_of")]
        name: Option<String>,
        /// When the membership ends (Unix seconds); a year from now if left out.
        #[arg(long, requires = "member_of")]
        valid_until: Option<u64>,
        /// The holder's PIN (4 to 12 digits): the card asks for it before it
        /// signs a transfer or a cancellation.
        #[arg(long, env = "ETICKET_PIN", hide_env_values = true)]
        pin: String,
        /// Wrong PINs in a row before the card blocks (1 to 15).
        #[arg(long, default_value_t = DEFAULT_PIN_TRIES)]
        pin_tries: u8,
    },
}

/// `eticket transfer`: the assignor's chip in the reader signs a request to
/// move one of its tickets to another chip; the center records it and
/// completes it after the cooling-off period.
#[derive(Debug, Args)]
pub struct TransferArgs {
    /// The reader holding the assignor's chip.
    #[command(flatten)]
    pub reader: ReaderArgs,
    /// The event.
    #[arg(long)]
    pub event: u32,
    /// The ticket.
    #[arg(long)]
    pub serial: u32,
    /// The assignee chip's id (32 hex digits).
    #[arg(long)]
    pub to: String,
    /// The holder's PIN, which the card asks for before it signs.
    #[arg(long, env = "ETICKET_PIN", hide_env_values = true)]
    pub pin: String,
}

/// `eticket transfer-cancel`: during the cooling-off period the assignor's
/// chip in the reader signs the cancellation of a pending transfer of its
/// ticket (the holder's PIN travels with the command), and the center
/// cancels the transfer.
#[derive(Debug, Args)]
pub struct TransferCancelArgs {
    /// The reader holding the assignor's chip.
    #[command(flatten)]
    pub reader: ReaderArgs,
    /// The event.
    #[arg(long)]
    pub event: u32,
    /// The ticket.
    #[arg(long)]
    pub serial: u32,
    /// The pending transfer's id (as `eticket transfer` printed it, or
    /// `GET /v1/pending-transfers`).
    #[arg(long)]
    pub id: String,
    /// The holder's PIN.
    #[arg(long, env = "ETICKET_PIN", hide_env_values = true)]
    pub pin: String,
}

/// Run `eticket transfer-cancel`.
pub fn run_transfer_cancel(center: &Center, args: &TransferCancelArgs) -> Result<()> {
    imp::run_transfer_cancel(center, args)
}

/// Run `eticket chip …`.
pub fn run_chip(center: &Center, key: &str, args: &ChipArgs) -> Result<()> {
    imp::run_chip(center, key, args)
}

/// Run `eticket transfer`.
pub fn run_transfer(center: &Center, args: &TransferArgs) -> Result<()> {
    imp::run_transfer(center, args)
}

#[cfg(not(feature = "pcsc"))]
mod imp {
    use super::*;

    fn unsupported() -> Error {
        Error::Chip(
            "this eticket was built without PC/SC support; build it with `--features pcsc`".into(),
        )
    }

    pub(super) fn run_chip(_: &Center, _: &str, _: &ChipArgs) -> Result<()> {
        Err(unsupported())
    }

    pub(super) fn run_transfer(_: &Center, _: &TransferArgs) -> Result<()> {
        Err(unsupported())
    }

    pub(super) fn run_transfer_cancel(_: &Center, _: &TransferCancelArgs) -> Result<()> {
        Err(unsupported())
    }
}

#[cfg(feature = "pcsc")]
mod imp {
    use std::time::Duration;

    use eticket_chip::host::pcsc::{PcscTransport, list_readers, wait_for_card};
    use eticket_chip::host::{Chip, StoredTicket};
    use eticket_chip::protocol::{MAX_GRANT_KEYS, MemberRecord, Personalization, Pin};
    use eticket_core::ids::{ChipId, DistributorId, EventId, MemberId, TicketSerial};
    use eticket_core::ticket::{Place, TicketBody};
    use eticket_core::time::Timestamp;

    use super::*;
    use crate::Principal;
    use crate::distributor::{MemberRegistration, MembershipCard};
    use crate::issuance::ChipTarget;
    use crate::transfer::TransferSubmission;

    type Card = Chip<PcscTransport>;

    fn chip_error(e: eticket_chip::Error) -> Error {
        Error::Chip(e.to_string())
    }

    fn open(args: &ReaderArgs) -> Result<Card> {
        let name = match &args.reader {
            Some(r) => r.clone(),
            None => list_readers()
                .map_err(chip_error)?
                .into_iter()
                .next()
                .ok_or_else(|| Error::Chip("pcscd lists no reader".into()))?,
        };
        wait_for_card(&name, Duration::from_secs(args.wait)).map_err(|e| {
            Error::Chip(format!(
                "no card in reader {name:?} within {}s: {e}",
                args.wait
            ))
        })?;
        let transport = PcscTransport::connect(&name).map_err(chip_error)?;
        Chip::connect(transport).map_err(chip_error)
    }

    fn place(p: &Place) -> String {
        match p {
            Place::Seat { block, row, number } => format!("block {block} row {row} seat {number}"),
            Place::Area(a) => format!("area {a}"),
        }
    }

    /// Where the ticket stands in the ledger.
    fn ledger_state(center: &Center, body: &TicketBody, bytes: &[u8]) -> Result<String> {
        Ok(match center.issued_ticket(body.event, body.serial)? {
            Some(t) if t.ticket == bytes => "valid".to_owned(),
            Some(t) => format!(
                "old generation: generation {} is valid; delete it with `eticket chip delete`",
                t.generation.0
            ),
            None => "not valid in the ledger (revoked)".to_owned(),
        })
    }

    /// The slot holding a generation of the ticket, the valid one when
    /// `valid` is true, an old one otherwise.
    fn find(
        center: &Center,
        chip: &mut Card,
        event: EventId,
        serial: TicketSerial,
        valid: bool,
    ) -> Result<StoredTicket> {
        let current = center.issued_ticket(event, serial)?;
        chip.tickets()
            .map_err(chip_error)?
            .into_iter()
            .find(|t| {
                let matches = t
                    .ticket
                    .peek_body()
                    .is_ok_and(|b| b.event == event && b.serial == serial);
                let is_valid = current
                    .as_ref()
                    .is_some_and(|c| c.ticket == t.ticket.as_bytes());
                matches && is_valid == valid
            })
            .ok_or_else(|| {
                let which = if valid { "valid" } else { "old" };
                Error::Chip(format!(
                    "the chip holds no {which} generation of ticket {serial} of event {event}"
                ))
            })
    }

    pub(super) fn run_chip(center: &Center, key: &str, args: &ChipArgs) -> Result<()> {
        let op = Principal::Operator;
        if let ChipCommand::Readers = args.command {
            for r in list_readers().map_err(chip_error)? {
                out!("{r}");
            }
            return Ok(());
        }
        let mut chip = open(&args.reader)?;
        let info = chip.info().map_err(chip_error)?;
        match &args.command {
            ChipCommand::Readers => {}
            ChipCommand::Info => {
                out!("chip {}", info.chip);
                out!("counter {}", info.counter);
                out!("slots {} used of {}", info.used, info.capacity);
                if info.personalized {
                    let keys: Vec<String> = info.grant_keys.iter().map(|k| k.to_string()).collect();
                    out!("personalized, trusts grant keys {}", keys.join(", "));
                } else {
                    out!("not personalized (run `eticket chip personalize`)");
                }
                if let Some(m) = &info.member {
                    out!(
                        "member {} of distributor {} until {}",
                        m.member,
                        m.distributor,
                        m.valid_until
                    );
                }
            }
            ChipCommand::Read => {
                let keys = center.keys().key_set()?;
                let now = center.now();
                let tickets = chip.tickets().map_err(chip_error)?;
                out!("chip {}: {} ticket(s)", info.chip, tickets.len());
                for t in tickets {
                    let bytes = t.ticket.as_bytes();
                    match eticket_core::ticket::verify(bytes, &keys, now) {
                        Ok(v) => out!(
                            "slot {}: event {} ticket {} generation {}, {}, signed by {} — {}",
                            t.slot,
                            v.body.event,
                            v.body.serial,
                            v.body.generation.0,
                            place(&v.body.place),
                            v.key,
                            ledger_state(center, &v.body, bytes)?
                        ),
                        Err(e) => out!("slot {}: does not verify: {e}", t.slot),
                    }
                }
            }
            ChipCommand::Write { event, serial } => {
                let (event, serial) = (EventId(*event), TicketSerial(*serial));
                let used: Vec<u8> = chip
                    .list()
                    .map_err(chip_error)?
                    .iter()
                    .map(|e| e.slot)
                    .collect();
                let slot = (0..info.capacity)
                    .find(|s| !used.contains(s))
                    .ok_or_else(|| {
                        Error::Chip(format!(
                            "all {} slots of the chip are in use",
                            info.capacity
                        ))
                    })?;
                let target = ChipTarget {
                    chip: info.chip,
                    counter: info.counter,
                    slot,
                    grant_keys: info.grant_keys.clone(),
                };
                let delivery = match center.issued_ticket(event, serial)? {
                    Some(_) => center.deliver(&op, event, serial, &target)?,
                    None => center.issue(&op, key, event, serial, Some(target))?,
                };
                let hash = eticket_core::grant::payload_hash(&delivery.ticket.ticket);
                if let Some(there) = chip
                    .list()
                    .map_err(chip_error)?
                    .iter()
                    .find(|e| e.hash == hash)
                {
                    out!(
                        "ticket {serial} of event {event} is on the chip already, in slot {}",
                        there.slot
                    );
                    return Ok(());
                }
                let grant = delivery
                    .grant
                    .ok_or_else(|| Error::Chip("the center gave no write grant".into()))?;
                let done = chip
                    .write(&grant.grant, &delivery.ticket.ticket)
                    .map_err(chip_error)?;
                out!(
                    "wrote ticket {serial} of event {event} (generation {}) to chip {} slot {}; counter now {}",
                    delivery.ticket.generation.0,
                    info.chip,
                    done.slot,
                    done.counter
                );
            }
            ChipCommand::Delete { event, serial } => {
                let (event, serial) = (EventId(*event), TicketSerial(*serial));
                let old = find(center, &mut chip, event, serial, false)?;
                let target = ChipTarget {
                    chip: info.chip,
                    counter: info.counter,
                    slot: old.slot,
                    grant_keys: info.grant_keys.clone(),
                };
                let grant = center.delete_grant(&op, event, serial, &target)?;
                let done = chip.delete(&grant.grant).map_err(chip_error)?;
                out!(
                    "deleted the old generation of ticket {serial} of event {event} from slot {}; counter now {}",
                    done.slot,
                    done.counter
                );
            }
            ChipCommand::Personalize {
                member_of,
                member,
                name,
                valid_until,
                pin,
                pin_tries,
            } => {
                if info.personalized {
                    return Err(Error::Chip(format!(
                        "chip {} is personalized already (trusts grant keys {:?}) and locked",
                        info.chip, info.grant_keys
                    )));
                }
                let (grant_keys, member) = match (member_of, member, name) {
                    (Some(d), Some(m), Some(name)) => {
                        let card = register_card(center, info.chip, *d, *m, name, *valid_until)?;
                        out!(
                            "member {} of distributor {} registered for chip {} until {}",
                            card.member,
                            card.distributor,
                            card.chip,
                            card.valid_until
                        );
                        // The keys as they are now, not as stored with a
                        // registration this command may be retrying.
                        let keys = center.current_keys()?.grant_keys_to_install(MAX_GRANT_KEYS);
                        let record = MemberRecord {
                            distributor: card.distributor,
                            member: card.member,
                            valid_until: card.valid_until,
                        };
                        (keys, Some(record))
                    }
                    _ => (
                        center.current_keys()?.grant_keys_to_install(MAX_GRANT_KEYS),
                        None,
                    ),
                };
                let ids: Vec<String> = grant_keys.iter().map(|k| k.0.to_string()).collect();
                let pin = Pin::new(pin.as_bytes()).map_err(chip_error)?;
                let certificate = center
                    .certify_chip(&Principal::Operator, &info.public_key.to_uncompressed())?;
                let p = Personalization {
                    pin_tries: *pin_tries,
                    ..Personalization::new(grant_keys, pin)
                        .with_member(member)
                        .with_certificate(certificate)
                };
                chip.personalize(&p).map_err(chip_error)?;
                out!(
                    "chip {} now trusts grant keys {}",
                    info.chip,
                    ids.join(", ")
                );
            }
        }
        Ok(())
    }

    /// Register a member for the card's chip as its distributor; the key is
    /// the chip and member, so running the command again after a failed
    /// personalization answers the same card.
    fn register_card(
        center: &Center,
        chip: ChipId,
        distributor: u16,
        member: u32,
        name: &str,
        valid_until: Option<u64>,
    ) -> Result<MembershipCard> {
        let reg = MemberRegistration {
            member: MemberId(member),
            name: name.to_owned(),
            chip,
            valid_until: valid_until.map(Timestamp),
            public_key: None,
        };
        center.register_member(
            &Principal::Distributor(DistributorId(distributor)),
            &format!("card-{chip}-{member}"),
            &reg,
        )
    }

    pub(super) fn run_transfer(center: &Center, args: &TransferArgs) -> Result<()> {
        let (event, serial) = (EventId(args.event), TicketSerial(args.serial));
        let to = crate::wire::parse_chip(&args.to)?;
        let mut chip = open(&args.reader)?;
        let info = chip.info().map_err(chip_error)?;
        let held = find(center, &mut chip, event, serial, true)?;
        let request = chip
            .sign_transfer(held.slot, to, center.now(), args.pin.as_bytes())
            .map_err(chip_error)?;
        // The request's own id is the idempotency key: running the command
        // again with the same signed request answers the same.
        let key = format!("transfer-{}", crate::transfer::transfer_id(&request));
        let view = center.request_transfer(
            &Principal::Operator,
            &key,
            &TransferSubmission {
                request,
                assignor_public_key: info.public_key.to_uncompressed().to_vec(),
            },
        )?;
        super::super::print(&view)?;
        eprintln!(
            "transfer {} of ticket {serial} of event {event} to chip {to} is {}; it completes at {} (`eticket complete-transfers`)",
            view.id, view.state, view.effective_at
        );
        Ok(())
    }

    pub(super) fn run_transfer_cancel(center: &Center, args: &TransferCancelArgs) -> Result<()> {
        let (event, serial) = (EventId(args.event), TicketSerial(args.serial));
        let mut chip = open(&args.reader)?;
        let info = chip.info().map_err(chip_error)?;
        let held = find(center, &mut chip, event, serial, true)?;
        let cancel = chip
            .sign_cancel(held.slot, &args.id, center.now(), args.pin.as_bytes())
            .map_err(chip_error)?;
        let view = center.cancel_transfer(
            &Principal::Operator,
            &format!("cancel-{}", args.id),
            &args.id,
            &crate::transfer::TransferCancellation {
                assignor_public_key: info.public_key.to_uncompressed().to_vec(),
                cancel,
            },
        )?;
        super::super::print(&view)?;
        eprintln!(
            "transfer {} of ticket {serial} of event {event} is {}",
            view.id, view.state
        );
        Ok(())
    }
}
