//! The chip's command set: application id, class and instruction bytes, and the
//! fixed binary layouts of the data fields both sides exchange. The applet
//! ([`crate::applet`]) and the host ([`crate::host`]) share these, so the two
//! sides cannot drift apart. The table is in ARCHITECTURE.md.
//!
//! Every layout starts with a version byte, has a fixed maximum size, and is
//! decoded strictly: wrong version, short input or trailing bytes are errors.

use eticket_core::crypto::{PUBLIC_KEY_LEN, PublicKey};
use eticket_core::ids::{CHIP_ID_LEN, ChipId, DistributorId, KeyId, MemberId};
use eticket_core::time::Timestamp;

use crate::{Error, Result};

/// Our application id: `F0` (proprietary) ‖ "eticket" ‖ version `01`.
pub const AID: [u8; 9] = [0xF0, b'e', b't', b'i', b'c', b'k', b'e', b't', 0x01];

/// Class of the ISO commands (SELECT, INTERNAL AUTHENTICATE, GET RESPONSE).
pub const CLA_ISO: u8 = 0x00;
/// Class of the proprietary commands.
pub const CLA_PROPRIETARY: u8 = 0x80;

/// The class bit that marks a command as "more parts of this command follow"
/// (ISO 7816-4 command chaining).
pub const CLA_CHAINING: u8 = 0x10;
/// Most data a chained command may carry in total.
pub const MAX_CHAINED_DATA: usize = 1024;

/// SELECT (by AID: P1 = `04`, P2 = `00`).
pub const INS_SELECT: u8 = 0xA4;
/// INTERNAL AUTHENTICATE: sign a gate's challenge.
pub const INS_INTERNAL_AUTHENTICATE: u8 = 0x88;
/// GET RESPONSE: the rest of a long response after `61xx`.
pub const INS_GET_RESPONSE: u8 = 0xC0;
/// GET INFO: chip id, key, counter, capacity, member record.
pub const INS_GET_INFO: u8 = 0x10;
/// LIST: the occupied slots with their payload lengths and hashes.
pub const INS_LIST: u8 = 0x12;
/// READ: the payload of slot P1.
pub const INS_READ: u8 = 0x14;
/// WRITE: a center write grant and the payload.
pub const INS_WRITE: u8 = 0x20;
/// DELETE: a center delete grant.
pub const INS_DELETE: u8 = 0x22;
/// PERSONALIZE: install the center's grant keys and a member record, once.
pub const INS_PERSONALIZE: u8 = 0x30;
/// SIGN TRANSFER: sign a transfer request for the ticket in slot P1.
pub const INS_SIGN_TRANSFER: u8 = 0x40;

/// Version byte of every layout in this module.
pub const LAYOUT_VERSION: u8 = 1;
/// Most grant keys a chip holds (current and next, for rotation, and spares).
pub const MAX_GRANT_KEYS: usize = 4;
/// Most ticket slots a chip can have.
pub const MAX_SLOTS: u8 = 16;
/// Slots of a chip made with [`crate::applet::Applet::new`].
pub const DEFAULT_CAPACITY: u8 = 8;
/// Length of an encoded [`MemberRecord`].
pub const MEMBER_RECORD_LEN: usize = 14;
/// Length of one LIST entry: slot, payload length, payload SHA-256.
pub const SLOT_ENTRY_LEN: usize = 34;
/// Length of an INTERNAL AUTHENTICATE answer: signature then public key.
pub const AUTH_RESPONSE_LEN: usize = 64 + PUBLIC_KEY_LEN;

/// A strict reader over a byte slice.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    what: &'static str,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8], what: &'static str) -> Self {
        Self { bytes, what }
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let (head, rest) = self.bytes.split_at_checked(n).ok_or(Error::Malformed {
            what: self.what,
            reason: "cut short",
        })?;
        self.bytes = rest;
        Ok(head)
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    pub(crate) fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }

    pub(crate) fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    pub(crate) fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    pub(crate) fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    pub(crate) fn version(&mut self) -> Result<()> {
        if self.u8()? != LAYOUT_VERSION {
            return Err(self.malformed("unknown layout version"));
        }
        Ok(())
    }

    pub(crate) fn rest(&mut self) -> &'a [u8] {
        core::mem::take(&mut self.bytes)
    }

    pub(crate) fn finish(&self) -> Result<()> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(self.malformed("trailing bytes"))
        }
    }

    pub(crate) fn malformed(&self, reason: &'static str) -> Error {
        Error::Malformed {
            what: self.what,
            reason,
        }
    }
}

/// The membership card of c28/c31: which distributor's member holds the chip.
///
/// Layout (14 bytes): distributor `u16` ‖ member `u32` ‖ valid until `u64`
/// (Unix seconds), all big-endian.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MemberRecord {
    /// The distributor the holder is a member of.
    pub distributor: DistributorId,
    /// The member number.
    pub member: MemberId,
    /// End of the membership (the chip has no clock: the host checks it).
    pub valid_until: Timestamp,
}

impl MemberRecord {
    /// Encode.
    pub fn to_bytes(&self) -> [u8; MEMBER_RECORD_LEN] {
        let mut out = [0u8; MEMBER_RECORD_LEN];
        out[..2].copy_from_slice(&self.distributor.0.to_be_bytes());
        out[2..6].copy_from_slice(&self.member.0.to_be_bytes());
        out[6..].copy_from_slice(&self.valid_until.0.to_be_bytes());
        out
    }

    fn read(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            distributor: DistributorId(r.u16()?),
            member: MemberId(r.u32()?),
            valid_until: Timestamp(r.u64()?),
        })
    }
}

/// What PERSONALIZE installs: the center's grant keys and optionally a member
/// record.
///
/// Layout: version ‖ key count n (1..=4) ‖ n × (key id `u16` ‖ SEC1
/// uncompressed key, 65) ‖ member flag (0 or 1) ‖ member record if flagged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Personalization {
    /// The center's grant keys, by id.
    pub grant_keys: Vec<(KeyId, PublicKey)>,
    /// The membership card, if this chip is one.
    pub member: Option<MemberRecord>,
}

impl Personalization {
    /// Encode; errors when there are no keys or more than [`MAX_GRANT_KEYS`].
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        if self.grant_keys.is_empty() || self.grant_keys.len() > MAX_GRANT_KEYS {
            return Err(Error::Invalid {
                what: "personalization grant keys",
                reason: "needs 1 to 4 keys",
            });
        }
        let mut out = vec![LAYOUT_VERSION, self.grant_keys.len() as u8];
        for (id, key) in &self.grant_keys {
            out.extend_from_slice(&id.0.to_be_bytes());
            out.extend_from_slice(&key.to_uncompressed());
        }
        match &self.member {
            None => out.push(0),
            Some(m) => {
                out.push(1);
                out.extend_from_slice(&m.to_bytes());
            }
        }
        Ok(out)
    }

    /// Decode strictly; every key must be a valid P-256 point and ids distinct.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes, "personalization");
        r.version()?;
        let n = usize::from(r.u8()?);
        if n == 0 || n > MAX_GRANT_KEYS {
            return Err(r.malformed("needs 1 to 4 grant keys"));
        }
        let mut grant_keys = Vec::with_capacity(n);
        for _ in 0..n {
            let id = KeyId(r.u16()?);
            let key = PublicKey::from_sec1(r.take(PUBLIC_KEY_LEN)?)
                .map_err(|_| r.malformed("a grant key is not a P-256 point"))?;
            if grant_keys.iter().any(|(k, _)| *k == id) {
                return Err(r.malformed("a grant key id appears twice"));
            }
            grant_keys.push((id, key));
        }
        let member = match r.u8()? {
            0 => None,
            1 => Some(MemberRecord::read(&mut r)?),
            _ => return Err(r.malformed("member flag must be 0 or 1")),
        };
        r.finish()?;
        Ok(Self { grant_keys, member })
    }
}

/// What GET INFO returns.
///
/// Layout: version ‖ chip id (16) ‖ public key (65) ‖ counter `u32` ‖ capacity
/// ‖ used slots ‖ flags (bit 0 personalized, bit 1 member record present) ‖
/// grant key count n ‖ n × key id `u16` ‖ member record (14) if flagged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChipInfo {
    /// The chip id, derived from the public key.
    pub chip: ChipId,
    /// The chip's public key.
    pub public_key: PublicKey,
    /// The counter the next grant must name.
    pub counter: u32,
    /// Number of ticket slots.
    pub capacity: u8,
    /// Slots in use.
    pub used: u8,
    /// Whether PERSONALIZE has run (the chip is locked).
    pub personalized: bool,
    /// Ids of the grant keys installed.
    pub grant_keys: Vec<KeyId>,
    /// The membership card, if any.
    pub member: Option<MemberRecord>,
}

impl ChipInfo {
    /// Free slots.
    pub fn free(&self) -> u8 {
        self.capacity.saturating_sub(self.used)
    }

    /// Encode.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(100 + 2 * self.grant_keys.len() + MEMBER_RECORD_LEN);
        out.push(LAYOUT_VERSION);
        out.extend_from_slice(&self.chip.0);
        out.extend_from_slice(&self.public_key.to_uncompressed());
        out.extend_from_slice(&self.counter.to_be_bytes());
        out.push(self.capacity);
        out.push(self.used);
        out.push(u8::from(self.personalized) | (u8::from(self.member.is_some()) << 1));
        out.push(self.grant_keys.len().min(MAX_GRANT_KEYS) as u8);
        for id in self.grant_keys.iter().take(MAX_GRANT_KEYS) {
            out.extend_from_slice(&id.0.to_be_bytes());
        }
        if let Some(m) = &self.member {
            out.extend_from_slice(&m.to_bytes());
        }
        out
    }

    /// Decode strictly, checking that the chip id belongs to the public key.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes, "GET INFO response");
        r.version()?;
        let chip = ChipId(r.array::<CHIP_ID_LEN>()?);
        let public_key = PublicKey::from_sec1(r.take(PUBLIC_KEY_LEN)?)
            .map_err(|_| r.malformed("the public key is not a P-256 point"))?;
        if ChipId::from_public_key(&public_key.to_uncompressed()) != chip {
            return Err(r.malformed("the chip id does not belong to the public key"));
        }
        let counter = r.u32()?;
        let capacity = r.u8()?;
        let used = r.u8()?;
        if capacity > MAX_SLOTS || used > capacity {
            return Err(r.malformed("capacity or used slots out of range"));
        }
        let flags = r.u8()?;
        if flags & !0b11 != 0 {
            return Err(r.malformed("unknown flag bits"));
        }
        let n = usize::from(r.u8()?);
        if n > MAX_GRANT_KEYS {
            return Err(r.malformed("more than 4 grant keys"));
        }
        let mut grant_keys = Vec::with_capacity(n);
        for _ in 0..n {
            grant_keys.push(KeyId(r.u16()?));
        }
        let member = if flags & 2 != 0 {
            Some(MemberRecord::read(&mut r)?)
        } else {
            None
        };
        r.finish()?;
        Ok(Self {
            chip,
            public_key,
            counter,
            capacity,
            used,
            personalized: flags & 1 != 0,
            grant_keys,
            member,
        })
    }
}

/// One occupied slot, as LIST reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SlotEntry {
    /// The slot number.
    pub slot: u8,
    /// Length of the payload.
    pub len: u8,
    /// SHA-256 of the payload (what a delete grant names).
    pub hash: [u8; 32],
}

/// Encode a LIST response: version ‖ count ‖ count × (slot ‖ length ‖ SHA-256).
pub fn encode_list(entries: &[SlotEntry]) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 + entries.len() * SLOT_ENTRY_LEN);
    out.push(LAYOUT_VERSION);
    out.push(entries.len().min(usize::from(MAX_SLOTS)) as u8);
    for e in entries.iter().take(usize::from(MAX_SLOTS)) {
        out.push(e.slot);
        out.push(e.len);
        out.extend_from_slice(&e.hash);
    }
    out
}

/// Decode a LIST response strictly.
pub fn parse_list(bytes: &[u8]) -> Result<Vec<SlotEntry>> {
    let mut r = Reader::new(bytes, "LIST response");
    r.version()?;
    let n = r.u8()?;
    if n > MAX_SLOTS {
        return Err(r.malformed("more entries than slots"));
    }
    let mut out = Vec::with_capacity(usize::from(n));
    for _ in 0..n {
        out.push(SlotEntry {
            slot: r.u8()?,
            len: r.u8()?,
            hash: r.array()?,
        });
    }
    r.finish()?;
    Ok(out)
}

/// WRITE's data field: grant length ‖ grant ‖ payload.
pub fn encode_write(grant: &[u8], payload: &[u8]) -> Result<Vec<u8>> {
    let len = u8::try_from(grant.len()).map_err(|_| Error::Invalid {
        what: "write grant",
        reason: "longer than 255 bytes",
    })?;
    let mut out = Vec::with_capacity(1 + grant.len() + payload.len());
    out.push(len);
    out.extend_from_slice(grant);
    out.extend_from_slice(payload);
    Ok(out)
}

/// Split WRITE's data field into grant and payload.
pub fn split_write(data: &[u8]) -> Result<(&[u8], &[u8])> {
    let mut r = Reader::new(data, "WRITE data");
    let n = usize::from(r.u8()?);
    let grant = r.take(n)?;
    Ok((grant, r.rest()))
}

/// WRITE's and DELETE's answer: the slot ‖ the counter after the mutation.
pub fn encode_mutation(slot: u8, counter: u32) -> [u8; 5] {
    let mut out = [0u8; 5];
    out[0] = slot;
    out[1..].copy_from_slice(&counter.to_be_bytes());
    out
}

/// Decode WRITE's or DELETE's answer into (slot, counter).
pub fn parse_mutation(bytes: &[u8]) -> Result<(u8, u32)> {
    let mut r = Reader::new(bytes, "WRITE/DELETE response");
    let slot = r.u8()?;
    let counter = r.u32()?;
    r.finish()?;
    Ok((slot, counter))
}

/// SIGN TRANSFER's data field: assignee chip id ‖ requested-at `u64`.
pub fn encode_sign_transfer(to: ChipId, requested_at: Timestamp) -> [u8; CHIP_ID_LEN + 8] {
    let mut out = [0u8; CHIP_ID_LEN + 8];
    out[..CHIP_ID_LEN].copy_from_slice(&to.0);
    out[CHIP_ID_LEN..].copy_from_slice(&requested_at.0.to_be_bytes());
    out
}

/// Decode SIGN TRANSFER's data field.
pub fn parse_sign_transfer(data: &[u8]) -> Result<(ChipId, Timestamp)> {
    let mut r = Reader::new(data, "SIGN TRANSFER data");
    let to = ChipId(r.array()?);
    let at = Timestamp(r.u64()?);
    r.finish()?;
    Ok((to, at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use eticket_core::crypto::SecretKey;
    use proptest::prelude::*;

    fn key(fill: u8) -> PublicKey {
        SecretKey::from_bytes(&[fill; 32]).unwrap().public_key()
    }

    fn info(member: Option<MemberRecord>) -> ChipInfo {
        let public_key = key(9);
        ChipInfo {
            chip: ChipId::from_public_key(&public_key.to_uncompressed()),
            public_key,
            counter: 77,
            capacity: 8,
            used: 3,
            personalized: true,
            grant_keys: vec![KeyId(2), KeyId(5)],
            member,
        }
    }

    #[test]
    fn info_round_trip_and_wrong_id() {
        let m = MemberRecord {
            distributor: DistributorId(3),
            member: MemberId(1234),
            valid_until: Timestamp(99),
        };
        for i in [info(None), info(Some(m))] {
            assert_eq!(ChipInfo::parse(&i.to_bytes()).unwrap(), i);
        }
        let mut bytes = info(None).to_bytes();
        bytes[1] ^= 1;
        assert!(ChipInfo::parse(&bytes).is_err());
        let mut long = info(None).to_bytes();
        long.push(0);
        assert!(ChipInfo::parse(&long).is_err());
    }

    #[test]
    fn personalization_round_trip_and_limits() {
        let p = Personalization {
            grant_keys: vec![(KeyId(2), key(0x22))],
            member: None,
        };
        assert_eq!(Personalization::parse(&p.to_bytes().unwrap()).unwrap(), p);
        let none = Personalization {
            grant_keys: vec![],
            member: None,
        };
        assert!(none.to_bytes().is_err());
        let twice = Personalization {
            grant_keys: vec![(KeyId(2), key(1)), (KeyId(2), key(2))],
            member: None,
        };
        assert!(Personalization::parse(&twice.to_bytes().unwrap()).is_err());
    }

    proptest! {
        #[test]
        fn list_round_trip(entries in prop::collection::vec((any::<u8>(), any::<u8>(), any::<[u8; 32]>()), 0..=16)) {
            let entries: Vec<SlotEntry> = entries.into_iter().map(|(slot, len, hash)| SlotEntry { slot, len, hash }).collect();
            prop_assert_eq!(parse_list(&encode_list(&entries)).unwrap(), entries);
        }

        #[test]
        fn decoders_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            let _ = ChipInfo::parse(&bytes);
            let _ = Personalization::parse(&bytes);
            let _ = parse_list(&bytes);
            let _ = split_write(&bytes);
            let _ = parse_mutation(&bytes);
            let _ = parse_sign_transfer(&bytes);
        }
    }
}
