//! The applet's command handlers: each checks class, parameters and lengths,
//! then the chip's conditions, then the grant, and answers data or a refusal.

use eticket_core::cancel::TransferCancel;
use eticket_core::certificate::ChipCertificate;
use eticket_core::chipauth::{CHALLENGE_LEN, answer_challenge_hedged};
use eticket_core::chipkeys::ChipKeyUpdate;
use eticket_core::chipkeys::MAX_KEY_UPDATE_LEN;
use eticket_core::grant::{Grant, GrantOp, MAX_GRANT_LEN, VerifiedGrant, payload_hash};
use eticket_core::signed::Envelope;
use eticket_core::ticket::{MAX_TICKET_LEN, SignedTicket, TicketBody};
use eticket_core::transfer::TransferRequest;

use super::{Applet, ChipState, Outcome, Store};
use crate::apdu::Command;
use crate::protocol::*;
use crate::status::StatusWord;

type Refusal = core::result::Result<(), StatusWord>;

pub(super) fn dispatch<S: Store>(applet: &mut Applet<S>, cmd: &Command) -> Outcome {
    let ins = cmd.ins;
    let expected_cla = match ins {
        INS_SELECT | INS_INTERNAL_AUTHENTICATE | INS_VERIFY => CLA_ISO,
        INS_GET_INFO | INS_LIST | INS_READ | INS_GET_CERTIFICATE | INS_WRITE | INS_DELETE
        | INS_PERSONALIZE | INS_UPDATE_KEYS | INS_SIGN_TRANSFER | INS_SIGN_CANCEL => {
            CLA_PROPRIETARY
        }
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
        INS_VERIFY => verify(applet, cmd),
        INS_GET_INFO => get_info(applet, cmd),
        INS_LIST => list(applet, cmd),
        INS_READ => read(applet, cmd),
        INS_GET_CERTIFICATE => get_certificate(applet, cmd),
        INS_WRITE => write(applet, cmd),
        INS_DELETE => delete(applet, cmd),
        INS_PERSONALIZE => personalize(applet, cmd),
        INS_UPDATE_KEYS => update_keys(applet, cmd),
        INS_SIGN_TRANSFER => sign_transfer(applet, cmd),
        _ => sign_cancel(applet, cmd),
    }
}

/// The proprietary commands whose data may come in a chain of parts.
pub(super) fn takes_chained_data(ins: u8) -> bool {
    matches!(
        ins,
        INS_WRITE
            | INS_DELETE
            | INS_PERSONALIZE
            | INS_UPDATE_KEYS
            | INS_SIGN_TRANSFER
            | INS_SIGN_CANCEL
    )
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
        has_certificate: pers.is_some_and(|p| p.certificate.is_some()),
        key_epoch: pers.map_or(0, |p| p.key_epoch),
        pin_tries_left: s.pin_tries_left,
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
    let answer = answer_challenge_hedged(applet.state.secret(), challenge, &mut applet.hedge())
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
    if let Some(cert) = &p.certificate {
        // The certificate must be for this chip, signed by a grant key it is
        // given: a chip never stores someone else's certificate.
        let signer = ChipCertificate::signer(cert).map_err(|_| StatusWord::WrongData)?;
        let (_, key) = p
            .grant_keys
            .iter()
            .find(|(id, _)| *id == signer)
            .ok_or(StatusWord::WrongData)?;
        let c = ChipCertificate::verify_with_key(cert, signer, key)
            .map_err(|_| StatusWord::WrongData)?;
        if c.chip != applet.state.chip() {
            return Err(StatusWord::WrongData);
        }
    }
    let counter = next_counter(applet)?;
    let mut next = applet.state.clone();
    next.counter = counter;
    next.pin_tries_left = p.pin_tries;
    next.personalization = Some(p);
    applet.commit(next)?;
    Ok(Vec::new())
}

/// VERIFY `00 20 00 81`: with the PIN as data, check it (a wrong PIN costs
/// a try, committed before the answer, so pulling the card does not save it);
/// with no data, report the tries left. It allows nothing by itself: SIGN
/// TRANSFER and SIGN CANCEL carry the PIN, so no other program sharing the
/// reader can use a holder's VERIFY for a signature of its own.
fn verify<S: Store>(applet: &mut Applet<S>, cmd: &Command) -> Outcome {
    params(cmd, 0x00, PIN_REFERENCE)?;
    personalized(applet)?;
    let tries = applet.state.pin_tries_left;
    if tries == 0 {
        return Err(StatusWord::AuthenticationBlocked);
    }
    if cmd.data.is_empty() {
        return Err(StatusWord::VerificationFailed(tries));
    }
    if cmd.data.len() > MAX_PIN_LEN {
        return Err(StatusWord::WrongLength);
    }
    let next = check_pin(applet, &cmd.data.clone())?;
    if next.pin_tries_left != applet.state.pin_tries_left {
        applet.commit(next)?;
    }
    Ok(Vec::new())
}

/// Check the holder's PIN against the personalization. A right one gives
/// the next state with the tries restored, for the caller to commit with the
/// rest of its command (one command, one commit: a store failure then leaves
/// the card exactly as it was). A wrong one costs a try, committed before the
/// answer, and the last wrong one blocks the card. An empty PIN is refused
/// without costing a try.
fn check_pin<S: Store>(applet: &mut Applet<S>, pin: &[u8]) -> Result<ChipState, StatusWord> {
    let pers = personalized(applet)?;
    let tries = applet.state.pin_tries_left;
    if tries == 0 {
        return Err(StatusWord::AuthenticationBlocked);
    }
    if pin.is_empty() {
        return Err(StatusWord::SecurityStatusNotSatisfied);
    }
    let max = pers.pin_tries;
    let mut next = applet.state.clone();
    if pers.pin.matches(pin) {
        next.pin_tries_left = max;
        return Ok(next);
    }
    next.pin_tries_left = tries - 1;
    applet.commit(next)?;
    if tries == 1 {
        return Err(StatusWord::AuthenticationBlocked);
    }
    Err(StatusWord::VerificationFailed(tries - 1))
}

fn get_certificate<S: Store>(applet: &mut Applet<S>, cmd: &Command) -> Outcome {
    params(cmd, 0, 0)?;
    no_data(cmd)?;
    applet
        .state
        .personalization
        .as_ref()
        .and_then(|p| p.certificate.clone())
        .ok_or(StatusWord::RecordNotFound)
}

/// UPDATE KEYS: a key update signed by a grant key the chip trusts, with a
/// higher epoch, replaces the grant keys.
fn update_keys<S: Store>(applet: &mut Applet<S>, cmd: &Command) -> Outcome {
    params(cmd, 0, 0)?;
    let pers = personalized(applet)?;
    if cmd.data.is_empty() || cmd.data.len() > MAX_KEY_UPDATE_LEN {
        return Err(StatusWord::WrongLength);
    }
    let signer = ChipKeyUpdate::signer(&cmd.data).map_err(|_| StatusWord::WrongData)?;
    let (_, key) = pers
        .grant_keys
        .iter()
        .find(|(id, _)| *id == signer)
        .ok_or(StatusWord::SecurityStatusNotSatisfied)?;
    let update = ChipKeyUpdate::verify(&cmd.data, signer, key)
        .map_err(|_| StatusWord::SecurityStatusNotSatisfied)?;
    if update.epoch <= pers.key_epoch {
        return Err(StatusWord::SecurityStatusNotSatisfied);
    }
    let mut p = pers.clone();
    p.grant_keys = update.keys;
    p.key_epoch = update.epoch;
    let mut next = applet.state.clone();
    next.personalization = Some(p);
    applet.commit(next)?;
    Ok(Vec::new())
}

/// The ticket in `slot`, once the holder's PIN checked out, and the state to
/// commit with the signature: the PIN tries restored and the counter moved on
/// (so every signed request is unique and the host sees it).
fn held_for_signing<S: Store>(
    applet: &mut Applet<S>,
    slot: u8,
    pin: &[u8],
) -> Result<(TicketBody, [u8; 32], ChipState), StatusWord> {
    personalized(applet)?;
    applet.state.slot(slot).ok_or(StatusWord::RecordNotFound)?;
    let mut next = check_pin(applet, pin)?;
    let payload = applet.state.slot(slot).ok_or(StatusWord::RecordNotFound)?;
    let body = stored_ticket_body(payload).ok_or(StatusWord::NoPreciseDiagnosis)?;
    next.counter = next_counter(applet)?;
    Ok((body, payload_hash(payload), next))
}

fn sign_transfer<S: Store>(applet: &mut Applet<S>, cmd: &Command) -> Outcome {
    let slot = slot_param(applet, cmd)?;
    let data = cmd.data.clone();
    let (pin, to, requested_at) =
        parse_sign_transfer(&data).map_err(|_| StatusWord::WrongLength)?;
    if to == applet.state.chip() {
        return Err(StatusWord::WrongData);
    }
    let (body, ticket_hash, next) = held_for_signing(applet, slot, pin)?;
    let request = TransferRequest {
        event: body.event,
        serial: body.serial,
        generation: body.generation,
        ticket_hash,
        from: applet.state.chip(),
        to,
        nonce: u64::from(applet.state.counter),
        requested_at,
    };
    let signed = request
        .sign_hedged(applet.state.secret(), &mut applet.hedge())
        .map_err(|_| StatusWord::NoPreciseDiagnosis)?;
    applet.commit(next)?;
    Ok(signed)
}

fn sign_cancel<S: Store>(applet: &mut Applet<S>, cmd: &Command) -> Outcome {
    let slot = slot_param(applet, cmd)?;
    let data = cmd.data.clone();
    let (pin, transfer, requested_at) =
        parse_sign_cancel(&data).map_err(|_| StatusWord::WrongLength)?;
    let (body, ticket_hash, next) = held_for_signing(applet, slot, pin)?;
    let cancel = TransferCancel {
        event: body.event,
        serial: body.serial,
        generation: body.generation,
        ticket_hash,
        from: applet.state.chip(),
        transfer,
        nonce: u64::from(applet.state.counter),
        requested_at,
    };
    let signed = cancel
        .sign_hedged(applet.state.secret(), &mut applet.hedge())
        .map_err(|_| StatusWord::NoPreciseDiagnosis)?;
    applet.commit(next)?;
    Ok(signed)
}

/// The body of a ticket the center wrote (its grant vouched for the bytes; the
/// chip holds no ticket key to check the signature itself).
fn stored_ticket_body(payload: &[u8]) -> Option<TicketBody> {
    eticket_core::ticket::peek(payload).ok()
}
