#!/usr/bin/env bash
# Build libeticket and install it for C and C++ programs, in the layout
# cargo-c's `cargo cinstall` makes:
#
#   PREFIX/include/eticket.h
#   PREFIX/lib/libeticket.a  PREFIX/lib/libeticket.so
#   PREFIX/lib/pkgconfig/eticket.pc
#
# usage: scripts/install-ffi.sh PREFIX [--release] [--features pcsc] [other cargo build args]
#
# Then: cc app.c $(PKG_CONFIG_PATH=PREFIX/lib/pkgconfig pkg-config --cflags --libs eticket)
# or, to link statically: pkg-config --static --cflags --libs eticket with -l:libeticket.a.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "error: install-ffi.sh: $*" >&2; exit 1; }

[ $# -ge 1 ] || fail "usage: scripts/install-ffi.sh PREFIX [cargo build args]"
prefix=$1
shift
mkdir -p "$prefix"
prefix=$(cd "$prefix" && pwd)

profile=debug
pcsc=no
for arg in "$@"; do
    case "$arg" in
        --release) profile=release ;;
        *pcsc*) pcsc=yes ;;
    esac
done

cargo build -p eticket-ffi --lib "$@" || fail "cargo build failed"
target=${CARGO_TARGET_DIR:-target}/$profile
for f in libeticket.a libeticket.so; do
    [ -f "$target/$f" ] || fail "$target/$f was not built"
done

version=$(sed -n 's/^#define ETICKET_VERSION_STRING "\(.*\)"$/\1/p' include/eticket.h)
[ -n "$version" ] || fail "include/eticket.h has no ETICKET_VERSION_STRING"

# What a static link needs besides libeticket.a (what rustc reports as the
# native static libraries of a Rust staticlib on Linux, plus PC/SC).
private="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"
requires_private=""
if [ "$pcsc" = yes ]; then
    requires_private="libpcsclite"
fi

install -d "$prefix/include" "$prefix/lib/pkgconfig"
install -m 644 include/eticket.h "$prefix/include/eticket.h"
install -m 644 "$target/libeticket.a" "$prefix/lib/libeticket.a"
install -m 755 "$target/libeticket.so" "$prefix/lib/libeticket.so"
cat > "$prefix/lib/pkgconfig/eticket.pc" <<PC
prefix=$prefix
exec_prefix=\${prefix}
libdir=\${exec_prefix}/lib
includedir=\${prefix}/include

Name: eticket
Description: eticket C library: admit, issue and transfer electronic tickets on chips and paper
Version: $version
Requires.private: $requires_private
Cflags: -I\${includedir}
Libs: -L\${libdir} -leticket
Libs.private: $private
PC
echo "installed libeticket $version ($profile, pcsc: $pcsc) to $prefix"
