//! The library's version, for checking at run time that the header a program
//! was compiled with matches the library it runs with.

use std::ffi::c_char;

/// The version as a NUL-terminated string, e.g. `"0.1.0"`; static, never
/// freed. Compare with `ETICKET_VERSION_STRING` from the header.
#[unsafe(no_mangle)]
pub extern "C" fn eticket_version() -> *const c_char {
    const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");
    VERSION.as_ptr().cast()
}

/// The version as one number: `major * 10000 + minor * 100 + patch`;
/// compare with `ETICKET_VERSION_NUMBER` from the header.
#[unsafe(no_mangle)]
pub extern "C" fn eticket_version_number() -> u32 {
    // Computed at compile time: like `eticket_version`, the body does no
    // work that could panic, so it needs no panic boundary.
    const NUMBER: u32 = version_number(env!("CARGO_PKG_VERSION"));
    NUMBER
}

/// Which library verifies signatures in this build, as a static
/// NUL-terminated string: `"ring"` (the default, about 5x faster) or
/// `"p256"` (a build with `--no-default-features`, pure Rust). Never freed.
#[unsafe(no_mangle)]
pub extern "C" fn eticket_signature_backend() -> *const c_char {
    // What eticket-core was built with (features unify across a build), so
    // the answer is true whichever crate asked for ring.
    if eticket_core::crypto::VERIFY_BACKEND == "ring" {
        c"ring".as_ptr()
    } else {
        c"p256".as_ptr()
    }
}

/// `major * 10000 + minor * 100 + patch` of a `major.minor.patch` version.
pub(crate) const fn version_number(v: &str) -> u32 {
    let b = v.as_bytes();
    let (mut i, mut part, mut parts) = (0, 0u32, [0u32; 3]);
    while i < b.len() && part < 3 {
        match b[i] {
            b'.' => part += 1,
            d @ b'0'..=b'9' => parts[part as usize] = parts[part as usize] * 10 + (d - b'0') as u32,
            _ => break,
        }
        i += 1;
    }
    parts[0] * 10_000 + parts[1] * 100 + parts[2]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn version_matches_the_package() {
        // SAFETY: eticket_version returns a static NUL-terminated string.
        let v = unsafe { CStr::from_ptr(eticket_version()) };
        assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
        assert_eq!(version_number("1.2.3"), 10_203);
        assert_eq!(version_number("0.1.0"), 100);
        assert_eq!(
            eticket_version_number(),
            version_number(env!("CARGO_PKG_VERSION"))
        );
    }

    #[test]
    fn the_backend_is_the_cores() {
        // SAFETY: a static NUL-terminated string.
        let name = unsafe { std::ffi::CStr::from_ptr(eticket_signature_backend()) };
        assert_eq!(name.to_str().unwrap(), eticket_core::crypto::VERIFY_BACKEND);
    }
}
