#!/usr/bin/env bash
# Build libeticket and install it for C and C++ programs, in the layout
# cargo-c's `cargo cinstall` makes:
#
#   PREFIX/include/eticket.h
#   PREFIX/lib/libeticket.a
#   PREFIX/lib/libeticket.so.VERSION  (SONAME libeticket.so.MAJOR)
#   PREFIX/lib/libeticket.so.MAJOR -> libeticket.so.VERSION
#   PREFIX/lib/libeticket.so -> libeticket.so.MAJOR
#   PREFIX/lib/debug/libeticket.so.VERSION.debug  (release: split debug info)
#   PREFIX/lib/pkgconfig/eticket.pc
#
# Both libraries export only the header's eticket_* functions: the shared
# library through a linker version script (eticket-ffi/build.rs), the static
# one by linking its objects into one and making every other symbol local, so
# the bundled SQLite and the Rust internals never clash with a program's own.
#
# usage: scripts/install-ffi.sh PREFIX [--release] [--features pcsc] [other cargo build args]
# (--help says so; the build goes to $CARGO_TARGET_DIR, default target/)
#
# Then: cc app.c $(PKG_CONFIG_PATH=PREFIX/lib/pkgconfig pkg-config --cflags --libs eticket)
# or, to link statically: pkg-config --static --cflags --libs eticket with -l:libeticket.a.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "error: install-ffi.sh: $*" >&2; exit 1; }

usage() {
    cat <<'USAGE'
usage: scripts/install-ffi.sh PREFIX [--release] [--features pcsc] [other cargo build args]

Build libeticket and install it under PREFIX: include/eticket.h,
lib/libeticket.a, lib/libeticket.so (with its SONAME links) and
lib/pkgconfig/eticket.pc. The build goes to $CARGO_TARGET_DIR (default
target/). Then compile with
  cc app.c $(PKG_CONFIG_PATH=PREFIX/lib/pkgconfig pkg-config --cflags --libs eticket)
USAGE
}
case "${1:-}" in
    -h | --help) usage; exit 0 ;;
    "" | -*) usage >&2; fail "the first argument is the install PREFIX" ;;
esac
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
# native static libraries of a Rust staticlib on Linux, plus PC/SC). The
# compiler driver adds libgcc itself (libgcc_eh with -static), so -lgcc_s is
# left out: it has no static form and would break `gcc -static`.
private="-lutil -lrt -lpthread -lm -ldl -lc"
requires_private=""
if [ "$pcsc" = yes ]; then
    requires_private="libpcsclite"
fi

major=${version%%.*}
stage=$(mktemp -d "${TMPDIR:-/tmp}/eticket-install.XXXXXX")
trap 'rm -rf "$stage"' EXIT

# The static library: its objects linked into one relocatable object, every
# symbol but the eticket_* functions made local.
ld -r -o "$stage/eticket.o" --whole-archive "$target/libeticket.a" ||
    fail "ld -r could not combine libeticket.a"
# The embedded LLVM bitcode goes too: binutils' LTO plugin of another LLVM
# version aborts on it (nm, ar), and nothing links it.
objcopy --wildcard --keep-global-symbol='eticket_*' \
    --remove-section=.llvmbc --remove-section=.llvmcmd "$stage/eticket.o" ||
    fail "objcopy could not localize the static library's symbols"
[ "$profile" = release ] && strip --strip-debug "$stage/eticket.o"
rm -f "$stage/libeticket.a"
ar rcs "$stage/libeticket.a" "$stage/eticket.o" || fail "ar failed"

# The shared library under its full version; release builds keep their
# debug information beside it (a .debug file the debugger finds through the
# library's debuglink).
so=libeticket.so.$version
cp "$target/libeticket.so" "$stage/$so"
install -d "$prefix/include" "$prefix/lib/pkgconfig"
if [ "$profile" = release ]; then
    install -d "$prefix/lib/debug"
    objcopy --only-keep-debug "$stage/$so" "$stage/$so.debug"
    objcopy --strip-debug --strip-unneeded --add-gnu-debuglink="$stage/$so.debug" "$stage/$so"
    install -m 644 "$stage/$so.debug" "$prefix/lib/debug/$so.debug"
fi
install -m 644 include/eticket.h "$prefix/include/eticket.h"
install -m 644 "$stage/libeticket.a" "$prefix/lib/libeticket.a"
install -m 755 "$stage/$so" "$prefix/lib/$so"
ln -sfn "$so" "$prefix/lib/libeticket.so.$major"
ln -sfn "libeticket.so.$major" "$prefix/lib/libeticket.so"
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
