//! A chip's answer to a gate's challenge, as the host reads it from the
//! INTERNAL AUTHENTICATE response (any response APDU bytes) and as
//! `verify_answer` checks it (any claimed id, public key and signature): an
//! error or a proof whose chip id is the hash of the public key it carries.
//!
//! Input: the challenge (32 bytes), a mode byte (bit 0: claim the id of the
//! key presented, else the next 16 bytes), 16 bytes of claimed id, then the
//! chip's whole response APDU. Its data, split as signature (64 bytes) and
//! public key (the rest), is also checked directly.
#![no_main]

use eticket_chip::host::{Chip, Transport};
use eticket_core::chipauth::verify_answer;
use eticket_core::ids::ChipId;
use libfuzzer_sys::fuzz_target;

/// A card that answers every command with the same response.
struct Answer(Vec<u8>);

impl Transport for Answer {
    fn transmit(&mut self, _command: &[u8]) -> eticket_chip::Result<Vec<u8>> {
        Ok(self.0.clone())
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((challenge, rest)) = data.split_first_chunk::<32>() else {
        return;
    };
    let Some((&mode, rest)) = rest.split_first() else {
        return;
    };
    let Some((claimed, response)) = rest.split_first_chunk::<16>() else {
        return;
    };
    let mut chip = Chip::new(Answer(response.to_vec()));
    if let Ok(proof) = chip.prove(challenge) {
        assert_eq!(proof.chip, ChipId::from_public_key(&proof.public_key));
        verify_answer(proof.chip, &proof.public_key, challenge, &proof.answer)
            .expect("a proof the host accepted verifies again");
    }
    let Some((answer, public)) = response
        .get(..response.len().saturating_sub(2))
        .and_then(|d| d.split_first_chunk::<64>())
    else {
        return;
    };
    let claimed = if mode & 1 == 1 {
        ChipId::from_public_key(public)
    } else {
        ChipId(*claimed)
    };
    if let Ok(key) = verify_answer(claimed, public, challenge, answer) {
        assert_eq!(key.to_uncompressed()[..], public[..]);
        assert_eq!(ChipId::from_public_key(public), claimed);
    }
});
