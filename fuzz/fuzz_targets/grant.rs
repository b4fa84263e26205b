//! Write and delete grants as a chip and a gate read them: any bytes, and any
//! body inside a correctly signed envelope (the fuzzing tag stands for the
//! grant key's signature), give an error or a grant of the operation asked
//! for that signs back to the same bytes. A write grant is never a delete
//! grant and the other way round.
#![no_main]

use eticket_core::fixtures;
use eticket_core::grant::{Grant, GrantOp};
use eticket_fuzz::{envelope, grant_key, keys};
use libfuzzer_sys::fuzz_target;

fn check(bytes: &[u8]) {
    let key = grant_key();
    let mut ops = Vec::new();
    for op in [GrantOp::Write, GrantOp::Delete] {
        let with_key = Grant::verify_with_key(bytes, op, key.id(), &key.public);
        let with_set = Grant::verify(bytes, op, keys(), fixtures::NOW);
        if let Ok(v) = &with_set {
            // The key set only adds checks (purpose, validity, expiry).
            assert_eq!(with_key.as_ref().ok(), Some(v));
        }
        if let Ok(v) = with_key {
            assert_eq!(v.grant.op, op);
            assert_eq!(v.grant.sign(&key.pair).ok().as_deref(), Some(bytes));
            ops.push(op);
        }
    }
    assert!(ops.len() < 2, "one grant for two operations");
}

fuzz_target!(|data: &[u8]| {
    check(data);
    check(&envelope(grant_key().id(), data));
});
