//! The JSON Schemas of the API's request and response bodies, generated from
//! the Rust types with schemars. `components.schemas` in `openapi.json` holds
//! exactly these (plus the hand-written `Error`, `Holder`, `Empty`, `Health`,
//! `Version` and `EntryStatistics`); a test keeps the file equal to them.
//!
//! ```
//! let schemas = eticket_center::http::schemas::component_schemas();
//! assert_eq!(schemas["ChipTarget"]["required"][0], "chip");
//! ```

use schemars::generate::SchemaSettings;
use serde_json::{Map, Value};

use super::{handlers, page};
use crate::{
    allotment_log, cancellation, chips, credentials, distributor, entries, event_list, holds,
    issuance, keys, lottery, organizer, policy, postponement, publish, reissue, split, terminal,
    transfer,
};

/// The component schemas by name, with references between them as
/// `#/components/schemas/<name>` (OpenAPI 3.1, JSON Schema 2020-12).
pub fn component_schemas() -> Map<String, Value> {
    let mut generator = SchemaSettings::draft2020_12()
        .with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        })
        .into_generator();
    macro_rules! add {
        ($($t:ty),* $(,)?) => { $( generator.subschema_for::<$t>(); )* };
    }
    add!(
        eticket_core::allotment::AllotmentRatios,
        eticket_core::event::EventInfo,
        organizer::AllotmentSummary,
        organizer::EventRegistration,
        organizer::EventStats,
        organizer::EventSummary,
        organizer::SeatSelection,
        split::SeatSplit,
        allotment_log::AllotmentLog,
        event_list::EventList,
        cancellation::Cancellation,
        cancellation::Refunds,
        cancellation::Refund,
        postponement::Postponement,
        postponement::Postponed,
        postponement::EventStatus,
        split::SplitDone,
        policy::DistributionPolicy,
        distributor::SaleRequest,
        distributor::Sale,
        holds::HoldRequest,
        holds::HoldView,
        holds::HoldConfirm,
        distributor::MemberRegistration,
        distributor::MembershipCard,
        lottery::LotterySetup,
        lottery::LotteryApplication,
        lottery::LotteryAnnouncement,
        lottery::LotteryDraw,
        lottery::DrawResult,
        issuance::ChipTarget,
        issuance::IssuedTicket,
        issuance::GrantView,
        issuance::Delivery,
        issuance::BatchIssued,
        issuance::PaperPrint,
        publish::SignedKeySet,
        keys::RootRollovers,
        publish::SignedRevocations,
        transfer::TransferSubmission,
        transfer::TransferCancellation,
        transfer::TransferView,
        transfer::TransferCompletion,
        reissue::CardReplacement,
        chips::PersonalizationRequest,
        chips::ChipPersonalization,
        reissue::Reissued,
        entries::EntryImport,
        handlers::SelectDistributor,
        organizer::SelectedDistributor,
        handlers::IssueBody,
        handlers::BatchIssueBody,
        handlers::Readiness,
        page::PageSeatMap,
        page::SeatOwners,
        page::SeatOwnersDone,
        credentials::CredentialInfo,
        credentials::Rotation,
        credentials::RotationRequest,
        terminal::TerminalChallenge,
        terminal::CardProof,
        terminal::TerminalPurchase,
        terminal::TerminalPurchaseDone,
    );
    generator.take_definitions(true)
}
