//! Shared test harness: a center on each backend, the fixture event, chips.
#![allow(dead_code)]

pub mod cli;
pub mod world;

/// `suite!(a, b)`: each scenario `fn a(backend: Backend)` becomes a test on
/// SQLite (`sqlite::a`) and one on PostgreSQL (`postgres::a`).
#[allow(unused_macros)]
macro_rules! suite {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() { super::$name(super::Backend::sqlite()) } )*
        }
        mod postgres {
            $( #[test] fn $name() { super::$name(super::Backend::postgres()) } )*
        }
    };
}

use std::path::PathBuf;
use std::sync::Arc;

use eticket_center::clock::ManualClock;
use eticket_center::distributor::{SaleRequest, SeatChoice};
use eticket_center::keystore::{Kek, KeyStorage, RootStore};
use eticket_center::organizer::EventRegistration;
use eticket_center::policy::DistributionPolicy;
use eticket_center::store::{Ledger, PostgresStore};
use eticket_center::{Center, Config, Principal};
use eticket_core::allotment::{AllotmentRatios, RatioShare};
use eticket_core::crypto::{PublicKey, SecretKey};
use eticket_core::fixtures;
use eticket_core::fixtures::EVENT;
use eticket_core::ids::ChipId;
use eticket_core::ids::{DistributorId, TicketSerial};
use eticket_core::ticket::{Holder, SignedTicket};
use eticket_core::time::Timestamp;
use eticket_gate::{PassbackPolicy, TrustStore, VenueUnit};

/// Where the PostgreSQL tests find their server (scripts/setup/40-postgres.sh makes it exist).
pub fn postgres_url() -> String {
    std::env::var("ETICKET_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://eticket:eticket@127.0.0.1:5432/eticket_test".to_owned())
}

/// One ledger for one test: a SQLite file in a temporary directory, or a
/// fresh schema in the test database.
pub enum Backend {
    Sqlite {
        _dir: tempfile::TempDir,
        path: PathBuf,
    },
    Postgres {
        schema: String,
        /// Holds the root key file (every center on this ledger shares it,
        /// like center processes sharing one root key file).
        dir: tempfile::TempDir,
        kek: Kek,
    },
}

impl Backend {
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite");
        Backend::Sqlite { _dir: dir, path }
    }

    pub fn postgres() -> Self {
        let mut raw = [0u8; 8];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut raw);
        let schema = format!("t_{}", hex::encode(raw));
        let b = Backend::Postgres {
            schema,
            dir: tempfile::tempdir().unwrap(),
            kek: Kek::generate(),
        };
        // Fail loudly, never skip, when the server is missing.
        if let Err(e) = b.try_ledger() {
            panic!(
                "PostgreSQL is required for these tests and is not usable at {}: {e}. \
                 Run scripts/setup/40-postgres.sh (or set ETICKET_TEST_DATABASE_URL).",
                postgres_url()
            );
        }
        b
    }

    fn try_ledger(&self) -> eticket_center::Result<Ledger> {
        match self {
            Backend::Sqlite { path, .. } => Ledger::sqlite(path),
            Backend::Postgres { schema, .. } => {
                PostgresStore::connect(&postgres_url(), Some(schema)).map(Ledger::Postgres)
            }
        }
    }

    /// Another handle (own connections) on the same ledger.
    pub fn ledger(&self) -> Ledger {
        self.try_ledger().unwrap()
    }

    /// How centers on this ledger keep their keys: the SQLite default (a
    /// KEK and a root key file beside the ledger file), or for PostgreSQL a
    /// KEK and a root key file of this test's own.
    pub fn key_storage(&self) -> KeyStorage {
        match self {
            Backend::Sqlite { path, .. } => KeyStorage::beside_sqlite(path).unwrap(),
            Backend::Postgres { dir, kek, .. } => {
                KeyStorage::new(kek.clone(), RootStore::File(dir.path().join("root.key")))
            }
        }
    }

    pub fn center(&self, clock: &Arc<ManualClock>) -> Center {
        self.try_center(clock, self.key_storage()).unwrap()
    }

    /// A center on this ledger with the given key storage.
    pub fn try_center(
        &self,
        clock: &Arc<ManualClock>,
        storage: KeyStorage,
    ) -> eticket_center::Result<Center> {
        Center::open_with_keys(self.ledger(), clock.clone(), Config::default(), storage)
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        if let Backend::Postgres { schema, .. } = self {
            if let Ok(store) = PostgresStore::connect(&postgres_url(), Some(schema)) {
                let _ = store.drop_schema();
            }
        }
    }
}

/// Sixty days before the fixture event.
pub fn start_time() -> Timestamp {
    fixtures::NOW.minus(60 * 86_400)
}

pub fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(start_time()))
}

/// A chip: its secret key and id.
pub struct TestChip {
    pub secret: SecretKey,
    pub id: ChipId,
}

impl TestChip {
    pub fn new(fill: u8) -> Self {
        let secret = SecretKey::from_bytes(&[fill; 32]).unwrap();
        let id = ChipId::from_public_key(&secret.public_key().to_uncompressed());
        Self { secret, id }
    }

    pub fn public(&self) -> Vec<u8> {
        self.secret.public_key().to_uncompressed().to_vec()
    }
}

pub const ORG: Principal = Principal::Organizer(1);
pub const SHOP: DistributorId = DistributorId(1);

/// The small event with all of it allotted to one shop, `n` standing paper
/// tickets sold and issued.
pub fn sell_paper(center: &Center, n: u32) -> Vec<SignedTicket> {
    sold_paper(center, n)
        .iter()
        .map(|serial| issue(center, *serial))
        .collect()
}

/// Issue a sold ticket as the shop.
pub fn issue(center: &Center, serial: TicketSerial) -> SignedTicket {
    let d = center
        .issue(
            &Principal::Distributor(SHOP),
            &format!("i{serial}"),
            EVENT,
            serial,
            None,
        )
        .unwrap();
    d.ticket.signed().unwrap()
}

/// The small event with all of it allotted to one shop and `n` standing
/// paper tickets sold, not issued.
pub fn sold_paper(center: &Center, n: u32) -> Vec<TicketSerial> {
    sold_to(center, n, Holder::Paper)
}

/// The small event with all of it allotted to one shop and `n` standing
/// tickets sold for `holder`, not issued.
pub fn sold_to(center: &Center, n: u32, holder: Holder) -> Vec<TicketSerial> {
    allotted_to_shop(center);
    let shop = Principal::Distributor(SHOP);
    let req = SaleRequest {
        seats: SeatChoice::BestAvailable {
            seat_type: Some(fixtures::STANDING),
            quantity: n,
        },
        holder,
        member: None,
    };
    let sale = center.sell(&shop, "sale", EVENT, &req).unwrap();
    sale.records.iter().map(|r| r.serial).collect()
}

/// The small event registered with all of it allotted to one shop (first
/// come, first served).
pub fn allotted_to_shop(center: &Center) {
    let op = Principal::Operator;
    center
        .register_distributor(&op, "d1", SHOP, "Shop")
        .unwrap();
    let reg = EventRegistration {
        info: fixtures::small_event(),
        prices: fixtures::prices(),
        seat_map: None,
    };
    center.register_event(&ORG, "reg", &reg).unwrap();
    center
        .select_distributor(&ORG, "sel", EVENT, SHOP, DistributionPolicy::default())
        .unwrap();
    let shares = vec![RatioShare {
        distributor: SHOP,
        weight: 1,
        seat_type: None,
    }];
    center
        .set_allotment_ratios(&ORG, "ratio", EVENT, &AllotmentRatios { shares })
        .unwrap();
}

/// A venue unit for the small event trusting what the center publishes now.
pub fn venue(center: &Center, dir: &std::path::Path) -> VenueUnit {
    let now = center.now();
    let ks = center.key_set_signed(&Principal::Gate(EVENT)).unwrap();
    let root = PublicKey::from_sec1(&ks.root_public_key).unwrap();
    let mut trust = TrustStore::new(ks.root_key_id, root, EVENT);
    trust.accept_key_set(&ks.key_set, now).unwrap();
    let list = center
        .revocation_list(&Principal::Gate(EVENT), EVENT)
        .unwrap();
    // Even at version 0 (nothing revoked yet): a unit admits nothing until
    // it holds a list the center signed recently.
    trust.accept_revocation_list(&list.signed, now).unwrap();
    VenueUnit::open(
        dir.join("entries.db"),
        fixtures::small_event(),
        trust,
        PassbackPolicy::SingleEntry,
    )
    .unwrap()
}
