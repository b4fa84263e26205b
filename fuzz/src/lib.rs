//! Shared pieces of the fuzz targets: the fixture keys and key set made once
//! per process (deriving a public key is a scalar multiplication, far too
//! slow to repeat on every input), and envelopes carrying the fuzzing tag
//! that a `--cfg fuzzing` build accepts in place of a signature.

pub mod ffi;
pub mod seatmap;
use std::sync::OnceLock;

use eticket_core::crypto::{FUZZING_SIGNATURE, PublicKey};
use eticket_core::event::EventInfo;
use eticket_core::fixtures;
use eticket_core::ids::KeyId;
use eticket_core::keys::{KeySet, SigningKeyPair};
use eticket_core::signed::FORMAT_VERSION;

/// A fixture key with its public half computed once.
pub struct Key {
    /// The pair (signing gives the fuzzing tag in fuzzing builds).
    pub pair: SigningKeyPair,
    /// Its public key.
    pub public: PublicKey,
}

impl Key {
    fn new(pair: SigningKeyPair) -> Self {
        let public = pair.public_key();
        Self { pair, public }
    }

    /// The key id.
    pub fn id(&self) -> KeyId {
        self.pair.id()
    }
}

macro_rules! cached {
    ($(#[$doc:meta])* $name:ident: $ty:ty = $init:expr) => {
        $(#[$doc])*
        pub fn $name() -> &'static $ty {
            static CELL: OnceLock<$ty> = OnceLock::new();
            CELL.get_or_init(|| $init)
        }
    };
}

cached!(
    /// The fixture key set (ticket, grant and list keys).
    keys: KeySet = fixtures::key_set()
);
cached!(
    /// The center's ticket key.
    ticket_key: Key = Key::new(fixtures::ticket_key())
);
cached!(
    /// The center's grant key.
    grant_key: Key = Key::new(fixtures::grant_key())
);
cached!(
    /// The center's list key.
    list_key: Key = Key::new(fixtures::list_key())
);
cached!(
    /// The root key.
    root_key: Key = Key::new(fixtures::root_key())
);
cached!(
    /// The fixture event.
    event: EventInfo = fixtures::small_event()
);

/// A center envelope (version ‖ key id ‖ body) closed with the fuzzing tag.
pub fn envelope(key: KeyId, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(3 + body.len() + FUZZING_SIGNATURE.len());
    out.push(FORMAT_VERSION);
    out.extend_from_slice(&key.0.to_be_bytes());
    out.extend_from_slice(body);
    out.extend_from_slice(&FUZZING_SIGNATURE);
    out
}

/// A chip-signed message (version ‖ body) closed with the fuzzing tag.
pub fn chip_signed(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + body.len() + FUZZING_SIGNATURE.len());
    out.push(FORMAT_VERSION);
    out.extend_from_slice(body);
    out.extend_from_slice(&FUZZING_SIGNATURE);
    out
}
