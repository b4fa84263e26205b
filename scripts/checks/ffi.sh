#!/usr/bin/env bash
# The C library in use from C and C++: installs libeticket (with PC/SC) into a
# temporary prefix with scripts/install-ffi.sh, builds the C examples
# (examples/c/gate.c, pos.c, device.c), the C++ example (keys.cpp) and the C misuse test
# (eticket-ffi/tests/misuse.c) with gcc/g++ -Wall -Wextra -Wpedantic -Werror
# through pkg-config, and runs each of them three times: normally, built with
# AddressSanitizer + UndefinedBehaviorSanitizer, and under valgrind (no errors,
# no definite or indirect leaks). gate.c admits a chip once through the
# transport callback and once through pcscd + vpcd with eticket-vcard as the
# card (scripts/setup/10-pcscd.sh starts pcscd). device.c runs as two gate
# devices of one `eticket-venue serve` unit: a paper copy refused at the
# other device, both admitting alone while the unit is killed, every scan
# reaching the unit once it is back, the double admission reported. A static link of gate.c is
# run too, and a fully static one (gcc -static, a library without PC/SC).
# The libraries must export exactly the header's functions (nm), the shared
# one carry the SONAME libeticket.so.0, and a program using the system's
# SQLite beside libeticket links (static and shared) and gets its own SQLite.
# Last, the Rust tests that call the extern functions run under Miri
# (nightly, installed by scripts/setup/50-ffi.sh; about 3 minutes from a cold
# cache on 2 cores). Any failure stops with a non-zero exit; nothing is
# skipped.
set -euo pipefail
cd "$(dirname "$0")/../.."

fail() { echo "error: checks/ffi.sh: $*" >&2; exit 1; }
step() { printf -- '--> %s\n' "$*"; }

for tool in gcc g++ valgrind pkg-config; do
    command -v "$tool" >/dev/null || fail "$tool is missing; run scripts/setup/50-ffi.sh"
done

target=${CARGO_TARGET_DIR:-target}
work=$(mktemp -d "${TMPDIR:-/tmp}/eticket-ffi-check.XXXXXX")
vcard_pid=""
vcard2_pid=""
unit_pid=""
cleanup() {
    stop_unit
    remove_card
    rm -rf "$work"
}
trap cleanup EXIT

step "build and install libeticket (feature pcsc) to a temporary prefix"
prefix=$work/prefix
bash scripts/install-ffi.sh "$prefix" --features pcsc >/dev/null
cargo build -q -p eticket-ffi --example c_test_data
cargo build -q -p eticket-chip --bin eticket-vcard
cargo build -q -p eticket-gate --features venue-service --bin eticket-venue
gen=$target/debug/examples/c_test_data
vcard=$target/debug/eticket-vcard
venue_bin=$target/debug/eticket-venue
[ -x "$gen" ] && [ -x "$vcard" ] && [ -x "$venue_bin" ] ||
    fail "test data generator, eticket-vcard or eticket-venue not built"

export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
pkg-config --exists eticket || fail "pkg-config does not find the installed eticket.pc"
read -r -a cflags <<<"$(pkg-config --cflags eticket)"
read -r -a libs <<<"$(pkg-config --libs eticket)"
read -r -a static_libs <<<"$(pkg-config --static --libs-only-other --libs-only-l eticket | sed 's/-leticket//')"
warn=(-Wall -Wextra -Wpedantic -Werror -g)
rpath=(-Wl,-rpath,"$prefix/lib")
sanitize=(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)

bin=$work/bin
mkdir -p "$bin"
step "compile the C and C++ programs (plain and sanitized)"
for variant in plain asan; do
    extra=()
    [ "$variant" = asan ] && extra=("${sanitize[@]}")
    for prog in examples/c/gate.c examples/c/pos.c examples/c/device.c eticket-ffi/tests/misuse.c; do
        name=$(basename "$prog" .c)
        gcc -std=c11 "${warn[@]}" "${extra[@]}" "${cflags[@]}" "$prog" "${libs[@]}" "${rpath[@]}" \
            -o "$bin/$name-$variant" || fail "gcc $prog ($variant)"
    done
    g++ -std=c++11 "${warn[@]}" "${extra[@]}" "${cflags[@]}" examples/c/keys.cpp "${libs[@]}" "${rpath[@]}" \
        -o "$bin/keys-$variant" || fail "g++ examples/c/keys.cpp ($variant)"
done
gcc -std=c11 "${warn[@]}" "${cflags[@]}" examples/c/gate.c "$prefix/lib/libeticket.a" \
    "${static_libs[@]}" -lpcsclite -o "$bin/gate-static" || fail "static link of gate.c"
if ldd "$bin/gate-static" | grep -q libeticket; then
    fail "gate-static links libeticket dynamically"
fi

step "the libraries export exactly the header's functions"
header_fns=$(grep -oE '\beticket_[a-z0-9_]+\(' include/eticket.h | tr -d '(' | sort -u)
so_fns=$(nm -D --defined-only "$prefix/lib/libeticket.so" | awk '{print $3}' | sort -u)
[ "$header_fns" = "$so_fns" ] || {
    diff <(echo "$header_fns") <(echo "$so_fns") >&2
    fail "libeticket.so exports other symbols than the header's functions (< header, > .so)"
}
a_fns=$(nm -g --defined-only "$prefix/lib/libeticket.a" | awk 'NF == 3 {print $3}' | sort -u)
[ "$header_fns" = "$a_fns" ] || {
    diff <(echo "$header_fns") <(echo "$a_fns") >&2
    fail "libeticket.a has other global symbols than the header's functions"
}
soname=$(readelf -d "$prefix/lib/libeticket.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = libeticket.so.0 ] || fail "SONAME is '$soname', not libeticket.so.0"
[ "$(readlink "$prefix/lib/libeticket.so")" = libeticket.so.0 ] || fail "libeticket.so does not point at libeticket.so.0"

step "a program with its own SQLite beside libeticket (shared and static)"
gcc -std=c11 "${warn[@]}" "${cflags[@]}" eticket-ffi/tests/sqlite_beside.c "${libs[@]}" -lsqlite3 \
    "${rpath[@]}" -o "$bin/sqlite-beside-shared" || fail "sqlite_beside.c (shared)"
gcc -std=c11 "${warn[@]}" "${cflags[@]}" eticket-ffi/tests/sqlite_beside.c "$prefix/lib/libeticket.a" \
    /usr/lib/x86_64-linux-gnu/libsqlite3.a "${static_libs[@]}" -lpcsclite \
    -o "$bin/sqlite-beside-static" || fail "sqlite_beside.c with libeticket.a and the system libsqlite3.a"

step "a fully static gate (gcc -static; a library without PC/SC, as Debian has no static pcsc-lite)"
static_prefix=$work/static-prefix
bash scripts/install-ffi.sh "$static_prefix" >/dev/null
read -r -a static_only <<<"$(PKG_CONFIG_PATH=$static_prefix/lib/pkgconfig pkg-config --static --libs-only-other --libs-only-l eticket | sed 's/-leticket//')"
gcc -static -std=c11 "${warn[@]}" -I"$static_prefix/include" examples/c/gate.c \
    "$static_prefix/lib/libeticket.a" "${static_only[@]}" -o "$bin/gate-fully-static" ||
    fail "gcc -static of gate.c"

valgrind_run=(valgrind -q --error-exitcode=1 --leak-check=full
    --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# run VARIANT NAME ARGS...: the program built for VARIANT (valgrind runs the
# plain build under valgrind).
run() {
    local variant=$1 name=$2
    shift 2
    local exe=$bin/$name-$variant runner=()
    if [ "$variant" = valgrind ]; then
        exe=$bin/$name-plain
        runner=("${valgrind_run[@]}")
    fi
    step "$name ($variant)"
    "${runner[@]}" "$exe" "$@" || fail "$name failed ($variant)"
}

# A virtual card in pcscd's vpcd reader, serving the state file $1; with
# `second`, in the second vpcd reader ("Virtual PCD 00 01", port 35964).
insert_card() {
    if [ "${2:-}" = second ]; then
        "$vcard" --state "$1" --port 35964 --once >"$work/vcard2.log" 2>&1 &
        vcard2_pid=$!
    else
        "$vcard" --state "$1" --once >"$work/vcard.log" 2>&1 &
        vcard_pid=$!
    fi
}
remove_card() {
    local pid
    for pid in "$vcard_pid" "$vcard2_pid"; do
        [ -n "$pid" ] || continue
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    vcard_pid=""
    vcard2_pid=""
}

# A venue unit (eticket-venue serve) for the demo event on a free port,
# devices north and south of the demo data, and any paper ticket admitted
# alone by a device cut off from it.
start_unit() {
    local dir=$1
    if [ ! -f "$dir/unit/venue.json" ]; then
        local port root
        port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        root=$(od -An -tx1 -v "$dir/data/root.pub" | tr -d ' \n')
        mkdir -p "$dir/unit" "$dir/devices"
        cat >"$dir/unit/venue.json" <<EOF
{"listen": "127.0.0.1:$port", "log": "unit.db", "event": "$dir/data/event.json",
 "root": {"id": 100, "public_key": "$root"},
 "key_set": "$dir/data/keyset.hex", "revocations": "$dir/data/revocations.hex",
 "devices": "$dir/data/devices.json",
 "settings": {"policy": "SingleEntry", "clock_skew": 120, "accept_specimen": false,
   "stale_policy": "FailClosedTransferred", "max_list_age": 86400, "max_answer_ms": 1000,
   "require_certificate": false, "wrong_gate": "AdmitAndRedirect", "offline": "AdmitAll"}}
EOF
        echo "127.0.0.1:$port" >"$dir/unit/address"
    fi
    "$venue_bin" serve --config "$dir/unit/venue.json" 2>"$dir/unit/unit.log" &
    unit_pid=$!
    local i
    for i in $(seq 1 100); do
        grep -q '^venue unit: event' "$dir/unit/unit.log" && return 0
        kill -0 "$unit_pid" 2>/dev/null || break
        sleep 0.1
    done
    cat "$dir/unit/unit.log" >&2
    fail "the venue unit did not start"
}
stop_unit() {
    [ -n "$unit_pid" ] || return 0
    kill -9 "$unit_pid" 2>/dev/null || true
    wait "$unit_pid" 2>/dev/null || true
    unit_pid=""
}
venue_devices() {
    local variant=$1 dir=$2 addr
    start_unit "$dir"
    addr=$(cat "$dir/unit/address")
    run "$variant" device "$dir/data" "$dir/devices" "$addr" north admit paper_1.bin admit-online
    run "$variant" device "$dir/data" "$dir/devices" "$addr" south admit paper_1.bin refuse-online-107
    stop_unit
    run "$variant" device "$dir/data" "$dir/devices" "$addr" north admit paper_2.txt admit-offline
    run "$variant" device "$dir/data" "$dir/devices" "$addr" south admit paper_2.txt admit-offline
    start_unit "$dir"
    run "$variant" device "$dir/data" "$dir/devices" "$addr" north sync
    run "$variant" device "$dir/data" "$dir/devices" "$addr" south sync
    "$venue_bin" conflicts --config "$dir/unit/venue.json" | python3 -c '
import json, sys
c = json.load(sys.stdin)
assert [x["serial"] for x in c] == [2] and len(c[0]["admissions"]) == 2, c
' || fail "the venue unit did not report the double admission ($variant)"
    stop_unit
}

for variant in plain asan valgrind; do
    dir=$work/$variant
    mkdir -p "$dir/gate" "$dir/pcsc" "$dir/pos" "$dir/misuse"
    "$gen" "$dir/data" >/dev/null || fail "test data generator"
    run "$variant" gate "$dir/data" "$dir/gate"
    run "$variant" pos "$dir/data" "$dir/pos"
    run "$variant" keys "$dir/data"
    run "$variant" misuse "$dir/data" "$dir/misuse"
    venue_devices "$variant" "$dir"
    insert_card "$dir/data/card_gate.state"
    run "$variant" gate "$dir/data" "$dir/pcsc" pcsc "Virtual PCD" ||
        { cat "$work/vcard.log" >&2; fail "gate through pcscd + vpcd ($variant)"; }
    remove_card
    # The POS and a whole transfer through pcscd, with two virtual cards.
    "$gen" "$dir/pcsc-data" >/dev/null || fail "test data generator"
    mkdir -p "$dir/pcsc-pos"
    insert_card "$dir/pcsc-data/card_a.state"
    insert_card "$dir/pcsc-data/card_b.state" second
    run "$variant" pos "$dir/pcsc-data" "$dir/pcsc-pos" pcsc "Virtual PCD 00 00" "Virtual PCD 00 01" ||
        { cat "$work/vcard.log" "$work/vcard2.log" >&2; fail "POS and transfer through pcscd + vpcd ($variant)"; }
    remove_card
done

dir=$work/static
mkdir -p "$dir/gate" "$dir/gate-fully-static" "$dir/sqlite-shared" "$dir/sqlite-static"
"$gen" "$dir/data" >/dev/null
step "gate (statically linked)"
"$bin/gate-static" "$dir/data" "$dir/gate" >/dev/null || fail "statically linked gate failed"
step "gate (gcc -static)"
"$bin/gate-fully-static" "$dir/data" "$dir/gate-fully-static" >/dev/null || fail "fully static gate failed"
step "sqlite_beside (shared, and under valgrind)"
"${valgrind_run[@]}" "$bin/sqlite-beside-shared" "$dir/data" "$dir/sqlite-shared" || fail "sqlite_beside (shared) failed"
step "sqlite_beside (static)"
"$bin/sqlite-beside-static" "$dir/data" "$dir/sqlite-static" || fail "sqlite_beside (static) failed"

step "Rust tests of the extern functions under Miri"
cargo +nightly miri test -q -p eticket-ffi || fail "cargo +nightly miri test -p eticket-ffi failed"

echo "ffi checks passed"
