//! Credentials with a life cycle, on both ledgers: expiry, revocation seen
//! by every center process, listing without secrets, rotation with a grace
//! period, and store terminals scoped to their distributors.

#[macro_use]
mod common;

use std::time::{Duration, Instant};

use common::world::*;
use common::{Backend, clock};
use eticket_center::credentials::{CredentialState, RotationRequest};
use eticket_center::{Error, Principal};
use eticket_core::ids::DistributorId;

suite!(
    credentials_expire,
    a_revocation_reaches_every_process,
    listing_shows_no_secret,
    rotation_keeps_the_old_token_for_its_grace_only,
    callers_manage_only_their_own,
    terminals_act_only_for_their_distributors,
);

const OP: Principal = Principal::Operator;

fn credentials_expire(backend: Backend) {
    let c = clock();
    let center = backend.center(&c);
    setup(&center, fcfs(), fcfs());
    let token = center.issue_credential(&OP, dist(D1), "shop").unwrap();
    assert_eq!(center.authenticate(&token).unwrap(), dist(D1));
    let listed = center.list_credentials(&OP).unwrap();
    let expires = listed[0].expires_at.unwrap();
    assert_eq!(
        expires,
        c.now_ts().plus(90 * 86_400),
        "the default is 90 days"
    );
    // The last second it works, then never again.
    c.set(expires.minus(1));
    assert!(center.authenticate(&token).is_ok());
    c.set(expires);
    assert_eq!(center.authenticate(&token), Err(Error::Unauthorized));
    assert_eq!(
        center.list_credentials(&OP).unwrap()[0].state,
        CredentialState::Expired
    );
}

fn a_revocation_reaches_every_process(backend: Backend) {
    let c = clock();
    // Two center processes on one ledger.
    let a = backend.center(&c);
    let b = backend.center(&c);
    setup(&a, fcfs(), fcfs());
    let token = a.issue_credential(&OP, dist(D1), "shop").unwrap();
    // B has seen the token (and keeps it in memory).
    assert_eq!(b.authenticate(&token).unwrap(), dist(D1));
    let id = a.list_credentials(&OP).unwrap()[0].id.clone();
    a.revoke_credential(&OP, "revoke", &id).unwrap();
    // A, which revoked it, refuses it at once.
    assert_eq!(a.authenticate(&token), Err(Error::Unauthorized));
    // B within its check interval (1 s); the loop only keeps a broken
    // center from hanging the test.
    let give_up = Instant::now() + Duration::from_secs(60);
    while b.authenticate(&token).is_ok() {
        assert!(Instant::now() < give_up, "B still takes a revoked token");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(b.authenticate(&token), Err(Error::Unauthorized));
    // Revoking again answers the same (idempotent) and changes nothing.
    let again = a.revoke_credential(&OP, "revoke", &id).unwrap();
    assert_eq!(again.state, CredentialState::Revoked);
}

fn listing_shows_no_secret(backend: Backend) {
    let c = clock();
    let center = backend.center(&c);
    setup(&center, fcfs(), fcfs());
    let token = center.issue_credential(&OP, dist(D1), "shop").unwrap();
    let listed = serde_json::to_string(&center.list_credentials(&OP).unwrap()).unwrap();
    let secret = token.split_once('_').unwrap().1;
    assert!(!listed.contains(secret), "{listed}");
    // The id is a prefix of the token's hash: 16 hex digits, no more.
    let info = &center.list_credentials(&OP).unwrap()[0];
    assert_eq!(info.id.len(), 16);
    assert_eq!(info.label, "shop");
}

fn rotation_keeps_the_old_token_for_its_grace_only(backend: Backend) {
    let c = clock();
    let center = backend.center(&c);
    setup(&center, fcfs(), fcfs());
    let old = center.issue_credential(&OP, dist(D1), "shop").unwrap();
    let id = center.list_credentials(&OP).unwrap()[0].id.clone();
    let req = RotationRequest {
        grace_secs: Some(600),
    };
    let r = center
        .rotate_credential(&dist(D1), "rot", &id, &req)
        .unwrap();
    let new = r.token.clone().unwrap();
    assert_eq!(r.old_expires_at, c.now_ts().plus(600));
    assert_eq!(center.authenticate(&new).unwrap(), dist(D1));
    assert_eq!(center.authenticate(&old).unwrap(), dist(D1));
    // A retry under the same key answers the same rotation, without the
    // token (the ledger keeps none) and without making another.
    let retry = center
        .rotate_credential(&dist(D1), "rot", &id, &req)
        .unwrap();
    assert_eq!((retry.id.as_str(), retry.token), (r.id.as_str(), None));
    assert_eq!(center.list_credentials(&OP).unwrap().len(), 2);
    c.advance(600);
    assert_eq!(center.authenticate(&old), Err(Error::Unauthorized));
    assert_eq!(center.authenticate(&new).unwrap(), dist(D1));
    // A replaced credential is not rotated again (who holds its token for
    // the grace period mints nothing).
    let again = center.rotate_credential(&OP, "rot-again", &id, &req);
    assert!(matches!(again, Err(Error::Forbidden(_))), "{again:?}");
    // An expired credential is not rotated: a new one is made instead.
    let refused = center.rotate_credential(&OP, "rot-2", &id, &RotationRequest::default());
    assert!(matches!(refused, Err(Error::Forbidden(_))), "{refused:?}");
    // The grace period is bounded.
    let long = RotationRequest {
        grace_secs: Some(30 * 86_400),
    };
    assert!(
        center
            .rotate_credential(&OP, "rot-3", &r.id, &long)
            .is_err()
    );
}

fn callers_manage_only_their_own(backend: Backend) {
    let c = clock();
    let center = backend.center(&c);
    setup(&center, fcfs(), fcfs());
    let one = center.issue_credential(&OP, dist(D1), "one").unwrap();
    center.issue_credential(&OP, dist(D2), "two").unwrap();
    let mine = center.list_credentials(&dist(D1)).unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].principal, dist(D1));
    let theirs = center
        .list_credentials(&OP)
        .unwrap()
        .into_iter()
        .find(|i| i.principal == dist(D2))
        .unwrap();
    // Another's credential is unknown to a distributor: it can neither
    // revoke nor rotate it.
    let refused = center.revoke_credential(&dist(D1), "x", &theirs.id);
    assert!(matches!(refused, Err(Error::Invalid { .. })), "{refused:?}");
    let refused = center.rotate_credential(&dist(D1), "y", &theirs.id, &RotationRequest::default());
    assert!(matches!(refused, Err(Error::Invalid { .. })), "{refused:?}");
    // Its own it may revoke, the token that asks included.
    center
        .revoke_credential(&dist(D1), "z", &mine[0].id)
        .unwrap();
    assert_eq!(center.authenticate(&one), Err(Error::Unauthorized));
}

fn terminals_act_only_for_their_distributors(backend: Backend) {
    let c = clock();
    let center = backend.center(&c);
    setup(&center, fcfs(), fcfs());
    let mine = buy(&center, D1, "b1", 1, eticket_core::ticket::Holder::Paper).unwrap()[0];
    let theirs = buy(&center, D2, "b2", 1, eticket_core::ticket::Holder::Paper).unwrap()[0];
    center.issue(&dist(D1), "i1", EVENT, mine, None).unwrap();
    center.issue(&dist(D2), "i2", EVENT, theirs, None).unwrap();
    center.set_terminal_distributors(&OP, 5, &[D1]).unwrap();
    let terminal = Principal::Terminal(5);
    // It prints the first copy of its distributor's paper ticket...
    center
        .print_paper_ticket(&terminal, "p1", EVENT, mine)
        .unwrap();
    // ...and not another distributor's.
    let refused = center.print_paper_ticket(&terminal, "p2", EVENT, theirs);
    assert!(matches!(refused, Err(Error::Forbidden(_))), "{refused:?}");
    // A terminal that serves no distributor does nothing.
    let refused = center.print_paper_ticket(&Principal::Terminal(6), "p3", EVENT, theirs);
    assert!(matches!(refused, Err(Error::Forbidden(_))), "{refused:?}");
    // Its distributors show in the listing, and only the operator sets them.
    center.issue_credential(&OP, terminal, "store").unwrap();
    let listed = center.list_credentials(&terminal).unwrap();
    assert_eq!(listed[0].distributors, vec![D1]);
    assert!(
        center
            .set_terminal_distributors(&dist(D1), 5, &[DistributorId(2)])
            .is_err()
    );
}
