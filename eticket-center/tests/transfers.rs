//! Transfers between chips: the flow, cancellation, crashes and revoked
//! tickets, on SQLite and on PostgreSQL.

#[macro_use]
mod common;

use std::sync::Arc;

use common::world::*;
use common::{Backend, TestChip, clock};
use eticket_center::clock::ManualClock;
use eticket_center::issuance::ChipTarget;
use eticket_center::store::Store;
use eticket_center::transfer::{TransferCancellation, TransferSubmission};
use eticket_center::{Center, Error, Principal};
use eticket_core::cancel::TransferCancel;
use eticket_core::grant::{Grant, GrantOp};
use eticket_core::ids::*;
use eticket_core::revocation::{RevocationDelta, RevocationList};
use eticket_core::ticket::Holder;
use eticket_core::time::Timestamp;
use eticket_core::transfer::TransferRequest;

struct TransferWorld {
    center: Center,
    clock: Arc<ManualClock>,
    serial: TicketSerial,
    a: TestChip,
    b: TestChip,
    request: Vec<u8>,
}

fn transfer_world(backend: &Backend) -> TransferWorld {
    let c = clock();
    let center = backend.center(&c);
    setup(&center, fcfs(), fcfs());
    let (a, b) = (TestChip::new(0x31), TestChip::new(0x32));
    let serial = buy(&center, D1, "b", 1, Holder::Chip(a.id)).unwrap()[0];
    let issued = center.issue(&dist(D1), "i", EVENT, serial, None).unwrap();
    let req = TransferRequest {
        event: EVENT,
        serial,
        generation: Generation(0),
        ticket_hash: eticket_core::grant::payload_hash(&issued.ticket.ticket),
        from: a.id,
        to: b.id,
        nonce: 1,
        requested_at: c.now_ts(),
    };
    let request = req.sign(&a.secret).unwrap();
    TransferWorld {
        center,
        clock: c,
        serial,
        a,
        b,
        request,
    }
}

fn transfer_flow(backend: Backend) {
    let w = transfer_world(&backend);
    let relay = Principal::Terminal(4);
    w.center
        .set_terminal_distributors(&Principal::Operator, 4, &[D1])
        .unwrap();
    let sub = TransferSubmission {
        request: w.request.clone(),
        assignor_public_key: w.a.public(),
    };
    // A forged request: signed by a chip that is not the assignor.
    let forged = TransferSubmission {
        request: w.request.clone(),
        assignor_public_key: w.b.public(),
    };
    let refused = w.center.request_transfer(&relay, "forged", &forged);
    assert!(
        matches!(&refused, Err(e) if e.code() == "bad_signature"),
        "{refused:?}"
    );
    // Only the distributor that sold the ticket relays its transfer.
    let refused = w.center.request_transfer(&dist(D2), "t-d2", &sub);
    assert!(
        matches!(
            &refused,
            Err(Error::NotInAllotment {
                distributor: D2,
                ..
            })
        ),
        "{refused:?}"
    );
    // Requests stamped far from the center's clock (a skimmer's stockpile,
    // or 1970) are refused.
    for at in [
        Timestamp(0),
        w.clock.now_ts().minus(3600),
        w.clock.now_ts().plus(3600),
    ] {
        let stale = TransferSubmission {
            request: TransferRequest {
                requested_at: at,
                ..TransferRequest::peek(&w.request).unwrap()
            }
            .sign(&w.a.secret)
            .unwrap(),
            assignor_public_key: w.a.public(),
        };
        let refused = w
            .center
            .request_transfer(&relay, &format!("stale-{}", at.0), &stale);
        assert!(
            matches!(&refused, Err(Error::Invalid { .. })),
            "{refused:?}"
        );
    }
    let t = w.center.request_transfer(&relay, "t1", &sub).unwrap();
    assert_eq!(t.state, "pending");
    // A retry under the same key, and a replay under another key or by the
    // seller, are the same transfer, not a second one.
    assert_eq!(w.center.request_transfer(&relay, "t1", &sub).unwrap(), t);
    assert_eq!(
        w.center
            .request_transfer(&relay, "t1-replay", &sub)
            .unwrap()
            .id,
        t.id
    );
    assert_eq!(
        w.center
            .request_transfer(&dist(D1), "t-d1", &sub)
            .unwrap()
            .id,
        t.id
    );
    // Who may look at it: its relays and the event's organizer.
    assert_eq!(w.center.transfer(&ORG, &t.id).unwrap(), t);
    for who in [dist(D2), Principal::Gate(EVENT), Principal::Organizer(2)] {
        let refused = w.center.transfer(&who, &t.id);
        assert!(
            matches!(
                &refused,
                Err(Error::Forbidden(_) | Error::NotInAllotment { .. })
            ),
            "{who:?}: {refused:?}"
        );
    }
    assert!(matches!(
        w.center.complete_transfer(&relay, "c0", &t.id),
        Err(Error::CoolingOff { .. })
    ));
    // The seller sees the pending transfer (the notice it gives its holder);
    // another distributor does not.
    let pending = w.center.pending_transfers(&dist(D1)).unwrap();
    assert_eq!(pending.iter().map(|p| &p.id).collect::<Vec<_>>(), [&t.id]);
    assert!(w.center.pending_transfers(&dist(D2)).unwrap().is_empty());
    assert_eq!(
        w.center
            .pending_transfers(&Principal::Operator)
            .unwrap()
            .len(),
        1
    );
    assert!(w.center.pending_transfers(&relay).is_err());
    // The assignor cancels during cooling-off; a wrong chip cannot.
    let signed_cancel = |chip: &TestChip, id: &str| {
        let req = TransferRequest::peek(&w.request).unwrap();
        TransferCancel {
            event: req.event,
            serial: req.serial,
            generation: req.generation,
            ticket_hash: req.ticket_hash,
            from: chip.id,
            transfer: eticket_core::cancel::transfer_ref(id),
            nonce: 9,
            requested_at: w.clock.now_ts(),
        }
        .sign(&chip.secret)
        .unwrap()
    };
    let bad = TransferCancellation {
        assignor_public_key: w.b.public(),
        cancel: signed_cancel(&w.b, &t.id),
    };
    let refused = w.center.cancel_transfer(&relay, "x-bad", &t.id, &bad);
    assert!(
        matches!(&refused, Err(Error::Invalid { .. })),
        "{refused:?}"
    );
    // The assignor's key with another chip's cancellation.
    let forged_answer = TransferCancellation {
        assignor_public_key: w.a.public(),
        ..bad
    };
    let refused = w
        .center
        .cancel_transfer(&relay, "x-forged", &t.id, &forged_answer);
    assert!(
        matches!(&refused, Err(e) if e.code() == "bad_signature"),
        "{refused:?}"
    );
    // The attack as it was: any reader gets the chip to answer a challenge
    // (INTERNAL AUTHENTICATE, no PIN) and presents the answer as a
    // cancellation. The answer is no cancellation any more.
    let old_style = TransferCancellation {
        assignor_public_key: w.a.public(),
        cancel: eticket_core::chipauth::answer_challenge(&w.a.secret, &[7; 32])
            .unwrap()
            .to_vec(),
    };
    assert!(
        w.center
            .cancel_transfer(&relay, "x-old", &t.id, &old_style)
            .is_err()
    );
    // A cancellation signed for another transfer does not cancel this one.
    let elsewhere = TransferCancellation {
        assignor_public_key: w.a.public(),
        cancel: signed_cancel(&w.a, "0123456789abcdef0123456789abcdef"),
    };
    assert!(matches!(
        w.center
            .cancel_transfer(&relay, "x-else", &t.id, &elsewhere),
        Err(Error::Invalid { .. })
    ));
    let cancel = TransferCancellation {
        assignor_public_key: w.a.public(),
        cancel: signed_cancel(&w.a, &t.id),
    };
    assert_eq!(
        w.center
            .cancel_transfer(&relay, "x1", &t.id, &cancel)
            .unwrap()
            .state,
        "cancelled"
    );
    // A fresh request, then completion after cooling-off.
    let req2 = TransferRequest {
        nonce: 2,
        ..TransferRequest::peek(&w.request).unwrap()
    };
    let sub2 = TransferSubmission {
        request: req2.sign(&w.a.secret).unwrap(),
        assignor_public_key: w.a.public(),
    };
    let t2 = w.center.request_transfer(&relay, "t2", &sub2).unwrap();
    w.clock.advance(w.center.config().cooling_off_secs);
    let refused = w.center.complete_transfer(&dist(D2), "c-d2", &t2.id);
    assert!(
        matches!(&refused, Err(Error::NotInAllotment { .. })),
        "{refused:?}"
    );
    let done = w.center.complete_transfer(&relay, "c2", &t2.id).unwrap();
    assert_eq!(done.ticket.generation, Generation(1));
    assert_eq!(done.ticket.holder, Holder::Chip(w.b.id));
    assert_eq!(done.revocation_version, 1);
    assert_eq!(
        w.center.complete_transfer(&relay, "c2", &t2.id).unwrap(),
        done
    );
    assert_eq!(
        w.center
            .complete_transfer(&relay, "c2-again", &t2.id)
            .unwrap(),
        done
    );
    // Grants: the assignee writes the new generation, the assignor deletes the old one.
    let keys = key_set(&w.center);
    let write = w
        .center
        .deliver(
            &relay,
            EVENT,
            w.serial,
            &ChipTarget {
                chip: w.b.id,
                counter: 0,
                slot: 0,
                grant_keys: Vec::new(),
            },
        )
        .unwrap();
    Grant::verify(
        &write.grant.unwrap().grant,
        GrantOp::Write,
        &keys,
        w.clock.now_ts(),
    )
    .unwrap();
    let del = w
        .center
        .delete_grant(
            &relay,
            EVENT,
            w.serial,
            &ChipTarget {
                chip: w.a.id,
                counter: 3,
                slot: 0,
                grant_keys: Vec::new(),
            },
        )
        .unwrap();
    let v = Grant::verify(&del.grant, GrantOp::Delete, &keys, w.clock.now_ts()).unwrap();
    assert_eq!(v.grant.chip, w.a.id);
    // The new holder has nothing old to delete, and is told so plainly.
    let none = w.center.delete_grant(
        &relay,
        EVENT,
        w.serial,
        &ChipTarget {
            chip: w.b.id,
            counter: 1,
            slot: 0,
            grant_keys: Vec::new(),
        },
    );
    assert!(
        matches!(&none, Err(Error::Invalid { .. }))
            && none
                .as_ref()
                .unwrap_err()
                .to_string()
                .contains("holds the valid generation"),
        "{none:?}"
    );
    assert!(matches!(
        w.center.deliver(
            &relay,
            EVENT,
            w.serial,
            &ChipTarget {
                chip: w.a.id,
                counter: 0,
                slot: 0,
                grant_keys: Vec::new()
            }
        ),
        Err(Error::HolderMismatch { .. })
    ));
    // The old generation's request is stale now.
    let req3 = TransferRequest {
        nonce: 3,
        requested_at: w.clock.now_ts(),
        ..req2
    };
    let sub3 = TransferSubmission {
        request: req3.sign(&w.a.secret).unwrap(),
        assignor_public_key: w.a.public(),
    };
    assert!(matches!(
        w.center.request_transfer(&relay, "t3", &sub3),
        Err(Error::TransferStale(_))
    ));
    // Revocation list: full and delta, signed, verifiable by a gate.
    let gate = Principal::Gate(EVENT);
    let full = w.center.revocation_list(&gate, EVENT).unwrap();
    let list = RevocationList::from_signed_bytes(&full.signed, &keys, w.clock.now_ts()).unwrap();
    assert!(list.is_revoked(w.serial, Generation(0)));
    assert!(!list.is_revoked(w.serial, Generation(1)));
    let delta = w.center.revocation_delta(&gate, EVENT, 0).unwrap();
    let d = RevocationDelta::from_signed_bytes(&delta.signed, &keys, w.clock.now_ts()).unwrap();
    let mut empty = RevocationList::empty(EVENT);
    empty.apply(&d).unwrap();
    assert_eq!(empty.entries(), list.entries());
    // Up to date: a renewal that moves next_update on and adds nothing.
    let renewal = w.center.revocation_delta(&gate, EVENT, 1).unwrap();
    let r = RevocationDelta::from_signed_bytes(&renewal.signed, &keys, w.clock.now_ts()).unwrap();
    assert_eq!((r.from_version, r.to_version, r.added.len()), (1, 1, 0));
    assert!(r.next_update > w.clock.now_ts());
    let mut current = list.clone();
    current.apply(&r).unwrap();
    assert_eq!(current.entries(), list.entries());
    assert!(matches!(
        w.center
            .revocation_list(&Principal::Gate(EventId(1)), EVENT),
        Err(Error::Forbidden(_))
    ));
}

fn transfer_crash(backend: Backend) {
    let w = transfer_world(&backend);
    let relay = Principal::Operator;
    let sub = TransferSubmission {
        request: w.request.clone(),
        assignor_public_key: w.a.public(),
    };
    let t = w.center.request_transfer(&relay, "t", &sub).unwrap();
    w.clock.advance(w.center.config().cooling_off_secs);
    for step in ["transfer.after_reissue", "transfer.after_revoke"] {
        w.center.set_fail_point(Some(step));
        assert_eq!(
            w.center.complete_transfer(&relay, "c", &t.id).unwrap_err(),
            Error::FailPoint(step)
        );
        // Nothing of the interrupted step is visible: the assignor still holds generation 0.
        let valid = w.center.issued_ticket(EVENT, w.serial).unwrap().unwrap();
        assert_eq!(
            (valid.generation, valid.holder),
            (Generation(0), Holder::Chip(w.a.id))
        );
        assert_eq!(w.center.transfer(&relay, &t.id).unwrap().state, "pending");
        assert_eq!(w.center.revocation_list(&relay, EVENT).unwrap().version, 0);
    }
    // A second center process on the same ledger resumes it.
    let other = backend.center(&w.clock);
    let done = other.complete_transfer(&relay, "c", &t.id).unwrap();
    assert_eq!(done.ticket.holder, Holder::Chip(w.b.id));
    let stats = other.event_stats(&Principal::Operator, EVENT).unwrap();
    assert_eq!(stats.valid_issued, 1);
    assert_eq!(stats.revocation_version, 1);
    // Racing completions from two centers: still one valid holder.
    assert_eq!(
        w.center
            .complete_transfer(&relay, "c-other", &t.id)
            .unwrap(),
        done
    );
}

/// A ticket revoked while its transfer is pending: the transfer is cancelled
/// with it, and the due-transfer sweep is not held up by a transfer that
/// cannot complete.
fn transfer_of_a_revoked_ticket(backend: Backend) {
    let w = transfer_world(&backend);
    let relay = Principal::Operator;
    let sub = TransferSubmission {
        request: w.request.clone(),
        assignor_public_key: w.a.public(),
    };
    let t = w.center.request_transfer(&relay, "t", &sub).unwrap();
    // Another ticket of the same assignor, bought, issued and transferred.
    let another = |name: &str| {
        let serial = buy(&w.center, D1, &format!("b{name}"), 1, Holder::Chip(w.a.id)).unwrap()[0];
        let issued = w
            .center
            .issue(&dist(D1), &format!("i{name}"), EVENT, serial, None)
            .unwrap();
        let req = TransferRequest {
            serial,
            ticket_hash: eticket_core::grant::payload_hash(&issued.ticket.ticket),
            ..TransferRequest::peek(&w.request).unwrap()
        };
        let sub = TransferSubmission {
            request: req.sign(&w.a.secret).unwrap(),
            assignor_public_key: w.a.public(),
        };
        let t = w
            .center
            .request_transfer(&relay, &format!("t{name}"), &sub)
            .unwrap();
        (serial, t)
    };
    let (_, t2) = another("2");
    w.center
        .revoke_ticket(&ORG, "revoke", EVENT, w.serial)
        .unwrap();
    assert_eq!(w.center.transfer(&relay, &t.id).unwrap().state, "cancelled");
    // A third ticket whose generation a center from before that change
    // revoked without cancelling its pending transfer: the sweep reports it
    // once, cancels it, and completes the others all the same.
    let (serial3, t3) = another("3");
    w.center
        .ledger()
        .transaction(&mut |tx| {
            tx.execute(
                "UPDATE issued SET status = 'revoked' WHERE event = $1 AND serial = $2",
                &[
                    eticket_center::store::Value::int(EVENT.0),
                    eticket_center::store::Value::int(serial3.0),
                ],
            )
        })
        .unwrap();
    w.clock.advance(w.center.config().cooling_off_secs);
    let due = w.center.complete_due_transfers().unwrap();
    assert_eq!(due.completed.len(), 1);
    assert_eq!(due.completed[0].transfer.id, t2.id);
    assert_eq!(due.failed.len(), 1, "{:?}", due.failed);
    assert_eq!(
        (due.failed[0].id.as_str(), due.failed[0].code.as_str()),
        (t3.id.as_str(), "transfer_stale")
    );
    assert_eq!(
        w.center.transfer(&relay, &t3.id).unwrap().state,
        "cancelled"
    );
    let again = w.center.complete_due_transfers().unwrap();
    assert!(
        again.completed.is_empty() && again.failed.is_empty(),
        "{again:?}"
    );
    assert_eq!(
        w.center.issued_ticket(EVENT, w.serial).unwrap(),
        None,
        "the revoked ticket has no valid holder"
    );
}

suite!(transfer_flow, transfer_crash, transfer_of_a_revoked_ticket,);
