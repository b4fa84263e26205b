#!/usr/bin/env bash
# PostgreSQL for the eticket-center ledger tests.
#
# Installs Debian's PostgreSQL server when it is missing, starts a cluster
# without systemd (pg_ctlcluster), and creates the role and database the tests
# use. The tests find it at the fixed URL
#     postgres://eticket:eticket@127.0.0.1:5432/eticket_test
# (override with ETICKET_TEST_DATABASE_URL). Safe to run again; any failure
# stops with a message and a non-zero exit.
set -euo pipefail

source "$(dirname "$0")/../lib/setup.sh"

as_postgres() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        sudo -u postgres -- "$@"
    fi
}

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    need_packages postgresql postgresql-client
fi

version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
[ -n "$version" ] || fail "no PostgreSQL version under /usr/lib/postgresql"

if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main"' | grep -q .; then
    echo "creating PostgreSQL $version cluster 'main'"
    pg_createcluster "$version" main --port 5432 >/dev/null || fail "pg_createcluster failed"
fi

port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')
[ "$port" = 5432 ] || fail "cluster $version/main listens on port $port, the tests expect 5432"

status=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $4}')
if [ "$status" != online ]; then
    echo "starting PostgreSQL $version/main"
    # No systemd here: pg_ctlcluster runs pg_ctl itself.
    pg_ctlcluster "$version" main start || fail "pg_ctlcluster $version main start failed (see /var/log/postgresql/)"
fi

for _ in $(seq 1 60); do
    if pg_isready -q -h 127.0.0.1 -p 5432; then break; fi
    sleep 0.5
done
pg_isready -q -h 127.0.0.1 -p 5432 || fail "PostgreSQL does not accept connections on 127.0.0.1:5432"

exists() { as_postgres psql -p 5432 -tAc "$1" | grep -q 1; }

if ! exists "SELECT 1 FROM pg_roles WHERE rolname = 'eticket'"; then
    as_postgres psql -p 5432 -q -c "CREATE ROLE eticket LOGIN PASSWORD 'eticket'" || fail "could not create role eticket"
fi
# The restore test makes (and drops) a database of its own: a ledger in
# the schema public needs one.
if ! exists "SELECT 1 FROM pg_roles WHERE rolname = 'eticket' AND rolcreatedb"; then
    as_postgres psql -p 5432 -q -c "ALTER ROLE eticket CREATEDB" || fail "could not let role eticket create databases"
fi
if ! exists "SELECT 1 FROM pg_database WHERE datname = 'eticket_test'"; then
    as_postgres psql -p 5432 -q -c "CREATE DATABASE eticket_test OWNER eticket" || fail "could not create database eticket_test"
fi

PGPASSWORD=eticket psql -h 127.0.0.1 -p 5432 -U eticket -d eticket_test -tAc "SELECT 1" | grep -q 1 \
    || fail "cannot log in as eticket to eticket_test over TCP"
echo "PostgreSQL ready: postgres://eticket:eticket@127.0.0.1:5432/eticket_test"
