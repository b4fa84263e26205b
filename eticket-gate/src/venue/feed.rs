//! The venue unit's trust feed: the signed material it accepted from the
//! center (root rollovers, key sets, revocation lists and deltas), in order,
//! numbered, for its gate devices to verify and apply themselves. What a
//! later item makes useless is dropped (an older key set, the lists and
//! deltas before a full list), so a new device gets what brings it up to date
//! and nothing more.

use crate::entry_log::EntryLog;
use crate::venue::protocol::{TrustItem, TrustKind};
use crate::{Error, Result};

const FEED: &str = "trust_feed";
const FEED_SEQ: &str = "trust_feed_seq";

fn load(log: &EntryLog) -> Result<Vec<TrustItem>> {
    match log.get_meta(FEED)? {
        Some(bytes) => postcard::from_bytes(&bytes).map_err(|e| Error::CorruptLog {
            what: "unit.trust_feed",
            detail: e.to_string(),
        }),
        None => Ok(Vec::new()),
    }
}

/// The newest feed position (0: nothing accepted yet).
pub(crate) fn last(log: &EntryLog) -> Result<u64> {
    Ok(log
        .get_meta(FEED_SEQ)?
        .and_then(|b| <[u8; 8]>::try_from(b.as_slice()).ok())
        .map_or(0, u64::from_be_bytes))
}

/// The unit-table values that add `bytes` of `kind` to the feed (stored in
/// the same transaction as the trust store itself).
pub(crate) fn append(
    log: &EntryLog,
    kind: TrustKind,
    bytes: &[u8],
) -> Result<Vec<(&'static str, Vec<u8>)>> {
    let mut items = load(log)?;
    let seq = last(log)?.saturating_add(1);
    match kind {
        TrustKind::KeySet => items.retain(|i| i.kind != TrustKind::KeySet),
        TrustKind::RevocationList => items.retain(|i| {
            !matches!(
                i.kind,
                TrustKind::RevocationList | TrustKind::RevocationDelta
            )
        }),
        TrustKind::RevocationDelta | TrustKind::Rollover => {}
    }
    items.push(TrustItem {
        seq,
        kind,
        bytes: bytes.to_vec(),
    });
    let encoded = postcard::to_allocvec(&items).map_err(|e| Error::CorruptLog {
        what: "unit.trust_feed",
        detail: e.to_string(),
    })?;
    Ok(vec![
        (FEED, encoded),
        (FEED_SEQ, seq.to_be_bytes().to_vec()),
    ])
}

/// The unit-table values that start an empty feed with what `trust` holds
/// signed (for a unit opened with material its caller accepted itself);
/// nothing when the feed has items already.
pub(crate) fn seed(
    log: &EntryLog,
    trust: &crate::trust::TrustStore,
) -> Result<Vec<(&'static str, Vec<u8>)>> {
    if last(log)? > 0 {
        return Ok(Vec::new());
    }
    let mut items: Vec<(TrustKind, &[u8])> = trust
        .rollovers()
        .iter()
        .map(|(bytes, _)| (TrustKind::Rollover, bytes.as_slice()))
        .collect();
    if let Some(keys) = trust.key_set_bytes() {
        items.push((TrustKind::KeySet, keys));
    }
    for (i, bytes) in trust.revocation_bytes().iter().enumerate() {
        let kind = if i == 0 {
            TrustKind::RevocationList
        } else {
            TrustKind::RevocationDelta
        };
        items.push((kind, bytes));
    }
    let items: Vec<TrustItem> = items
        .into_iter()
        .zip(1u64..)
        .map(|((kind, bytes), seq)| TrustItem {
            seq,
            kind,
            bytes: bytes.to_vec(),
        })
        .collect();
    let Some(last) = items.last().map(|i| i.seq) else {
        return Ok(Vec::new());
    };
    let encoded = postcard::to_allocvec(&items).map_err(|e| Error::CorruptLog {
        what: "unit.trust_feed",
        detail: e.to_string(),
    })?;
    Ok(vec![
        (FEED, encoded),
        (FEED_SEQ, last.to_be_bytes().to_vec()),
    ])
}

/// The items after position `after`, in order.
pub(crate) fn since(log: &EntryLog, after: u64) -> Result<Vec<TrustItem>> {
    let mut items = load(log)?;
    items.retain(|i| i.seq > after);
    Ok(items)
}
