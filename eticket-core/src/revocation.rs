//! Signed revocation lists: which (serial, generation) pairs of an event admit
//! nobody any more. Sorted, looked up in O(log n), updated by signed deltas.

use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::codec;
use crate::crypto::Domain;
use crate::ids::{EventId, Generation, TicketSerial};
use crate::keys::{KeyPurpose, KeySet, SigningKeyPair};
use crate::signed::{self, Envelope};
use crate::time::Timestamp;
use crate::{Error, Result};

/// Most entries a list or delta may hold.
pub const MAX_ENTRIES: usize = 4_000_000;
/// Largest encoded list or delta: header, body of at most 8 bytes per entry, signature.
pub const MAX_LIST_LEN: usize = MAX_ENTRIES * 8 + 128;

/// One revoked ticket generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Revoked {
    /// The ticket.
    pub serial: TicketSerial,
    /// The generation revoked.
    pub generation: Generation,
}

/// An event's revocation list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RevocationList {
    /// The event.
    pub event: EventId,
    /// Grows with every change.
    pub version: u64,
    /// When the center signed this version.
    pub issued_at: Timestamp,
    entries: Vec<Revoked>,
}

/// The entries added between two versions of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RevocationDelta {
    /// The event.
    pub event: EventId,
    /// The version this delta applies to.
    pub from_version: u64,
    /// The version after applying it.
    pub to_version: u64,
    /// When the center signed it.
    pub issued_at: Timestamp,
    /// Entries added, sorted.
    pub added: Vec<Revoked>,
}

fn check_sorted(entries: &[Revoked], what: &'static str) -> Result<()> {
    if entries.len() > MAX_ENTRIES {
        return Err(Error::TooLarge {
            what,
            len: entries.len(),
            max: MAX_ENTRIES,
        });
    }
    if entries.windows(2).any(|w| w[0] >= w[1]) {
        return Err(Error::NonCanonical(what));
    }
    Ok(())
}

fn open<'a, T: Deserialize<'a> + Serialize>(
    bytes: &'a [u8],
    domain: Domain,
    what: &'static str,
    keys: &KeySet,
    now: Timestamp,
) -> Result<T> {
    let env = Envelope::split(bytes, what, MAX_LIST_LEN)?;
    let entry = keys.get(env.key_id)?;
    if entry.purpose != KeyPurpose::Lists {
        return Err(Error::KeyWrongPurpose(entry.id));
    }
    env.verify(domain, &entry.public)?;
    let value = codec::decode_strict(env.body, what)?;
    entry.check(KeyPurpose::Lists, now, now, None)?;
    Ok(value)
}

impl RevocationList {
    /// An empty list at version 0.
    pub fn empty(event: EventId) -> Self {
        Self {
            event,
            version: 0,
            issued_at: Timestamp(0),
            entries: Vec::new(),
        }
    }

    /// A list from entries in any order (duplicates are dropped).
    pub fn new(
        event: EventId,
        version: u64,
        issued_at: Timestamp,
        mut entries: Vec<Revoked>,
    ) -> Result<Self> {
        entries.sort_unstable();
        entries.dedup();
        check_sorted(&entries, "revocation list")?;
        Ok(Self {
            event,
            version,
            issued_at,
            entries,
        })
    }

    /// Whether this generation of the ticket is revoked; O(log n).
    pub fn is_revoked(&self, serial: TicketSerial, generation: Generation) -> bool {
        self.entries
            .binary_search(&Revoked { serial, generation })
            .is_ok()
    }

    /// The entries, sorted.
    pub fn entries(&self) -> &[Revoked] {
        &self.entries
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Apply a delta that starts at this list's version.
    pub fn apply(&mut self, delta: &RevocationDelta) -> Result<()> {
        if delta.event != self.event {
            return Err(Error::EventMismatch {
                expected: self.event,
                got: delta.event,
            });
        }
        if delta.from_version != self.version || delta.to_version <= delta.from_version {
            return Err(Error::RevocationVersion {
                have: self.version,
                delta_from: delta.from_version,
            });
        }
        check_sorted(&delta.added, "revocation delta")?;
        if self.entries.len() + delta.added.len() > MAX_ENTRIES {
            return Err(Error::TooLarge {
                what: "revocation list",
                len: self.entries.len() + delta.added.len(),
                max: MAX_ENTRIES,
            });
        }
        let mut merged = Vec::with_capacity(self.entries.len() + delta.added.len());
        let (mut a, mut b) = (
            self.entries.iter().peekable(),
            delta.added.iter().peekable(),
        );
        while let (Some(&&x), Some(&&y)) = (a.peek(), b.peek()) {
            if x <= y {
                a.next();
                if x == y {
                    b.next();
                }
                merged.push(x);
            } else {
                b.next();
                merged.push(y);
            }
        }
        merged.extend(a.copied());
        merged.extend(b.copied());
        self.entries = merged;
        self.version = delta.to_version;
        self.issued_at = delta.issued_at;
        Ok(())
    }

    /// Sign with a list key.
    pub fn to_signed_bytes(&self, key: &SigningKeyPair) -> Result<Vec<u8>> {
        signed::seal(
            Domain::RevocationList,
            key,
            &codec::encode(self, "revocation list")?,
        )
    }

    /// Verify and decode strictly (entries must be strictly increasing).
    pub fn from_signed_bytes(bytes: &[u8], keys: &KeySet, now: Timestamp) -> Result<Self> {
        let list: Self = open(bytes, Domain::RevocationList, "revocation list", keys, now)?;
        check_sorted(&list.entries, "revocation list")?;
        Ok(list)
    }
}

impl RevocationDelta {
    /// Sign with a list key.
    pub fn to_signed_bytes(&self, key: &SigningKeyPair) -> Result<Vec<u8>> {
        signed::seal(
            Domain::RevocationDelta,
            key,
            &codec::encode(self, "revocation delta")?,
        )
    }

    /// Verify and decode strictly.
    pub fn from_signed_bytes(bytes: &[u8], keys: &KeySet, now: Timestamp) -> Result<Self> {
        let delta: Self = open(
            bytes,
            Domain::RevocationDelta,
            "revocation delta",
            keys,
            now,
        )?;
        check_sorted(&delta.added, "revocation delta")?;
        Ok(delta)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    fn r(s: u32, g: u16) -> Revoked {
        Revoked {
            serial: TicketSerial(s),
            generation: Generation(g),
        }
    }

    #[test]
    fn lookup_and_delta() {
        let mut list = RevocationList::new(
            fixtures::EVENT,
            1,
            fixtures::NOW,
            alloc::vec![r(5, 0), r(2, 1)],
        )
        .unwrap();
        assert!(list.is_revoked(TicketSerial(2), Generation(1)));
        assert!(!list.is_revoked(TicketSerial(2), Generation(2)));
        let delta = RevocationDelta {
            event: fixtures::EVENT,
            from_version: 1,
            to_version: 2,
            issued_at: fixtures::NOW,
            added: alloc::vec![r(2, 1), r(3, 0), r(9, 4)],
        };
        list.apply(&delta).unwrap();
        assert_eq!(list.entries(), &[r(2, 1), r(3, 0), r(5, 0), r(9, 4)]);
        assert_eq!(list.version, 2);
        assert!(matches!(
            list.apply(&delta),
            Err(Error::RevocationVersion {
                have: 2,
                delta_from: 1
            })
        ));
    }

    #[test]
    fn signed_round_trip_and_order_check() {
        let key = fixtures::list_key();
        let keys = fixtures::key_set();
        let list = RevocationList::new(
            fixtures::EVENT,
            3,
            fixtures::NOW,
            alloc::vec![r(1, 0), r(2, 0)],
        )
        .unwrap();
        let bytes = list.to_signed_bytes(&key).unwrap();
        assert_eq!(
            RevocationList::from_signed_bytes(&bytes, &keys, fixtures::NOW).unwrap(),
            list
        );

        let unsorted = RevocationList {
            entries: alloc::vec![r(2, 0), r(1, 0)],
            ..list
        };
        let bytes = unsorted.to_signed_bytes(&key).unwrap();
        assert_eq!(
            RevocationList::from_signed_bytes(&bytes, &keys, fixtures::NOW).err(),
            Some(Error::NonCanonical("revocation list"))
        );
    }
}
