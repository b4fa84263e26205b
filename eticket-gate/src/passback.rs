//! Anti-passback policies (c55, c58): how often one ticket may enter, decided
//! against the venue's shared entry log.

use serde::{Deserialize, Serialize};

use crate::refusal::Refusal;

/// How often a ticket may enter the venue.
///
/// Paper tickets always enter once: a copy cannot be told from the original,
/// so the first admission wins whatever the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PassbackPolicy {
    /// One admission per ticket.
    SingleEntry,
    /// Any number of admissions, each after an exit scan.
    ReentryAfterExit,
    /// At most this many admissions (a multi-visit pass; no exit scan needed).
    Entries(u32),
}

/// What the entry log knows about one ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Presence {
    /// Admissions so far.
    pub entries: u32,
    /// Whether it entered and has not left since.
    pub inside: bool,
}

impl PassbackPolicy {
    /// The policy for one ticket: a ticket the center flagged
    /// [`REENTRY`](eticket_core::ticket::Flags::REENTRY) may leave and come
    /// back even where the venue's policy is single entry.
    pub fn for_ticket(self, reentry_flag: bool) -> Self {
        match self {
            PassbackPolicy::SingleEntry if reentry_flag => PassbackPolicy::ReentryAfterExit,
            other => other,
        }
    }

    /// Whether a ticket with `presence` may enter now; `paper` for paper tickets.
    ///
    /// ```
    /// use eticket_gate::passback::{PassbackPolicy, Presence};
    /// let inside = Presence { entries: 1, inside: true };
    /// assert!(PassbackPolicy::ReentryAfterExit.check(Presence::default(), false).is_ok());
    /// assert!(PassbackPolicy::ReentryAfterExit.check(inside, false).is_err());
    /// ```
    pub fn check(self, presence: Presence, paper: bool) -> Result<(), Refusal> {
        if presence.entries == 0 {
            return match self {
                PassbackPolicy::Entries(0) => Err(Refusal::EntriesUsedUp),
                _ => Ok(()),
            };
        }
        if paper {
            return Err(Refusal::PaperAlreadyUsed);
        }
        match self {
            PassbackPolicy::SingleEntry => Err(Refusal::AlreadyAdmitted),
            PassbackPolicy::ReentryAfterExit if presence.inside => Err(Refusal::StillInside),
            PassbackPolicy::ReentryAfterExit => Ok(()),
            PassbackPolicy::Entries(n) if presence.entries >= n => Err(Refusal::EntriesUsedUp),
            PassbackPolicy::Entries(_) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(entries: u32, inside: bool) -> Presence {
        Presence { entries, inside }
    }

    #[test]
    fn policies() {
        use PassbackPolicy::*;
        assert_eq!(SingleEntry.check(p(0, false), false), Ok(()));
        assert_eq!(
            SingleEntry.check(p(1, false), false),
            Err(Refusal::AlreadyAdmitted)
        );
        assert_eq!(ReentryAfterExit.check(p(3, false), false), Ok(()));
        assert_eq!(
            ReentryAfterExit.check(p(3, true), false),
            Err(Refusal::StillInside)
        );
        assert_eq!(Entries(2).check(p(1, true), false), Ok(()));
        assert_eq!(
            Entries(2).check(p(2, false), false),
            Err(Refusal::EntriesUsedUp)
        );
        assert_eq!(
            Entries(0).check(p(0, false), false),
            Err(Refusal::EntriesUsedUp)
        );
        assert_eq!(SingleEntry.for_ticket(true), ReentryAfterExit);
        assert_eq!(Entries(2).for_ticket(true), Entries(2));
        for policy in [SingleEntry, ReentryAfterExit, Entries(9)] {
            assert_eq!(policy.check(p(0, false), true), Ok(()));
            assert_eq!(
                policy.check(p(1, false), true),
                Err(Refusal::PaperAlreadyUsed)
            );
        }
    }
}
