//! The seeds of the `center_request_json` fuzz target are requests the center
//! takes: each file `fuzz/seeds/center_request_json/NN-name.json` decodes as
//! the body type NN picks (as the target numbers them), except the few named
//! for the refusal they carry. A seed that stopped decoding (a renamed field,
//! a new required one) would leave the fuzzer outside the decoder.

use std::path::Path;

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
use serde::de::DeserializeOwned;

fn decodes<T: DeserializeOwned>(body: &[u8]) -> Result<(), String> {
    parse_json::<T>(body)
        .map(|_| ())
        .map_err(|e| format!("{e:?}"))
}

fn decode(which: u32, body: &[u8]) -> Result<(), String> {
    match which {
        0 => decodes::<SaleRequest>(body),
        1 => decodes::<EventRegistration>(body),
        2 => decodes::<SeatSelection>(body),
        3 => decodes::<AllotmentRatios>(body),
        4 => decodes::<DistributionPolicy>(body),
        5 => decodes::<MemberRegistration>(body),
        6 => decodes::<ChipTarget>(body),
        7 => decodes::<LotteryApplication>(body),
        8 => decodes::<LotterySetup>(body),
        9 => decodes::<TransferSubmission>(body),
        10 => decodes::<LotteryDraw>(body),
        11 => decodes::<SeatSplit>(body),
        12 => decodes::<SeatOwners>(body),
        13 => decodes::<HoldRequest>(body),
        14 => decodes::<HoldConfirm>(body),
        15 => decodes::<TransferCancellation>(body),
        16 => decodes::<CardReplacement>(body),
        17 => decodes::<PersonalizationRequest>(body),
        18 => decodes::<RotationRequest>(body),
        19 => decodes::<SelectDistributor>(body),
        20 => decodes::<BatchIssueBody>(body),
        21 => decodes::<Postponement>(body),
        22 => decodes::<TerminalPurchase>(body),
        23 => decodes::<IssueBody>(body),
        other => Err(format!("no request type {other}")),
    }
}

/// Seeds that carry a refusal on purpose, with the refusal.
const REFUSED: [(&str, &str); 4] = [
    ("00-too_large_integer", "larger than the largest"),
    ("00-key_twice", "twice"),
    ("00-trailing_value", "trailing"),
    ("00-nul", "U+0000"),
];

#[test]
fn every_request_seed_decodes_as_its_type() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds/center_request_json");
    let mut types = std::collections::BTreeSet::new();
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("the seed directory")
        .map(|e| e.expect("a seed").path())
        .collect();
    entries.sort();
    assert!(!entries.is_empty());
    for path in entries {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let which: u32 = name[..2].parse().expect("NN-name.json");
        let body = std::fs::read(&path).unwrap();
        let result = decode(which, &body);
        match REFUSED.iter().find(|(seed, _)| *seed == name) {
            Some((_, why)) => {
                let err = result.expect_err(&name);
                assert!(err.contains(why), "{name}: {err}");
            }
            None => {
                result.unwrap_or_else(|e| panic!("{name}: {e}"));
                types.insert(which);
            }
        }
    }
    assert_eq!(types, (0..24).collect(), "a decoding seed for every type");
}
