//! The ledger schema and its migrations, written once for both backends
//! (`BYTEA` becomes `BLOB` on SQLite).
//!
//! The invariants the database itself enforces:
//! - one ticket row per (event, serial): a seat exists once;
//! - one issuing record per ticket: a ticket is sold once;
//! - at most one valid issued generation per ticket (a partial unique index):
//!   exactly one holder, even when a transfer and a retry race;
//! - at most one pending transfer per ticket;
//! - one stored answer per (principal, idempotency key);
//! - one stored gate scan per scan id.
//!
//! Not enforced by PostgreSQL since version 18: that an issuing record's
//! ticket exists. Every record is written in the transaction that moves its
//! ticket out of `available` (`records::decide`, `sale_batch`), tickets are
//! never deleted, and the sale tests check every record's ticket.

/// The schema version this build writes; stored in `meta`.
pub const SCHEMA_VERSION: i64 = 18;

/// The prefix of a migration statement that only PostgreSQL runs (SQLite's
/// `adapt` makes it empty, and [`migrate`] skips empty statements).
pub(crate) const POSTGRES_ONLY: &str = "postgres-only: ";

/// PostgreSQL's `adapt`: the statements as written, without the
/// [`POSTGRES_ONLY`] prefix.
#[cfg(feature = "postgres")]
pub(crate) fn for_postgres(sql: &str) -> String {
    sql.strip_prefix(POSTGRES_ONLY).unwrap_or(sql).to_owned()
}

/// Migrations, in order; migration `i` brings the schema to version `i + 1`.
pub(crate) const MIGRATIONS: &[&[&str]] = &[
    &[
        "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE center_keys (
        id BIGINT PRIMARY KEY,
        purpose TEXT NOT NULL CHECK (purpose IN ('tickets', 'grants', 'lists', 'root')),
        secret BYTEA NOT NULL,
        not_before BIGINT NOT NULL,
        not_after BIGINT NOT NULL,
        retired BIGINT NOT NULL DEFAULT 0)",
        "CREATE TABLE credentials (
        token_hash BYTEA PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('organizer', 'distributor', 'terminal', 'gate')),
        subject BIGINT NOT NULL,
        label TEXT NOT NULL,
        created_at BIGINT NOT NULL)",
        "CREATE TABLE distributors (id BIGINT PRIMARY KEY, name TEXT NOT NULL)",
        "CREATE TABLE events (
        id BIGINT PRIMARY KEY,
        organizer BIGINT NOT NULL,
        info TEXT NOT NULL,
        prices TEXT NOT NULL,
        registered_at BIGINT NOT NULL,
        revocation_version BIGINT NOT NULL DEFAULT 0)",
        "CREATE TABLE event_distributors (
        event BIGINT NOT NULL REFERENCES events (id),
        distributor BIGINT NOT NULL REFERENCES distributors (id),
        policy TEXT NOT NULL,
        PRIMARY KEY (event, distributor))",
        "CREATE TABLE tickets (
        event BIGINT NOT NULL REFERENCES events (id),
        serial BIGINT NOT NULL,
        place TEXT NOT NULL,
        seat_type BIGINT NOT NULL,
        price BIGINT NOT NULL,
        distributor BIGINT,
        state TEXT NOT NULL CHECK (state IN
            ('available', 'held', 'authenticated', 'issued', 'transferred', 'revoked', 'used')),
        generation BIGINT NOT NULL DEFAULT 0,
        PRIMARY KEY (event, serial))",
        "CREATE INDEX tickets_allotment ON tickets (event, distributor, state, seat_type, serial)",
        "CREATE TABLE issuing_records (
        event BIGINT NOT NULL,
        serial BIGINT NOT NULL,
        distributor BIGINT NOT NULL,
        member BIGINT,
        holder TEXT NOT NULL,
        decided_at BIGINT NOT NULL,
        hold_until BIGINT,
        PRIMARY KEY (event, serial),
        FOREIGN KEY (event, serial) REFERENCES tickets (event, serial))",
        "CREATE INDEX issuing_records_member ON issuing_records (event, distributor, member)",
        "CREATE INDEX issuing_records_holder ON issuing_records (event, holder)",
        "CREATE TABLE issued (
        event BIGINT NOT NULL,
        serial BIGINT NOT NULL,
        generation BIGINT NOT NULL,
        holder TEXT NOT NULL,
        ticket BYTEA NOT NULL,
        issued_at BIGINT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('valid', 'transferred', 'revoked')),
        PRIMARY KEY (event, serial, generation),
        FOREIGN KEY (event, serial) REFERENCES issuing_records (event, serial))",
        "CREATE UNIQUE INDEX issued_one_valid ON issued (event, serial) WHERE status = 'valid'",
        "CREATE TABLE members (
        distributor BIGINT NOT NULL REFERENCES distributors (id),
        member BIGINT NOT NULL,
        name TEXT NOT NULL,
        chip TEXT NOT NULL,
        registered_at BIGINT NOT NULL,
        PRIMARY KEY (distributor, member))",
        "CREATE UNIQUE INDEX members_chip ON members (distributor, chip)",
        "CREATE TABLE lotteries (
        event BIGINT NOT NULL,
        distributor BIGINT NOT NULL,
        seed BYTEA NOT NULL,
        seed_hash BYTEA NOT NULL,
        opens BIGINT NOT NULL,
        closes BIGINT NOT NULL,
        seats BIGINT NOT NULL,
        drawn_at BIGINT,
        PRIMARY KEY (event, distributor),
        FOREIGN KEY (event, distributor) REFERENCES event_distributors (event, distributor))",
        "CREATE TABLE lottery_applications (
        event BIGINT NOT NULL,
        distributor BIGINT NOT NULL,
        holder TEXT NOT NULL,
        member BIGINT,
        quantity BIGINT NOT NULL,
        seat_type BIGINT,
        applied_at BIGINT NOT NULL,
        result TEXT NOT NULL DEFAULT 'pending' CHECK (result IN ('pending', 'won', 'lost')),
        PRIMARY KEY (event, distributor, holder),
        FOREIGN KEY (event, distributor) REFERENCES lotteries (event, distributor))",
        "CREATE TABLE transfers (
        id TEXT PRIMARY KEY,
        event BIGINT NOT NULL,
        serial BIGINT NOT NULL,
        generation BIGINT NOT NULL,
        from_chip TEXT NOT NULL,
        to_chip TEXT NOT NULL,
        request BYTEA NOT NULL,
        requested_at BIGINT NOT NULL,
        effective_at BIGINT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'cancelled', 'completed')),
        finished_at BIGINT,
        FOREIGN KEY (event, serial) REFERENCES tickets (event, serial))",
        "CREATE UNIQUE INDEX transfers_one_pending ON transfers (event, serial) WHERE state = 'pending'",
        "CREATE INDEX transfers_due ON transfers (state, effective_at)",
        "CREATE TABLE revocations (
        event BIGINT NOT NULL,
        serial BIGINT NOT NULL,
        generation BIGINT NOT NULL,
        version BIGINT NOT NULL,
        PRIMARY KEY (event, serial, generation))",
        "CREATE INDEX revocations_version ON revocations (event, version)",
        "CREATE TABLE idempotency (
        principal TEXT NOT NULL,
        key TEXT NOT NULL,
        request_hash BYTEA NOT NULL,
        response TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (principal, key))",
    ],
    &[
        // Version 2: the venue units' uploaded scans, each stored once.
        "CREATE TABLE gate_scans (
        scan_id BYTEA PRIMARY KEY,
        event BIGINT NOT NULL REFERENCES events (id),
        unit TEXT NOT NULL,
        at BIGINT NOT NULL,
        record BYTEA NOT NULL)",
        "CREATE INDEX gate_scans_event ON gate_scans (event, at)",
    ],
    &[
        // Version 3: why a lottery application that fitted still lost (its
        // seat type ran out), published with the draw; membership end;
        // prepared grant keys; paper ticket prints.
        "ALTER TABLE lottery_applications ADD COLUMN unserved TEXT",
        // When a membership ends (NULL: registered before memberships ended).
        "ALTER TABLE members ADD COLUMN valid_until BIGINT",
        // A grant key prepared for the next rotation: installed on new cards,
        // not yet signing, not yet in the key set.
        "ALTER TABLE center_keys ADD COLUMN prepared BIGINT NOT NULL DEFAULT 0",
        // Every print of a paper ticket: who printed which copy when.
        "CREATE TABLE paper_prints (
        event BIGINT NOT NULL,
        serial BIGINT NOT NULL,
        copy BIGINT NOT NULL,
        principal TEXT NOT NULL,
        printed_at BIGINT NOT NULL,
        PRIMARY KEY (event, serial, copy))",
    ],
    &[
        // Version 4: keys at rest. Private keys are sealed under the
        // operator's key-encryption key; rows from before are plaintext
        // (`sealed = 0`) until a center opens the ledger with a KEK and seals
        // them (keys::CenterKeys::load_or_generate), which also moves the
        // root key out of the ledger into the root key file.
        "ALTER TABLE center_keys ADD COLUMN sealed BIGINT NOT NULL DEFAULT 0",
        // The root keys' public halves (their secrets live outside the
        // ledger), oldest first; the one not superseded signs key sets.
        // `rollover` is the previous root's signed statement naming this one.
        "CREATE TABLE center_roots (
        id BIGINT PRIMARY KEY,
        public BYTEA NOT NULL,
        created_at BIGINT NOT NULL,
        rollover BYTEA,
        superseded_at BIGINT)",
        "CREATE UNIQUE INDEX center_roots_one_current ON center_roots ((1)) WHERE superseded_at IS NULL",
        // Key sets signed away from the center (offline root), by version.
        "CREATE TABLE signed_key_sets (
        version BIGINT PRIMARY KEY,
        root BIGINT NOT NULL,
        signed BYTEA NOT NULL,
        signed_at BIGINT NOT NULL)",
        // Also version 4: every re-issue (reprint, key compromise, card
        // replacement, transfer) with its reason, and card replacements with
        // the distributor's note on the identity check.
        "CREATE TABLE reissues (
        event BIGINT NOT NULL,
        serial BIGINT NOT NULL,
        old_generation BIGINT NOT NULL,
        new_generation BIGINT NOT NULL,
        reason TEXT NOT NULL,
        principal TEXT NOT NULL,
        at BIGINT NOT NULL,
        PRIMARY KEY (event, serial, old_generation))",
        // Venue units, each with its own credential (credentials.unit) and
        // the public key its upload batches are signed with.
        "CREATE TABLE gate_units (
        id BIGINT PRIMARY KEY,
        event BIGINT NOT NULL REFERENCES events (id),
        name TEXT NOT NULL,
        public_key BYTEA NOT NULL,
        created_at BIGINT NOT NULL,
        UNIQUE (event, name))",
        "ALTER TABLE credentials ADD COLUMN unit BIGINT",
        "CREATE TABLE card_replacements (
        old_chip TEXT NOT NULL,
        new_chip TEXT NOT NULL,
        principal TEXT NOT NULL,
        identity_check TEXT NOT NULL,
        at BIGINT NOT NULL)",
        // Also version 4: a lottery's draw seed also depends on what is fixed only
        // once the window has closed: the applications (their digest, stored
        // at the draw) and, when the lottery named its source at opening, a
        // public beacon value given at the draw. Lotteries drawn before keep
        // a NULL digest: their draw ranked over the committed seed itself.
        "ALTER TABLE lotteries ADD COLUMN beacon_source TEXT",
        "ALTER TABLE lotteries ADD COLUMN beacon TEXT",
        "ALTER TABLE lotteries ADD COLUMN applications_digest BYTEA",
    ],
    &[
        // Version 5: ticket keys scoped to one event. Registering an event
        // makes its own ticket key (`event` names it), valid until shortly
        // after the event ends; keys with a NULL event sign for every event
        // (a ledger's ticket key from before, and grant and list keys). An
        // event key that has expired is `dropped`: left out of key sets, so
        // they do not grow with every event ever held.
        "ALTER TABLE center_keys ADD COLUMN event BIGINT",
        "ALTER TABLE center_keys ADD COLUMN dropped BIGINT NOT NULL DEFAULT 0",
    ],
    &[
        // Version 6: seat holds. A hold keeps seats (state `held`) for one
        // buyer of one distributor until it expires, is bought or released.
        // A seat is in at most one hold (the primary key of hold_seats).
        "CREATE TABLE holds (
        token TEXT PRIMARY KEY,
        event BIGINT NOT NULL REFERENCES events (id),
        distributor BIGINT NOT NULL,
        buyer TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL)",
        "CREATE INDEX holds_by_expiry ON holds (event, expires_at)",
        "CREATE TABLE hold_seats (
        event BIGINT NOT NULL,
        serial BIGINT NOT NULL,
        token TEXT NOT NULL REFERENCES holds (token),
        PRIMARY KEY (event, serial))",
        "CREATE INDEX hold_seats_by_token ON hold_seats (token)",
    ],
    &[
        // Version 7: the allotment audit log. One entry per (owner before,
        // owner after) of each allotment change, numbered per event.
        "CREATE TABLE allotment_log (
        event BIGINT NOT NULL REFERENCES events (id),
        id BIGINT NOT NULL,
        at BIGINT NOT NULL,
        principal TEXT NOT NULL,
        operation TEXT NOT NULL,
        from_distributor BIGINT,
        to_distributor BIGINT,
        tickets BIGINT NOT NULL,
        serials TEXT NOT NULL,
        PRIMARY KEY (event, id))",
    ],
    &[
        // Version 8: credentials with a life cycle. A credential expires
        // (NULL: made before expiry existed) and can be revoked; a store
        // terminal serves only the distributors listed for it.
        "ALTER TABLE credentials ADD COLUMN expires_at BIGINT",
        "ALTER TABLE credentials ADD COLUMN revoked_at BIGINT",
        // Set on a credential a rotation replaced: its token keeps working
        // for the grace period, but manages no credential any more.
        "ALTER TABLE credentials ADD COLUMN rotated_at BIGINT",
        "CREATE TABLE terminal_distributors (
        terminal BIGINT NOT NULL,
        distributor BIGINT NOT NULL REFERENCES distributors (id),
        PRIMARY KEY (terminal, distributor))",
    ],
    &[
        // Version 9: purchases at store terminals. A buyer's membership card
        // signs a challenge the center gave the terminal; each is used once.
        "CREATE TABLE terminal_challenges (
        challenge BYTEA PRIMARY KEY,
        terminal BIGINT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        used_at BIGINT)",
    ],
    &[
        // Version 10: the allotment log names the request (its idempotency
        // key) of each change, so two sessions of one organizer are told
        // apart. NULL for entries written before.
        "ALTER TABLE allotment_log ADD COLUMN request TEXT",
    ],
    &[
        // Version 11: cancelled events. A cancelled event sells nothing
        // more; each ticket that was sold gets one refund record (the
        // primary key keeps a resumed cancellation from writing two).
        "ALTER TABLE events ADD COLUMN cancelled_at BIGINT",
        "CREATE TABLE refunds (
        event BIGINT NOT NULL REFERENCES events (id),
        seq BIGINT NOT NULL,
        serial BIGINT NOT NULL,
        generation BIGINT NOT NULL,
        distributor BIGINT NOT NULL,
        member BIGINT,
        holder TEXT NOT NULL,
        price BIGINT NOT NULL,
        reason TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (event, serial))",
        // Readers page by `seq`, the order records were made in, so a
        // record made after a reader's last page is on its next one.
        "CREATE UNIQUE INDEX refunds_by_seq ON refunds (event, seq)",
        "CREATE INDEX refunds_by_distributor ON refunds (event, distributor, seq)",
    ],
    &[
        // Version 12: why each generation was revoked, which gates tell
        // the holder (NULL, from before: revoked).
        "ALTER TABLE revocations ADD COLUMN reason TEXT",
    ],
    &[
        // Version 13: postponed events. Until `refund_until` a holder may
        // have the ticket refunded rather than go on the new date.
        "ALTER TABLE events ADD COLUMN refund_until BIGINT",
        // A postponed event's old ticket key stays in the key set until the
        // new date is over, so gates can still read its old tickets and
        // tell their holders they were replaced.
        "ALTER TABLE center_keys ADD COLUMN keep_until BIGINT",
    ],
    &[
        // Version 14: double admissions a venue unit reported (admissions
        // its gate devices decided apart during a network cut), by scan.
        "CREATE TABLE gate_conflicts (
        scan_id BYTEA PRIMARY KEY,
        event BIGINT NOT NULL REFERENCES events (id))",
    ],
    &[
        // Version 15: best available of any seat type (the lowest free
        // serial of an allotment) is one index step, not a walk past every
        // ticket sold before it.
        "CREATE INDEX tickets_free_by_serial ON tickets (event, distributor, state, serial)",
    ],
    &[
        // Version 16: the venue's seat map an event was registered with
        // (eticket-alloc's JSON form: geometry, labels, accessible and
        // companion seats), for best available and the allocation page.
        // Events registered without one have no row.
        "CREATE TABLE event_seat_maps (
        event BIGINT PRIMARY KEY REFERENCES events (id),
        seat_map TEXT NOT NULL)",
    ],
    &[
        // Version 17: the free tickets are indexed on their own (a partial
        // index), so best available reads the lowest free serials directly.
        // With the index of version 15 PostgreSQL could plan the primary key
        // instead and filter past every ticket sold so far, slower with each
        // sale of an on-sale; this index has the primary key's shape and one
        // condition fewer to check, so the planner prefers it. (A sale of
        // one seat type still uses `tickets_allotment`.)
        "DROP INDEX tickets_free_by_serial",
        "CREATE INDEX tickets_free ON tickets (event, serial) WHERE state = 'available'",
    ],
    &[
        // Version 18, PostgreSQL only: the issuing records' foreign key to
        // their tickets goes. Its check ran a query and locked the ticket
        // row (one more WAL record) for every ticket sold, the largest
        // statement of an on-sale's round (0.74 ms of about 2 for 32
        // sales); without it the on-sale load test sells about 10 % more
        // per second (11,200 to 12,400) and PostgreSQL spends a fifth less
        // CPU per sale (70 to 56 µs). What it guarded holds by construction (see the
        // module's comment). SQLite keeps it: there it is one lookup in
        // pages the sale has just written, and dropping it would mean
        // rebuilding the table.
        "postgres-only: ALTER TABLE issuing_records DROP CONSTRAINT IF EXISTS issuing_records_event_serial_fkey",
    ],
];

use super::{Tx, Value};
use crate::{Error, Result};

/// Bring the schema to [`SCHEMA_VERSION`]; `adapt` rewrites DDL for a backend.
pub(crate) fn migrate(tx: &mut dyn Tx, adapt: &dyn Fn(&str) -> String) -> Result<()> {
    tx.execute(&adapt(MIGRATIONS[0][0]), &[])?;
    let current = match tx.query_opt(
        "SELECT value FROM meta WHERE name = $1",
        &[Value::text("schema_version")],
    )? {
        Some(row) => row
            .text(0)?
            .parse::<i64>()
            .map_err(|_| Error::corrupt("meta.schema_version is not a number"))?,
        None => 0,
    };
    if current > SCHEMA_VERSION {
        return Err(Error::corrupt(format!(
            "ledger schema version {current} is newer than this center ({SCHEMA_VERSION})"
        )));
    }
    for (i, migration) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(current).unwrap_or(0))
    {
        for (j, statement) in migration.iter().enumerate() {
            if i == 0 && j == 0 {
                continue;
            }
            let sql = adapt(statement);
            if sql.is_empty() {
                continue;
            }
            tx.execute(&sql, &[])?;
        }
    }
    if current < SCHEMA_VERSION {
        tx.execute(
            "DELETE FROM meta WHERE name = $1",
            &[Value::text("schema_version")],
        )?;
        tx.execute(
            "INSERT INTO meta (name, value) VALUES ($1, $2)",
            &[
                Value::text("schema_version"),
                Value::text(SCHEMA_VERSION.to_string()),
            ],
        )?;
    }
    Ok(())
}
