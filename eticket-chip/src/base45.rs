//! Base45 (RFC 9285): bytes as text in the QR alphanumeric alphabet, so a QR
//! code stores them at 5.5 bits per character (8.25 bits per byte, against
//! 10.7 for base64 in byte mode).

use crate::{Error, Result};

const ALPHABET: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// Encode bytes as base45 text.
///
/// ```
/// assert_eq!(eticket_chip::base45::encode(b"AB"), "BB8");
/// assert_eq!(eticket_chip::base45::decode("BB8").unwrap(), b"AB");
/// ```
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(2) * 3);
    let mut push = |v: usize| out.push(char::from(ALPHABET[v % 45]));
    for pair in bytes.chunks(2) {
        match pair {
            [a, b] => {
                let n = usize::from(*a) * 256 + usize::from(*b);
                push(n);
                push(n / 45);
                push(n / 2025);
            }
            [a] => {
                push(usize::from(*a));
                push(usize::from(*a) / 45);
            }
            _ => {}
        }
    }
    out
}

fn value(c: u8) -> Result<usize> {
    ALPHABET
        .iter()
        .position(|&a| a == c)
        .ok_or(Error::Malformed {
            what: "base45 text",
            reason: "a character outside the base45 alphabet",
        })
}

/// Decode base45 text strictly: only the alphabet, no dangling character, no
/// group above its byte range.
pub fn decode(text: &str) -> Result<Vec<u8>> {
    let bad = |reason| Error::Malformed {
        what: "base45 text",
        reason,
    };
    let mut out = Vec::with_capacity(text.len() / 3 * 2 + 1);
    for group in text.as_bytes().chunks(3) {
        match group {
            [c0, c1, c2] => {
                let n = value(*c0)? + value(*c1)? * 45 + value(*c2)? * 2025;
                let n = u16::try_from(n).map_err(|_| bad("a group above 65535"))?;
                out.extend_from_slice(&n.to_be_bytes());
            }
            [c0, c1] => {
                let n = value(*c0)? + value(*c1)? * 45;
                out.push(u8::try_from(n).map_err(|_| bad("a final group above 255"))?);
            }
            _ => return Err(bad("a dangling single character")),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rfc_9285_examples() {
        assert_eq!(encode(b"AB"), "BB8");
        assert_eq!(encode(b"Hello!!"), "%69 VD92EX0");
        assert_eq!(encode(b"base-45"), "UJCLQE7W581");
        assert_eq!(decode("QED8WEX0").unwrap(), b"ietf!");
        assert!(decode("GGW").is_err());
        assert!(decode("A").is_err());
        assert!(decode("ab").is_err());
    }

    proptest! {
        #[test]
        fn round_trip(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            prop_assert_eq!(decode(&encode(&bytes)).unwrap(), bytes);
        }

        #[test]
        fn decode_never_panics(text in ".{0,64}") {
            if let Ok(bytes) = decode(&text) {
                prop_assert_eq!(encode(&bytes), text);
            }
        }
    }
}
