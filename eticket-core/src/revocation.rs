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
/// Largest encoded list or delta: header, body of at most 9 bytes per entry
/// (serial, generation, reason), signature.
pub const MAX_LIST_LEN: usize = MAX_ENTRIES * 9 + 128;

/// How long a list built with [`RevocationList::new`] stays fresh unless the
/// signer says otherwise ([`RevocationList::with_next_update`]): one day.
pub const DEFAULT_LIST_LIFETIME_SECS: u64 = 86_400;

/// Why a ticket generation admits nobody any more: what the gate tells the
/// guest.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RevocationReason {
    /// Cancelled (the organizer revoked it, or its key was compromised).
    #[default]
    Revoked,
    /// A newer generation replaces it (a reprint, a re-issue, a new card,
    /// a new date): the holder updates the card or prints the new ticket.
    Replaced,
    /// Transferred to another holder: the new generation is theirs.
    Transferred,
    /// The event was cancelled: the seller refunds the ticket.
    EventCancelled,
}

/// One revoked ticket generation and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Revoked {
    /// The ticket.
    pub serial: TicketSerial,
    /// The generation revoked.
    pub generation: Generation,
    /// Why.
    pub reason: RevocationReason,
}

impl Revoked {
    /// The generation a list holds at most once.
    fn key(&self) -> (TicketSerial, Generation) {
        (self.serial, self.generation)
    }
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
    /// When the center promises the next version at the latest; past it, a
    /// gate treats the list as stale and applies its venue's policy.
    pub next_update: Timestamp,
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
    /// The list's new `next_update` once the delta is applied.
    pub next_update: Timestamp,
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
    // Strictly increasing by generation: one reason per generation.
    if entries.windows(2).any(|w| w[0].key() >= w[1].key()) {
        return Err(Error::NonCanonical(what));
    }
    Ok(())
}

/// Verify a list or delta with a list key of `keys`, decode it strictly, and
/// check that the key may sign for the event it names (a key scoped to one
/// event cannot sign another event's list).
fn open<'a, T: Deserialize<'a> + Serialize>(
    bytes: &'a [u8],
    domain: Domain,
    what: &'static str,
    keys: &KeySet,
    now: Timestamp,
    event: impl Fn(&T) -> EventId,
) -> Result<T> {
    let env = Envelope::split(bytes, what, MAX_LIST_LEN)?;
    let entry = keys.get(env.key_id)?;
    if entry.purpose != KeyPurpose::Lists {
        return Err(Error::KeyWrongPurpose(entry.id));
    }
    env.verify(domain, &entry.public)?;
    let value = codec::decode_strict(env.body, what)?;
    entry.check(KeyPurpose::Lists, now, now, Some(event(&value)))?;
    Ok(value)
}

impl RevocationList {
    /// An empty list at version 0, stale from the start (its `next_update`
    /// is the epoch): a gate holding only this list has never heard from the
    /// center.
    pub fn empty(event: EventId) -> Self {
        Self {
            event,
            version: 0,
            issued_at: Timestamp(0),
            next_update: Timestamp(0),
            entries: Vec::new(),
        }
    }

    /// The same list promising its next version by `next_update`.
    pub fn with_next_update(mut self, next_update: Timestamp) -> Self {
        self.next_update = next_update;
        self
    }

    /// Whether the list is past its `next_update` at `now`.
    pub fn is_stale(&self, now: Timestamp) -> bool {
        now >= self.next_update
    }

    /// A list from entries in any order (an entry repeated for the same
    /// generation is kept once, the first in sorted order).
    pub fn new(
        event: EventId,
        version: u64,
        issued_at: Timestamp,
        mut entries: Vec<Revoked>,
    ) -> Result<Self> {
        entries.sort_unstable();
        entries.dedup_by_key(|e| e.key());
        check_sorted(&entries, "revocation list")?;
        Ok(Self {
            event,
            version,
            issued_at,
            next_update: issued_at.plus(DEFAULT_LIST_LIFETIME_SECS),
            entries,
        })
    }

    /// Whether this generation of the ticket is revoked; O(log n).
    pub fn is_revoked(&self, serial: TicketSerial, generation: Generation) -> bool {
        self.reason(serial, generation).is_some()
    }

    /// Why this generation of the ticket is revoked, if it is; O(log n).
    /// When the ticket's newest revoked generation ended it for good (the
    /// event was cancelled, or the ticket revoked or refunded), that is the
    /// answer for every older generation too: a holder of a copy replaced
    /// before the cancellation is told the event was cancelled, not to
    /// fetch a new ticket that no longer exists.
    pub fn reason(&self, serial: TicketSerial, generation: Generation) -> Option<RevocationReason> {
        let i = self
            .entries
            .binary_search_by_key(&(serial, generation), Revoked::key)
            .ok()?;
        // The ticket's last entry: entries are sorted by serial, then
        // generation.
        let end = self.entries.partition_point(|e| e.serial <= serial);
        let newest = self.entries[end - 1];
        Some(match newest.reason {
            RevocationReason::EventCancelled | RevocationReason::Revoked => newest.reason,
            RevocationReason::Replaced | RevocationReason::Transferred => self.entries[i].reason,
        })
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

    /// Apply a delta that starts at this list's version. A delta from the
    /// list's version to itself with no entries is a renewal: it only moves
    /// `next_update` (the center sends one to a gate that is up to date).
    pub fn apply(&mut self, delta: &RevocationDelta) -> Result<()> {
        if delta.event != self.event {
            return Err(Error::EventMismatch {
                expected: self.event,
                got: delta.event,
            });
        }
        // A delta moves the version on, or (from a version to itself, adding
        // nothing) only renews the list's `next_update`.
        let renewal = delta.to_version == delta.from_version && delta.added.is_empty();
        if delta.from_version != self.version
            || (delta.to_version <= delta.from_version && !renewal)
        {
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
            if x.key() <= y.key() {
                a.next();
                if x.key() == y.key() {
                    // Listed already: the first reason stands.
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
        self.next_update = delta.next_update;
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
        let list: Self = open(
            bytes,
            Domain::RevocationList,
            "revocation list",
            keys,
            now,
            |l: &Self| l.event,
        )?;
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
            |d: &Self| d.event,
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
            reason: RevocationReason::Revoked,
        }
    }

    #[test]
    fn a_final_revocation_speaks_for_older_generations() {
        let e = |s, g, reason| Revoked {
            serial: TicketSerial(s),
            generation: Generation(g),
            reason,
        };
        let list = RevocationList::new(
            fixtures::EVENT,
            1,
            fixtures::NOW,
            alloc::vec![
                e(5, 0, RevocationReason::Replaced),
                e(5, 1, RevocationReason::EventCancelled),
                e(6, 0, RevocationReason::Transferred),
                e(7, 0, RevocationReason::Replaced),
                e(7, 1, RevocationReason::Revoked),
                e(8, 0, RevocationReason::Replaced),
            ],
        )
        .unwrap();
        let why = |s, g| list.reason(TicketSerial(s), Generation(g));
        assert_eq!(why(5, 0), Some(RevocationReason::EventCancelled));
        assert_eq!(why(6, 0), Some(RevocationReason::Transferred));
        assert_eq!(why(7, 0), Some(RevocationReason::Revoked));
        assert_eq!(why(8, 0), Some(RevocationReason::Replaced));
        assert_eq!(why(8, 1), None);
        assert_eq!(why(4, 0), None);
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
            next_update: fixtures::NOW.plus(3600),
            added: alloc::vec![r(2, 1), r(3, 0), r(9, 4)],
        };
        list.apply(&delta).unwrap();
        assert_eq!(list.entries(), &[r(2, 1), r(3, 0), r(5, 0), r(9, 4)]);
        assert_eq!(list.version, 2);
        assert_eq!(list.next_update, fixtures::NOW.plus(3600));
        assert!(!list.is_stale(fixtures::NOW));
        assert!(list.is_stale(fixtures::NOW.plus(3600)));
        let renewal = RevocationDelta {
            from_version: 2,
            to_version: 2,
            added: alloc::vec![],
            next_update: fixtures::NOW.plus(7200),
            ..delta.clone()
        };
        list.apply(&renewal).unwrap();
        assert_eq!((list.version, list.len()), (2, 4));
        assert_eq!(list.next_update, fixtures::NOW.plus(7200));
        let sneaky = RevocationDelta {
            added: alloc::vec![r(1, 0)],
            ..renewal
        };
        assert!(
            list.apply(&sneaky).is_err(),
            "a same-version delta adds nothing"
        );
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

    /// A list key scoped to one event cannot sign another event's list or
    /// delta: the scope is checked against the event the body names.
    #[test]
    fn list_key_scope_is_checked_against_the_event() {
        use crate::keys::{KeyEntry, KeyScope};
        let key = fixtures::list_key();
        let mut entries: Vec<KeyEntry> = fixtures::key_set().entries().to_vec();
        for e in &mut entries {
            if e.id == key.id() {
                e.scope = KeyScope::Events(alloc::vec![fixtures::EVENT]);
            }
        }
        let keys = KeySet::new(2, entries).unwrap();
        let other = EventId(fixtures::EVENT.0 + 1);
        let list = RevocationList::new(other, 1, fixtures::NOW, alloc::vec![r(1, 0)]).unwrap();
        let bytes = list.to_signed_bytes(&key).unwrap();
        assert!(matches!(
            RevocationList::from_signed_bytes(&bytes, &keys, fixtures::NOW),
            Err(Error::KeyOutOfScope { .. })
        ));
        let delta = RevocationDelta {
            event: other,
            from_version: 1,
            to_version: 2,
            issued_at: fixtures::NOW,
            next_update: fixtures::NOW.plus(60),
            added: alloc::vec![r(2, 0)],
        };
        let bytes = delta.to_signed_bytes(&key).unwrap();
        assert!(matches!(
            RevocationDelta::from_signed_bytes(&bytes, &keys, fixtures::NOW),
            Err(Error::KeyOutOfScope { .. })
        ));
        let own = RevocationList::new(fixtures::EVENT, 1, fixtures::NOW, alloc::vec![]).unwrap();
        let bytes = own.to_signed_bytes(&key).unwrap();
        RevocationList::from_signed_bytes(&bytes, &keys, fixtures::NOW).unwrap();
    }
}
