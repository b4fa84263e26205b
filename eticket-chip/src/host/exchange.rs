//! One exchange with a card, bounded: a command (chained when its data is
//! long), the `6Cxx` re-send, the GET RESPONSE rounds after `61xx`. A card or
//! reader that lies (`61 00` with no data forever, `6Cxx` again and again, an
//! answer larger than any of the command set) gets
//! [`Error::CardMisbehaved`], and an exchange that takes longer than
//! [`Limits::time_limit`] between its transmissions gets [`Error::Timeout`]:
//! nothing loops or spins. A transmission that never returns is the
//! transport's to bound (the C callback's deadline, the PC/SC watchdog).

use core::fmt;
use std::time::{Duration, Instant};

use crate::apdu::{Command, Response, SHORT_MAX_DATA, SHORT_MAX_NE};
use crate::protocol::{CLA_CHAINING, CLA_ISO, CLA_PROPRIETARY, INS_GET_RESPONSE};
use crate::status::StatusWord;
use crate::{Error, Result};

use super::{Chip, MAX_RESETS, Transport};

/// The bounds of one exchange with a card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most response bytes one command may bring back in all (the largest
    /// answer of the command set is under 300 bytes).
    pub max_response_len: usize,
    /// Most GET RESPONSE rounds after `61xx` for one command.
    pub max_rounds: usize,
    /// Longest one exchange may take, counted from its first transmission.
    pub time_limit: Duration,
}

impl Default for Limits {
    /// 4096 bytes, 16 rounds, 5 seconds.
    fn default() -> Self {
        Self {
            max_response_len: 4096,
            max_rounds: 16,
            time_limit: Duration::from_secs(5),
        }
    }
}

/// A monotonic clock: time since an origin of its own.
pub trait Monotonic: Send {
    /// Time since the origin.
    fn elapsed(&self) -> Duration;
}

impl fmt::Debug for dyn Monotonic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Monotonic")
    }
}

/// The system's monotonic clock ([`Instant`]).
#[derive(Debug, Clone, Copy)]
pub struct SystemMonotonic(Instant);

impl SystemMonotonic {
    /// Counting from now.
    pub fn new() -> Self {
        Self(Instant::now())
    }
}

impl Default for SystemMonotonic {
    fn default() -> Self {
        Self::new()
    }
}

impl Monotonic for SystemMonotonic {
    fn elapsed(&self) -> Duration {
        self.0.elapsed()
    }
}

fn misbehaved(command: &'static str, reason: &'static str) -> Error {
    Error::CardMisbehaved { command, reason }
}

impl<T: Transport> Chip<T> {
    /// Send a command and return its response data when the status is `9000`;
    /// after [`Error::CardReset`] select again and repeat (a few times at most).
    pub fn exchange(&mut self, cmd: &Command, name: &'static str) -> Result<Vec<u8>> {
        let mut resets = 0;
        loop {
            let result = match self.exchange_once(cmd, name) {
                Err(Error::CardReset) => self.select().and_then(|()| self.exchange_once(cmd, name)),
                other => other,
            };
            match result {
                // A reset can be reported once per handle the reader had
                // open: try a few times before giving up.
                Err(Error::CardReset) if resets < MAX_RESETS => resets += 1,
                other => return other,
            }
        }
    }

    pub(super) fn exchange_once(&mut self, cmd: &Command, name: &'static str) -> Result<Vec<u8>> {
        let started = self.clock.elapsed();
        let cmd = &self.send_chain(cmd, name, started)?;
        let mut response = self.transmit(cmd, name, started)?;
        if let StatusWord::WrongLe(n) = response.status {
            let ne = if n == 0 { SHORT_MAX_NE } else { u32::from(n) };
            response = self.transmit(&cmd.clone().with_le(ne), name, started)?;
            if matches!(response.status, StatusWord::WrongLe(_)) {
                return Err(misbehaved(
                    name,
                    "asked for another length again (6Cxx twice)",
                ));
            }
        }
        let mut data = response.data;
        let mut status = response.status;
        let mut rounds = 0;
        while let StatusWord::BytesRemaining(n) = status {
            rounds += 1;
            if rounds > self.limits.max_rounds {
                return Err(misbehaved(
                    name,
                    "more GET RESPONSE rounds than any answer needs",
                ));
            }
            let ne = if n == 0 { SHORT_MAX_NE } else { u32::from(n) };
            let get = Command::new(CLA_ISO, INS_GET_RESPONSE, 0, 0).with_le(ne);
            let more = self.transmit(&get, name, started)?;
            if more.data.is_empty() && matches!(more.status, StatusWord::BytesRemaining(_)) {
                return Err(misbehaved(
                    name,
                    "GET RESPONSE brought no data but announced more",
                ));
            }
            data.extend_from_slice(&more.data);
            if data.len() > self.limits.max_response_len {
                return Err(misbehaved(
                    name,
                    "an answer longer than any of the command set",
                ));
            }
            status = more.status;
        }
        if data.len() > self.limits.max_response_len {
            return Err(misbehaved(
                name,
                "an answer longer than any of the command set",
            ));
        }
        if !status.is_success() {
            return Err(Error::Refused {
                command: name,
                status,
            });
        }
        Ok(data)
    }

    /// Send all but the last part of long data with ISO command chaining;
    /// return the last part to send as the command proper.
    fn send_chain(
        &mut self,
        cmd: &Command,
        name: &'static str,
        started: Duration,
    ) -> Result<Command> {
        if self.extended_length || cmd.data.len() <= SHORT_MAX_DATA || cmd.cla != CLA_PROPRIETARY {
            return Ok(cmd.clone());
        }
        let mut parts = cmd.data.chunks(SHORT_MAX_DATA).peekable();
        while let Some(part) = parts.next() {
            if parts.peek().is_none() {
                return Ok(Command {
                    data: part.to_vec(),
                    ..cmd.clone()
                });
            }
            let link = Command::new(cmd.cla | CLA_CHAINING, cmd.ins, cmd.p1, cmd.p2)
                .with_data(part.to_vec());
            let status = self.transmit(&link, name, started)?.status;
            if !status.is_success() {
                return Err(Error::Refused {
                    command: name,
                    status,
                });
            }
        }
        Ok(cmd.clone())
    }

    /// One transmission, refused once the exchange is over its time limit.
    fn transmit(
        &mut self,
        cmd: &Command,
        name: &'static str,
        started: Duration,
    ) -> Result<Response> {
        if self.clock.elapsed().saturating_sub(started) > self.limits.time_limit {
            return Err(Error::Timeout(name));
        }
        Response::parse(&self.transport.transmit(&cmd.to_bytes()?)?)
    }
}
