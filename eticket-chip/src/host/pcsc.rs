//! The PC/SC backend (feature `pcsc`): a reader reached through pcscd.
//!
//! Each APDU is one short exchange with the card in shared mode. When the card
//! was reset or reinserted, the transport reconnects and reports
//! [`Error::CardReset`], so [`Chip`](super::Chip) selects the application again;
//! when pcscd itself restarted, the context is established anew first.
//!
//! ```no_run
//! use eticket_chip::host::Chip;
//! use eticket_chip::host::pcsc::{PcscTransport, list_readers, wait_for_card};
//! use std::time::Duration;
//!
//! let reader = list_readers()?.into_iter().next().expect("a reader");
//! wait_for_card(&reader, Duration::from_secs(10))?;
//! let mut chip = Chip::connect(PcscTransport::connect(&reader)?)?;
//! println!("{:?}", chip.info()?);
//! # Ok::<(), eticket_chip::Error>(())
//! ```

use std::ffi::CString;
use std::time::{Duration, Instant};

use pcsc::{Card, Context, Disposition, Protocols, ReaderState, Scope, ShareMode, State};

use super::Transport;
use crate::{Error, Result};

/// Largest response a transmit can bring back (extended length and SW).
const MAX_RESPONSE: usize = pcsc::MAX_BUFFER_SIZE_EXTENDED;

fn pcsc_err(during: &'static str) -> impl FnOnce(pcsc::Error) -> Error {
    move |source| Error::Pcsc { during, source }
}

fn establish() -> Result<Context> {
    Context::establish(Scope::User).map_err(pcsc_err("establishing a context (is pcscd running?)"))
}

fn reader_name(reader: &str) -> Result<CString> {
    CString::new(reader).map_err(|_| Error::Invalid {
        what: "reader name",
        reason: "contains a NUL byte",
    })
}

/// The names of the PC/SC readers pcscd knows.
pub fn list_readers() -> Result<Vec<String>> {
    let ctx = establish()?;
    match ctx.list_readers_owned() {
        Ok(names) => Ok(names
            .into_iter()
            .map(|n| n.to_string_lossy().into_owned())
            .collect()),
        Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
        Err(e) => Err(pcsc_err("listing readers")(e)),
    }
}

/// Wait until a card is present in `reader`, up to `timeout`.
pub fn wait_for_card(reader: &str, timeout: Duration) -> Result<()> {
    wait_for(reader, timeout, true)
}

/// Wait until `reader` is empty, up to `timeout`.
pub fn wait_for_removal(reader: &str, timeout: Duration) -> Result<()> {
    wait_for(reader, timeout, false)
}

fn wait_for(reader: &str, timeout: Duration, present: bool) -> Result<()> {
    let ctx = establish()?;
    let mut states = [ReaderState::new(reader_name(reader)?, State::UNAWARE)];
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match ctx.get_status_change(left, &mut states) {
            Ok(()) => {}
            Err(pcsc::Error::Timeout) => {
                return Err(Error::Timeout(if present {
                    "a card in the reader"
                } else {
                    "the card to be removed"
                }));
            }
            Err(e) => return Err(pcsc_err("waiting for a status change")(e)),
        }
        let state = states[0].event_state();
        if state.contains(State::UNKNOWN) {
            return Err(Error::Invalid {
                what: "reader",
                reason: "pcscd does not know this reader",
            });
        }
        if state.contains(State::PRESENT) == present && !state.contains(State::MUTE) {
            return Ok(());
        }
        states[0].sync_current_state();
        if left.is_zero() {
            return Err(Error::Timeout("a reader status change"));
        }
    }
}

/// A card in a PC/SC reader.
pub struct PcscTransport {
    ctx: Context,
    reader: CString,
    card: Card,
    buf: Vec<u8>,
}

impl core::fmt::Debug for PcscTransport {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PcscTransport")
            .field("reader", &self.reader)
            .finish_non_exhaustive()
    }
}

impl PcscTransport {
    /// Connect to the card in `reader` (shared mode, T=0 or T=1).
    pub fn connect(reader: &str) -> Result<Self> {
        let ctx = establish()?;
        let reader = reader_name(reader)?;
        let card = connect_card(&ctx, &reader)?;
        Ok(Self {
            ctx,
            reader,
            card,
            buf: vec![0; MAX_RESPONSE],
        })
    }

    /// The reader's name.
    pub fn reader(&self) -> &str {
        self.reader.to_str().unwrap_or("")
    }

    /// Re-establish the context (after pcscd restarted) and reconnect.
    fn reestablish(&mut self) -> Result<()> {
        let ctx = establish()?;
        let card = connect_card(&ctx, &self.reader)?;
        self.replace_card(card);
        self.ctx = ctx;
        Ok(())
    }

    /// Use a new card handle. The old one is let go without resetting the
    /// card (dropping a handle would reset it, ending the new session too).
    fn replace_card(&mut self, card: Card) {
        let old = std::mem::replace(&mut self.card, card);
        let _ = old.disconnect(Disposition::LeaveCard);
    }
}

fn connect_card(ctx: &Context, reader: &CString) -> Result<Card> {
    match ctx.connect(reader, ShareMode::Shared, Protocols::ANY) {
        Ok(card) => Ok(card),
        Err(pcsc::Error::NoSmartcard | pcsc::Error::RemovedCard) => Err(Error::NoCard),
        Err(e) => Err(pcsc_err("connecting to the card")(e)),
    }
}

impl PcscTransport {
    /// Run `f` inside one PC/SC transaction: no other application's APDUs
    /// come between the ones `f` sends (e.g. LIST and the READs of
    /// [`Chip::tickets`](super::Chip::tickets)). Keep it short: other
    /// applications wait for the card meanwhile. A reset inside the
    /// transaction ends it with [`Error::CardReset`]; call again.
    ///
    /// ```no_run
    /// use eticket_chip::host::Chip;
    /// use eticket_chip::host::pcsc::PcscTransport;
    /// let mut t = PcscTransport::connect("Virtual PCD 00 00")?;
    /// let tickets = t.transaction(|card| Chip::connect(card)?.tickets())?;
    /// # Ok::<(), eticket_chip::Error>(())
    /// ```
    pub fn transaction<R>(&mut self, f: impl FnOnce(&mut dyn Transport) -> Result<R>) -> Result<R> {
        let outcome = match self.card.transaction() {
            Ok(tx) => {
                let mut inside = InTransaction {
                    card: &tx,
                    buf: &mut self.buf,
                };
                let result = f(&mut inside);
                tx.end(Disposition::LeaveCard)
                    .map_err(|(_, e)| pcsc_err("ending a transaction")(e))?;
                Ok(result)
            }
            Err(e) => Err(e),
        };
        match outcome {
            Ok(result) => result,
            Err(pcsc::Error::ResetCard) => {
                self.card
                    .reconnect(ShareMode::Shared, Protocols::ANY, Disposition::LeaveCard)
                    .map_err(pcsc_err("reconnecting after a reset"))?;
                Err(Error::CardReset)
            }
            Err(e) => Err(pcsc_err("beginning a transaction")(e)),
        }
    }
}

/// A response as received. pcscd reports a card pulled out in the middle of
/// a command as a "successful" transmission of nothing: that is a removed
/// card, not an answer.
fn answered(response: &[u8]) -> Result<Vec<u8>> {
    if response.len() < 2 {
        return Err(Error::NoCard);
    }
    Ok(response.to_vec())
}

/// The card while a transaction holds it.
struct InTransaction<'a> {
    card: &'a Card,
    buf: &'a mut Vec<u8>,
}

impl Transport for InTransaction<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>> {
        match self.card.transmit(command, self.buf) {
            Ok(response) => answered(response),
            Err(pcsc::Error::ResetCard | pcsc::Error::RemovedCard) => Err(Error::CardReset),
            Err(e) => Err(pcsc_err("transmitting an APDU")(e)),
        }
    }
}

impl Transport for PcscTransport {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>> {
        let err = match self.card.transmit(command, &mut self.buf) {
            Ok(response) => return answered(response),
            Err(e) => e,
        };
        match err {
            pcsc::Error::ResetCard => {
                self.card
                    .reconnect(ShareMode::Shared, Protocols::ANY, Disposition::LeaveCard)
                    .map_err(pcsc_err("reconnecting after a reset"))?;
                Err(Error::CardReset)
            }
            pcsc::Error::RemovedCard | pcsc::Error::NoSmartcard => {
                // A card put back since: a new handle, a new session.
                let card = connect_card(&self.ctx, &self.reader)?;
                self.replace_card(card);
                Err(Error::CardReset)
            }
            pcsc::Error::NoService
            | pcsc::Error::ServiceStopped
            | pcsc::Error::InvalidHandle
            | pcsc::Error::UnknownReader
            | pcsc::Error::ReaderUnavailable => {
                self.reestablish()?;
                Err(Error::CardReset)
            }
            e => Err(pcsc_err("transmitting an APDU")(e)),
        }
    }
}
