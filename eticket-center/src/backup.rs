//! Backup and restore of the ledger, on both backends, while centers serve.
//!
//! A backup is a new directory (mode 0700) holding:
//!
//! - the ledger as of one moment: `ledger.sqlite`, a copy made with SQLite's
//!   online backup API in one read transaction (WAL: the serving center
//!   goes on writing meanwhile), or `ledger.pgdump`, `pg_dump`'s custom
//!   format of the ledger's schema taken in a serializable, read-only,
//!   deferrable snapshot (one no serializable transaction of the centers
//!   can contradict);
//! - `root.key`: a copy of the root key file when the center holds it (not
//!   with an offline root), sealed under the key-encryption key like the
//!   keys inside the ledger;
//! - `manifest.json` ([`Manifest`]): the backend, the schema version, the
//!   rows of the main tables in that snapshot, the SHA-256 of each file,
//!   and the *fingerprint* of the key-encryption key.
//!
//! It never holds the key-encryption key (KEK): everything secret in it is
//! sealed under the KEK, so a backup that carried its KEK would sign tickets
//! for whoever holds it. Keep the KEK apart (its own secret store, another
//! medium); without it a backup restores nothing. A restore checks the
//! KEK it is given against the fingerprint before it writes anything.
//!
//! A restore ([`restore`]) makes a new ledger from a backup (a SQLite file
//! that does not exist yet, or a PostgreSQL database whose schema of that
//! name does not exist yet), puts the root key file where the center will
//! look for it (never over an existing one), opens the center on it with
//! the KEK (so the keys are known to open) and checks the rows against the
//! manifest. The restored ledger answers every request stored before the
//! snapshot as it did, idempotency keys included; what was answered after
//! the snapshot is not in it.
//!
//! ```no_run
//! use std::path::Path;
//! use eticket_center::backup::{self, Location};
//! use eticket_center::keystore::KeyStorage;
//!
//! let storage = KeyStorage::beside_sqlite(Path::new("center.sqlite"))?;
//! let manifest = backup::take(&Location::Sqlite(Path::new("center.sqlite")), &storage, Path::new("backup-1"))?;
//! println!("{} issuing records", manifest.rows["issuing_records"]);
//! # Ok::<(), eticket_center::Error>(())
//! ```

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::keystore::{self, KeyStorage, RootStore};
use crate::store::{Ledger, SCHEMA_VERSION, Store};
use crate::{Center, Config, Error, Result};

/// The manifest's file name in a backup directory.
pub const MANIFEST_FILE: &str = "manifest.json";
/// The SQLite ledger's file name in a backup directory.
pub const SQLITE_FILE: &str = "ledger.sqlite";
/// The PostgreSQL dump's file name in a backup directory.
pub const POSTGRES_FILE: &str = "ledger.pgdump";
/// The root key file's name in a backup directory.
pub const ROOT_FILE: &str = "root.key";
/// The format of [`Manifest`] this version writes and reads.
pub const MANIFEST_FORMAT: u32 = 1;

/// The tables whose rows a manifest counts: what a restore must give back.
pub const COUNTED_TABLES: &[&str] = &[
    "events",
    "tickets",
    "issuing_records",
    "issued",
    "transfers",
    "revocations",
    "holds",
    "refunds",
    "idempotency",
    "credentials",
    "center_keys",
];

/// How long a SQLite backup waits for a ledger locked by a writer that
/// holds it exclusively (a checkpoint), before giving up.
const SQLITE_BUSY_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// Where a ledger is: a SQLite file or a PostgreSQL URL (the URL's
/// `search_path`, e.g. `options=-csearch_path%3Dname`, picks the schema).
#[derive(Debug, Clone, Copy)]
pub enum Location<'a> {
    /// A SQLite ledger file.
    Sqlite(&'a Path),
    /// A PostgreSQL URL, as `--database-url` takes it.
    Postgres(&'a str),
}

/// What a backup holds: written as `manifest.json` beside the ledger copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// [`MANIFEST_FORMAT`].
    pub format: u32,
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// The ledger's schema version (a center opens older ones and
    /// migrates them; a newer one it refuses).
    pub schema_version: i64,
    /// For PostgreSQL: the schema the ledger lives in, restored under the
    /// same name.
    pub postgres_schema: Option<String>,
    /// When the backup was taken (Unix seconds, this machine's clock).
    pub taken_at: u64,
    /// [`Kek::fingerprint`](crate::keystore::Kek::fingerprint) of the
    /// key-encryption key the keys are sealed under; the KEK itself is not
    /// in the backup.
    pub kek_fingerprint: String,
    /// Whether the backup holds the root key file (`root.key`); not when
    /// the center ran with the root offline.
    pub root_key_file: bool,
    /// Rows of each of [`COUNTED_TABLES`] in the snapshot.
    pub rows: BTreeMap<String, i64>,
    /// SHA-256 (hex) of each file of the backup but the manifest.
    pub files: BTreeMap<String, String>,
}

/// What a restore made.
#[derive(Debug, Clone, Serialize)]
pub struct Restored {
    /// The backup's manifest (its rows are what the restored ledger holds).
    pub manifest: Manifest,
    /// Where the root key file was put, if the backup held one and the
    /// center is not run with the root offline.
    pub root_key_file: Option<PathBuf>,
    /// The restored center's key set version.
    pub key_set_version: u64,
}

fn err(message: impl Into<String>) -> Error {
    Error::Backup(message.into())
}

fn io_err(what: &str, path: &Path) -> impl Fn(std::io::Error) -> Error {
    let text = format!("{what} {}", path.display());
    move |e| err(format!("{text}: {e}"))
}

/// Back up the ledger at `from` into the new directory `to` (it must not
/// exist, or be empty). `storage` is the center's: the backup records its
/// KEK's fingerprint and copies its root key file. The center may serve
/// meanwhile. Returns the manifest written.
pub fn take(from: &Location<'_>, storage: &KeyStorage, to: &Path) -> Result<Manifest> {
    make_backup_dir(to)?;
    let (backend, file, schema, rows) = match from {
        Location::Sqlite(path) => {
            let target = to.join(SQLITE_FILE);
            copy_sqlite(path, &target)?;
            let (version, rows) = sqlite_census(&target)?;
            ("sqlite", target, None, (version, rows))
        }
        Location::Postgres(url) => {
            let target = to.join(POSTGRES_FILE);
            let (schema, version, rows) = postgres::dump(url, &target)?;
            ("postgres", target, Some(schema), (version, rows))
        }
    };
    let mut files = BTreeMap::new();
    files.insert(file_name(&file), sha256_file(&file)?);
    let root_key_file = match &storage.root {
        RootStore::File(path) if path.exists() => {
            let target = to.join(ROOT_FILE);
            let bytes = fs::read(path).map_err(io_err("reading the root key file", path))?;
            write_private(&target, &bytes)?;
            files.insert(ROOT_FILE.to_owned(), hex::encode(Sha256::digest(&bytes)));
            true
        }
        _ => false,
    };
    let manifest = Manifest {
        format: MANIFEST_FORMAT,
        backend: backend.to_owned(),
        schema_version: rows.0,
        postgres_schema: schema,
        taken_at: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        kek_fingerprint: storage.kek.fingerprint(),
        root_key_file,
        rows: rows.1,
        files,
    };
    let text = serde_json::to_vec_pretty(&manifest).map_err(|e| err(e.to_string()))?;
    write_private(&to.join(MANIFEST_FILE), &text)?;
    sync_dir(to);
    Ok(manifest)
}

/// Read a backup's manifest and check every file it names against its
/// SHA-256, so a damaged or altered backup is refused before a restore
/// writes anything.
pub fn read(dir: &Path) -> Result<Manifest> {
    let path = dir.join(MANIFEST_FILE);
    let text = fs::read(&path).map_err(io_err("reading the backup manifest", &path))?;
    let manifest: Manifest = serde_json::from_slice(&text)
        .map_err(|e| err(format!("{} is not a backup manifest: {e}", path.display())))?;
    if manifest.format != MANIFEST_FORMAT {
        return Err(err(format!(
            "{} is of format {}; this version reads format {MANIFEST_FORMAT}",
            path.display(),
            manifest.format
        )));
    }
    if manifest.schema_version > SCHEMA_VERSION {
        return Err(err(format!(
            "the backup holds a ledger of schema version {}, newer than this center's {SCHEMA_VERSION}: restore it with that version",
            manifest.schema_version
        )));
    }
    let ledger_file = match manifest.backend.as_str() {
        "sqlite" => SQLITE_FILE,
        "postgres" => POSTGRES_FILE,
        other => return Err(err(format!("unknown backend {other:?} in the manifest"))),
    };
    let mut expected = vec![ledger_file];
    if manifest.root_key_file {
        expected.push(ROOT_FILE);
    }
    let named: Vec<&str> = manifest.files.keys().map(String::as_str).collect();
    expected.sort_unstable();
    if named != expected {
        return Err(err(format!(
            "the manifest names the files {named:?}, a {} backup holds {expected:?}",
            manifest.backend
        )));
    }
    for (name, sum) in &manifest.files {
        let file = dir.join(name);
        if &sha256_file(&file)? != sum {
            return Err(err(format!(
                "{} does not match its SHA-256 in the manifest: the backup is damaged or was altered",
                file.display()
            )));
        }
    }
    Ok(manifest)
}

/// Restore the backup in `from` into a new ledger at `to`, with the
/// center's key storage: the KEK must be the one the backup's keys are
/// sealed under (checked by its fingerprint first), and the root key file
/// the backup holds is written where `storage` names it, never over an
/// existing file. The restored center is opened once (its keys must open)
/// and its rows checked against the manifest.
pub fn restore(from: &Path, to: &Location<'_>, storage: &KeyStorage) -> Result<Restored> {
    let manifest = read(from)?;
    let given = storage.kek.fingerprint();
    if given != manifest.kek_fingerprint {
        return Err(Error::WrongKek(format!(
            "the backup's keys are sealed under the key-encryption key with fingerprint {}, this one is {given}; nothing was restored",
            manifest.kek_fingerprint
        )));
    }
    let root_target = match &storage.root {
        RootStore::File(path) => {
            if path.exists() {
                return Err(err(format!(
                    "the root key file {} exists already: a restore never overwrites one; name a new --root-key-file",
                    path.display()
                )));
            }
            if !manifest.root_key_file {
                return Err(err(
                    "the backup holds no root key file (its center ran with the root offline): restore with --offline-root, or give the root's --root-key-file",
                ));
            }
            Some(path.clone())
        }
        RootStore::Memory(_) | RootStore::Offline => None,
    };
    let ledger = match (to, manifest.backend.as_str()) {
        (Location::Sqlite(path), "sqlite") => {
            for file in [path.to_path_buf(), keystore::beside(path, "-wal")] {
                if file.exists() {
                    return Err(err(format!(
                        "{} exists already: a restore makes a new ledger, it never writes over one",
                        file.display()
                    )));
                }
            }
            copy_sqlite(&from.join(SQLITE_FILE), path)?;
            Ledger::sqlite(path)?
        }
        (Location::Postgres(url), "postgres") => {
            let schema = manifest
                .postgres_schema
                .as_deref()
                .ok_or_else(|| err("the manifest names no PostgreSQL schema"))?;
            postgres::restore(url, schema, &from.join(POSTGRES_FILE))?;
            Ledger::postgres(url)?
        }
        (_, backend) => {
            return Err(err(format!(
                "the backup holds a {backend} ledger: restore it into a {backend} ledger (--database for sqlite, --database-url for postgres)"
            )));
        }
    };
    // Past this point the restore has made a ledger: if anything after
    // fails (the root key file, the keys, the rows against the manifest),
    // what it made is removed, so no half-checked ledger is left to serve.
    let checked = (|| -> Result<Center> {
        if let Some(path) = &root_target {
            let bytes = fs::read(from.join(ROOT_FILE))
                .map_err(io_err("reading the backup's root key file in", from))?;
            write_private(path, &bytes)?;
        }
        let center = Center::open_with_keys(
            ledger,
            Arc::new(crate::clock::SystemClock),
            Config::default(),
            storage.clone(),
        )?;
        let rows = center.ledger().transaction(&mut |tx| {
            let mut rows = BTreeMap::new();
            for table in COUNTED_TABLES {
                let n = tx
                    .query(&format!("SELECT COUNT(*) FROM {table}"), &[])?
                    .first()
                    .map_or(Ok(0), |r| r.int(0))?;
                rows.insert((*table).to_owned(), n);
            }
            Ok(rows)
        })?;
        if rows != manifest.rows {
            return Err(err(format!(
                "the restored ledger holds {rows:?} rows, the backup's manifest says {:?}",
                manifest.rows
            )));
        }
        Ok(center)
    })();
    let center = match checked {
        Ok(center) => center,
        Err(e) => {
            if let Some(path) = &root_target {
                let _ = fs::remove_file(path);
            }
            let left = match to {
                Location::Sqlite(path) => {
                    for file in [
                        path.to_path_buf(),
                        keystore::beside(path, "-wal"),
                        keystore::beside(path, "-shm"),
                    ] {
                        let _ = fs::remove_file(file);
                    }
                    "the restored ledger file was removed".to_owned()
                }
                Location::Postgres(_) => {
                    "the database holds the refused restore: drop it (or its schema) before restoring again".to_owned()
                }
            };
            let e = match e {
                Error::Backup(message) => message,
                other => other.to_string(),
            };
            return Err(err(format!("{e}; nothing usable was restored ({left})")));
        }
    };
    let key_set_version = center.current_keys()?.version();
    Ok(Restored {
        manifest,
        root_key_file: root_target,
        key_set_version,
    })
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Make `dir` (0700) for a backup; an existing one must be empty.
fn make_backup_dir(dir: &Path) -> Result<()> {
    match fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(err(format!(
                    "{} is not empty: a backup goes into a new directory",
                    dir.display()
                )));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut builder = fs::DirBuilder::new();
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder
                .create(dir)
                .map_err(io_err("making the backup directory", dir))
        }
        Err(e) => Err(err(format!("{}: {e}", dir.display()))),
    }
}

/// Write a new file, 0600, synced; an existing file is refused.
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = keystore::create_private(path).map_err(io_err("creating", path))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(io_err("writing", path))
}

fn sync_dir(dir: &Path) {
    // Make the new names durable; some platforms cannot open directories.
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

fn sha256_file(path: &Path) -> Result<String> {
    let mut file = fs::File::open(path).map_err(io_err("reading", path))?;
    let mut hash = Sha256::new();
    std::io::copy(&mut file, &mut hash).map_err(io_err("reading", path))?;
    Ok(hex::encode(hash.finalize()))
}

fn sqlite_err(path: &Path) -> impl Fn(rusqlite::Error) -> Error {
    let path = path.display().to_string();
    move |e| Error::Storage {
        backend: "sqlite",
        message: format!("{path}: {e}"),
        retryable: false,
    }
}

/// Copy the SQLite ledger `from` into the new file `to` (0600) with the
/// online backup API: all pages in one step, so one read transaction, one
/// moment of the ledger, while writers go on in the WAL. The copy is left
/// as one self-contained file (rollback journal, no WAL) and checked.
fn copy_sqlite(from: &Path, to: &Path) -> Result<()> {
    use rusqlite::backup::{Backup, StepResult};
    if !from.is_file() {
        return Err(err(format!(
            "there is no SQLite ledger at {}",
            from.display()
        )));
    }
    let src = rusqlite::Connection::open_with_flags(
        from,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sqlite_err(from))?;
    src.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(sqlite_err(from))?;
    drop(keystore::create_private(to).map_err(io_err("creating", to))?);
    let mut dst = rusqlite::Connection::open(to).map_err(sqlite_err(to))?;
    {
        let backup = Backup::new(&src, &mut dst).map_err(sqlite_err(to))?;
        let started = std::time::Instant::now();
        loop {
            match backup.step(-1).map_err(sqlite_err(from))? {
                StepResult::Done => break,
                StepResult::More => {}
                // Busy or locked (or anything newer): wait a little.
                _ if started.elapsed() < SQLITE_BUSY_WAIT => {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                _ => {
                    return Err(err(format!(
                        "{} stayed locked for {} s",
                        from.display(),
                        SQLITE_BUSY_WAIT.as_secs()
                    )));
                }
            }
        }
    }
    drop(src);
    dst.pragma_update(None, "journal_mode", "DELETE")
        .map_err(sqlite_err(to))?;
    let check: String = dst
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(sqlite_err(to))?;
    if check != "ok" {
        return Err(err(format!(
            "the copy {} fails SQLite's integrity check: {check}",
            to.display()
        )));
    }
    drop(dst);
    fs::File::open(to)
        .and_then(|f| f.sync_all())
        .map_err(io_err("syncing", to))
}

/// The schema version and the rows of [`COUNTED_TABLES`] of a SQLite copy.
fn sqlite_census(path: &Path) -> Result<(i64, BTreeMap<String, i64>)> {
    let db =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(sqlite_err(path))?;
    let version: String = db
        .query_row(
            "SELECT value FROM meta WHERE name = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .map_err(sqlite_err(path))?;
    let version = version
        .parse()
        .map_err(|_| Error::corrupt(format!("schema version {version:?}")))?;
    let mut rows = BTreeMap::new();
    for table in COUNTED_TABLES {
        let n: i64 = db
            .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .map_err(sqlite_err(path))?;
        rows.insert((*table).to_owned(), n);
    }
    Ok((version, rows))
}

/// The PostgreSQL side: `pg_dump` and `pg_restore` from PATH (Debian's
/// postgresql-client of the server's major version or newer).
mod postgres {
    use super::*;

    /// `url` without its password, and the password (percent-decoded): the
    /// tools get it in `PGPASSWORD`, not on a command line others can read.
    pub(super) fn split_password(url: &str) -> (String, Option<String>) {
        let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
            return (url.to_owned(), None);
        };
        let rest = &url[scheme_end..];
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let Some(at) = rest[..authority_end].rfind('@') else {
            return (url.to_owned(), None);
        };
        let Some(colon) = rest[..at].find(':') else {
            return (url.to_owned(), None);
        };
        let password = percent_decode(&rest[colon + 1..at]);
        let stripped = format!("{}{}{}", &url[..scheme_end], &rest[..colon], &rest[at..]);
        (stripped, Some(password))
    }

    fn percent_decode(text: &str) -> String {
        let bytes = text.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match (bytes[i], hex) {
                (b'%', Some(b)) => {
                    out.push(b);
                    i += 3;
                }
                (b, _) => {
                    out.push(b);
                    i += 1;
                }
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Run one of the PostgreSQL client tools on `url`; its stderr on failure.
    fn tool(name: &str, url: Option<&str>, args: &[&std::ffi::OsStr]) -> Result<Vec<u8>> {
        let mut cmd = std::process::Command::new(name);
        cmd.args(args);
        if let Some(url) = url {
            let (url, password) = split_password(url);
            cmd.arg("--dbname").arg(url);
            if let Some(p) = password {
                cmd.env("PGPASSWORD", p);
            }
        }
        let out = cmd.output().map_err(|e| {
            err(format!(
                "cannot run {name} ({e}): install the PostgreSQL client tools of the server's version (Debian: postgresql-client)"
            ))
        })?;
        if !out.status.success() {
            return Err(err(format!(
                "{name} failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(out.stdout)
    }

    #[cfg(feature = "postgres")]
    fn connect(url: &str) -> Result<::postgres::Client> {
        ::postgres::Client::connect(url, ::postgres::NoTls).map_err(|e| Error::Storage {
            backend: "postgres",
            message: crate::store::connect_error(url, &e),
            retryable: true,
        })
    }

    #[cfg(feature = "postgres")]
    fn pg_err(e: ::postgres::Error) -> Error {
        Error::Storage {
            backend: "postgres",
            message: e.to_string(),
            retryable: false,
        }
    }

    /// The schema in which `url` finds a ledger (`meta` through its
    /// search_path), if any.
    #[cfg(feature = "postgres")]
    fn ledger_schema(client: &mut impl ::postgres::GenericClient) -> Result<Option<String>> {
        Ok(client
            .query_opt(
                "SELECT n.nspname::text FROM pg_catalog.pg_class c \
                 JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                 WHERE c.oid = to_regclass('meta')",
                &[],
            )
            .map_err(pg_err)?
            .map(|row| row.get(0)))
    }

    /// Dump the ledger `url` finds into `file`; its schema, schema version
    /// and rows. The rows are counted in the snapshot the dump is made of:
    /// a serializable, read-only, deferrable transaction exports it and
    /// stays open while `pg_dump` imports it.
    #[cfg(feature = "postgres")]
    pub(super) fn dump(url: &str, file: &Path) -> Result<(String, i64, BTreeMap<String, i64>)> {
        let mut client = connect(url)?;
        let mut tx = client
            .build_transaction()
            .isolation_level(::postgres::IsolationLevel::Serializable)
            .read_only(true)
            .deferrable(true)
            .start()
            .map_err(pg_err)?;
        let snapshot: String = tx
            .query_one("SELECT pg_export_snapshot()", &[])
            .map_err(pg_err)?
            .get(0);
        let schema = ledger_schema(&mut tx)?.ok_or_else(|| {
            err("there is no ledger at this URL (no table meta on its search_path)")
        })?;
        let version: String = tx
            .query_one("SELECT value FROM meta WHERE name = 'schema_version'", &[])
            .map_err(pg_err)?
            .get(0);
        let version = version
            .parse()
            .map_err(|_| Error::corrupt(format!("schema version {version:?}")))?;
        let mut rows = BTreeMap::new();
        for table in COUNTED_TABLES {
            let n: i64 = tx
                .query_one(&format!("SELECT COUNT(*) FROM {table}"), &[])
                .map_err(pg_err)?
                .get(0);
            rows.insert((*table).to_owned(), n);
        }
        drop(keystore::create_private(file).map_err(io_err("creating", file))?);
        // pg_dump reads a schema name as a pattern: quote it.
        let pattern = format!("\"{}\"", schema.replace('"', "\"\""));
        tool(
            "pg_dump",
            Some(url),
            &[
                "--format=custom".as_ref(),
                "--schema".as_ref(),
                pattern.as_ref(),
                "--snapshot".as_ref(),
                snapshot.as_ref(),
                "--file".as_ref(),
                file.as_os_str(),
            ],
        )?;
        tx.commit().map_err(pg_err)?;
        fs::File::open(file)
            .and_then(|f| f.sync_all())
            .map_err(io_err("syncing", file))?;
        Ok((schema, version, rows))
    }

    /// Restore `file` (a dump of `schema`) into the database of `url`, in
    /// one transaction; the schema must not hold a ledger already, and
    /// `url` must find the restored ledger (its search_path).
    #[cfg(feature = "postgres")]
    pub(super) fn restore(url: &str, schema: &str, file: &Path) -> Result<()> {
        let mut client = connect(url)?;
        if let Some(found) = ledger_schema(&mut client)? {
            return Err(err(format!(
                "this URL finds a ledger already (schema {found}): a restore makes a new ledger, it never writes over one"
            )));
        }
        let exists: bool = client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1)",
                &[&schema],
            )
            .map_err(pg_err)?
            .get(0);
        // The public schema exists in every new database; any other one is
        // made by the restore, and an existing one may hold something else.
        if exists && schema != "public" {
            return Err(err(format!(
                "the schema {schema} exists already in the target database: drop it, or restore into another database"
            )));
        }
        // A dump of the public schema goes into the target's public schema,
        // whatever the URL's search_path names: it must hold no table.
        if schema == "public" {
            let taken: bool = client
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = 'public')",
                    &[],
                )
                .map_err(pg_err)?
                .get(0);
            if taken {
                return Err(err(
                    "the backup's ledger is in the schema public, and the target database's public schema holds tables already: restore into a new, empty database (createdb -O OWNER NAME, then give its URL)",
                ));
            }
        }
        // pg_dump lists the public schema itself when it dumps it, and
        // creating it again would fail: restore everything but that entry.
        let list = tool("pg_restore", None, &["--list".as_ref(), file.as_os_str()])?;
        let list: String = String::from_utf8_lossy(&list)
            .lines()
            .filter(|l| {
                !(l.contains(" SCHEMA - public ") || l.contains(" COMMENT - SCHEMA public "))
            })
            .map(|l| format!("{l}\n"))
            .collect();
        let list_path = std::env::temp_dir().join(format!(
            "eticket-restore-{}-{:016x}.list",
            std::process::id(),
            rand_core::RngCore::next_u64(&mut rand_core::OsRng)
        ));
        write_private(&list_path, list.as_bytes())?;
        let restored = tool(
            "pg_restore",
            Some(url),
            &[
                "--single-transaction".as_ref(),
                "--exit-on-error".as_ref(),
                "--no-owner".as_ref(),
                "--no-privileges".as_ref(),
                "--use-list".as_ref(),
                list_path.as_os_str(),
                file.as_os_str(),
            ],
        );
        let _ = fs::remove_file(&list_path);
        restored?;
        match ledger_schema(&mut client)? {
            Some(found) if found == schema => Ok(()),
            found => Err(err(format!(
                "restored into the schema {schema}, but this URL's search_path finds {}: add options=-csearch_path%3D{schema} to the URL",
                found.map_or_else(|| "no ledger".to_owned(), |s| format!("the ledger in {s}"))
            ))),
        }
    }

    #[cfg(not(feature = "postgres"))]
    pub(super) fn dump(_: &str, _: &Path) -> Result<(String, i64, BTreeMap<String, i64>)> {
        let _ = tool;
        Err(Error::invalid(
            "database",
            "this build has no PostgreSQL ledger: enable eticket-center's `postgres` feature",
        ))
    }

    #[cfg(not(feature = "postgres"))]
    pub(super) fn restore(_: &str, _: &str, _: &Path) -> Result<()> {
        Err(Error::invalid(
            "database",
            "this build has no PostgreSQL ledger: enable eticket-center's `postgres` feature",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::postgres::split_password;

    #[test]
    fn passwords_leave_the_url() {
        assert_eq!(
            split_password(
                "postgres://eticket:p%40ss@h1:5432,h2:5433/db?target_session_attrs=read-write"
            ),
            (
                "postgres://eticket@h1:5432,h2:5433/db?target_session_attrs=read-write".to_owned(),
                Some("p@ss".to_owned())
            )
        );
        assert_eq!(
            split_password("postgresql://u@h/db"),
            ("postgresql://u@h/db".to_owned(), None)
        );
        assert_eq!(
            split_password("postgres://h/db?x=a@b"),
            ("postgres://h/db?x=a@b".to_owned(), None)
        );
        assert_eq!(split_password("p%zz"), ("p%zz".to_owned(), None));
    }
}
