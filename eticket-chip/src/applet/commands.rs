//! The applet's command handlers: each checks class, parameters and lengths,
//! then the chip's conditions, then the grant, and answers data or a refusal.

use eticket_core::chipauth::{CHALLENGE_LEN, answer_challenge};
use eticket_core::grant::{Grant, GrantOp, MAX_GRANT_LEN, VerifiedGrant, payload_hash};
use eticket_core::signed::Envelope;
use eticket_core::ticket::{MAX_TICKET_LEN, SignedTicket, TicketBody};
use eticket_core::transfer::TransferRequest;

use super::{Applet, Outcome, Store};
use crate::apdu::Command;
use crate::protocol::*;
use crate::status::StatusWord;

type Refusal = core::result::Result<(), StatusWord>;

pub(super) fn dispatch<S: Store>(applet: &mut Applet<S>, cmd: &Command) -> Outcome {
    let ins = cmd.ins;
    let expected_cla = match ins {
        INS_SELECT | INS_INTERNAL_AUTHENTICATE => CLA_ISO,
        INS_GET_INFO | INS_LIST | INS_READ | INS_WRITE | INS_DELETE | INS_PERSONALIZE
        | INS_SIGN_TRANSFER => CLA_PROPRIETARY,
        _ => return Err(StatusWord::InstructionNotSupported),
    };
    if cmd.cla != expected_cla {
        return Err(StatusWord::ClassNotSupported);
    }
    if ins == INS_SELECT {
        return select(applet, cmd);
    }
    if !applet.selected {
        return Err(StatusWord::ConditionsNotSatisfied);
    }
    match ins {
        INS_INTERNAL_AUTHENTICATE => internal_authenticate(applet, cmd),
        INS_GET_INFO => get_info(applet, cmd),
        INS_LIST => list(applet, cmd),
        INS_READ => read(applet, cmd),
        INS_WRITE => write(applet, cmd),
        INS_DELETE => delete(applet, cmd),
        INS_PERSONALIZE => personalize(applet, cmd),
        _ => sign_transfer(applet, cmd),
    }
}

fn params(cmd: &Command, p1: u8, p2: u8) -> Refusal {
    if cmd.p1 != p1 || cmd.p2 != p2 {
        return Err(StatusWord::IncorrectP1P2);
    }
    Ok(())
}

fn no_data(cmd: &Command) -> Refusal {
    if !cmd.data.is_empty() {
        return Err(StatusWord::WrongLength);
    }
    Ok(())
}

fn slot_param<S: Store>(applet: &Applet<S>, cmd: &Command) -> Result<u8, StatusWord> {
    if cmd.p2 != 0 || cmd.p1 >= applet.state.capacity() {
        return Err(StatusWord::IncorrectP1P2);
    }
    Ok(cmd.p1)
}

fn personalized<S: Store>(applet: &Applet<S>) -> Result<&Personalization, StatusWord> {
    applet
        .state
        .personalization
        .as_ref()
        .ok_or(StatusWord::ConditionsNotSatisfied)
}

fn select<S: Store>(applet: &mut Applet<S>, cmd: &Command) -> Outcome {
    params(cmd, 0x04, 0x00)?;
    applet.selected = cmd.data == AID;
    if !applet.selected {
        return Err(StatusWord::FileNotFound);
    }
    Ok(Vec::new())
}

fn get_info<S: Store>(applet: &mut Applet<S>, cmd: &Command) -> Outcome {
    params(cmd, 0, 0)?;
    no_data(cmd)?;
    let s = &applet.state;
    let pers = s.personalization.as_ref();
    Ok(ChipInfo {
        chip: s.chip(),
        public_key: s.public_key().clone(),
        counter: s.counter,
        capacity: s.capacity(),
        used: s.used(),
        personalized: pers.is_some(),
        grant_keys: pers
            .map(|p| p.grant_keys.iter().map(|(id, _)| *id).collect())
            .unwrap_or_default(),
        member: pers.and_then(|p| p.member),
    }
    .to_bytes())
}

fn list<S: Store>(applet: &mut Applet<S>, cmd: &Command) -> Outcome {
    params(cmd, 0, 0)?;
    no_data(cmd)?;
    let entries: Vec<SlotEntry> = applet
        .state
        .slots
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            s.as_ref().map(|p| SlotEntry {
                slot: i as u8,
                len: p.len() as u8,
                hash: payload_hash(p),
            })
        })
        .collect();
    Ok(encode_list(&entries))
}

fn read<S: Store>(applet: &mut Applet<S>, cmd: &Command) -> Outcome {
    let slot = slot_param(applet, cmd)?;
    no_data(cmd)?;
    applet
        .state
        .slot(slot)
        .map(<[u8]>::to_vec)
        .ok_or(StatusWord::RecordNotFound)
}

fn internal_authenticate<S: Store>(applet: &mut Applet<S>, cmd: &Command) -> Outcome {
    params(cmd, 0, 0)?;
    let challenge: &[u8; CHALLENGE_LEN] = cmd
        .data
        .as_slice()
        .try_into()
        .map_err(|_| StatusWord::WrongLength)?;
    let answer = answer_challenge(applet.state.secret(), challenge)
        .map_err(|_| StatusWord::NoPreciseDiagnosis)?;
    let mut out = Vec::with_capacity(AUTH_RESPONSE_LEN);
    out.extend_from_slice(&answer);
    out.extend_from_slice(&applet.state.public_key().to_uncompressed());
    Ok(out)
}

/// Verify a grant's signature with the installed grant key it names, for `op`.
fn verify_grant<S: Store>(
    applet: &Applet<S>,
    bytes: &[u8],
    op: GrantOp,
) -> Result<VerifiedGrant, StatusWord> {
    let pers = personalized(applet)?;
    let env = Envelope::split(bytes, "grant", MAX_GRANT_LEN).map_err(|_| StatusWord::WrongData)?;
    let (key_id, key) = pers
        .grant_keys
        .iter()
        .find(|(id, _)| *id == env.key_id)
        .ok_or(StatusWord::SecurityStatusNotSatisfied)?;
    Grant::verify_with_key(bytes, op, *key_id, key)
        .map_err(|_| StatusWord::SecurityStatusNotSatisfied)
}

/// A verified grant must name this chip and its current counter (a replayed
/// grant fails here), and the payload's hash.
fn bind<S: Store>(applet: &Applet<S>, g: &Grant, hash: Option<&[u8; 32]>) -> Refusal {
    if g.chip != applet.state.chip() || g.counter != applet.state.counter {
        return Err(StatusWord::SecurityStatusNotSatisfied);
    }
    match hash {
        Some(h) if g.payload_hash != *h => Err(StatusWord::SecurityStatusNotSatisfied),
        _ => Ok(()),
    }
}

fn next_counter<S: Store>(applet: &Applet<S>) -> Result<u32, StatusWord> {
    applet
        .state
        .counter
        .checked_add(1)
        .ok_or(StatusWord::ConditionsNotSatisfied)
}

fn write<S: Store>(applet: &mut Applet<S>, cmd: &Command) -> Outcome {
    params(cmd, 0, 0)?;
    personalized(applet)?;
    let (grant, payload) = split_write(&cmd.data).map_err(|_| StatusWord::WrongLength)?;
    if grant.is_empty() || payload.is_empty() || payload.len() > MAX_TICKET_LEN {
        return Err(StatusWord::WrongLength);
    }
    SignedTicket::from_bytes(payload).map_err(|_| StatusWord::WrongData)?;
    let counter = next_counter(applet)?;
    let v = verify_grant(applet, grant, GrantOp::Write)?;
    bind(applet, &v.grant, Some(&payload_hash(payload)))?;
    let slot = v.grant.slot;
    if applet.state.used() >= applet.state.capacity() {
        return Err(StatusWord::NotEnoughMemory);
    }
    match applet.state.slots.get(usize::from(slot)) {
        None => return Err(StatusWord::WrongData),
        Some(Some(_)) => return Err(StatusWord::ConditionsNotSatisfied),
        Some(None) => {}
    }
    let mut next = applet.state.clone();
    next.counter = counter;
    next.slots[usize::from(slot)] = Some(payload.to_vec());
    applet.commit(next)?;
    Ok(encode_mutation(slot, counter).to_vec())
}

fn delete<S: Store>(applet: &mut Applet<S>, cmd: &Command) -> Outcome {
    params(cmd, 0, 0)?;
    personalized(applet)?;
    if cmd.data.is_empty() || cmd.data.len() > MAX_GRANT_LEN {
        return Err(StatusWord::WrongLength);
    }
    let counter = next_counter(applet)?;
    let v = verify_grant(applet, &cmd.data, GrantOp::Delete)?;
    bind(applet, &v.grant, None)?;
    let slot = v.grant.slot;
    let stored = match applet.state.slots.get(usize::from(slot)) {
        None => return Err(StatusWord::WrongData),
        Some(None) => return Err(StatusWord::RecordNotFound),
        Some(Some(p)) => payload_hash(p),
    };
    bind(applet, &v.grant, Some(&stored))?;
    let mut next = applet.state.clone();
    next.counter = counter;
    next.slots[usize::from(slot)] = None;
    applet.commit(next)?;
    Ok(encode_mutation(slot, counter).to_vec())
}

fn personalize<S: Store>(applet: &mut Applet<S>, cmd: &Command) -> Outcome {
    params(cmd, 0, 0)?;
    if applet.state.personalization.is_some() {
        return Err(StatusWord::ConditionsNotSatisfied);
    }
    if cmd.data.is_empty() {
        return Err(StatusWord::WrongLength);
    }
    let p = Personalization::parse(&cmd.data).map_err(|_| StatusWord::WrongData)?;
    let counter = next_counter(applet)?;
    let mut next = applet.state.clone();
    next.counter = counter;
    next.personalization = Some(p);
    applet.commit(next)?;
    Ok(Vec::new())
}

fn sign_transfer<S: Store>(applet: &mut Applet<S>, cmd: &Command) -> Outcome {
    let slot = slot_param(applet, cmd)?;
    let (to, requested_at) = parse_sign_transfer(&cmd.data).map_err(|_| StatusWord::WrongLength)?;
    personalized(applet)?;
    let payload = applet.state.slot(slot).ok_or(StatusWord::RecordNotFound)?;
    let body = stored_ticket_body(payload).ok_or(StatusWord::NoPreciseDiagnosis)?;
    if to == applet.state.chip() {
        return Err(StatusWord::WrongData);
    }
    let request = TransferRequest {
        event: body.event,
        serial: body.serial,
        generation: body.generation,
        ticket_hash: payload_hash(payload),
        from: applet.state.chip(),
        to,
        nonce: u64::from(applet.state.counter),
        requested_at,
    };
    request
        .sign(applet.state.secret())
        .map_err(|_| StatusWord::NoPreciseDiagnosis)
}

/// The body of a ticket the center wrote (its grant vouched for the bytes; the
/// chip holds no ticket key to check the signature itself).
fn stored_ticket_body(payload: &[u8]) -> Option<TicketBody> {
    eticket_core::ticket::peek(payload).ok()
}
