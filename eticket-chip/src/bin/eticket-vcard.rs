//! `eticket-vcard`: an eticket chip as a virtual card in pcscd's vpcd reader.
//!
//! ```text
//! eticket-vcard --state card.state [--port 35963] [--capacity 8] [--once]
//! ```
//!
//! The card's state (key, counter, personalization, tickets) lives in the state
//! file, replaced atomically on every accepted mutation, so a card that is
//! "removed" (the program stops) and "reinserted" (started again with the same
//! file) keeps everything. A missing file makes a new blank card with a fresh
//! key. The card connects to the vpcd reader on 127.0.0.1 only; when the
//! reader goes away (pcscd restarts) it connects again, unless `--once`.
// Never unwrap, expect or panic on anything: every failure is an error
// value. (Declared here rather than for the workspace, so tests, benches and
// examples, which are their own crates, may.)
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::thread::sleep;
use std::time::{Duration, Instant};

use eticket_chip::applet::{Applet, ChipState, FileStore, Store};
use eticket_chip::protocol::DEFAULT_CAPACITY;
use eticket_chip::vpcd::{VPCD_PORT, VirtualCard};
use eticket_chip::{Error, Result};
use eticket_core::crypto::SecretKey;
use rand_core::OsRng;

struct Options {
    state: PathBuf,
    port: u16,
    capacity: u8,
    once: bool,
}

const USAGE: &str = "usage: eticket-vcard --state FILE [--port PORT] [--capacity SLOTS] [--once]

An eticket chip as a virtual card in pcscd's vpcd reader (127.0.0.1 only).
  --state FILE       the card's state (key, counter, tickets); created blank
                     when missing, kept across restarts
  --port PORT        the vpcd reader's port: 35963 (\"Virtual PCD 00 00\", the
                     default) or 35964 (\"Virtual PCD 00 01\")
  --capacity SLOTS   ticket slots of a new card, 1-16 (default 8)
  --once             stop when the reader closes the connection (the card is
                     removed) instead of reconnecting";

fn parse_args() -> core::result::Result<Options, String> {
    let mut state = None;
    let mut port = VPCD_PORT;
    let mut capacity = DEFAULT_CAPACITY;
    let mut once = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--state" => state = Some(PathBuf::from(value("--state")?)),
            "--port" => {
                port = value("--port")?
                    .parse()
                    .map_err(|_| "--port needs a port number".to_string())?
            }
            "--capacity" => {
                capacity = value("--capacity")?
                    .parse()
                    .map_err(|_| "--capacity needs a number of slots (1-16)".to_string())?
            }
            "--once" => once = true,
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    let state = state.ok_or(format!("--state is required\n{USAGE}"))?;
    Ok(Options {
        state,
        port,
        capacity,
        once,
    })
}

fn load_or_create(store: &mut FileStore, capacity: u8) -> Result<ChipState> {
    if let Some(state) = store.load()? {
        return Ok(state);
    }
    let state = ChipState::new(SecretKey::generate(&mut OsRng), capacity)?;
    store.commit(&state)?;
    Ok(state)
}

fn run(opts: &Options) -> Result<()> {
    let mut store = FileStore::new(&opts.state);
    let state = load_or_create(&mut store, opts.capacity)?;
    println!(
        "eticket-vcard: chip {} ({} slots) from {}, connecting to 127.0.0.1:{}",
        state.chip(),
        state.capacity(),
        opts.state.display(),
        opts.port
    );
    let mut card = VirtualCard::new(Applet::with_state(state, store));
    // While the reader is away, say so once, not every 200 ms.
    let mut last_error = String::new();
    let mut backoff = Backoff::default();
    loop {
        let connected = Instant::now();
        match card.insert(opts.port) {
            Ok(()) => {
                // The driver dropped the card (an APDU it cannot frame, a
                // pcscd restart): give pcscd time to see the card gone
                // before it comes back, longer each time it is dropped
                // again soon, so its polling never misses the change.
                let wait = backoff.after_close(connected.elapsed());
                eprintln!(
                    "eticket-vcard: the reader closed the connection; reconnecting in {} ms",
                    wait.as_millis()
                );
                last_error.clear();
                if !opts.once {
                    sleep(wait);
                }
            }
            Err(e @ Error::Net { .. }) if !opts.once => {
                let msg = e.to_string();
                if msg != last_error {
                    eprintln!("eticket-vcard: {msg}; trying again");
                    last_error = msg;
                }
            }
            Err(e) => return Err(e),
        }
        if opts.once {
            return Ok(());
        }
        sleep(Duration::from_millis(200));
    }
}

/// How long to wait before reconnecting after the reader closed the
/// connection: [`Backoff::FIRST`], doubled for each close that follows a
/// short connection, up to [`Backoff::MAX`]; a connection that lasted
/// [`Backoff::STABLE`] starts again from the first.
#[derive(Debug, Default)]
struct Backoff {
    next: Option<Duration>,
}

impl Backoff {
    /// Longer than pcscd's card-presence polling (400 ms), so it sees the
    /// card leave before it comes back.
    const FIRST: Duration = Duration::from_secs(1);
    const MAX: Duration = Duration::from_secs(8);
    const STABLE: Duration = Duration::from_secs(10);

    fn after_close(&mut self, lasted: Duration) -> Duration {
        let wait = match self.next {
            Some(previous) if lasted < Self::STABLE => (previous * 2).min(Self::MAX),
            _ => Self::FIRST,
        };
        self.next = Some(wait);
        wait
    }
}

fn main() -> ExitCode {
    let opts = match parse_args() {
        Ok(o) => o,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    match run(&opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("eticket-vcard: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reconnects_back_off_while_the_card_keeps_being_dropped() {
        let mut b = Backoff::default();
        let quick = Duration::from_millis(50);
        let waits: Vec<u64> = (0..6).map(|_| b.after_close(quick).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 8, 8]);
        // A connection that lasted starts over.
        assert_eq!(b.after_close(Backoff::STABLE), Backoff::FIRST);
        assert_eq!(b.after_close(quick), 2 * Backoff::FIRST);
    }
}
