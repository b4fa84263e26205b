//! The committed header `include/eticket.h` is what cbindgen makes of this
//! crate today, and its version defines match Cargo.toml.
//!
//! After changing the ABI, rewrite the header with
//! `ETICKET_BLESS=1 cargo test -p eticket-ffi --test header`.

use std::path::{Path, PathBuf};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn header_path() -> PathBuf {
    crate_dir().join("..").join("include").join("eticket.h")
}

fn generate() -> String {
    let dir = crate_dir();
    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).unwrap();
    let bindings = cbindgen::Builder::new()
        .with_crate(&dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header");
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).unwrap()
}

#[test]
#[cfg_attr(
    miri,
    ignore = "runs cbindgen over the sources: no unsafe code to check"
)]
fn header_is_up_to_date() {
    let fresh = generate();
    let path = header_path();
    if std::env::var_os("ETICKET_BLESS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{} is out of date; regenerate it with \
         `ETICKET_BLESS=1 cargo test -p eticket-ffi --test header`",
        Path::new("include/eticket.h").display()
    );
}

fn define(header: &str, name: &str) -> String {
    header
        .lines()
        .find_map(|l| l.strip_prefix(&format!("#define {name} ")))
        .unwrap_or_else(|| panic!("{name} is not defined in the header"))
        .trim()
        .to_string()
}

#[test]
#[cfg_attr(miri, ignore = "reads files: no unsafe code to check")]
fn version_defines_match_cargo_toml() {
    let header = std::fs::read_to_string(header_path()).unwrap();
    let version = env!("CARGO_PKG_VERSION");
    let parts: Vec<&str> = version.split(['.', '-']).collect();
    assert_eq!(define(&header, "ETICKET_VERSION_MAJOR"), parts[0]);
    assert_eq!(define(&header, "ETICKET_VERSION_MINOR"), parts[1]);
    assert_eq!(define(&header, "ETICKET_VERSION_PATCH"), parts[2]);
    assert_eq!(
        define(&header, "ETICKET_VERSION_STRING"),
        format!("\"{version}\"")
    );
}
