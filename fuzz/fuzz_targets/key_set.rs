//! Signed key sets as gates load them: any bytes, and any body inside a
//! correctly signed envelope (the fuzzing tag stands for the root key's
//! signature), give an error or a set whose keys are sorted and unique and
//! that signs back to the same bytes.
#![no_main]

use eticket_core::fixtures;
use eticket_core::keys::KeySet;
use eticket_fuzz::{envelope, root_key};
use libfuzzer_sys::fuzz_target;

fn check(bytes: &[u8]) {
    let root = root_key();
    if let Ok(set) = KeySet::from_signed_bytes(bytes, root.id(), &root.public) {
        assert!(set.entries().windows(2).all(|w| w[0].id < w[1].id));
        assert_eq!(set.to_signed_bytes(&root.pair).ok().as_deref(), Some(bytes));
        for e in set.entries() {
            assert_eq!(set.get(e.id).ok(), Some(e));
        }
        let _ = set.is_stale(fixtures::NOW);
        let _ = KeySet::version_may_follow(set.version, set.version.wrapping_add(1));
    }
}

fuzz_target!(|data: &[u8]| {
    check(data);
    check(&envelope(root_key().id(), data));
});
