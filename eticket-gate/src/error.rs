use eticket_core::ids::EventId;

/// Everything that can go wrong in the venue unit: the entry log's storage,
/// a chip that cannot be read, sync material that does not verify, and
/// records or upload batches that do not decode.
///
/// A refused ticket is *not* an error: it is an [`Outcome`](crate::Outcome)
/// with a [`Refusal`](crate::Refusal).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The entry log's SQLite database failed.
    #[error("entry log database at {path}: {source}")]
    Database {
        /// The database file.
        path: String,
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
    /// The entry log holds a value this version cannot read (a corrupt or
    /// foreign file).
    #[error("entry log: {what} holds an invalid value ({detail})")]
    CorruptLog {
        /// The table and column.
        what: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// The entry log was created for another event.
    #[error("entry log is for event {found}, this unit admits to {expected}")]
    WrongEventLog {
        /// The event of this unit.
        expected: EventId,
        /// The event the file was created for.
        found: EventId,
    },
    /// Talking to the chip failed (removed, transport error, bad answer).
    #[error("chip: {0}")]
    Chip(String),
    /// Signed material from the center (key set, revocation list or delta) was
    /// refused.
    #[error("{what} refused: {source}")]
    Sync {
        /// Which material.
        what: &'static str,
        /// Why core refused it.
        #[source]
        source: eticket_core::Error,
    },
    /// A key set or revocation list is not newer than the one installed.
    #[error("{what} version {offered} is not newer than the installed version {installed}")]
    NotNewer {
        /// Which material.
        what: &'static str,
        /// The installed version.
        installed: u64,
        /// The version offered.
        offered: u64,
    },
    /// A key set's version is further ahead of the installed one than
    /// [`MAX_KEY_SET_VERSION_JUMP`](eticket_core::keys::MAX_KEY_SET_VERSION_JUMP):
    /// taken, it would make every later genuine set look older.
    #[error(
        "{what} version {offered} jumps more than {max} past the installed version {installed}"
    )]
    VersionJump {
        /// Which material.
        what: &'static str,
        /// The installed version.
        installed: u64,
        /// The version offered.
        offered: u64,
        /// The largest step accepted.
        max: u64,
    },
    /// An entry record or upload batch was refused (eticket-entries).
    #[error(transparent)]
    Entries(#[from] eticket_entries::Error),
    /// A configuration value is not usable.
    #[error("invalid configuration: {0}")]
    Config(&'static str),
    /// A time given to the unit is beyond what its log can store (after
    /// the year 292 billion): a caller's clock gone wrong, not a
    /// configuration.
    #[error("time {0} is out of range")]
    TimeOutOfRange(u64),
    /// The venue unit (or a device) sent something that is not the venue
    /// protocol: a bad frame, a MAC that does not verify, another version.
    #[error("venue protocol: {0}")]
    Protocol(String),
    /// The network between a device and its venue unit failed (refused,
    /// timed out, closed).
    #[error("venue link: {0}")]
    Link(#[source] std::io::Error),
    /// The venue unit refused the device or its request, and said why.
    #[error("the venue unit refused: {0}")]
    UnitRefused(String),
    /// The center did not answer the venue unit, or refused it (its code
    /// and message).
    #[error("center: {0}")]
    Center(String),
    /// The system random source failed.
    #[error("random source failed: {0}")]
    Random(String),
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Attach the database path to a rusqlite error.
pub(crate) trait DbContext<T> {
    fn db(self, path: &str) -> Result<T>;
}

impl<T> DbContext<T> for std::result::Result<T, rusqlite::Error> {
    fn db(self, path: &str) -> Result<T> {
        self.map_err(|source| Error::Database {
            path: path.to_owned(),
            source,
        })
    }
}
