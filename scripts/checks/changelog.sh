#!/usr/bin/env bash
# CHANGELOG.md records the current ledger schema version, chip format
# version and crate version, so a schema or format change cannot land
# unrecorded.
set -euo pipefail
cd "$(dirname "$0")/../.."
fail() { echo "error: checks/changelog.sh: $*" >&2; exit 1; }
[ -f CHANGELOG.md ] || fail "CHANGELOG.md is missing"
schema=$(sed -n 's/^pub const SCHEMA_VERSION: i64 = \([0-9]*\);/\1/p' eticket-center/src/store/schema.rs)
format=$(sed -n 's/^pub const FORMAT_VERSION: u8 = \([0-9]*\);/\1/p' eticket-core/src/signed.rs)
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
[ -n "$schema" ] && [ -n "$format" ] && [ -n "$version" ] || fail "could not read the versions"
grep -q "^- Schema version $schema:" CHANGELOG.md || fail "ledger schema version $schema is not recorded in CHANGELOG.md"
grep -q "^- Format version $format:" CHANGELOG.md || fail "chip format version $format is not recorded in CHANGELOG.md"
grep -q "^## \[$version\]" CHANGELOG.md || fail "version $version has no section in CHANGELOG.md"
echo "changelog: schema $schema, format $format and version $version recorded"
