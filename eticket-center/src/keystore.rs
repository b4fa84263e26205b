//! The center's private keys at rest.
//!
//! Every private key the center keeps is sealed under a key-encryption key
//! (KEK) the operator provides: ChaCha20-Poly1305 (RustCrypto's
//! `chacha20poly1305`) with a random 96-bit nonce per key and the key's id and
//! purpose as associated data, so a sealed key cannot be moved to another id
//! or purpose. A sealed key is `version 1 ‖ nonce 12 ‖ ciphertext 32 ‖ tag 16`
//! (61 bytes). The ticket, grant and list keys live sealed in the ledger
//! (`center_keys.secret`); the root key, which signs key sets, does not live
//! in the ledger at all but in a root key file ([`RootStore`]), sealed under
//! the same KEK, so neither a copy of the ledger nor a backup of it lets
//! anyone sign.
//!
//! The KEK is 32 bytes, written as 64 hex digits or as standard base64 (44
//! characters with padding), in a file (`--kek-file`, `ETICKET_KEK_FILE`) or in
//! the environment (`ETICKET_KEK`). A SQLite ledger with no KEK configured
//! gets one in a file beside it (`<ledger>.kek`, mode 0600), made on first
//! open; a PostgreSQL ledger needs one given.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use eticket_core::ids::KeyId;
use rand_core::{OsRng, RngCore};
use zeroize::{Zeroize, Zeroizing};

use crate::{Error, Result};

/// Length of a key-encryption key.
pub const KEK_LEN: usize = 32;
/// Version byte of a sealed key.
pub const SEALED_VERSION: u8 = 1;
/// Length of a sealed 32-byte secret.
pub const SEALED_LEN: usize = 1 + 12 + 32 + 16;
/// Version byte of the root key file.
pub const ROOT_FILE_VERSION: u8 = 1;
/// The environment variable holding the KEK itself (hex or base64).
pub const KEK_ENV: &str = "ETICKET_KEK";
/// The environment variable naming the KEK file.
pub const KEK_FILE_ENV: &str = "ETICKET_KEK_FILE";
/// The environment variable naming the root key file.
pub const ROOT_KEY_FILE_ENV: &str = "ETICKET_ROOT_KEY_FILE";

const AAD_TAG: &[u8] = b"eticket/v1/center-key\0";

/// The key-encryption key. Its bytes are wiped when it is dropped and never
/// shown by `Debug`.
#[derive(Clone)]
pub struct Kek(Arc<Zeroizing<[u8; KEK_LEN]>>);

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Kek(..)")
    }
}

fn storage_err(what: impl Into<String>) -> Error {
    Error::KeyStorage(what.into())
}

impl Kek {
    /// A fresh random KEK.
    pub fn generate() -> Self {
        let mut raw = Zeroizing::new([0u8; KEK_LEN]);
        OsRng.fill_bytes(raw.as_mut());
        Self(Arc::new(raw))
    }

    /// A KEK from its 32 bytes.
    pub fn from_bytes(bytes: [u8; KEK_LEN]) -> Self {
        Self(Arc::new(Zeroizing::new(bytes)))
    }

    /// A KEK from its text form: 64 hex digits, or standard base64 of 32
    /// bytes (surrounding white space is ignored). `source` names where the
    /// text came from, for the error.
    pub fn from_text(text: &str, source: &str) -> Result<Self> {
        let text = text.trim();
        let mut decoded = Zeroizing::new(if text.len() == 2 * KEK_LEN {
            hex::decode(text).map_err(|_| {
                storage_err(format!(
                    "{source}: the key-encryption key is 64 characters but not hex"
                ))
            })?
        } else {
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .map_err(|_| {
                    storage_err(format!(
                        "{source}: the key-encryption key is neither 64 hex digits nor base64"
                    ))
                })?
        });
        let bytes: [u8; KEK_LEN] = decoded.as_slice().try_into().map_err(|_| {
            storage_err(format!(
                "{source}: the key-encryption key must be {KEK_LEN} bytes, not {}",
                decoded.len()
            ))
        })?;
        decoded.zeroize();
        Ok(Self::from_bytes(bytes))
    }

    /// Read a KEK file (its text form).
    pub fn from_file(path: &Path) -> Result<Self> {
        warn_if_readable_by_others(path, "key-encryption key file");
        let text = Zeroizing::new(fs::read_to_string(path).map_err(|e| {
            storage_err(format!(
                "cannot read the key-encryption key file {}: {e}",
                path.display()
            ))
        })?);
        Self::from_text(&text, &path.display().to_string())
    }

    /// Read the KEK file at `path`, or make a new KEK there (mode 0600) when
    /// there is none. The flag says whether it was made now.
    pub fn load_or_create(path: &Path) -> Result<(Self, bool)> {
        if path.exists() {
            return Ok((Self::from_file(path)?, false));
        }
        let kek = Self::generate();
        let text = Zeroizing::new(format!("{}\n", hex::encode(kek.0.as_ref())));
        match create_private(path) {
            Ok(mut file) => {
                file.write_all(text.as_bytes())
                    .and_then(|()| file.sync_all())
                    .map_err(|e| storage_err(format!("writing {}: {e}", path.display())))?;
                sync_dir(path)?;
                Ok((kek, true))
            }
            // Another process made it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                Ok((Self::from_file(path)?, false))
            }
            Err(e) => Err(storage_err(format!(
                "cannot create the key-encryption key file {}: {e}",
                path.display()
            ))),
        }
    }

    /// The default KEK of a SQLite ledger: `<ledger>.kek`, made on first
    /// use (mode 0600), which is said once on stderr.
    pub fn beside(ledger: &Path) -> Result<Self> {
        let path = beside(ledger, ".kek");
        // A ledger whose keys are sealed already needs the KEK they were
        // sealed under: a new one made here would open nothing, and every
        // later run would blame the key instead of the missing file.
        if !path.exists() && holds_sealed_keys(ledger) {
            return Err(storage_err(format!(
                "the key-encryption key file {} is missing, and the keys in {} are sealed under it:                  restore it from its backup, or give the key with --kek-file, ETICKET_KEK_FILE or ETICKET_KEK",
                path.display(),
                ledger.display()
            )));
        }
        // A mistyped --database that names some other file must not leave
        // a key file beside it before the ledger refuses to open.
        if !path.exists() && !may_be_a_ledger(ledger) {
            return Err(storage_err(format!(
                "{} is not a SQLite database (its first bytes are not \"SQLite format 3\"): \
                 check --database",
                ledger.display()
            )));
        }
        let (kek, created) = Self::load_or_create(&path)?;
        if created {
            eprintln!(
                "eticket: made a key-encryption key for the center keys in {} (mode 0600); \
                 keep it apart from the ledger's backups, or give your own with --kek-file, \
                 ETICKET_KEK_FILE or ETICKET_KEK",
                path.display()
            );
        }
        Ok(kek)
    }

    /// A short name of this KEK that reveals nothing of it: the first 8
    /// bytes of SHA-256(`eticket/v1/kek-fingerprint\0` ‖ KEK), in hex. A
    /// backup records it, so a restore can tell at once whether it was
    /// given the KEK the backup's keys are sealed under.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut hash = Sha256::new();
        hash.update(b"eticket/v1/kek-fingerprint\0");
        hash.update(self.0.as_slice());
        hex::encode(&hash.finalize()[..8])
    }

    fn cipher(&self) -> ChaCha20Poly1305 {
        let key: &[u8; KEK_LEN] = &self.0;
        ChaCha20Poly1305::new(key.into())
    }

    /// Seal a 32-byte secret of key `id` for `purpose` ("tickets", "grants",
    /// "lists" or "root").
    pub fn seal(&self, id: KeyId, purpose: &str, secret: &[u8; 32]) -> Result<Vec<u8>> {
        let mut nonce = [0u8; 12];
        OsRng.fill_bytes(&mut nonce);
        let aad = associated_data(id, purpose);
        let sealed = self
            .cipher()
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: secret,
                    aad: &aad,
                },
            )
            .map_err(|_| storage_err(format!("sealing key {id} failed")))?;
        let mut out = Vec::with_capacity(SEALED_LEN);
        out.push(SEALED_VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Open a sealed secret of key `id` for `purpose`. A KEK that is not the
    /// one it was sealed with fails with [`Error::WrongKek`], never with
    /// other bytes.
    pub fn open(&self, id: KeyId, purpose: &str, sealed: &[u8]) -> Result<Zeroizing<[u8; 32]>> {
        if sealed.len() != SEALED_LEN || sealed[0] != SEALED_VERSION {
            return Err(Error::corrupt(format!(
                "key {id}: not a sealed key of version {SEALED_VERSION} ({} bytes)",
                sealed.len()
            )));
        }
        let aad = associated_data(id, purpose);
        let mut nonce = [0u8; 12];
        nonce.copy_from_slice(&sealed[1..13]);
        let plain = Zeroizing::new(
            self.cipher()
                .decrypt(
                    &Nonce::from(nonce),
                    Payload {
                        msg: &sealed[13..],
                        aad: &aad,
                    },
                )
                .map_err(|_| Error::WrongKek(format!("{purpose} key {id}")))?,
        );
        let mut out = Zeroizing::new([0u8; 32]);
        if plain.len() != 32 {
            return Err(Error::corrupt(format!(
                "key {id}: sealed secret of {} bytes",
                plain.len()
            )));
        }
        out.copy_from_slice(&plain);
        Ok(out)
    }
}

fn associated_data(id: KeyId, purpose: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(AAD_TAG.len() + 2 + purpose.len());
    aad.extend_from_slice(AAD_TAG);
    aad.extend_from_slice(&id.0.to_be_bytes());
    aad.extend_from_slice(purpose.as_bytes());
    aad
}

/// Create a new file readable and writable by its owner only (0600).
pub(crate) fn create_private(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

fn sync_dir(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        // Make the new name durable; some platforms cannot open directories.
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// Whether the SQLite ledger file at `ledger` holds keys sealed under a KEK
/// (false when it does not exist, cannot be read, or is from before keys
/// were sealed).
/// Whether `ledger` is missing, empty (a new ledger) or starts as a SQLite
/// database does.
fn may_be_a_ledger(ledger: &Path) -> bool {
    use std::io::Read as _;
    let Ok(file) = std::fs::File::open(ledger) else {
        return true;
    };
    let mut head = Vec::with_capacity(16);
    if file.take(16).read_to_end(&mut head).is_err() {
        return true;
    }
    head.is_empty() || head == b"SQLite format 3\0"
}

fn holds_sealed_keys(ledger: &Path) -> bool {
    if !ledger.exists() {
        return false;
    }
    let Ok(db) =
        rusqlite::Connection::open_with_flags(ledger, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    else {
        return false;
    };
    db.query_row(
        "SELECT COUNT(*) FROM center_keys WHERE sealed = 1",
        [],
        |row| row.get::<_, i64>(0),
    )
    .is_ok_and(|n| n > 0)
}

/// Say on stderr when a secret's file can be read or written by anyone but
/// its owner (the center makes them 0600; a copy may have lost that).
fn warn_if_readable_by_others(path: &Path, what: &str) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = fs::metadata(path) {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                eprintln!(
                    "eticket: warning: the {what} {} has mode {mode:04o}: others on this machine can read it; make it 0600 (chmod 600)",
                    path.display()
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (path, what);
}

/// `path` with `suffix` appended to its file name (`center.db` → `center.db.kek`).
pub fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Where the root key lives.
#[derive(Debug, Clone)]
pub enum RootStore {
    /// A root key file (mode 0600), sealed under the KEK: the default,
    /// `<ledger>.root` beside a SQLite ledger.
    File(PathBuf),
    /// In this process only (an in-memory center).
    Memory(Arc<Mutex<Vec<u8>>>),
    /// Not on this center: key sets are signed elsewhere (`eticket
    /// --root-key-file FILE sign-key-set`, or the request, sign and import
    /// steps with no ledger where the root is) and this center publishes
    /// the signed set stored in the ledger.
    Offline,
}

/// One sealed root key in the root store.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct SealedRoot {
    pub id: KeyId,
    pub sealed: Vec<u8>,
}

impl RootStore {
    /// The sealed roots the store holds (none when there is no file yet).
    pub(crate) fn read(&self) -> Result<Vec<SealedRoot>> {
        let bytes = match self {
            RootStore::File(path) => match fs::read(path) {
                Ok(b) => {
                    warn_if_readable_by_others(path, "root key file");
                    b
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
                Err(e) => {
                    return Err(storage_err(format!(
                        "cannot read the root key file {}: {e}",
                        path.display()
                    )));
                }
            },
            RootStore::Memory(m) => m.lock().unwrap_or_else(|p| p.into_inner()).clone(),
            RootStore::Offline => return Ok(Vec::new()),
        };
        if bytes.is_empty() {
            return Ok(Vec::new());
        }
        let what = self.describe();
        let (version, rest) = bytes
            .split_first()
            .ok_or_else(|| storage_err(format!("{what} is empty")))?;
        if *version != ROOT_FILE_VERSION || rest.len() % (2 + SEALED_LEN) != 0 {
            return Err(storage_err(format!(
                "{what} is not a root key file of version {ROOT_FILE_VERSION}"
            )));
        }
        Ok(rest
            .chunks_exact(2 + SEALED_LEN)
            .map(|c| SealedRoot {
                id: KeyId(u16::from_be_bytes([c[0], c[1]])),
                sealed: c[2..].to_vec(),
            })
            .collect())
    }

    /// Replace the store's content with `roots`, atomically (a temporary file
    /// renamed over the old one, both synced).
    pub(crate) fn write(&self, roots: &[SealedRoot]) -> Result<()> {
        let mut bytes = vec![ROOT_FILE_VERSION];
        for r in roots {
            bytes.extend_from_slice(&r.id.0.to_be_bytes());
            bytes.extend_from_slice(&r.sealed);
        }
        match self {
            RootStore::File(path) => {
                let tmp = beside(path, ".tmp");
                let io = |e: std::io::Error| {
                    storage_err(format!("writing the root key file {}: {e}", path.display()))
                };
                match fs::remove_file(&tmp) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(io(e)),
                }
                let mut file = create_private(&tmp).map_err(io)?;
                file.write_all(&bytes)
                    .and_then(|()| file.sync_all())
                    .map_err(io)?;
                fs::rename(&tmp, path).map_err(io)?;
                sync_dir(path)
            }
            RootStore::Memory(m) => {
                *m.lock().unwrap_or_else(|p| p.into_inner()) = bytes;
                Ok(())
            }
            RootStore::Offline => Err(Error::RootOffline),
        }
    }

    /// Make a new root key file holding `roots` (mode 0600); a file that
    /// exists already is never replaced. Only for [`RootStore::File`]: the
    /// offline rollover writes the new root where no ledger is.
    pub(crate) fn create(&self, roots: &[SealedRoot]) -> Result<()> {
        let RootStore::File(path) = self else {
            return Err(storage_err(format!(
                "{} is not a root key file",
                self.describe()
            )));
        };
        let mut bytes = vec![ROOT_FILE_VERSION];
        for r in roots {
            bytes.extend_from_slice(&r.id.0.to_be_bytes());
            bytes.extend_from_slice(&r.sealed);
        }
        let mut file = create_private(path).map_err(|e| {
            storage_err(if e.kind() == std::io::ErrorKind::AlreadyExists {
                format!(
                    "the root key file {} exists already; a root key file is never overwritten: name a new one",
                    path.display()
                )
            } else {
                format!("cannot create the root key file {}: {e}", path.display())
            })
        })?;
        if let Err(e) = file.write_all(&bytes).and_then(|()| file.sync_all()) {
            // Leave no half-written root behind.
            drop(file);
            let _ = fs::remove_file(path);
            return Err(storage_err(format!(
                "writing the root key file {}: {e}",
                path.display()
            )));
        }
        sync_dir(path)
    }

    /// A name for messages.
    pub fn describe(&self) -> String {
        match self {
            RootStore::File(path) => format!("the root key file {}", path.display()),
            RootStore::Memory(_) => "the in-memory root key store".to_owned(),
            RootStore::Offline => "the offline root".to_owned(),
        }
    }
}

/// How the center keeps its private keys: the KEK that seals them and where
/// the root key lives.
#[derive(Debug, Clone)]
pub struct KeyStorage {
    /// Seals every private key.
    pub kek: Kek,
    /// Where the root key is.
    pub root: RootStore,
}

impl KeyStorage {
    /// A KEK and a root store.
    pub fn new(kek: Kek, root: RootStore) -> Self {
        Self { kek, root }
    }

    /// The embedded default for a SQLite ledger file: the KEK in
    /// `<ledger>.kek` (made on first use, mode 0600, which is said once on
    /// stderr) and the root key in `<ledger>.root`.
    pub fn beside_sqlite(ledger: &Path) -> Result<Self> {
        Ok(Self::new(
            Kek::beside(ledger)?,
            RootStore::File(beside(ledger, ".root")),
        ))
    }

    /// The default for a ledger: [`beside_sqlite`](Self::beside_sqlite)
    /// for a SQLite file, [`ephemeral`](Self::ephemeral) for an in-memory
    /// one; a PostgreSQL ledger has no default and needs its KEK and root key
    /// file given.
    pub fn default_for(ledger: &crate::store::Ledger) -> Result<Self> {
        match ledger {
            crate::store::Ledger::Sqlite(s) => match s.path() {
                Some(path) => Self::beside_sqlite(path),
                None => Ok(Self::ephemeral()),
            },
            #[cfg(feature = "postgres")]
            crate::store::Ledger::Postgres(_) => Err(storage_err(
                "a PostgreSQL ledger needs a key-encryption key (--kek-file, ETICKET_KEK_FILE or ETICKET_KEK) \
                 and a root key file (--root-key-file or ETICKET_ROOT_KEY_FILE); \
                 in the library, Center::open_with_keys",
            )),
        }
    }

    /// Root key `id` from the root store, opened with the KEK: no ledger is
    /// needed (the offline signing step, `eticket sign-key-set --request`).
    pub fn open_root(&self, id: KeyId) -> Result<eticket_core::keys::SigningKeyPair> {
        let held = self.root.read()?;
        let Some(sealed) = held.iter().find(|r| r.id == id) else {
            if held.is_empty() {
                return Err(storage_err(format!(
                    "{} does not hold root key {id}, which the key set is signed with; restore it from its backup (or run this center with the root offline)",
                    self.root.describe()
                )));
            }
            // Another root: an older one a rollover replaced, or the one a
            // rollover made while the ledger still names the old one.
            let ids: Vec<String> = held.iter().map(|r| r.id.to_string()).collect();
            return Err(storage_err(format!(
                "{} holds root key {}, not root key {id}, which the key set is signed with: give the root key file of root {id} (a rollover makes a new one; or run this center with the root offline)",
                self.root.describe(),
                ids.join(", ")
            )));
        };
        let secret = self.kek.open(id, "root", &sealed.sealed)?;
        Ok(eticket_core::keys::SigningKeyPair::from_secret_bytes(
            id,
            secret.as_slice(),
        )?)
    }

    /// A random KEK and an in-memory root: for an in-memory center, whose
    /// keys die with the process anyway.
    pub fn ephemeral() -> Self {
        Self::new(
            Kek::generate(),
            RootStore::Memory(Arc::new(Mutex::new(Vec::new()))),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_file_is_made_beside_a_file_that_is_no_ledger() {
        let dir = tempfile::tempdir().unwrap();
        let notes = dir.path().join("notes.txt");
        std::fs::write(&notes, "a shopping list\n").unwrap();
        let err = Kek::beside(&notes).unwrap_err().to_string();
        assert!(err.contains("is not a SQLite database"), "{err}");
        assert!(!dir.path().join("notes.txt.kek").exists());
        // A new ledger (no file, or an empty one) gets its key file.
        let fresh = dir.path().join("center.sqlite");
        Kek::beside(&fresh).unwrap();
        assert!(dir.path().join("center.sqlite.kek").exists());
        let empty = dir.path().join("empty.sqlite");
        std::fs::write(&empty, b"").unwrap();
        Kek::beside(&empty).unwrap();
    }

    #[test]
    fn seal_open_round_trip_and_binding() {
        let kek = Kek::generate();
        let secret = [0x5a; 32];
        let sealed = kek.seal(KeyId(7), "tickets", &secret).unwrap();
        assert_eq!(sealed.len(), SEALED_LEN);
        assert_eq!(sealed[0], SEALED_VERSION);
        assert!(!sealed.windows(32).any(|w| w == secret));
        assert_eq!(*kek.open(KeyId(7), "tickets", &sealed).unwrap(), secret);
        // Another id, purpose or KEK: refused, never other bytes.
        assert!(matches!(
            kek.open(KeyId(8), "tickets", &sealed),
            Err(Error::WrongKek(_))
        ));
        assert!(matches!(
            kek.open(KeyId(7), "root", &sealed),
            Err(Error::WrongKek(_))
        ));
        let other = Kek::generate();
        let err = other.open(KeyId(7), "tickets", &sealed).unwrap_err();
        assert!(
            err.to_string()
                .contains("the key-encryption key does not open the center keys"),
            "{err}"
        );
        // A nonce per seal.
        assert_ne!(sealed, kek.seal(KeyId(7), "tickets", &secret).unwrap());
    }

    #[test]
    fn kek_fingerprint_names_the_key_only() {
        let a = Kek::from_bytes([1; 32]);
        let fp = a.fingerprint();
        assert_eq!(fp.len(), 16);
        assert_eq!(fp, Kek::from_bytes([1; 32]).fingerprint());
        assert_ne!(fp, Kek::from_bytes([2; 32]).fingerprint());
        assert!(!fp.contains(&hex::encode([1u8; 8])));
    }

    #[test]
    fn kek_text_forms() {
        let raw = [0x11u8; 32];
        let hexed = hex::encode(raw);
        let b64 = base64::engine::general_purpose::STANDARD.encode(raw);
        let a = Kek::from_text(&format!(" {hexed}\n"), "test").unwrap();
        let b = Kek::from_text(&b64, "test").unwrap();
        let sealed = a.seal(KeyId(1), "lists", &[3; 32]).unwrap();
        assert_eq!(*b.open(KeyId(1), "lists", &sealed).unwrap(), [3; 32]);
        assert!(Kek::from_text("abcd", "test").is_err());
        assert!(Kek::from_text(&"zz".repeat(32), "test").is_err());
        assert!(
            Kek::from_text(
                &base64::engine::general_purpose::STANDARD.encode([1u8; 16]),
                "t"
            )
            .is_err()
        );
        assert_eq!(format!("{a:?}"), "Kek(..)");
    }

    #[test]
    fn kek_file_is_made_once_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite.kek");
        let (a, made) = Kek::load_or_create(&path).unwrap();
        assert!(made);
        let (b, made) = Kek::load_or_create(&path).unwrap();
        assert!(!made);
        let sealed = a.seal(KeyId(1), "root", &[9; 32]).unwrap();
        assert_eq!(*b.open(KeyId(1), "root", &sealed).unwrap(), [9; 32]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    #[test]
    fn root_file_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = RootStore::File(dir.path().join("x.root"));
        assert!(store.read().unwrap().is_empty());
        let kek = Kek::generate();
        let roots = vec![
            SealedRoot {
                id: KeyId(100),
                sealed: kek.seal(KeyId(100), "root", &[1; 32]).unwrap(),
            },
            SealedRoot {
                id: KeyId(101),
                sealed: kek.seal(KeyId(101), "root", &[2; 32]).unwrap(),
            },
        ];
        store.write(&roots).unwrap();
        assert!(store.read().unwrap() == roots);
        fs::write(dir.path().join("x.root"), b"\x01garbage").unwrap();
        assert!(store.read().is_err());
    }
}
