//! The rules every JSON body meets before it is decoded into its type, so
//! that what reaches a ledger is something both ledgers can hold and the
//! request means one thing:
//!
//! - no key twice in one object (JSON leaves that open; a decoder that keeps
//!   the last one lets a proxy and the center read different requests);
//! - no U+0000 in any text (PostgreSQL's text cannot hold it, SQLite's can:
//!   the two ledgers would answer differently);
//! - no integer above 2^63 − 1 (the ledgers' largest integer).
//!
//! ```
//! use eticket_center::http::parse_json;
//! let ok: Result<serde_json::Value, _> = parse_json(br#"{"name": "Ann"}"#);
//! assert!(ok.is_ok());
//! let twice: Result<serde_json::Value, _> = parse_json(br#"{"a": 1, "a": 2}"#);
//! assert_eq!(twice.unwrap_err().code, "invalid_json");
//! let nul: Result<serde_json::Value, _> = parse_json(br#"{"name": "A\u0000"}"#);
//! assert!(nul.is_err());
//! ```

use std::collections::HashSet;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// Largest integer a body may carry (the ledgers' BIGINT).
pub const MAX_INTEGER: u64 = i64::MAX as u64;

/// Check `bytes` against the rules above; the error names the first break.
pub(crate) fn check(bytes: &[u8]) -> Result<(), serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    Shape::deserialize(&mut de)?;
    de.end()
}

/// Any JSON value, walked and thrown away.
struct Shape;

impl<'de> Deserialize<'de> for Shape {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ShapeVisitor)
    }
}

struct ShapeVisitor;

fn text<E: de::Error>(s: &str) -> Result<Shape, E> {
    if s.contains('\0') {
        Err(E::custom("text may not contain U+0000"))
    } else {
        Ok(Shape)
    }
}

impl<'de> Visitor<'de> for ShapeVisitor {
    type Value = Shape;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Shape, E> {
        Ok(Shape)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Shape, E> {
        Ok(Shape)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Shape, E> {
        if v > MAX_INTEGER {
            Err(E::custom(format!(
                "the integer {v} is larger than the largest the ledger holds ({MAX_INTEGER})"
            )))
        } else {
            Ok(Shape)
        }
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Shape, E> {
        Ok(Shape)
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Shape, E> {
        text(s)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Shape, E> {
        Ok(Shape)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Shape, A::Error> {
        while seq.next_element::<Shape>()?.is_some() {}
        Ok(Shape)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shape, A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            text::<A::Error>(&key)?;
            if seen.contains(&key) {
                return Err(de::Error::custom(format!("the key {key:?} appears twice")));
            }
            map.next_value::<Shape>()?;
            seen.insert(key);
        }
        Ok(Shape)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert!(check(br#"{"a": [1, -2, 2.5, "x", null, true, {"b": {}}]}"#).is_ok());
        assert!(check(br#"{"a": 1, "a": 1}"#).is_err());
        assert!(check(br#"{"a": {"b": 1, "b": 2}}"#).is_err());
        assert!(check(br#"[{"a": 1}, {"a": 1}]"#).is_ok());
        assert!(check(br#"{"a\u0000": 1}"#).is_err());
        assert!(check(br#"["\u0000"]"#).is_err());
        assert!(check(br#"["\\u0000"]"#).is_ok());
        assert!(check(b"9223372036854775807").is_ok());
        assert!(check(b"9223372036854775808").is_err());
        assert!(check(b"-9223372036854775808").is_ok());
        assert!(check(b"{} {}").is_err());
    }
}
