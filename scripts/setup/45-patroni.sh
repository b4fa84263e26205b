#!/usr/bin/env bash
# The failover test (eticket-center/tests/failover.rs, through
# scripts/patroni-cluster): Debian's Patroni with its etcd client library, an
# etcd server, and curl for Patroni's REST API. PostgreSQL itself comes from
# 40-postgres.sh. Nothing is started here: the cluster is the test's own, on
# its own ports, started and stopped by scripts/patroni-cluster.
# Idempotent: installs only what is missing. Any failure stops with a message
# and a non-zero exit.
set -euo pipefail

source "$(dirname "$0")/../lib/setup.sh"

need_packages patroni python3-etcd etcd-server etcd-client curl
for tool in patroni etcd etcdctl curl setpriv; do
    command -v "$tool" >/dev/null || fail "$tool is not on PATH after installing it"
done
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 ||
    fail "no PostgreSQL server under /usr/lib/postgresql (run 40-postgres.sh first)"
patroni --version | grep -q "patroni 3" || fail "Patroni 3 expected, found: $(patroni --version)"
echo "Patroni ready: $(patroni --version), $(etcd --version | head -n 1)"
