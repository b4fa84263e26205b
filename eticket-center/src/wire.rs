//! JSON spellings of core types that have no natural JSON form: holders as
//! `"paper"` or `"chip:<32 hex digits>"`, chip ids and byte strings as hex.
//! Used with `#[serde(with = …)]`.

use eticket_core::ids::{CHIP_ID_LEN, ChipId};
use eticket_core::ticket::Holder;

use crate::{Error, Result};

/// Longest hex string accepted for any byte field (a key set is the largest).
pub const MAX_HEX_LEN: usize = 2 * 64 * 1024;

/// Parse a chip id from 32 hex digits.
pub fn parse_chip(s: &str) -> Result<ChipId> {
    let mut id = [0u8; CHIP_ID_LEN];
    hex::decode_to_slice(s, &mut id)
        .map_err(|_| Error::invalid("chip", "expected 32 hex digits"))?;
    Ok(ChipId(id))
}

/// A holder as text.
pub fn holder_to_string(h: &Holder) -> String {
    match h {
        Holder::Paper => "paper".to_owned(),
        Holder::Chip(c) => format!("chip:{c}"),
    }
}

/// Parse `"paper"` or `"chip:<hex>"`.
pub fn parse_holder(s: &str) -> Result<Holder> {
    if s == "paper" {
        return Ok(Holder::Paper);
    }
    match s.strip_prefix("chip:") {
        Some(hex) => parse_chip(hex).map(Holder::Chip),
        None => Err(Error::invalid(
            "holder",
            "expected \"paper\" or \"chip:<32 hex digits>\"",
        )),
    }
}

/// Parse hex, bounded in length.
pub fn parse_hex(field: &'static str, s: &str) -> Result<Vec<u8>> {
    if s.len() > MAX_HEX_LEN {
        return Err(Error::invalid(field, "too long"));
    }
    hex::decode(s).map_err(|_| Error::invalid(field, "expected an even number of hex digits"))
}

/// `#[serde(with = "holder")]` for [`Holder`].
pub mod holder {
    use super::*;
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    /// Serialize.
    pub fn serialize<S: Serializer>(h: &Holder, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&holder_to_string(h))
    }

    /// Deserialize.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Holder, D::Error> {
        let s = String::deserialize(d)?;
        parse_holder(&s).map_err(D::Error::custom)
    }
}

/// `#[serde(with = "chip")]` for [`ChipId`].
pub mod chip {
    use super::*;
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    /// Serialize.
    pub fn serialize<S: Serializer>(c: &ChipId, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&c.to_string())
    }

    /// Deserialize.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ChipId, D::Error> {
        let s = String::deserialize(d)?;
        parse_chip(&s).map_err(D::Error::custom)
    }
}

/// `#[serde(with = "hex_bytes")]` for `Vec<u8>`.
pub mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    /// Serialize.
    pub fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(b))
    }

    /// Deserialize.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        super::parse_hex("bytes", &s).map_err(D::Error::custom)
    }
}

/// `Option<Vec<u8>>` as lowercase hex, or absent.
pub mod opt_hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    /// Serialize.
    pub fn serialize<S: Serializer>(b: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match b {
            Some(b) => s.serialize_some(&hex::encode(b)),
            None => s.serialize_none(),
        }
    }

    /// Deserialize.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|s| super::parse_hex("bytes", &s).map_err(D::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holders_round_trip() {
        let chip = Holder::Chip(ChipId([0xab; 16]));
        for h in [Holder::Paper, chip] {
            assert_eq!(parse_holder(&holder_to_string(&h)).unwrap(), h);
        }
        assert!(parse_holder("chip:00").is_err());
        assert!(parse_holder("gold").is_err());
        assert!(parse_hex("x", "abc").is_err());
    }
}

/// JSON Schemas of these spellings, for `#[schemars(with = …)]`.
pub mod schema {
    use std::borrow::Cow;

    use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

    /// A chip id: 32 lowercase hex digits.
    pub struct ChipHex;

    impl JsonSchema for ChipHex {
        fn inline_schema() -> bool {
            true
        }

        fn schema_name() -> Cow<'static, str> {
            "ChipHex".into()
        }

        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "type": "string",
                "pattern": "^[0-9a-fA-F]{32}$",
                "description": "A chip id: 16 bytes as 32 hex digits (answers use lowercase)."
            })
        }
    }

    /// A holder: `"paper"` or `"chip:"` and a chip id.
    pub struct HolderText;

    impl JsonSchema for HolderText {
        fn inline_schema() -> bool {
            true
        }

        fn schema_name() -> Cow<'static, str> {
            "HolderText".into()
        }

        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "type": "string",
                "pattern": "^(paper|chip:[0-9a-fA-F]{32})$",
                "description": "Who holds a ticket: \"paper\", or \"chip:\" and the chip id."
            })
        }
    }

    /// A venue's seat map: eticket-alloc's JSON form
    /// (`docs/alloc/seatmap-format.md`, "JSON form of the model").
    pub struct SeatMapJson;

    impl JsonSchema for SeatMapJson {
        fn inline_schema() -> bool {
            true
        }

        fn schema_name() -> Cow<'static, str> {
            "SeatMapJson".into()
        }

        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "type": "object",
                "required": ["name", "focus", "seat_types", "blocks", "cells"],
                "description": "A venue's seat map in eticket-alloc's JSON form (docs/alloc/seatmap-format.md): name, focus, seat types, blocks with their geometry and labels, cells, standing areas, landmarks."
            })
        }
    }

    /// Bytes as lowercase hex.
    pub struct HexBytes;

    impl JsonSchema for HexBytes {
        fn inline_schema() -> bool {
            true
        }

        fn schema_name() -> Cow<'static, str> {
            "HexBytes".into()
        }

        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "type": "string",
                "pattern": "^([0-9a-fA-F]{2})*$",
                "maxLength": super::MAX_HEX_LEN,
                "description": "Bytes as hex (signed tickets, grants, keys, lists; answers use lowercase)."
            })
        }
    }
}
