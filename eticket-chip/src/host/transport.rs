//! How APDUs reach a chip: the [`Transport`] trait and the backends that need
//! no reader hardware: the applet in memory, and a caller-supplied transmit
//! function.

use eticket_core::crypto::SecretKey;
use rand_core::CryptoRngCore;
use sha2::{Digest, Sha256};

use crate::applet::{Applet, MemoryStore, Store};
use crate::{Error, Result};

/// Carries one command APDU to a chip and brings back its response APDU
/// (data and status word).
///
/// A transport that notices the card was reset or reinserted reconnects and
/// returns [`Error::CardReset`]; [`Chip`](super::Chip) then selects the
/// application again and repeats the command once.
pub trait Transport {
    /// Send `command`, return the response bytes (at least SW1 SW2).
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>>;
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>> {
        (**self).transmit(command)
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>> {
        (**self).transmit(command)
    }
}

/// The applet in memory: a chip for tests, examples and benchmarks.
///
/// ```
/// use eticket_chip::host::{Chip, InProcessCard};
/// let mut chip = Chip::connect(InProcessCard::from_seed(b"doc example")).unwrap();
/// assert_eq!(chip.info().unwrap().counter, 0);
/// ```
#[derive(Debug)]
pub struct InProcessCard<S: Store = MemoryStore> {
    applet: Applet<S>,
    reset_pending: bool,
}

impl InProcessCard<MemoryStore> {
    /// A blank chip whose key is derived from `seed` (reproducible tests).
    pub fn from_seed(seed: &[u8]) -> Self {
        let mut counter = 0u32;
        loop {
            let digest = Sha256::new()
                .chain_update(b"eticket-chip/in-process-seed\0")
                .chain_update(counter.to_be_bytes())
                .chain_update(seed)
                .finalize();
            // A SHA-256 output is a valid P-256 scalar with overwhelming
            // probability; the loop only guards the one-in-2^32 case.
            if let Ok(secret) = SecretKey::from_bytes(&digest) {
                if let Ok(applet) = Applet::new(secret) {
                    return Self::new(applet);
                }
            }
            counter = counter.wrapping_add(1);
        }
    }

    /// A blank chip with this key.
    pub fn from_secret(secret: SecretKey) -> Result<Self> {
        Ok(Self::new(Applet::new(secret)?))
    }

    /// A blank chip with a key from `rng`.
    pub fn generate(rng: &mut impl CryptoRngCore) -> Result<Self> {
        Ok(Self::new(Applet::generate(
            rng,
            crate::protocol::DEFAULT_CAPACITY,
        )?))
    }
}

impl<S: Store> InProcessCard<S> {
    /// Wrap an applet.
    pub fn new(applet: Applet<S>) -> Self {
        Self {
            applet,
            reset_pending: false,
        }
    }

    /// The applet, to inspect its state in tests.
    pub fn applet(&self) -> &Applet<S> {
        &self.applet
    }

    /// Simulate pulling the card and putting it back: the session ends, and the
    /// next transmit reports [`Error::CardReset`] as a PC/SC reader would.
    pub fn reinsert(&mut self) {
        self.applet.reset();
        self.reset_pending = true;
    }
}

impl<S: Store> Transport for InProcessCard<S> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>> {
        if self.reset_pending {
            self.reset_pending = false;
            return Err(Error::CardReset);
        }
        Ok(self.applet.process(command))
    }
}

/// A transport over a caller-supplied transmit function, for readers that are
/// not PC/SC (the C ABI exposes it as a callback).
///
/// ```
/// use eticket_chip::host::{Chip, FnTransport};
/// use eticket_chip::applet::Applet;
/// use eticket_core::crypto::SecretKey;
///
/// let mut applet = Applet::new(SecretKey::from_bytes(&[9; 32]).unwrap()).unwrap();
/// let transport = FnTransport::new(|apdu: &[u8]| Ok(applet.process(apdu)));
/// let mut chip = Chip::connect(transport).unwrap();
/// assert!(!chip.info().unwrap().personalized);
/// ```
pub struct FnTransport<F>(F);

impl<F: FnMut(&[u8]) -> Result<Vec<u8>>> FnTransport<F> {
    /// Wrap `transmit`.
    pub fn new(transmit: F) -> Self {
        Self(transmit)
    }
}

impl<F> core::fmt::Debug for FnTransport<F> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("FnTransport(…)")
    }
}

impl<F: FnMut(&[u8]) -> Result<Vec<u8>>> Transport for FnTransport<F> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>> {
        (self.0)(command)
    }
}
