//! ISO 7816-4 command and response APDUs, short and extended lengths.
//!
//! A command is built with [`Command::new`] and encoded by [`Command::to_bytes`],
//! which returns an error (never panics) when the data or Le do not fit; it picks
//! short lengths when they suffice and extended lengths otherwise. [`Command::parse`]
//! decodes any byte string into a command or an error saying what is wrong.
//!
//! ```
//! use eticket_chip::apdu::Command;
//! let cmd = Command::new(0x00, 0xA4, 0x04, 0x00).with_data(vec![0xF0, 1, 2]).with_le(256);
//! let bytes = cmd.to_bytes().unwrap();
//! assert_eq!(bytes, [0x00, 0xA4, 0x04, 0x00, 0x03, 0xF0, 1, 2, 0x00]);
//! assert_eq!(Command::parse(&bytes).unwrap(), cmd);
//! ```

use crate::status::StatusWord;
use crate::{Error, Result};

/// Largest data field of a short APDU.
pub const SHORT_MAX_DATA: usize = 255;
/// Largest Ne of a short APDU (encoded as `00`).
pub const SHORT_MAX_NE: u32 = 256;
/// Largest data field of an extended APDU.
pub const EXTENDED_MAX_DATA: usize = 65_535;
/// Largest Ne of an extended APDU (encoded as `00 00`).
pub const EXTENDED_MAX_NE: u32 = 65_536;

/// A command APDU.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Command {
    /// Class byte.
    pub cla: u8,
    /// Instruction byte.
    pub ins: u8,
    /// Parameter 1.
    pub p1: u8,
    /// Parameter 2.
    pub p2: u8,
    /// Command data (Nc = its length).
    pub data: Vec<u8>,
    /// Ne: the most response bytes expected; `None` when no Le field.
    pub ne: Option<u32>,
    /// Encode with extended lengths even when short ones would do.
    pub extended: bool,
}

impl Command {
    /// A command with no data and no Le (case 1).
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        Self {
            cla,
            ins,
            p1,
            p2,
            data: Vec::new(),
            ne: None,
            extended: false,
        }
    }

    /// With this data field.
    pub fn with_data(mut self, data: Vec<u8>) -> Self {
        self.data = data;
        self
    }

    /// Expecting up to `ne` response bytes (1..=65536).
    pub fn with_le(mut self, ne: u32) -> Self {
        self.ne = Some(ne);
        self
    }

    /// Force extended length fields.
    pub fn with_extended(mut self, extended: bool) -> Self {
        self.extended = extended;
        self
    }

    /// Whether the encoding uses extended length fields.
    pub fn is_extended(&self) -> bool {
        self.extended
            || self.data.len() > SHORT_MAX_DATA
            || self.ne.is_some_and(|ne| ne > SHORT_MAX_NE)
    }

    /// Encode. Errors when the data is longer than 65535 bytes or Ne is 0 or
    /// above 65536.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        if self.data.len() > EXTENDED_MAX_DATA {
            return Err(Error::Apdu {
                what: "command data",
                reason: "longer than 65535 bytes",
            });
        }
        if let Some(ne) = self.ne {
            if ne == 0 || ne > EXTENDED_MAX_NE {
                return Err(Error::Apdu {
                    what: "command Le",
                    reason: "Ne must be between 1 and 65536",
                });
            }
        }
        let mut out = Vec::with_capacity(4 + 3 + self.data.len() + 2);
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        let nc = self.data.len();
        if self.is_extended() {
            if nc > 0 {
                out.push(0);
                out.extend_from_slice(&(nc as u16).to_be_bytes());
                out.extend_from_slice(&self.data);
            }
            if let Some(ne) = self.ne {
                if nc == 0 {
                    out.push(0);
                }
                // 65536 is encoded as 00 00.
                out.extend_from_slice(&((ne % EXTENDED_MAX_NE) as u16).to_be_bytes());
            }
        } else {
            if nc > 0 {
                out.push(nc as u8);
                out.extend_from_slice(&self.data);
            }
            if let Some(ne) = self.ne {
                out.push((ne % SHORT_MAX_NE) as u8);
            }
        }
        Ok(out)
    }

    /// Decode any byte string: a command, or an error naming what is wrong.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let bad = |reason| Error::Apdu {
            what: "command APDU",
            reason,
        };
        let (&[cla, ins, p1, p2], body) = bytes
            .split_first_chunk::<4>()
            .ok_or(bad("shorter than 4 header bytes"))?;
        let mut cmd = Self::new(cla, ins, p1, p2);
        match body {
            [] => {}
            [le] => cmd.ne = Some(short_ne(*le)),
            [0, rest @ ..] if rest.len() >= 2 => {
                cmd.extended = true;
                let (&[hi, lo], rest) = rest
                    .split_first_chunk::<2>()
                    .ok_or(bad("extended length field cut short"))?;
                let n = usize::from(u16::from_be_bytes([hi, lo]));
                if rest.is_empty() {
                    cmd.ne = Some(extended_ne(n));
                } else {
                    if n == 0 {
                        return Err(bad("extended Lc of zero"));
                    }
                    let (data, le) = rest
                        .split_at_checked(n)
                        .ok_or(bad("data shorter than Lc"))?;
                    cmd.data = data.to_vec();
                    match le {
                        [] => {}
                        [hi, lo] => {
                            cmd.ne = Some(extended_ne(usize::from(u16::from_be_bytes([*hi, *lo]))))
                        }
                        _ => return Err(bad("bytes after the data are not a 2-byte Le")),
                    }
                }
            }
            [0, ..] => return Err(bad("extended length field cut short")),
            [lc, rest @ ..] => {
                let n = usize::from(*lc);
                let (data, le) = rest
                    .split_at_checked(n)
                    .ok_or(bad("data shorter than Lc"))?;
                cmd.data = data.to_vec();
                match le {
                    [] => {}
                    [le] => cmd.ne = Some(short_ne(*le)),
                    _ => return Err(bad("bytes after the data are not a 1-byte Le")),
                }
            }
        }
        Ok(cmd)
    }
}

fn short_ne(le: u8) -> u32 {
    if le == 0 { SHORT_MAX_NE } else { u32::from(le) }
}

fn extended_ne(le: usize) -> u32 {
    if le == 0 { EXTENDED_MAX_NE } else { le as u32 }
}

/// A response APDU: data and status word.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Response {
    /// Response data.
    pub data: Vec<u8>,
    /// Status word.
    pub status: StatusWord,
}

impl Response {
    /// A successful response with data.
    pub fn ok(data: Vec<u8>) -> Self {
        Self {
            data,
            status: StatusWord::Success,
        }
    }

    /// A response with no data and this status.
    pub fn status(status: StatusWord) -> Self {
        Self {
            data: Vec::new(),
            status,
        }
    }

    /// Encode: data then SW1 SW2.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len() + 2);
        out.extend_from_slice(&self.data);
        out.extend_from_slice(&self.status.to_bytes());
        out
    }

    /// Decode; errors when fewer than the two status bytes arrived.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let (data, &[sw1, sw2]) = bytes.split_last_chunk::<2>().ok_or(Error::Apdu {
            what: "response APDU",
            reason: "shorter than the 2 status bytes",
        })?;
        Ok(Self {
            data: data.to_vec(),
            status: StatusWord::from_bytes(sw1, sw2),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn cases_short_and_extended() {
        let c = Command::new(0x80, 0x10, 0, 0);
        assert_eq!(c.to_bytes().unwrap(), [0x80, 0x10, 0, 0]);
        assert_eq!(
            c.clone().with_le(256).to_bytes().unwrap(),
            [0x80, 0x10, 0, 0, 0]
        );
        assert_eq!(
            c.clone().with_le(65_536).to_bytes().unwrap(),
            [0x80, 0x10, 0, 0, 0, 0, 0]
        );
        let big = c.clone().with_data(vec![7; 300]).with_le(2);
        let bytes = big.to_bytes().unwrap();
        assert_eq!(&bytes[4..7], &[0, 0x01, 0x2C]);
        assert_eq!(&bytes[bytes.len() - 2..], &[0, 2]);
        assert_eq!(Command::parse(&bytes).unwrap(), big.with_extended(true));
    }

    #[test]
    fn builder_refuses_what_does_not_fit() {
        let c = Command::new(0, 0, 0, 0);
        assert!(c.clone().with_data(vec![0; 65_536]).to_bytes().is_err());
        assert!(c.clone().with_le(0).to_bytes().is_err());
        assert!(c.with_le(65_537).to_bytes().is_err());
    }

    #[test]
    fn parser_refuses_malformed() {
        for bad in [
            &[][..],
            &[0, 0, 0],
            &[0, 0, 0, 0, 3, 1, 2],
            &[0, 0, 0, 0, 1, 1, 2, 3],
            &[0, 0, 0, 0, 0, 1],
            &[0, 0, 0, 0, 0, 0, 0, 1],
            &[0, 0, 0, 0, 0, 0, 2, 1, 2, 3],
        ] {
            assert!(Command::parse(bad).is_err(), "{bad:02x?}");
        }
    }

    #[test]
    fn response_round_trip() {
        let r = Response {
            data: vec![1, 2],
            status: StatusWord::RecordNotFound,
        };
        assert_eq!(r.to_bytes(), [1, 2, 0x6A, 0x83]);
        assert_eq!(Response::parse(&r.to_bytes()).unwrap(), r);
        assert!(Response::parse(&[0x90]).is_err());
    }

    fn command() -> impl Strategy<Value = Command> {
        (
            any::<[u8; 4]>(),
            prop::collection::vec(any::<u8>(), 0..600),
            prop::option::of(1u32..=65_536),
            any::<bool>(),
        )
            .prop_map(|(h, data, ne, ext)| {
                Command::new(h[0], h[1], h[2], h[3])
                    .with_data(data)
                    .with_extended(ext)
                    .with_le_opt(ne)
            })
    }

    impl Command {
        fn with_le_opt(mut self, ne: Option<u32>) -> Self {
            self.ne = ne;
            self
        }
    }

    proptest! {
        #[test]
        fn build_parse_round_trip(cmd in command()) {
            let bytes = cmd.to_bytes().unwrap();
            let back = Command::parse(&bytes).unwrap();
            let ext = cmd.is_extended();
            // Case 1 has no length field, so it parses as short.
            let expect_ext = ext && (!cmd.data.is_empty() || cmd.ne.is_some());
            prop_assert_eq!(back, cmd.with_extended(expect_ext));
        }

        #[test]
        fn parse_any_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
            if let Ok(cmd) = Command::parse(&bytes) {
                // Whatever parses encodes back to the same bytes.
                prop_assert_eq!(cmd.to_bytes().unwrap(), bytes);
            }
        }

        #[test]
        fn response_parse_round_trip(bytes in prop::collection::vec(any::<u8>(), 2..300)) {
            prop_assert_eq!(Response::parse(&bytes).unwrap().to_bytes(), bytes);
        }
    }
}
