//! The world the ledger suites share: the fixture event with two
//! distributors, buying, the key set, the clock's time.

use std::sync::Arc;

use eticket_center::clock::ManualClock;
use eticket_center::distributor::{SaleRequest, SeatChoice};
use eticket_center::organizer::EventRegistration;
use eticket_center::policy::DistributionPolicy;
use eticket_center::{Center, Error, Principal};
use eticket_core::allotment::{AllotmentRatios, RatioShare};
use eticket_core::fixtures;
use eticket_core::ids::*;
use eticket_core::keys::KeySet;
use eticket_core::ticket::Holder;

pub const ORG: Principal = Principal::Organizer(1);

pub const D1: DistributorId = DistributorId(1);

pub const D2: DistributorId = DistributorId(2);

pub const EVENT: EventId = fixtures::EVENT;

pub fn dist(d: DistributorId) -> Principal {
    Principal::Distributor(d)
}

/// Event registered, two distributors selected, ratio 1:1 over every seat type.
pub fn setup(center: &Center, p1: DistributionPolicy, p2: DistributionPolicy) {
    let op = Principal::Operator;
    center
        .register_distributor(&op, "d1", D1, "Ticket Shop One")
        .unwrap();
    center
        .register_distributor(&op, "d2", D2, "Fan Club Two")
        .unwrap();
    let reg = EventRegistration {
        info: fixtures::small_event(),
        prices: fixtures::prices(),
        seat_map: None,
    };
    assert_eq!(
        center.register_event(&ORG, "reg", &reg).unwrap().tickets,
        130
    );
    center
        .select_distributor(&ORG, "sel1", EVENT, D1, p1)
        .unwrap();
    center
        .select_distributor(&ORG, "sel2", EVENT, D2, p2)
        .unwrap();
    let ratios = AllotmentRatios {
        shares: vec![
            RatioShare {
                distributor: D1,
                weight: 1,
                seat_type: None,
            },
            RatioShare {
                distributor: D2,
                weight: 1,
                seat_type: None,
            },
        ],
    };
    let summary = center
        .set_allotment_ratios(&ORG, "ratios", EVENT, &ratios)
        .unwrap();
    assert_eq!(summary.allotted, vec![(D1, 65), (D2, 65)]);
}

pub fn fcfs() -> DistributionPolicy {
    DistributionPolicy::default()
}

pub fn buy(
    center: &Center,
    d: DistributorId,
    key: &str,
    quantity: u32,
    holder: Holder,
) -> Result<Vec<TicketSerial>, Error> {
    sell_best(center, d, key, None, quantity, holder, None)
        .map(|s| s.records.iter().map(|r| r.serial).collect())
}

/// A best-available sale of `d` for [`EVENT`].
pub fn sell_best(
    center: &Center,
    d: DistributorId,
    key: &str,
    seat_type: Option<SeatType>,
    quantity: u32,
    holder: Holder,
    member: Option<MemberId>,
) -> Result<eticket_center::distributor::Sale, Error> {
    let req = SaleRequest {
        seats: SeatChoice::BestAvailable {
            seat_type,
            quantity,
        },
        holder,
        member,
    };
    center.sell(&dist(d), key, EVENT, &req)
}

pub fn key_set(center: &Center) -> KeySet {
    let signed = center.key_set_signed(&Principal::Operator).unwrap();
    let root = eticket_core::crypto::PublicKey::from_sec1(&signed.root_public_key).unwrap();
    KeySet::from_signed_bytes(&signed.key_set, signed.root_key_id, &root).unwrap()
}

pub trait NowTs {
    fn now_ts(&self) -> eticket_core::time::Timestamp;
}

impl NowTs for Arc<ManualClock> {
    fn now_ts(&self) -> eticket_core::time::Timestamp {
        eticket_center::clock::Clock::now(self.as_ref())
    }
}
