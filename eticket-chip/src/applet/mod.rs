//! The chip side: a pure state machine over APDU bytes.
//!
//! [`Applet::process`] takes a command APDU's bytes and returns the response
//! APDU's bytes; it never panics and always answers with a status word. The
//! same code runs in process ([`crate::host::InProcessCard`]), behind the
//! virtual card (`eticket-vcard`), and under the fuzzer. The applet does no
//! I/O of its own: persistence goes through a [`Store`]; the chip key is
//! supplied by the caller, and signatures take their added randomness (hedged
//! nonces) from the operating system.
//!
//! ```
//! use eticket_chip::applet::Applet;
//! use eticket_chip::protocol::AID;
//! use eticket_chip::apdu::Command;
//! use eticket_core::crypto::SecretKey;
//!
//! let mut chip = Applet::new(SecretKey::from_bytes(&[5; 32]).unwrap()).unwrap();
//! let select = Command::new(0x00, 0xA4, 0x04, 0x00).with_data(AID.to_vec());
//! assert_eq!(chip.process(&select.to_bytes().unwrap()), [0x90, 0x00]);
//! assert_eq!(chip.process(&[0x80, 0x99, 0, 0]), [0x6D, 0x00]);
//! ```

mod commands;
pub mod state;
pub mod store;

use eticket_core::crypto::SecretKey;
use rand_core::CryptoRngCore;

use crate::Result;
use crate::apdu::{Command, EXTENDED_MAX_NE, Response, SHORT_MAX_NE};
use crate::protocol::{
    CLA_CHAINING, CLA_ISO, CLA_PROPRIETARY, DEFAULT_CAPACITY, INS_GET_RESPONSE, INS_SELECT,
    MAX_CHAINED_DATA,
};
use crate::status::StatusWord;
pub use state::ChipState;
pub use store::{FileStore, MemoryStore, Store};

/// What a command handler returns: response data, or the refusal's status word.
type Outcome = core::result::Result<Vec<u8>, StatusWord>;

/// The chip's applet over its persistent state and a store.
#[derive(Debug)]
pub struct Applet<S: Store = MemoryStore> {
    state: ChipState,
    store: S,
    selected: bool,
    /// Where signatures take their added randomness.
    hedge: Hedge,
    /// Response bytes not yet fetched with GET RESPONSE.
    pending: Vec<u8>,
    /// Command chaining: (INS, P1, P2) and the data received so far.
    chain: Option<(u8, u8, u8, Vec<u8>)>,
    /// Whether the command being processed has committed a new state.
    committed: bool,
}

impl Applet<MemoryStore> {
    /// A blank in-memory chip with this key and [`DEFAULT_CAPACITY`] slots.
    pub fn new(secret: SecretKey) -> Result<Self> {
        Ok(Self::with_state(
            ChipState::new(secret, DEFAULT_CAPACITY)?,
            MemoryStore,
        ))
    }

    /// A blank in-memory chip with a key drawn from `rng`.
    pub fn generate(rng: &mut impl CryptoRngCore, capacity: u8) -> Result<Self> {
        Ok(Self::with_state(
            ChipState::new(SecretKey::generate(rng), capacity)?,
            MemoryStore,
        ))
    }
}

impl<S: Store> Applet<S> {
    /// An applet over a loaded (or new) state and its store.
    pub fn with_state(state: ChipState, store: S) -> Self {
        Self {
            state,
            store,
            selected: false,
            hedge: Hedge::Os,
            pending: Vec::new(),
            chain: None,
            committed: false,
        }
    }

    /// Sign with a fixed value as the added randomness instead of the
    /// operating system's: signatures become reproducible, for recorded test
    /// transcripts only. A real chip never does this.
    pub fn with_fixed_hedge(mut self, value: [u8; 32]) -> Self {
        self.hedge = Hedge::Fixed(value);
        self
    }

    /// The random source for a hedged signature.
    pub(crate) fn hedge(&self) -> HedgeRng {
        HedgeRng(self.hedge)
    }

    /// The committed state.
    pub fn state(&self) -> &ChipState {
        &self.state
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Power off or reset: the session (selection, pending response) ends;
    /// the persistent state stays.
    pub fn reset(&mut self) {
        self.selected = false;
        self.pending.clear();
        self.chain = None;
    }

    /// Process one command APDU; the answer is a response APDU, at least the
    /// two status bytes.
    pub fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        let Ok(cmd) = Command::parse(apdu) else {
            self.pending.clear();
            self.chain = None;
            return StatusWord::WrongLength.to_bytes().to_vec();
        };
        if cmd.ins == INS_GET_RESPONSE && cmd.cla & !CLA_CHAINING == CLA_ISO {
            return self.get_response(&cmd).to_bytes();
        }
        if cmd.ins == INS_GET_RESPONSE {
            // A known instruction with the wrong class.
            self.pending.clear();
            self.chain = None;
            return StatusWord::ClassNotSupported.to_bytes().to_vec();
        }
        self.pending.clear();
        let cmd = match self.unchain(cmd) {
            Ok(Some(cmd)) => cmd,
            Ok(None) => return StatusWord::Success.to_bytes().to_vec(),
            Err(status) => return status.to_bytes().to_vec(),
        };
        self.committed = false;
        let response = match self.dispatch(&cmd) {
            Ok(data) => self.limit(&cmd, data),
            Err(status) => Response::status(status),
        };
        response.to_bytes()
    }

    /// Fit the response data to Ne: `6Cxx` when a short Le asked for too few
    /// bytes of a short answer, otherwise `61xx` and GET RESPONSE for the rest.
    /// A command without Le (ISO cases 1 and 3) gets no data in its
    /// response: `61xx` says how much GET RESPONSE can fetch.
    ///
    /// `6Cxx` tells the host to send the same command again, so it is only
    /// for commands that changed nothing: a WRITE, DELETE or signature that
    /// has committed answers the first Ne bytes and `61xx` instead (sent
    /// again, a WRITE would fail on its spent counter and a signing command
    /// would sign twice).
    fn limit(&mut self, cmd: &Command, data: Vec<u8>) -> Response {
        if cmd.ne.is_none() && !data.is_empty() {
            let status = remaining(data.len());
            self.pending = data;
            return Response {
                data: Vec::new(),
                status,
            };
        }
        let ne = cmd.ne.unwrap_or(if cmd.extended {
            EXTENDED_MAX_NE
        } else {
            SHORT_MAX_NE
        }) as usize;
        if data.len() <= ne {
            return Response::ok(data);
        }
        if !self.committed
            && !cmd.extended
            && ne < SHORT_MAX_NE as usize
            && data.len() <= SHORT_MAX_NE as usize
        {
            return Response::status(StatusWord::WrongLe(data.len() as u8));
        }
        let mut data = data;
        self.pending = data.split_off(ne);
        Response {
            data,
            status: remaining(self.pending.len()),
        }
    }

    /// ISO command chaining (CLA bit `10`) for proprietary commands whose data
    /// does not fit one short APDU: collect the parts (at most
    /// [`MAX_CHAINED_DATA`] bytes) and hand back the whole command with the
    /// last part. `None` while the chain goes on.
    fn unchain(&mut self, mut cmd: Command) -> core::result::Result<Option<Command>, StatusWord> {
        let header = (cmd.ins, cmd.p1, cmd.p2);
        let chained = cmd.cla & CLA_CHAINING != 0;
        let earlier = match self.chain.take() {
            Some((ins, p1, p2, data)) if (ins, p1, p2) == header => data,
            // SELECT starts over: the chain is dropped and SELECT runs.
            Some(_) if cmd.ins == INS_SELECT && !chained => Vec::new(),
            // Another command while a chain waits for its last part: the
            // chain is dropped, and said so.
            Some(_) => return Err(StatusWord::LastCommandExpected),
            None => Vec::new(),
        };
        if !chained {
            if !earlier.is_empty() && cmd.cla == CLA_PROPRIETARY {
                let mut data = earlier;
                data.extend_from_slice(&cmd.data);
                cmd.data = data;
            }
            return Ok(Some(cmd));
        }
        // A chain part is checked like the command it belongs to before it
        // is kept: proprietary class, a known instruction that takes data,
        // the application selected.
        if cmd.cla & !CLA_CHAINING != CLA_PROPRIETARY {
            return Err(StatusWord::ClassNotSupported);
        }
        if !commands::takes_chained_data(cmd.ins) {
            return Err(StatusWord::InstructionNotSupported);
        }
        if !self.selected {
            return Err(StatusWord::ConditionsNotSatisfied);
        }
        if earlier.len() + cmd.data.len() > MAX_CHAINED_DATA {
            return Err(StatusWord::WrongLength);
        }
        let mut data = earlier;
        data.extend_from_slice(&cmd.data);
        self.chain = Some((cmd.ins, cmd.p1, cmd.p2, data));
        Ok(None)
    }

    fn get_response(&mut self, cmd: &Command) -> Response {
        if cmd.p1 != 0 || cmd.p2 != 0 {
            self.pending.clear();
            return Response::status(StatusWord::IncorrectP1P2);
        }
        if self.pending.is_empty() || !cmd.data.is_empty() {
            self.pending.clear();
            return Response::status(StatusWord::ConditionsNotSatisfied);
        }
        let ne = cmd.ne.unwrap_or(SHORT_MAX_NE) as usize;
        let rest = self.pending.split_off(ne.min(self.pending.len()));
        let data = core::mem::replace(&mut self.pending, rest);
        let status = if self.pending.is_empty() {
            StatusWord::Success
        } else {
            remaining(self.pending.len())
        };
        Response { data, status }
    }

    fn dispatch(&mut self, cmd: &Command) -> Outcome {
        if cmd.cla != CLA_ISO && cmd.cla != CLA_PROPRIETARY {
            return Err(StatusWord::ClassNotSupported);
        }
        commands::dispatch(self, cmd)
    }

    /// Commit `next` and make it the state, or keep the old state and answer
    /// `6581` when the store fails.
    fn commit(&mut self, next: ChipState) -> core::result::Result<(), StatusWord> {
        match self.store.commit(&next) {
            Ok(()) => {
                self.state = next;
                self.committed = true;
                Ok(())
            }
            Err(_) => Err(StatusWord::MemoryFailure),
        }
    }
}

fn remaining(n: usize) -> StatusWord {
    StatusWord::BytesRemaining(if n >= 256 { 0 } else { n as u8 })
}

/// The added randomness of the chip's signatures.
#[derive(Debug, Clone, Copy)]
enum Hedge {
    /// Fresh bytes from the operating system (every real chip).
    Os,
    /// A fixed value (recorded transcripts).
    Fixed([u8; 32]),
}

/// A random source over a [`Hedge`].
pub(crate) struct HedgeRng(Hedge);

impl rand_core::RngCore for HedgeRng {
    fn next_u32(&mut self) -> u32 {
        rand_core::impls::next_u32_via_fill(self)
    }

    fn next_u64(&mut self) -> u64 {
        rand_core::impls::next_u64_via_fill(self)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        match self.0 {
            Hedge::Os => rand_core::OsRng.fill_bytes(dest),
            Hedge::Fixed(v) => {
                for (d, s) in dest.iter_mut().zip(v.iter().cycle()) {
                    *d = *s;
                }
            }
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> core::result::Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

/// Added randomness only: RFC 6979 keeps the nonce safe whatever these bytes are.
impl rand_core::CryptoRng for HedgeRng {}
