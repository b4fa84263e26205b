//! Strict postcard decoding: no trailing bytes, no non-canonical encodings.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Encode with postcard.
pub(crate) fn encode<T: Serialize>(value: &T, what: &'static str) -> Result<alloc::vec::Vec<u8>> {
    postcard::to_allocvec(value).map_err(|_| Error::Encode(what))
}

/// Decode `bytes` as exactly one `T`.
///
/// postcard accepts overlong varints (`80 00` for 0), so one value can have
/// several encodings. Every other part of postcard's format is unique, and an
/// overlong varint only ever makes the encoding longer, so a value decoded from
/// `n` bytes is canonical exactly when its canonical size is `n`. The size is
/// counted, never compared byte for byte: the signature was already checked over
/// the bytes as received.
pub(crate) fn decode_strict<'a, T>(bytes: &'a [u8], what: &'static str) -> Result<T>
where
    T: Deserialize<'a> + Serialize,
{
    let (value, rest) =
        postcard::take_from_bytes::<T>(bytes).map_err(|_| Error::Malformed(what))?;
    if !rest.is_empty() {
        return Err(Error::TrailingBytes {
            what,
            extra: rest.len(),
        });
    }
    let size = postcard::serialize_with_flavor::<T, _, usize>(
        &value,
        postcard::ser_flavors::Size::default(),
    )
    .map_err(|_| Error::Malformed(what))?;
    if size != bytes.len() {
        return Err(Error::NonCanonical(what));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlong_varint_is_non_canonical() {
        assert_eq!(decode_strict::<u32>(&[5], "n"), Ok(5));
        assert_eq!(
            decode_strict::<u32>(&[0x85, 0x00], "n"),
            Err(Error::NonCanonical("n"))
        );
    }

    #[test]
    fn trailing_bytes() {
        assert_eq!(
            decode_strict::<u32>(&[5, 1, 2], "n"),
            Err(Error::TrailingBytes {
                what: "n",
                extra: 2
            })
        );
    }

    #[test]
    fn truncated_is_malformed() {
        assert_eq!(
            decode_strict::<u32>(&[0x85], "n"),
            Err(Error::Malformed("n"))
        );
    }
}
