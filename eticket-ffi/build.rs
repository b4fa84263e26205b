//! Link settings of the shared library (`libeticket.so`): its SONAME is
//! `libeticket.so.<major>` (the layout cargo-c makes, so a program linked
//! against 0.x loads any 0.y), and a version script exports exactly the
//! `eticket_*` functions of the header: the bundled SQLite and every
//! Rust-internal symbol stay hidden, so the library lives beside a vendor's
//! own SQLite. (The static library is localized the same way by
//! `scripts/install-ffi.sh`.)

use std::path::PathBuf;

fn main() {
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_else(|_| "0".into());
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target_os != "linux" {
        return;
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    let script = out.join("eticket.map");
    let written = std::fs::write(
        &script,
        "/* The exported interface of libeticket: the header's functions. */\n\
         {\n  global:\n    eticket_*;\n  local:\n    *;\n};\n",
    );
    if written.is_err() {
        println!("cargo::warning=could not write the linker version script");
        return;
    }
    println!("cargo::rustc-cdylib-link-arg=-Wl,-soname,libeticket.so.{major}");
    println!(
        "cargo::rustc-cdylib-link-arg=-Wl,--version-script={}",
        script.display()
    );
    println!("cargo::rerun-if-changed=build.rs");
}
