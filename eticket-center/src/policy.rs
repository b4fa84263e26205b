//! Distribution authentication policies (c14-18, c28, c31): how a distributor
//! decides who gets a ticket from its allotment.

use eticket_core::time::Timestamp;
use serde::{Deserialize, Serialize};

/// The kind of policy.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum PolicyKind {
    /// Anyone, in order of arrival.
    #[default]
    FirstComeFirstServed,
    /// Registered members only, each buying for their own personalized chip.
    MembersOnly,
    /// Applications during a window, then a verifiable draw.
    Lottery,
}

impl PolicyKind {
    /// The name used in messages.
    pub fn name(self) -> &'static str {
        match self {
            PolicyKind::FirstComeFirstServed => "first come first served",
            PolicyKind::MembersOnly => "membership",
            PolicyKind::Lottery => "lottery",
        }
    }
}

/// A distributor's policy for one event.
///
/// ```
/// use eticket_center::policy::{DistributionPolicy, PolicyKind};
/// let p: DistributionPolicy = serde_json::from_str(
///     r#"{"kind": "members_only", "per_member_limit": 2}"#).unwrap();
/// assert_eq!(p.kind, PolicyKind::MembersOnly);
/// assert_eq!(p.hold_until, None);
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct DistributionPolicy {
    /// How tickets are given out.
    pub kind: PolicyKind,
    /// Most tickets one member (or, without membership, one chip) may get.
    #[serde(default)]
    pub per_member_limit: Option<u32>,
    /// Tickets of this distributor may not be written before this time (c32).
    #[serde(default)]
    pub hold_until: Option<Timestamp>,
}

/// Refuse a policy whose times the event cannot use: a hold-until after the
/// event's end would hold its tickets back for good.
pub(crate) fn check_times(
    tx: &mut dyn crate::store::Tx,
    event: eticket_core::ids::EventId,
    policy: &DistributionPolicy,
) -> crate::Result<()> {
    let Some(until) = policy.hold_until else {
        return Ok(());
    };
    let end = crate::tables::events::load(tx, event)?.info.schedule.end;
    if until > end {
        return Err(crate::Error::invalid(
            "hold_until",
            format!("{until} is after the event's end ({end})"),
        ));
    }
    Ok(())
}
