//! # eticket-ffi
//!
//! The C library (`libeticket`, header `include/eticket.h`) for gate and POS
//! vendors: verify and admit tickets at a gate, write issued tickets to chips
//! and print paper tickets at a terminal, and carry out transfers between
//! chips, linked from C or C++.
//!
//! Conventions of every function (see ARCHITECTURE.md, "eticket-ffi"):
//!
//! - Every function returns an `eticket_result`; `ETICKET_RESULT_OK` is 0,
//!   errors fall in ranges (1xx caller, 2xx format and verification, 3xx chip
//!   and transport, 4xx gate and entry log, 5xx internal) and
//!   `eticket_error` writes their message. A panic inside the library is
//!   caught and returned as `ETICKET_RESULT_PANIC`.
//! - NULL pointers are `ETICKET_RESULT_NULL_PARAMETER`, never a crash. Byte
//!   inputs are `(const uint8_t *data, size_t len)`; NULL with length 0 is
//!   the empty input.
//! - Outputs go to caller buffers with a length out-parameter; too small a
//!   buffer is `ETICKET_RESULT_BUFFER_TOO_SMALL` with the size needed in the
//!   length out-parameter. Other outputs are written only on success.
//! - Opaque handles are created by `eticket_<thing>_open`/`_load`/`_empty`
//!   and freed by `eticket_<thing>_free`; freeing NULL does nothing. The
//!   thread safety of each is documented on its type.
//! - Times are Unix seconds passed by the caller (`now`): the library reads
//!   no clock, so gates and tests decide what time it is.
//!
//! ```
//! use eticket::error::eticket_error;
//! use eticket::result::eticket_result;
//! let mut buf = [0 as std::ffi::c_char; 64];
//! let mut n = 0;
//! // SAFETY: buf and n are live locals of the sizes given.
//! let r = unsafe { eticket_error(100, buf.as_mut_ptr(), buf.len(), &mut n) };
//! assert_eq!(r, eticket_result::Ok);
//! assert_eq!(n, "a pointer parameter was NULL".len());
//! ```
//!
//! Features: `pcsc` enables chips in PC/SC readers (links libpcsclite);
//! `fast` verifies signatures with ring.
//!
//! ## Features
#![doc = document_features::document_features!()]
#![cfg_attr(docsrs, feature(doc_cfg))]
// Never unwrap, expect or panic on anything: every failure is an error
// value. (Declared here rather than for the workspace, so tests, benches and
// examples, which are their own crates, may.)
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![deny(unsafe_op_in_unsafe_fn)]
#![allow(non_camel_case_types)]

pub mod chip;
pub mod device;
pub mod error;
mod ffi;
pub mod gate;
pub mod keys;
pub mod limits;
mod panic;
pub mod paper;
pub mod personalize;
pub mod result;
pub mod revocation;
pub mod testcard;
pub mod transfer;
pub mod upload;
pub mod venue;
pub mod version;

#[cfg(test)]
mod tests {
    /// The thread safety the header promises for each handle holds for the
    /// Rust type behind it.
    #[test]
    fn handles_are_as_thread_safe_as_documented() {
        fn send<T: Send>() {}
        fn send_sync<T: Send + Sync>() {}
        send_sync::<crate::keys::TrustedKeys>();
        send_sync::<eticket_core::revocation::RevocationList>();
        send::<::eticket_gate::VenueUnit>();
        send::<::eticket_gate::Gate>();
        send_sync::<::eticket_gate::Outcome>();
    }
}
