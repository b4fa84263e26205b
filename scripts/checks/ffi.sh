#!/usr/bin/env bash
# The C library in use from C and C++: installs libeticket (with PC/SC) into a
# temporary prefix with scripts/install-ffi.sh, builds the C examples
# (examples/c/gate.c, pos.c), the C++ example (keys.cpp) and the C misuse test
# (eticket-ffi/tests/misuse.c) with gcc/g++ -Wall -Wextra -Wpedantic -Werror
# through pkg-config, and runs each of them three times: normally, built with
# AddressSanitizer + UndefinedBehaviorSanitizer, and under valgrind (no errors,
# no definite or indirect leaks). gate.c admits a chip once through the
# transport callback and once through pcscd + vpcd with eticket-vcard as the
# card (scripts/setup/10-pcscd.sh starts pcscd). A static link of gate.c is
# run too. Last, the Rust tests that call the extern functions run under Miri
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
cleanup() {
    if [ -n "$vcard_pid" ]; then
        kill "$vcard_pid" 2>/dev/null || true
        wait "$vcard_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

step "build and install libeticket (feature pcsc) to a temporary prefix"
prefix=$work/prefix
bash scripts/install-ffi.sh "$prefix" --features pcsc >/dev/null
cargo build -q -p eticket-ffi --example c_test_data
cargo build -q -p eticket-chip --bin eticket-vcard
gen=$target/debug/examples/c_test_data
vcard=$target/debug/eticket-vcard
[ -x "$gen" ] && [ -x "$vcard" ] || fail "test data generator or eticket-vcard not built"

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
    for prog in examples/c/gate.c examples/c/pos.c eticket-ffi/tests/misuse.c; do
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

# A virtual card in pcscd's vpcd reader, serving the state file $1.
insert_card() {
    "$vcard" --state "$1" --once >"$work/vcard.log" 2>&1 &
    vcard_pid=$!
}
remove_card() {
    kill "$vcard_pid" 2>/dev/null || true
    wait "$vcard_pid" 2>/dev/null || true
    vcard_pid=""
}

for variant in plain asan valgrind; do
    dir=$work/$variant
    mkdir -p "$dir/gate" "$dir/pcsc" "$dir/pos" "$dir/misuse"
    "$gen" "$dir/data" >/dev/null || fail "test data generator"
    run "$variant" gate "$dir/data" "$dir/gate"
    run "$variant" pos "$dir/data" "$dir/pos"
    run "$variant" keys "$dir/data"
    run "$variant" misuse "$dir/data" "$dir/misuse"
    insert_card "$dir/data/card_gate.state"
    run "$variant" gate "$dir/data" "$dir/pcsc" pcsc "Virtual PCD" ||
        { cat "$work/vcard.log" >&2; fail "gate through pcscd + vpcd ($variant)"; }
    remove_card
done

dir=$work/static
mkdir -p "$dir/gate"
"$gen" "$dir/data" >/dev/null
step "gate (statically linked)"
"$bin/gate-static" "$dir/data" "$dir/gate" >/dev/null || fail "statically linked gate failed"

step "Rust tests of the extern functions under Miri"
cargo +nightly miri test -q -p eticket-ffi || fail "cargo +nightly miri test -p eticket-ffi failed"

echo "ffi checks passed"
