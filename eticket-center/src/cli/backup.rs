//! `eticket backup` and `eticket restore` (see [`crate::backup`]).

use std::path::Path;

use super::{Cli, print};
use crate::backup::{self, Location};
use crate::keystore::{self, KEK_ENV, KEK_FILE_ENV};
use crate::{Center, Error, Result};

fn location(cli: &Cli) -> Location<'_> {
    match &cli.database_url {
        Some(url) => Location::Postgres(url),
        None => Location::Sqlite(&cli.database),
    }
}

/// Where this command line takes its key-encryption key from, for messages;
/// `None` when it names none (a SQLite ledger's default file beside it is
/// used only if it exists).
fn kek_source(cli: &Cli) -> Option<String> {
    if let Some(path) = &cli.kek_file {
        return Some(path.display().to_string());
    }
    if std::env::var(KEK_ENV).is_ok_and(|v| !v.trim().is_empty()) {
        return Some(format!("the environment's {KEK_ENV}"));
    }
    let beside = keystore::beside(&cli.database, ".kek");
    (cli.database_url.is_none() && beside.exists()).then(|| beside.display().to_string())
}

/// Back up the ledger the command line names into the new directory `to`.
pub(super) fn run_backup(cli: &Cli, center: &Center, to: &Path) -> Result<()> {
    let started = std::time::Instant::now();
    let manifest = backup::take(&location(cli), center.key_storage(), to)?;
    let kek = kek_source(cli).unwrap_or_else(|| "the key-encryption key".to_owned());
    eprintln!(
        "eticket: backup in {} ({:.1} s): {} issuing records, {} issued generations, {} stored answers{}",
        to.display(),
        started.elapsed().as_secs_f64(),
        manifest.rows.get("issuing_records").copied().unwrap_or(0),
        manifest.rows.get("issued").copied().unwrap_or(0),
        manifest.rows.get("idempotency").copied().unwrap_or(0),
        if manifest.root_key_file {
            ", the root key file (sealed)"
        } else {
            "; no root key file (the root is offline: back it up where it is)"
        },
    );
    eprintln!(
        "eticket: THE BACKUP DOES NOT HOLD THE KEY-ENCRYPTION KEY (fingerprint {}) its keys are sealed under: \
         keep {kek} apart from it (another medium or secret store); without it the backup restores nothing, \
         and with it beside the backup, whoever takes both can sign tickets",
        manifest.kek_fingerprint
    );
    print(&manifest)
}

/// Restore the backup `from` into the new ledger the command line names,
/// with the key-encryption key it gives (never a new one).
pub(super) fn run_restore(cli: &Cli, from: &Path) -> Result<()> {
    if kek_source(cli).is_none() {
        let fingerprint = backup::read(from)
            .map(|m| format!(" (fingerprint {})", m.kek_fingerprint))
            .unwrap_or_default();
        return Err(Error::KeyStorage(format!(
            "a restore needs the key-encryption key the backup's keys are sealed under{fingerprint}: \
             --kek-file ({KEK_FILE_ENV}) or {KEK_ENV}"
        )));
    }
    let restored = backup::restore(from, &location(cli), &cli.key_storage()?)?;
    eprintln!(
        "eticket: restored the ledger of {} into {}{}; serve it with the same key-encryption key",
        from.display(),
        cli.database_url.as_deref().map_or_else(
            || cli.database.display().to_string(),
            |_| {
                format!(
                    "the PostgreSQL schema {}",
                    restored.manifest.postgres_schema.as_deref().unwrap_or("?")
                )
            }
        ),
        restored
            .root_key_file
            .as_deref()
            .map(|p| format!(", the root key file into {}", p.display()))
            .unwrap_or_default(),
    );
    print(&restored)
}
