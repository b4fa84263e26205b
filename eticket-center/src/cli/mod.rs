//! The `eticket` command line for operators: initialize a center, register
//! distributors, credentials and events, set allotments, issue, rotate keys,
//! serve the HTTP API, export the key set and revocation lists, and serve a
//! chip in a PC/SC reader ([`chip`]: read, write, delete, personalize,
//! transfer).

/// `println!` that stops quietly when standard output is closed
/// (`eticket … | head -1`), instead of panicking on the broken pipe.
macro_rules! out {
    ($($t:tt)*) => {
        $crate::cli::write_line(format_args!($($t)*))
    };
}

mod backup;
pub mod chip;
mod offline;
mod samples;

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};
use eticket_core::allotment::AllotmentRatios;
use eticket_core::ids::{DistributorId, EventId, KeyId, MemberId, SeatType, TicketSerial};
use eticket_core::keys::KeyPurpose;
use rand_core::{OsRng, RngCore};

use crate::keystore::{self, KEK_ENV, KEK_FILE_ENV, Kek, KeyStorage, ROOT_KEY_FILE_ENV, RootStore};
use crate::organizer::{EventRegistration, SeatSelection};
use crate::policy::DistributionPolicy;
use crate::store::Ledger;
use crate::{Center, Error, Principal, Result};

/// The operator's command line of the eticket platform center.
#[derive(Debug, Parser)]
#[command(name = "eticket", version, about)]
pub struct Cli {
    /// SQLite ledger file (the embedded default).
    #[arg(long, global = true, default_value = "eticket.sqlite")]
    pub database: PathBuf,
    /// PostgreSQL URL; overrides --database.
    #[arg(
        long,
        global = true,
        env = "ETICKET_DATABASE_URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,
    /// Cooling-off period of transfers, in seconds.
    #[arg(long, global = true, default_value_t = 48 * 3600)]
    pub cooling_off_secs: u64,
    /// How long a seat hold lasts before its seats go back on sale, in
    /// seconds (1 to 86,400).
    #[arg(long, global = true, default_value_t = 15 * 60,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub hold_secs: u64,
    /// File holding the key-encryption key that seals the center's private
    /// keys (64 hex digits or base64 of 32 bytes). Without it (and without
    /// `ETICKET_KEK`, the key itself in the environment), a SQLite ledger
    /// uses `<database>.kek`, made on first use; PostgreSQL needs one.
    #[arg(long, global = true, env = "ETICKET_KEK_FILE")]
    pub kek_file: Option<PathBuf>,
    /// The root key file (sealed under the key-encryption key); default
    /// `<database>.root` for SQLite; PostgreSQL needs one (or --offline-root).
    #[arg(long, global = true, env = "ETICKET_ROOT_KEY_FILE")]
    pub root_key_file: Option<PathBuf>,
    /// Run without the root key: publish the key set signed elsewhere with
    /// `sign-key-set` and stored in the ledger.
    #[arg(long, global = true, conflicts_with = "root_key_file")]
    pub offline_root: bool,
    /// Idempotency key for this command (random when absent).
    #[arg(long, global = true)]
    pub idempotency_key: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// A role that gets a credential.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Role {
    /// Manages its events.
    Organizer,
    /// Sells from its allotments.
    Distributor,
    /// A store terminal.
    Terminal,
    /// A gate of one event (the id is the event): reads key sets and lists.
    Gate,
    /// One venue unit of an event (the id is the event; give --unit and
    /// --unit-key): reads like a gate and uploads its signed entry log.
    Unit,
}

/// A key purpose.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Purpose {
    /// Signs tickets.
    Tickets,
    /// Signs write and delete grants.
    Grants,
    /// Signs revocation lists.
    Lists,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the ledger and the center keys (or open them), print the root key.
    Init,
    /// Register a distributor.
    AddDistributor {
        /// Its id.
        #[arg(long)]
        id: u16,
        /// Its name.
        #[arg(long)]
        name: String,
    },
    /// Create a bearer token for a role; printed once.
    Credential {
        /// The role.
        #[arg(long, value_enum)]
        role: Role,
        /// The organizer, distributor, terminal or event id.
        #[arg(long)]
        id: u32,
        /// A label to recognize it by.
        #[arg(long, default_value = "")]
        label: String,
        /// For `--role unit`: the unit's name (as in its upload batches).
        #[arg(long, required_if_eq("role", "unit"))]
        unit: Option<String>,
        /// For `--role unit`: the unit's public key (65 bytes SEC1, hex),
        /// which signs its upload batches.
        #[arg(long, required_if_eq("role", "unit"))]
        unit_key: Option<String>,
        /// For `--role terminal`: a distributor the terminal serves (give
        /// one or more; its tokens act on their tickets only). Added to the
        /// distributors the terminal already serves.
        #[arg(long = "distributor", required_if_eq("role", "terminal"))]
        distributors: Vec<u16>,
    },
    /// List every credential (ids, roles, labels, expiry, revocation; never
    /// tokens) as JSON.
    Credentials,
    /// Let a store terminal serve more distributors (its tokens act on
    /// their tickets only); prints the distributors it serves.
    TerminalDistributors {
        /// The terminal's id.
        #[arg(long)]
        terminal: u32,
        /// A distributor it serves from now on (one or more).
        #[arg(long = "distributor", required = true)]
        distributors: Vec<u16>,
    },
    /// Revoke a credential by its id (from `eticket credentials`): every
    /// center process refuses it within a second.
    RevokeCredential {
        /// The credential's id (16 hex digits).
        id: String,
    },
    /// Rotate a credential by its id: print a new token for the same
    /// caller; the old one keeps working for the grace period only.
    RotateCredential {
        /// The credential's id (16 hex digits).
        id: String,
        /// Seconds the old token keeps working (at most 7 days).
        #[arg(long, default_value_t = crate::credentials::DEFAULT_ROTATION_GRACE_SECS)]
        grace_secs: u64,
    },
    /// Register an event: from an event file around a venue's seat map
    /// (`--event`, TOML, see docs/center/event-file.md) or from the JSON of
    /// a registration (`--file`, `{"info": …, "prices": …}`).
    RegisterEvent {
        /// The event file (TOML) naming the venue's seat-map file.
        #[arg(long, conflicts_with = "file", required_unless_present = "file")]
        event: Option<PathBuf>,
        /// A registration as JSON.
        #[arg(long)]
        file: Option<PathBuf>,
        /// Check and print the registration without registering it.
        #[arg(long)]
        dry_run: bool,
        /// With --dry-run: print the registration as JSON (the body of
        /// `POST /v1/events`) instead of a summary.
        #[arg(long, requires = "dry_run")]
        json: bool,
        /// The organizer that owns it.
        #[arg(long, default_value_t = 1)]
        organizer: u32,
    },
    /// Select a distributor for an event, with an optional policy as JSON.
    SelectDistributor {
        /// The event.
        #[arg(long)]
        event: u32,
        /// The distributor.
        #[arg(long)]
        distributor: u16,
        /// The policy, e.g. `{"kind":"lottery"}`.
        #[arg(long)]
        policy: Option<String>,
    },
    /// Allot by ratio from a JSON file (`{"shares": […]}`).
    AllotRatios {
        /// The event.
        #[arg(long)]
        event: u32,
        /// The file.
        #[arg(long)]
        file: PathBuf,
    },
    /// Allot by seat selection from a JSON file (`{"distributor": 1, "seats": […]}`).
    AllotSeats {
        /// The event.
        #[arg(long)]
        event: u32,
        /// The file.
        #[arg(long)]
        file: PathBuf,
    },
    /// Split seats between distributors by weight from a JSON file
    /// (`{"seats": […], "shares": [{"distributor": 1, "weight": 2}, …],
    /// "from": [null]}`), as `POST /v1/events/{event}/allotments/split`.
    SplitSeats {
        /// The event.
        #[arg(long)]
        event: u32,
        /// The file.
        #[arg(long)]
        file: PathBuf,
    },
    /// As a distributor (a box office on this ledger): hold seats of its
    /// allotment for a buyer (prints the hold's token and expiry), then
    /// confirm or release it. The seats go back on sale when it expires.
    Hold {
        /// The event.
        #[arg(long)]
        event: u32,
        /// The distributor holding.
        #[arg(long)]
        distributor: u16,
        /// The best available seats: how many (with `--seat-type`).
        #[arg(long, conflicts_with = "serials", required_unless_present = "serials")]
        quantity: Option<u32>,
        /// The best available seats of this seat type.
        #[arg(long, requires = "quantity")]
        seat_type: Option<u8>,
        /// These tickets (comma-separated serials), all or none.
        #[arg(long, value_delimiter = ',')]
        serials: Option<Vec<u32>>,
        /// The buyer: a member id …
        #[arg(long, conflicts_with = "buyer", required_unless_present = "buyer")]
        member: Option<u32>,
        /// … or the distributor's reference for the buyer (1 to 64 characters).
        #[arg(long)]
        buyer: Option<String>,
    },
    /// As the distributor that holds it: buy a hold's seats.
    ConfirmHold {
        /// The event.
        #[arg(long)]
        event: u32,
        /// The distributor.
        #[arg(long)]
        distributor: u16,
        /// The hold's token.
        #[arg(long)]
        token: String,
        /// Who will hold the tickets: `paper` or `chip:<32 hex digits>`.
        #[arg(long)]
        holder: String,
        /// The member buying (a hold for a member is bought by that member).
        #[arg(long)]
        member: Option<u32>,
    },
    /// As the distributor that holds it: give a hold's seats back to sale.
    ReleaseHold {
        /// The event.
        #[arg(long)]
        event: u32,
        /// The distributor.
        #[arg(long)]
        distributor: u16,
        /// The hold's token.
        #[arg(long)]
        token: String,
    },
    /// Return the seats of expired holds to sale now (`eticket serve` does
    /// it every minute; every hold and sale does it for its event first).
    ExpireHolds,
    /// Print the event's allotment audit log (who moved which tickets from
    /// which owner to which, when) as JSON, 500 entries from `--after`.
    AllotmentLog {
        /// The event.
        #[arg(long)]
        event: u32,
        /// The last entry already read.
        #[arg(long, default_value_t = 0)]
        after: u64,
    },
    /// Cancel an event: it sells, holds and allots nothing more; unsold
    /// tickets are withdrawn and sold ones revoked, each with a refund
    /// record for the distributor that sold it. Runs in batches with a
    /// progress line each; run it again to finish one that was stopped.
    CancelEvent {
        /// The event.
        #[arg(long)]
        event: u32,
        /// Tickets per transaction.
        #[arg(long, default_value_t = eticket_center_batch())]
        batch: usize,
    },
    /// Postpone or move an event: a new schedule and the end of the refund
    /// window from a JSON file (`{"schedule": {"doors_open": T, "start": T,
    /// "end": T}, "refund_until": T}`, times in Unix seconds); every issued
    /// ticket is re-issued for the new dates in batches, with a progress
    /// line each. Run it again to finish one that was stopped.
    PostponeEvent {
        /// The event.
        #[arg(long)]
        event: u32,
        /// The postponement (JSON).
        #[arg(long)]
        file: PathBuf,
        /// Tickets per transaction.
        #[arg(long, default_value_t = crate::postponement::POSTPONE_BATCH)]
        batch: usize,
    },
    /// As a distributor: refund a ticket of a postponed event whose holder
    /// does not want the new date (until the refund window ends).
    RefundTicket {
        /// The event.
        #[arg(long)]
        event: u32,
        /// The ticket.
        #[arg(long)]
        serial: u32,
        /// The distributor that sold it.
        #[arg(long)]
        distributor: u16,
    },
    /// Print the refund records of a cancelled or postponed event as JSON
    /// (1,000 a page).
    Refunds {
        /// The event.
        #[arg(long)]
        event: u32,
        /// The last record (`seq`) already read.
        #[arg(long, default_value_t = 0)]
        after: u64,
    },
    /// Counts per distributor and state.
    Stats {
        /// The event.
        #[arg(long)]
        event: u32,
    },
    /// Print the signed key set as JSON.
    ExportKeySet,
    /// Print an event's signed revocation list as JSON.
    ExportRevocations {
        /// The event.
        #[arg(long)]
        event: u32,
    },
    /// Issue a sold ticket as the operator; with `--chip`, also a write grant
    /// for that chip at `--counter`.
    Issue {
        /// The event.
        #[arg(long)]
        event: u32,
        /// The ticket.
        #[arg(long)]
        serial: u32,
        /// The holder chip's id (32 hex digits).
        #[arg(long)]
        chip: Option<String>,
        /// The chip's current counter.
        #[arg(long, default_value_t = 0)]
        counter: u32,
        /// The slot to write.
        #[arg(long, default_value_t = 0)]
        slot: u8,
    },
    /// Complete transfers whose cooling-off period has ended.
    CompleteTransfers,
    /// Add a new key for a purpose (for grants: promote the prepared grant key
    /// if there is one; for tickets, with `--event`, the event's own ticket
    /// key); it signs from now on, the old one keeps verifying until
    /// retired. Gates pick it up with the next key set.
    RotateKey {
        /// Which key.
        #[arg(long, value_enum)]
        purpose: Purpose,
        /// With `--purpose tickets`: the event whose ticket key to rotate
        /// (each event registered since event keys has its own).
        #[arg(long)]
        event: Option<u32>,
    },
    /// Retire a superseded key: gates that sync the next key set refuse what
    /// it signed.
    RetireKey {
        /// The key id (see `export-key-set` or `keys`).
        #[arg(long)]
        id: u16,
    },
    /// Leave a retired key out of the key set: makes room when the set is
    /// full (gates then refuse what it signed as an unknown key).
    DropKey {
        /// The key id.
        #[arg(long)]
        id: u16,
    },
    /// After a ticket key leaked: re-issue every valid ticket it signed under
    /// the current ticket key (rotate first), each as the next generation with
    /// the old one revoked; then retire the leaked key. Resumable.
    ReissueSignedBy {
        /// The leaked ticket key's id.
        #[arg(long)]
        id: u16,
    },
    /// After upgrading from a center that signed an older ticket format:
    /// re-issue every valid ticket of that format in the current one (next
    /// generation, old one revoked). Resumable.
    ReissueOldFormat,
    /// Prepare the next grant key: cards personalized from now on trust it,
    /// so they keep working after the next grant-key rotation (which makes it
    /// the signing grant key) and the old key's retirement.
    PrepareGrantKey,
    /// List the center's keys with purpose, validity and state.
    Keys,
    /// Replace the root key: the old root signs a rollover statement naming
    /// the new one (published at GET /v1/keyset/rollovers); key sets are
    /// signed by the new root from now on. The root key file then holds
    /// the new root only: back it up. With --request FILE (from
    /// key-set-request) and --new-root-key-file NEW: the air-gapped step,
    /// opening no ledger: make the new root in NEW, sign the statement with
    /// the root key file and the request's key set with the new root, and
    /// print both for `import-rollover` (give --root-key-file and
    /// --kek-file or ETICKET_KEK).
    RolloverRoot {
        /// A key set request (JSON from `eticket key-set-request`).
        #[arg(long, requires = "new_root_key_file")]
        request: Option<PathBuf>,
        /// With --request: the new root key file to make (mode 0600,
        /// sealed under the same key-encryption key); an existing file is
        /// refused.
        #[arg(long, requires = "request")]
        new_root_key_file: Option<PathBuf>,
    },
    /// Print every root rollover statement as JSON, oldest first.
    ExportRollovers,
    /// Sign the current key set with the root key file and store it in the
    /// ledger, for center processes running with --offline-root. With
    /// --request FILE (from key-set-request): sign that request with the
    /// root key file and print the signed set, opening no ledger (the
    /// air-gapped step; give --root-key-file and --kek-file or ETICKET_KEK).
    SignKeySet {
        /// A key set request (JSON from `eticket key-set-request`).
        #[arg(long)]
        request: Option<PathBuf>,
    },
    /// Print the current key set, unsigned, as a request for the offline
    /// signing step (`sign-key-set --request` where the root key is, then
    /// `import-key-set`).
    KeySetRequest,
    /// Store a key set signed offline (JSON from `sign-key-set --request`)
    /// for this ledger's centers to publish.
    ImportKeySet {
        /// The signed key set.
        file: PathBuf,
    },
    /// Store a root rollover signed offline (JSON from `rollover-root
    /// --request`) on a center run with --offline-root: the ledger names
    /// the new root, publishes the statement and serves the new root's key
    /// set. Importing the same file again changes nothing.
    ImportRollover {
        /// The signed rollover.
        file: PathBuf,
    },
    /// Back up the ledger, online, into a new directory: a consistent copy
    /// (SQLite's backup API, or pg_dump of the ledger's schema), the root
    /// key file (sealed), and a manifest with the key-encryption key's
    /// fingerprint. The key-encryption key itself is never in it: keep it
    /// apart.
    Backup {
        /// The directory to make (an existing one must be empty).
        #[arg(long)]
        to: PathBuf,
    },
    /// Restore a backup into a new ledger (--database FILE that does not
    /// exist, or --database-url of a database without that ledger's
    /// schema), with the key-encryption key the backup names by its
    /// fingerprint; the root key file goes to --root-key-file (default
    /// `<database>.root`), never over an existing one.
    Restore {
        /// The backup directory (from `eticket backup`).
        #[arg(long)]
        from: PathBuf,
    },
    /// A chip in a PC/SC reader: info, read, write, delete, personalize
    /// (needs the `pcsc` feature).
    Chip(chip::ChipArgs),
    /// Have the chip in the reader sign a transfer of one of its tickets to
    /// another chip, and submit it (needs the `pcsc` feature).
    Transfer(chip::TransferArgs),
    /// During the cooling-off period: have the assignor's chip in the reader
    /// sign the cancellation of a pending transfer, and cancel it (needs the
    /// `pcsc` feature).
    TransferCancel(chip::TransferCancelArgs),
    /// Write the sample venues (the Small Hall, a 20,000-seat arena and a
    /// 100,000-seat stadium bowl around a pitch), each a seat-map file and an
    /// event file for `register-event --event`, into a folder.
    SampleVenues {
        /// The folder (made if missing).
        #[arg(default_value = "venues")]
        dir: PathBuf,
        /// Also write a drawing of each (SVG; about 2 and 12 MB for the
        /// large ones).
        #[arg(long)]
        svg: bool,
    },
    /// Serve the HTTP API.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Seconds between runs of due transfer completion and of seat-hold
        /// expiry.
        #[arg(long, default_value_t = 60)]
        transfer_interval: u64,
        /// Most connections open at once; at the limit the oldest idle one
        /// is closed for a new one, and when all are busy a new one is
        /// answered 503 `too_many_connections`. Keep it below `ulimit -n`.
        #[arg(long, default_value_t = 512)]
        max_connections: usize,
        /// Give every mutating request a commit of its own instead of
        /// sharing group commits with concurrent ones (slower under load;
        /// for comparison).
        #[arg(long)]
        no_group_commit: bool,
        /// Seconds a client has to send a request's headers (and to start
        /// its next request on a kept-alive connection).
        #[arg(long, default_value_t = 10)]
        header_timeout: u64,
        /// Seconds a client has to send a request's body once its headers
        /// are in.
        #[arg(long, default_value_t = 30)]
        body_timeout: u64,
        /// Seconds an answer may wait for the client to read it before
        /// the connection is closed.
        #[arg(long, default_value_t = 30)]
        answer_timeout: u64,
        /// On SIGTERM or SIGINT: seconds the requests in progress have to
        /// finish; new ones are answered 503 `shutting_down` meanwhile, and
        /// the process then exits 0.
        #[arg(long, default_value_t = 10)]
        shutdown_grace: u64,
        /// The request log on stderr, one line per request: `text` or
        /// `json` (one object a line).
        #[arg(long, value_enum, env = "ETICKET_LOG_FORMAT", default_value = "text")]
        log_format: LogFormat,
        /// Also serve `/metrics` (Prometheus), `/v1/health` and `/v1/ready`
        /// on this address, for the operator's monitoring only (keep it on
        /// loopback or a private network); without it no metrics are
        /// served.
        #[arg(long, env = "ETICKET_METRICS_LISTEN")]
        metrics_listen: Option<String>,
    },
}

/// How `eticket serve` writes its log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// `2026-05-01T10:00:00.123456Z  INFO eticket::http: request request_id=… principal=distributor:1 …`
    Text,
    /// `{"timestamp":"…","level":"INFO","message":"request","request_id":"…",…,"target":"eticket::http"}`
    Json,
}

/// The default of `cancel-event --batch`.
const fn eticket_center_batch() -> usize {
    crate::cancellation::CANCEL_BATCH
}

fn read_json<T: serde::de::DeserializeOwned>(path: &std::path::Path) -> Result<T> {
    let text = std::fs::read(path)
        .map_err(|e| Error::invalid("file", format!("{}: {e}", path.display())))?;
    // The API's rules for a body hold for a file too (no key twice, no
    // U+0000, no integer past the ledgers' largest).
    crate::http::parse_json(&text)
        .map_err(|e| Error::invalid("file", format!("{}: {}", path.display(), e.message)))
}

/// Write one line to standard output; when the reader has gone away, end the
/// program quietly, as a program killed by SIGPIPE would (status 0: the
/// reader took what it wanted).
pub(crate) fn write_line(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let written = stdout
        .write_fmt(args)
        .and_then(|()| stdout.write_all(b"\n"))
        .and_then(|()| stdout.flush());
    if let Err(e) = written {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("eticket: error writing to standard output: {e}");
        std::process::exit(1);
    }
}

/// `--role unit` is handled above; kept as an error rather than a panic.
fn unreachable_unit() -> Result<Principal> {
    Err(Error::invalid(
        "role",
        "a unit credential needs --unit and --unit-key",
    ))
}

fn print<T: serde::Serialize>(value: &T) -> Result<()> {
    let text =
        serde_json::to_string_pretty(value).map_err(|e| Error::invalid("output", e.to_string()))?;
    out!("{text}");
    Ok(())
}

impl Cli {
    fn ledger(&self) -> Result<Ledger> {
        match &self.database_url {
            Some(url) => Ledger::postgres(url),
            None => Ledger::sqlite(&self.database),
        }
    }

    fn key_storage(&self) -> Result<KeyStorage> {
        let env_kek = std::env::var(KEK_ENV).ok().filter(|v| !v.trim().is_empty());
        let kek = match (&self.kek_file, env_kek) {
            (Some(_), Some(_)) => {
                return Err(Error::KeyStorage(format!(
                    "give the key-encryption key once: --kek-file ({KEK_FILE_ENV}) or {KEK_ENV}, not both"
                )));
            }
            (Some(path), None) => Kek::from_file(path)?,
            (None, Some(text)) => Kek::from_text(&text, KEK_ENV)?,
            (None, None) if self.database_url.is_some() => {
                return Err(Error::KeyStorage(format!(
                    "a PostgreSQL ledger needs a key-encryption key: --kek-file ({KEK_FILE_ENV}) or {KEK_ENV}"
                )));
            }
            (None, None) => Kek::beside(&self.database)?,
        };
        let root = match (&self.root_key_file, &self.database_url) {
            _ if self.offline_root => RootStore::Offline,
            (Some(path), _) => RootStore::File(path.clone()),
            (None, None) => RootStore::File(keystore::beside(&self.database, ".root")),
            (None, Some(_)) => {
                return Err(Error::KeyStorage(format!(
                    "a PostgreSQL ledger needs a root key file: --root-key-file ({ROOT_KEY_FILE_ENV}), or --offline-root"
                )));
            }
        };
        Ok(KeyStorage::new(kek, root))
    }

    fn key(&self) -> String {
        self.idempotency_key.clone().unwrap_or_else(|| {
            let mut raw = [0u8; 16];
            OsRng.fill_bytes(&mut raw);
            format!("cli-{}", hex::encode(raw))
        })
    }
}

/// The registration from an event file (`--event`) or its JSON (`--file`).
fn load_registration(
    event: Option<&std::path::Path>,
    file: Option<&std::path::Path>,
) -> Result<EventRegistration> {
    match (event, file) {
        (Some(path), _) => crate::event_file::load(path),
        (None, Some(path)) => read_json(path).map_err(|e| {
            // An event file given as the JSON registration: name the flag.
            if path.extension().is_some_and(|x| x == "toml") {
                Error::invalid(
                    "file",
                    format!(
                        "{} is TOML, and --file takes a registration as JSON: give an event file with --event {}",
                        path.display(),
                        path.display()
                    ),
                )
            } else {
                e
            }
        }),
        (None, None) => Err(Error::invalid("event", "give --event or --file")),
    }
}

/// Run a parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    if let Command::Serve { log_format, .. } = &cli.command {
        // Before the ledger opens: what serving says goes to its log.
        install_log(*log_format);
    }
    if let Command::SignKeySet {
        request: Some(path),
    } = &cli.command
    {
        return offline::sign_request(&cli, path);
    }
    if let Command::RolloverRoot {
        request: Some(path),
        new_root_key_file,
    } = &cli.command
    {
        return offline::sign_rollover(&cli, path, new_root_key_file.as_deref());
    }
    if let Command::RegisterEvent {
        event,
        file,
        dry_run: true,
        json,
        ..
    } = &cli.command
    {
        // A dry run checks the files only: no ledger is opened or made.
        let reg = load_registration(event.as_deref(), file.as_deref())?;
        if *json {
            return print(&reg);
        }
        let capacity = reg.info.seats.capacity();
        let count =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        out!(
            "event {} \"{}\" at {}: {}, {}, {} in all; doors {}, start {}, end {}",
            reg.info.id,
            reg.info.name,
            reg.info.venue.name,
            count(reg.info.seats.seats.len(), "seat", "seats"),
            count(
                reg.info.seats.areas.len(),
                "standing area",
                "standing areas"
            ),
            count(
                usize::try_from(capacity).unwrap_or(usize::MAX),
                "place",
                "places"
            ),
            reg.info.schedule.doors_open,
            reg.info.schedule.start,
            reg.info.schedule.end
        );
        return Ok(());
    }
    if let Command::SampleVenues { dir, svg } = &cli.command {
        // Writes files only: no ledger is opened or made.
        return samples::write(dir, *svg);
    }
    if let Command::Restore { from } = &cli.command {
        // Makes its ledger: none is opened before.
        return backup::run_restore(&cli, from);
    }
    // Only `init` makes a ledger: a mistyped --database names no file, and
    // must not become a new, empty center with keys of its own.
    if cli.database_url.is_none() && !matches!(cli.command, Command::Init) && !cli.database.exists()
    {
        return Err(Error::invalid(
            "database",
            format!(
                "there is no ledger at {}: make one with `eticket --database {} init`, or name the one you have",
                cli.database.display(),
                cli.database.display()
            ),
        ));
    }
    let config = crate::Config {
        cooling_off_secs: cli.cooling_off_secs,
        hold_secs: cli.hold_secs,
        group_commit: !matches!(
            cli.command,
            Command::Serve {
                no_group_commit: true,
                ..
            }
        ),
        ..crate::Config::default()
    };
    let storage = cli.key_storage()?;
    let center = Center::open_with_keys(
        cli.ledger()?,
        Arc::new(crate::clock::SystemClock),
        config,
        storage,
    )?;
    let op = Principal::Operator;
    let key = cli.key();
    match &cli.command {
        Command::Init => {
            let keys = center.current_keys()?;
            out!(
                "ledger: {}",
                cli.database_url.as_deref().map_or_else(
                    || cli.database.display().to_string(),
                    |_| "postgres".to_owned()
                )
            );
            out!(
                "root key {}: {}",
                keys.root_id(),
                hex::encode(keys.root_public().to_uncompressed())
            );
            out!("root key kept in {}", center.key_storage().root.describe());
        }
        Command::AddDistributor { id, name } => {
            center.register_distributor(&op, &key, DistributorId(*id), name)?;
            eprintln!(
                "distributor {id} ({name:?}) registered; select it for an event with `select-distributor --event E --distributor {id}`"
            );
        }
        Command::Credential {
            role: Role::Unit,
            id,
            unit,
            unit_key,
            ..
        } => {
            let (Some(name), Some(key)) = (unit, unit_key) else {
                return Err(Error::invalid("unit", "give --unit and --unit-key"));
            };
            let key = hex::decode(key).map_err(|_| Error::invalid("unit_key", "not hex"))?;
            let cred = center.issue_unit_credential(&op, EventId(*id), name, &key)?;
            eprintln!(
                "unit {name:?} of event {id} registered as unit {}",
                cred.unit
            );
            out!("{}", cred.token);
        }
        Command::Credentials => print(&center.list_credentials(&op)?)?,
        Command::TerminalDistributors {
            terminal,
            distributors,
        } => {
            let ds: Vec<_> = distributors.iter().copied().map(DistributorId).collect();
            center.set_terminal_distributors(&op, *terminal, &ds)?;
            print(&center.terminal_distributors(&op, *terminal)?)?;
        }
        Command::RevokeCredential { id } => {
            let info = center.revoke_credential(&op, &key, id)?;
            eprintln!(
                "credential {} ({}) revoked",
                info.id,
                info.principal.label()
            );
        }
        Command::RotateCredential { id, grace_secs } => {
            let req = crate::credentials::RotationRequest {
                grace_secs: Some(*grace_secs),
            };
            let r = center.rotate_credential(&op, &key, id, &req)?;
            eprintln!(
                "credential {} replaces {}, which works until {}",
                r.id, r.old_id, r.old_expires_at
            );
            out!("{}", r.token.unwrap_or_default());
        }
        Command::Credential {
            role,
            id,
            label,
            distributors,
            ..
        } => {
            let principal = match role {
                Role::Organizer => Principal::Organizer(*id),
                Role::Distributor => Principal::Distributor(DistributorId(
                    u16::try_from(*id)
                        .map_err(|_| Error::invalid("id", "distributor ids fit 16 bits"))?,
                )),
                Role::Terminal => Principal::Terminal(*id),
                Role::Gate => Principal::Gate(EventId(*id)),
                Role::Unit => unreachable_unit()?,
            };
            if !distributors.is_empty() {
                if !matches!(role, Role::Terminal) {
                    return Err(Error::invalid(
                        "distributor",
                        "--distributor is for --role terminal",
                    ));
                }
                let ds: Vec<_> = distributors.iter().copied().map(DistributorId).collect();
                center.set_terminal_distributors(&op, *id, &ds)?;
            }
            out!("{}", center.issue_credential(&op, principal, label)?);
        }
        Command::RegisterEvent {
            event,
            file,
            organizer,
            ..
        } => {
            let reg = load_registration(event.as_deref(), file.as_deref())?;
            print(&center.register_event(&Principal::Organizer(*organizer), &key, &reg)?)?;
        }
        Command::SelectDistributor {
            event,
            distributor,
            policy,
        } => {
            let policy: DistributionPolicy = match policy {
                Some(p) => {
                    serde_json::from_str(p).map_err(|e| Error::invalid("policy", e.to_string()))?
                }
                None => DistributionPolicy::default(),
            };
            center.select_distributor(
                &op,
                &key,
                EventId(*event),
                DistributorId(*distributor),
                policy,
            )?;
            eprintln!("distributor {distributor} selected for event {event}");
        }
        Command::AllotRatios { event, file } => {
            let ratios: AllotmentRatios = read_json(file)?;
            print(&center.set_allotment_ratios(&op, &key, EventId(*event), &ratios)?)?;
        }
        Command::AllotSeats { event, file } => {
            let sel: SeatSelection = read_json(file)?;
            print(&center.set_allotment_selection(&op, &key, EventId(*event), &sel)?)?;
        }
        Command::SplitSeats { event, file } => {
            let split: crate::split::SeatSplit = read_json(file)?;
            print(&center.split_allotment(&op, &key, EventId(*event), &split)?)?;
        }
        Command::Hold {
            event,
            distributor,
            quantity,
            seat_type,
            serials,
            member,
            buyer,
        } => {
            use crate::distributor::SeatChoice;
            use crate::holds::{HoldBuyer, HoldRequest};
            let seats = match (serials, quantity) {
                (Some(serials), _) => {
                    SeatChoice::Serials(serials.iter().map(|s| TicketSerial(*s)).collect())
                }
                (None, Some(quantity)) => SeatChoice::BestAvailable {
                    seat_type: seat_type.map(SeatType),
                    quantity: *quantity,
                },
                (None, None) => {
                    return Err(Error::invalid("seats", "give --serials or --quantity"));
                }
            };
            let buyer = match (member, buyer) {
                (Some(m), _) => HoldBuyer::Member(MemberId(*m)),
                (None, Some(b)) => HoldBuyer::Reference(b.clone()),
                (None, None) => return Err(Error::invalid("buyer", "give --member or --buyer")),
            };
            let who = Principal::Distributor(DistributorId(*distributor));
            let hold = center.hold(&who, &key, EventId(*event), &HoldRequest { seats, buyer })?;
            eprintln!(
                "{} seat(s) held until {}; buy them with `eticket confirm-hold --event {} --distributor {} --token {} --holder …`, or let them go with `eticket release-hold` and the same --event, --distributor and --token",
                hold.serials.len(),
                hold.expires_at,
                event,
                distributor,
                hold.token
            );
            print(&hold)?;
        }
        Command::ConfirmHold {
            event,
            distributor,
            token,
            holder,
            member,
        } => {
            let confirm = crate::holds::HoldConfirm {
                holder: crate::wire::parse_holder(holder)?,
                member: member.map(MemberId),
            };
            let who = Principal::Distributor(DistributorId(*distributor));
            print(&center.confirm_hold(&who, &key, EventId(*event), token, &confirm)?)?;
        }
        Command::ReleaseHold {
            event,
            distributor,
            token,
        } => {
            let who = Principal::Distributor(DistributorId(*distributor));
            print(&center.release_hold(&who, &key, EventId(*event), token)?)?;
        }
        Command::ExpireHolds => {
            let n = center.expire_holds()?;
            eprintln!("{n} seat(s) of expired holds back on sale");
        }
        Command::AllotmentLog { event, after } => {
            print(&center.allotment_log(&op, EventId(*event), *after)?)?
        }
        Command::CancelEvent { event, batch } => {
            let done = center.cancel_event_with(&op, &key, EventId(*event), *batch, &mut |n| {
                // Progress on stderr: stdout is the JSON answer.
                eprintln!("cancel-event E{event}: {n} tickets withdrawn or revoked so far")
            })?;
            print(&done)?
        }
        Command::PostponeEvent { event, file, batch } => {
            let p: crate::postponement::Postponement = read_json(file)?;
            let done =
                center.postpone_event_with(&op, &key, EventId(*event), &p, *batch, &mut |n| {
                    // Progress on stderr: stdout is the JSON answer.
                    eprintln!("postpone-event E{event}: {n} tickets re-issued so far")
                })?;
            print(&done)?
        }
        Command::RefundTicket {
            event,
            serial,
            distributor,
        } => {
            let who = Principal::Distributor(DistributorId(*distributor));
            print(&center.refund_postponed(
                &who,
                &key,
                EventId(*event),
                eticket_core::ids::TicketSerial(*serial),
            )?)?
        }
        Command::Refunds { event, after } => {
            print(&center.refunds(&op, EventId(*event), *after)?)?
        }
        Command::Stats { event } => print(&center.event_stats(&op, EventId(*event))?)?,
        Command::ExportKeySet => print(&center.key_set_signed(&op)?)?,
        Command::ExportRevocations { event } => {
            print(&center.revocation_list(&op, EventId(*event))?)?
        }
        Command::Issue {
            event,
            serial,
            chip,
            counter,
            slot,
        } => {
            let target = match chip {
                Some(c) => Some(crate::issuance::ChipTarget {
                    chip: crate::wire::parse_chip(c)?,
                    counter: *counter,
                    slot: *slot,
                    grant_keys: Vec::new(),
                }),
                None => None,
            };
            let serial = eticket_core::ids::TicketSerial(*serial);
            print(&center.issue(&op, &key, EventId(*event), serial, target)?)?;
        }
        Command::CompleteTransfers => {
            let due = center.complete_due_transfers()?;
            print(&due)?;
            if !due.failed.is_empty() {
                return Err(Error::invalid(
                    "transfers",
                    format!(
                        "{} of {} due transfers did not complete (see \"failed\")",
                        due.failed.len(),
                        due.failed.len() + due.completed.len()
                    ),
                ));
            }
        }
        Command::RotateKey { purpose, event } => {
            let purpose = match purpose {
                Purpose::Tickets => KeyPurpose::Tickets,
                Purpose::Grants => KeyPurpose::Grants,
                Purpose::Lists => KeyPurpose::Lists,
            };
            match (purpose, event) {
                (KeyPurpose::Tickets, Some(event)) => {
                    print(&center.rotate_event_key(&op, &key, EventId(*event))?)?;
                }
                (_, Some(_)) => {
                    return Err(Error::invalid(
                        "event",
                        "--event goes with --purpose tickets: grant and list keys serve every event",
                    ));
                }
                (_, None) => print(&center.rotate_key(&op, &key, purpose)?)?,
            }
        }
        Command::RetireKey { id } => print(&center.retire_key(&op, &key, KeyId(*id))?)?,
        Command::DropKey { id } => print(&center.drop_key(&op, &key, KeyId(*id))?)?,
        Command::ReissueSignedBy { id } => {
            let report = center.reissue_signed_by(&op, KeyId(*id))?;
            eprintln!(
                "re-issued {} ticket(s) signed by key {id} ({} already done); retire the key next: `eticket retire-key --id {id}`",
                report.reissued.len(),
                report.already_done
            );
            print(&report)?;
        }
        Command::ReissueOldFormat => {
            let report = center.reissue_old_format(&op)?;
            eprintln!(
                "re-issued {} ticket(s) in the current format ({} already done); holders' readers swap chip tickets, paper holders get a reprint",
                report.reissued.len(),
                report.already_done
            );
            print(&report)?;
        }
        Command::PrepareGrantKey => print(&center.prepare_grant_key(&op, &key)?)?,
        Command::RolloverRoot {
            request: None,
            new_root_key_file: _,
        } => print(&center.rollover_root(&op, &key)?)?,
        // Run before the ledger is opened (above); here for completeness.
        Command::RolloverRoot {
            request: Some(path),
            new_root_key_file,
        } => offline::sign_rollover(&cli, path, new_root_key_file.as_deref())?,
        Command::ImportRollover { file } => {
            let signed: crate::offline_rollover::SignedRootRollover = read_json(file)?;
            let imported = center.import_root_rollover(&op, &signed)?;
            let change = &imported.change;
            if imported.already_imported {
                eprintln!(
                    "this rollover to root {} was imported already: nothing changed",
                    change.root
                );
            } else {
                let new = eticket_core::crypto::PublicKey::from_sec1(&change.root_public_key)
                    .map_err(|_| Error::corrupt("the imported root's public key"))?;
                eprintln!(
                    "root {} replaced by root {} (key {}: compare it with what the signer printed); key set version {} signed by it: centers publish both now; from now on sign key sets with the new root key file",
                    change.previous_root,
                    change.root,
                    offline::fingerprint(&new),
                    change.key_set_version
                );
            }
            print(&imported)?;
        }
        Command::ExportRollovers => print(&center.root_rollovers(&op)?)?,
        Command::SignKeySet { request: None } => print(&center.sign_key_set(&op)?)?,
        // Run before the ledger is opened (above); here for completeness.
        Command::SignKeySet {
            request: Some(path),
        } => offline::sign_request(&cli, path)?,
        Command::KeySetRequest => print(&center.key_set_request(&op)?)?,
        Command::ImportKeySet { file } => {
            let signed: crate::publish::SignedKeySet = read_json(file)?;
            let version = center.import_signed_key_set(&op, &signed)?;
            eprintln!("key set version {version} stored: centers publish it now");
        }
        Command::Keys => {
            let keys = center.current_keys()?;
            out!("key set version {}", keys.version());
            for k in keys.entries() {
                let state = if k.retired {
                    "retired"
                } else if keys.signs_now(k.id).is_some() {
                    "signing"
                } else {
                    "verifying"
                };
                out!("{}", offline::key_line(k, state));
            }
            if let Some(id) = keys.prepared_grant_key() {
                out!(
                    "{:>5}  grants    prepared   installed on new cards; signs after the next grant rotation",
                    id.0
                );
            }
            out!(
                "{:>5}  root      {}  key {}",
                keys.root_id().0,
                if keys.root().is_ok() {
                    "signs key sets"
                } else {
                    "offline: key sets signed with sign-key-set"
                },
                offline::fingerprint(&keys.root_public())
            );
        }
        Command::Backup { to } => backup::run_backup(&cli, &center, to)?,
        // Run before the ledger is opened (above); here for completeness.
        Command::Restore { from } => backup::run_restore(&cli, from)?,
        Command::SampleVenues { dir, svg } => samples::write(dir, *svg)?,
        Command::Chip(args) => chip::run_chip(&center, &key, args)?,
        Command::Transfer(args) => chip::run_transfer(&center, args)?,
        Command::TransferCancel(args) => chip::run_transfer_cancel(&center, args)?,
        Command::Serve {
            listen,
            transfer_interval,
            max_connections,
            header_timeout,
            body_timeout,
            answer_timeout,
            // Read above, into the center's configuration.
            no_group_commit: _,
            shutdown_grace,
            log_format: _,
            metrics_listen,
        } => {
            let options = crate::http::ServeOptions {
                max_connections: *max_connections,
                header_timeout: std::time::Duration::from_secs((*header_timeout).max(1)),
                body_timeout: std::time::Duration::from_secs((*body_timeout).max(1)),
                shutdown_grace: std::time::Duration::from_secs(*shutdown_grace),
                answer_timeout: std::time::Duration::from_secs((*answer_timeout).max(1)),
            };
            let listen = Listen {
                api: listen,
                metrics: metrics_listen.as_deref(),
            };
            return serve(center, listen, *transfer_interval, options);
        }
    }
    warn_unsigned(&center, &mut None);
    Ok(())
}

/// With the root offline, say on stderr when the key set has changed since
/// it was last signed (once per version: `last` is the version warned of).
fn warn_unsigned(center: &Center, last: &mut Option<u64>) {
    match center.unsigned_key_set() {
        Ok(Some(lag)) if *last != Some(lag.version) => {
            say(&format!("warning: {lag}"));
            *last = Some(lag.version);
        }
        Ok(_) => {}
        Err(e) => say(&format!("checking the key set's signature: {e}")),
    }
}

/// A line for the operator on stderr: into `eticket serve`'s log (as a
/// warning, in its format) once that is set up.
fn say(line: &str) {
    if tracing::dispatcher::has_been_set() {
        tracing::warn!(target: "eticket::serve", "{line}");
    } else {
        eprintln!("{line}");
    }
}

/// Write `eticket serve`'s log to stderr in `format`: the request lines
/// (target `eticket::http`), incidents and the server's own lines, at INFO
/// and above.
fn install_log(format: LogFormat) {
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO);
    // Set once per process; a second serve in the same process (tests) keeps
    // the first.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .try_init(),
    };
}

/// Where `eticket serve` listens.
struct Listen<'a> {
    /// The API.
    api: &'a str,
    /// `/metrics` and the health routes, when given.
    metrics: Option<&'a str>,
}

/// A future that ends at the first SIGTERM or SIGINT (Ctrl-C); the handlers
/// are in place when it is returned, so a signal from then on stops the
/// server gracefully rather than killing it.
#[cfg(unix)]
fn stop_signal() -> std::io::Result<impl std::future::Future<Output = ()> + Send> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        let name = tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        };
        tracing::info!(target: "eticket::serve", signal = name, "stopping on a signal");
    })
}

/// A future that ends at the first Ctrl-C.
#[cfg(not(unix))]
fn stop_signal() -> std::io::Result<impl std::future::Future<Output = ()> + Send> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!(target: "eticket::serve", signal = "ctrl-c", "stopping on a signal");
    })
}

fn serve(
    center: Center,
    listen: Listen<'_>,
    interval: u64,
    options: crate::http::ServeOptions,
) -> Result<()> {
    let center = Arc::new(center);
    let io = |e: std::io::Error| Error::invalid("listen", e.to_string());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(io)?;
    // Before the runtime runs: the ledger's PostgreSQL client blocks, which
    // a runtime thread must not (it aborts the process).
    let mut warned = None;
    warn_unsigned(&center, &mut warned);
    let served = runtime.block_on(async move {
        let stop = stop_signal().map_err(io)?;
        let listener = tokio::net::TcpListener::bind(listen.api)
            .await
            .map_err(io)?;
        let addr = listener.local_addr().map_err(io)?;
        let operations = match listen.metrics {
            Some(at) => Some(
                tokio::net::TcpListener::bind(at)
                    .await
                    .map_err(|e| Error::invalid("metrics_listen", format!("{at}: {e}")))?,
            ),
            None => None,
        };
        out!("listening on http://{addr}");
        tracing::info!(
            target: "eticket::serve",
            address = %addr,
            ledger = crate::store::Store::backend(center.ledger()),
            "serving the API"
        );
        if let Some(listener) = operations {
            let at = listener.local_addr().map_err(io)?;
            // In the log, not on stdout: a caller that read the API's
            // address from the first line may have closed stdout since.
            tracing::info!(target: "eticket::serve", address = %at, "serving /metrics");
            let c = center.clone();
            tokio::spawn(async move {
                if let Err(e) = crate::http::serve_operations(c, listener).await {
                    say(&format!("serving metrics: {e}"));
                }
            });
        }
        let background = center.clone();
        tokio::spawn(async move {
            // The first sweep one period after start, not at once.
            let period = std::time::Duration::from_secs(interval.max(1));
            let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
            loop {
                tick.tick().await;
                let c = background.clone();
                match tokio::task::spawn_blocking(move || c.complete_due_transfers()).await {
                    Ok(Ok(due)) => {
                        for f in &due.failed {
                            say(&format!(
                                "transfer {} did not complete: {} ({})",
                                f.id, f.message, f.code
                            ));
                        }
                    }
                    Ok(Err(e)) => say(&format!("completing due transfers: {e}")),
                    Err(e) => say(&format!("completing due transfers: {e}")),
                }
                // Expired seat holds back on sale (each hold and sale of an
                // event also does this for its event first).
                let c = background.clone();
                match tokio::task::spawn_blocking(move || c.expire_holds()).await {
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => say(&format!("expiring seat holds: {e}")),
                    Err(e) => say(&format!("expiring seat holds: {e}")),
                }
                let c = background.clone();
                if let Ok(w) = tokio::task::spawn_blocking(move || {
                    warn_unsigned(&c, &mut warned);
                    warned
                })
                .await
                {
                    warned = w;
                }
            }
        });
        crate::http::serve_until(center, listener, options, stop)
            .await
            .map_err(io)
    });
    // A ledger transaction still running on a blocking thread (its request
    // was cut at the end of the grace period) may finish; no longer.
    runtime.shutdown_timeout(options.shutdown_grace);
    served
}
