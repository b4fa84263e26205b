#!/usr/bin/env bash
# Writes the seed corpora of the fuzz targets into fuzz/corpus/<target>/
# (not committed: made from the code of the day, so a format change cannot
# leave stale seeds behind). Signed seeds carry the fuzzing tag in place of
# a signature (see eticket-core's crypto module, "Fuzzing builds").
#
#   fuzz/seeds.sh            # then: cd fuzz && cargo +nightly fuzz run <target>
#
# Targets without seeds here start from libFuzzer's empty input, helped by
# the dictionaries in fuzz/dict/ (apdu.dict, qr.dict, toml.dict, json.dict).
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=fuzz/corpus

cargo run -q -p eticket-core --features fixtures --example fuzz_seeds
cargo run -q -p eticket-chip --example chip_fuzz_seeds

# The repository's own seat map and event file. The seat-map target reads an
# `Arbitrary` case: four zero bytes pick its first variant (TOML text) and
# the rest is the text.
mkdir -p "$corpus/seatmap_parse" "$corpus/center_event_file"
{ printf '\0\0\0\0'; cat eticket-alloc/data/small_hall.toml; } >"$corpus/seatmap_parse/small_hall.toml"
{ printf '\0\0\0\0'; cat eticket-alloc/data/venues/small_hall.toml; } >"$corpus/seatmap_parse/small_hall_geometry.toml"
cp eticket-center/data/spring_concert.toml "$corpus/center_event_file/spring_concert.toml"
# Inputs that once crashed a target (each with a regression test of its
# own in the library) stay in its corpus, so every run replays them.
for dir in fuzz/regressions/*/; do
    target=$(basename "$dir")
    mkdir -p "$corpus/$target"
    cp "$dir"* "$corpus/$target/"
done
echo "seeds written under $corpus/"
