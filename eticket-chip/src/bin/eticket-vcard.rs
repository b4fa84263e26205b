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
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::thread::sleep;
use std::time::Duration;

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

const USAGE: &str = "usage: eticket-vcard --state FILE [--port PORT] [--capacity SLOTS] [--once]";

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
    loop {
        match card.insert(opts.port) {
            Ok(()) => {
                eprintln!("eticket-vcard: the reader closed the connection");
                last_error.clear();
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
