//! A ledger prepared through the `eticket` command line, as an operator does.

use std::path::Path;

use eticket_core::fixtures;
use serde_json::json;

/// The fixture event (its standing area holding `standing` places when
/// given), distributor 1 selected and given all of it, through `run` (one
/// `eticket` command against the test's ledger, its standard output back);
/// the distributor's token.
pub fn shop_event(run: &dyn Fn(&[&str]) -> String, dir: &Path, standing: Option<u32>) -> String {
    run(&["init"]);
    run(&["add-distributor", "--id", "1", "--name", "Shop"]);
    let token = run(&["credential", "--role", "distributor", "--id", "1"])
        .trim()
        .to_owned();
    let mut info = fixtures::small_event();
    if let Some(capacity) = standing {
        info.seats.areas[0].capacity = capacity;
    }
    let event = dir.join("event.json");
    let registration = json!({"info": info, "prices": fixtures::prices()});
    std::fs::write(&event, serde_json::to_vec(&registration).unwrap()).unwrap();
    run(&["register-event", "--file", event.to_str().unwrap()]);
    run(&[
        "select-distributor",
        "--event",
        "2026",
        "--distributor",
        "1",
    ]);
    let ratios = dir.join("ratios.json");
    std::fs::write(
        &ratios,
        r#"{"shares": [{"distributor": 1, "weight": 1, "seat_type": null}]}"#,
    )
    .unwrap();
    run(&[
        "allot-ratios",
        "--event",
        "2026",
        "--file",
        ratios.to_str().unwrap(),
    ]);
    token
}
