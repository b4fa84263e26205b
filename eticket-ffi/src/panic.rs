//! The panic boundary: every extern function runs its body through
//! [`boundary`], so a panic becomes `ETICKET_RESULT_PANIC` instead of
//! unwinding into C (which is undefined behaviour). The crate must be built
//! with `panic = "unwind"` (the default) for this to catch anything.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::result::eticket_result;

/// What an entry point's body returns: `Ok(())` or the result code to hand back.
pub(crate) type Outcome = Result<(), eticket_result>;

/// Run `body`, turning its error or a panic into a result code.
///
/// `AssertUnwindSafe` is sound here in the sense the ABI promises: after a
/// panic the call reports `ETICKET_RESULT_PANIC`, and the handles it touched
/// may only be freed.
pub(crate) fn boundary(body: impl FnOnce() -> Outcome) -> eticket_result {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => eticket_result::Ok,
        Ok(Err(code)) => code,
        Err(_) => eticket_result::Panic,
    }
}

/// Run a body that returns nothing (the `_free` functions); a panic is
/// swallowed because there is nobody to report it to.
pub(crate) fn boundary_void(body: impl FnOnce()) {
    let _ = catch_unwind(AssertUnwindSafe(body));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::panic)]
    fn a_panic_becomes_a_result_code() {
        assert_eq!(boundary(|| panic!("boom")), eticket_result::Panic);
        assert_eq!(boundary(|| Ok(())), eticket_result::Ok);
        assert_eq!(
            boundary(|| Err(eticket_result::Malformed)),
            eticket_result::Malformed
        );
        boundary_void(|| panic!("boom"));
    }
}
