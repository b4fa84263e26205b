//! The air-gapped steps, run where the root key file is and no ledger is
//! opened: `eticket sign-key-set --request FILE` signs a key set request
//! with the root key file, and `eticket rollover-root --request FILE
//! --new-root-key-file NEW` makes a new root and signs the rollover to it
//! ([`crate::offline_rollover`]). Each prints what it signs, key by key with
//! fingerprints ([`key_line`]), for the operator to compare with the keys
//! the serving side lists.

use eticket_core::crypto::PublicKey;
use eticket_core::keys::{KeyEntry, KeyScope};

use super::{Cli, print, read_json};
use crate::keystore::{KEK_ENV, KEK_FILE_ENV, Kek, KeyStorage, RootStore};
use crate::{Error, Result};

/// One key as `eticket keys` and the offline signer list it: id, purpose,
/// state, validity, scope and the fingerprint of its public key (the first
/// 8 bytes of its SHA-256), so the two machines' lists can be compared.
pub(super) fn key_line(k: &KeyEntry, state: &str) -> String {
    let scope = match &k.scope {
        KeyScope::AllEvents => "all events".to_owned(),
        KeyScope::Events(events) => format!(
            "event {}",
            events
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(",")
        ),
    };
    format!(
        "{:>5}  {:<8}  {:<9}  valid {} .. {}  {}  key {}",
        k.id.0,
        format!("{:?}", k.purpose).to_lowercase(),
        state,
        k.not_before,
        k.not_after,
        scope,
        fingerprint(&k.public)
    )
}

/// A public key's fingerprint: the first 8 bytes of the SHA-256 of its
/// uncompressed form, in hex.
pub(super) fn fingerprint(public: &PublicKey) -> String {
    use sha2::Digest;
    hex::encode(&sha2::Sha256::digest(public.to_uncompressed())[..8])
}

/// The root key file (`--root-key-file`) and the KEK it is sealed under,
/// which must be given (a fresh one made here would open nothing); `what`
/// names the command for the error.
fn root_file_storage(cli: &Cli, what: &str) -> Result<KeyStorage> {
    let Some(root_file) = &cli.root_key_file else {
        return Err(Error::invalid(
            "root_key_file",
            format!(
                "{what} signs with the root key file: give --root-key-file (or ETICKET_ROOT_KEY_FILE)"
            ),
        ));
    };
    let env_kek = std::env::var(KEK_ENV).ok().filter(|v| !v.trim().is_empty());
    let kek = match (&cli.kek_file, env_kek) {
        (Some(_), Some(_)) => {
            return Err(Error::KeyStorage(format!(
                "give the key-encryption key once: --kek-file ({KEK_FILE_ENV}) or {KEK_ENV}, not both"
            )));
        }
        (Some(file), None) => Kek::from_file(file)?,
        (None, Some(text)) => Kek::from_text(&text, KEK_ENV)?,
        (None, None) => {
            return Err(Error::KeyStorage(format!(
                "the root key file is sealed: give its key-encryption key with --kek-file ({KEK_FILE_ENV}) or {KEK_ENV}"
            )));
        }
    };
    Ok(KeyStorage::new(kek, RootStore::File(root_file.clone())))
}

/// List the keys of a signed key set on stderr, as [`key_line`] shows
/// them: the serving machine may be the one an attacker controls, so the
/// operator compares this list with the keys they expect (`eticket keys`
/// where the keys were made) before the set goes back.
fn list_signed_keys(signed: &crate::publish::SignedKeySet) -> Result<()> {
    let root = PublicKey::from_sec1(&signed.root_public_key)
        .map_err(|_| Error::invalid("root_public_key", "not a P-256 public key"))?;
    let set =
        eticket_core::keys::KeySet::from_signed_bytes(&signed.key_set, signed.root_key_id, &root)?;
    eprintln!(
        "signed key set version {} lists {} key(s); check each against the keys you expect:",
        set.version,
        set.entries().len()
    );
    for k in set.entries() {
        eprintln!("{}", key_line(k, if k.retired { "retired" } else { "" }));
    }
    Ok(())
}

/// `eticket sign-key-set --request FILE`: sign the request with the root
/// key file and print the signed set.
pub(super) fn sign_request(cli: &Cli, path: &std::path::Path) -> Result<()> {
    let storage = root_file_storage(cli, "sign-key-set --request")?;
    let request: crate::publish::KeySetRequest = read_json(path)?;
    let now = crate::clock::Clock::now(&crate::clock::SystemClock);
    let next_update = now.plus(crate::Config::default().key_set_next_update_secs);
    let signed = crate::publish::sign_key_set_request(&request, &storage, next_update)?;
    list_signed_keys(&signed)?;
    let root = PublicKey::from_sec1(&signed.root_public_key)
        .map_err(|_| Error::invalid("root_public_key", "not a P-256 public key"))?;
    eprintln!(
        "key set version {} signed by root {} (key {}), next update due at {next_update}: bring it to the center (`eticket import-key-set FILE`)",
        signed.version,
        signed.root_key_id,
        fingerprint(&root)
    );
    print(&signed)
}

/// `eticket rollover-root --request FILE --new-root-key-file NEW`: make the
/// new root in NEW, sign the rollover to it with the root key file and the
/// request's key set with the new root, and print both.
pub(super) fn sign_rollover(
    cli: &Cli,
    path: &std::path::Path,
    new_root_file: Option<&std::path::Path>,
) -> Result<()> {
    let Some(new_root_file) = new_root_file else {
        return Err(Error::invalid(
            "new_root_key_file",
            "rollover-root --request makes a new root: give --new-root-key-file NEW (a file that does not exist yet)",
        ));
    };
    let storage = root_file_storage(cli, "rollover-root --request")?;
    let request: crate::publish::KeySetRequest = read_json(path)?;
    let now = crate::clock::Clock::now(&crate::clock::SystemClock);
    let next_update = now.plus(crate::Config::default().key_set_next_update_secs);
    let signed = crate::offline_rollover::sign_rollover_request(
        &request,
        &storage,
        new_root_file,
        now,
        next_update,
    )?;
    let old = PublicKey::from_sec1(&request.root_public_key)
        .map_err(|_| Error::invalid("root_public_key", "not a P-256 public key"))?;
    let new = PublicKey::from_sec1(&signed.root_public_key)
        .map_err(|_| Error::invalid("root_public_key", "not a P-256 public key"))?;
    eprintln!(
        "root {} (key {}) signed the rollover to the new root {} (key {}), kept in {} (mode 0600, sealed under the same key-encryption key): back it up",
        signed.previous_root,
        fingerprint(&old),
        signed.root,
        fingerprint(&new),
        new_root_file.display()
    );
    list_signed_keys(&signed.key_set)?;
    eprintln!(
        "key set version {} signed by the new root {}, next update due at {next_update}: bring this to the center (`eticket import-rollover FILE`); from then on sign key sets with {}",
        signed.key_set.version,
        signed.root,
        new_root_file.display()
    );
    print(&signed)
}
