#!/bin/bash -eu
# OSS-Fuzz build script (projects/eticket/build.sh in google/oss-fuzz), also
# runnable here: `OUT=/tmp/out SRC=$PWD/.. bash fuzz/oss-fuzz/build.sh` from
# the repository root builds every target with cargo-fuzz (release, debug
# assertions on, the sanitizer OSS-Fuzz asks for in $SANITIZER, default
# address) and puts beside each binary in $OUT its dictionary and a zip of
# its seed corpus, the layout OSS-Fuzz runs.
# OSS-Fuzz runs it from the checkout ($SRC/eticket); here, from anywhere.
[ -f fuzz/Cargo.toml ] || cd "$(dirname "$0")/../.."
OUT=${OUT:?set OUT to the output directory}
mkdir -p "$OUT"

sanitizer=${SANITIZER:-address}
case "$sanitizer" in
    address | memory | undefined) ;;
    *) sanitizer=none ;;
esac

# Seeds are made from the code of the day (fuzz/seeds.sh).
bash fuzz/seeds.sh

cd fuzz
cargo +nightly fuzz build -O --debug-assertions -s "$sanitizer"
target_dir=target/x86_64-unknown-linux-gnu/release
for target in $(cargo +nightly fuzz list); do
    cp "$target_dir/$target" "$OUT/"
    case "$target" in
        chip_applet | chip_apdu_parse) dict=apdu.dict ;;
        paper_payload | gate_paper_admission) dict=qr.dict ;;
        seatmap_parse | seatmap_roundtrip | center_event_file) dict=toml.dict ;;
        center_request_json) dict=json.dict ;;
        *) dict= ;;
    esac
    [ -n "$dict" ] && cp "dict/$dict" "$OUT/$target.dict"
    if [ -d "corpus/$target" ] && [ -n "$(ls -A "corpus/$target")" ]; then
        (cd "corpus/$target" && zip -q -r "$OUT/${target}_seed_corpus.zip" .)
    fi
done
