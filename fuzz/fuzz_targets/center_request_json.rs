//! The center's HTTP request decoding: any bytes, as any request body type,
//! give a value or an error, never a panic; what decodes re-encodes and decodes
//! to the same value. The first byte picks the request type (every JSON body
//! a route of the center takes; the numbers are those of the seeds in
//! `fuzz/seeds/center_request_json/`).
#![no_main]

use eticket_center::chips::PersonalizationRequest;
use eticket_center::credentials::RotationRequest;
use eticket_center::distributor::{MemberRegistration, SaleRequest};
use eticket_center::holds::{HoldConfirm, HoldRequest};
use eticket_center::http::page::SeatOwners;
use eticket_center::http::{BatchIssueBody, IssueBody, SelectDistributor, parse_json};
use eticket_center::issuance::ChipTarget;
use eticket_center::lottery::{LotteryApplication, LotteryDraw, LotterySetup};
use eticket_center::organizer::{EventRegistration, SeatSelection};
use eticket_center::policy::DistributionPolicy;
use eticket_center::postponement::Postponement;
use eticket_center::reissue::CardReplacement;
use eticket_center::split::SeatSplit;
use eticket_center::terminal::TerminalPurchase;
use eticket_center::transfer::{TransferCancellation, TransferSubmission};
use eticket_core::allotment::AllotmentRatios;
use libfuzzer_sys::fuzz_target;
use serde::{Serialize, de::DeserializeOwned};

fn round_trip<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(data: &[u8]) {
    if let Ok(value) = parse_json::<T>(data) {
        let again = serde_json::to_vec(&value).expect("a decoded request encodes");
        let back = parse_json::<T>(&again).expect("an encoded request decodes");
        assert_eq!(back, value);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    match which % 24 {
        0 => round_trip::<SaleRequest>(body),
        1 => round_trip::<EventRegistration>(body),
        2 => round_trip::<SeatSelection>(body),
        3 => round_trip::<AllotmentRatios>(body),
        4 => round_trip::<DistributionPolicy>(body),
        5 => round_trip::<MemberRegistration>(body),
        6 => round_trip::<ChipTarget>(body),
        7 => round_trip::<LotteryApplication>(body),
        8 => round_trip::<LotterySetup>(body),
        9 => round_trip::<TransferSubmission>(body),
        10 => round_trip::<LotteryDraw>(body),
        11 => round_trip::<SeatSplit>(body),
        12 => round_trip::<SeatOwners>(body),
        13 => round_trip::<HoldRequest>(body),
        14 => round_trip::<HoldConfirm>(body),
        15 => round_trip::<TransferCancellation>(body),
        16 => round_trip::<CardReplacement>(body),
        17 => round_trip::<PersonalizationRequest>(body),
        18 => round_trip::<RotationRequest>(body),
        19 => round_trip::<SelectDistributor>(body),
        20 => round_trip::<BatchIssueBody>(body),
        21 => round_trip::<Postponement>(body),
        22 => round_trip::<TerminalPurchase>(body),
        _ => round_trip::<IssueBody>(body),
    }
    if let Ok(text) = std::str::from_utf8(body) {
        let _ = eticket_center::wire::parse_holder(text);
    }
});
