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

/// Our application id: `F0` (proprietary) ‖ "eticket" ‖ version `02` (the
/// command set with holder consent; a host for version `01` does not select it).
pub const AID: [u8; 9] = [0xF0, b'e', b't', b'i', b'c', b'k', b'e', b't', 0x02];

/// Class of the ISO commands (SELECT, VERIFY, INTERNAL AUTHENTICATE, GET RESPONSE).
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
/// VERIFY (ISO 7816-4): check the holder's PIN (P1 = `00`, P2 = [`PIN_REFERENCE`]);
/// with no data, ask how many tries are left. It allows nothing by itself:
/// the signing commands carry the PIN.
pub const INS_VERIFY: u8 = 0x20;
/// P2 of VERIFY: the holder's PIN, a specific (not global) reference data.
pub const PIN_REFERENCE: u8 = 0x81;
/// GET RESPONSE: the rest of a long response after `61xx`.
pub const INS_GET_RESPONSE: u8 = 0xC0;
/// GET INFO: chip id, key, counter, capacity, member record.
pub const INS_GET_INFO: u8 = 0x10;
/// LIST: the occupied slots with their payload lengths and hashes.
pub const INS_LIST: u8 = 0x12;
/// READ: the payload of slot P1.
pub const INS_READ: u8 = 0x14;
/// GET CERTIFICATE: the center's certificate of this chip's key.
pub const INS_GET_CERTIFICATE: u8 = 0x16;
/// WRITE: a center write grant and the payload. (Not `20`: ISO 7816-4 gives
/// that instruction to VERIFY.)
pub const INS_WRITE: u8 = 0x50;
/// DELETE: a center delete grant.
pub const INS_DELETE: u8 = 0x52;
/// PERSONALIZE: install the center's grant keys, the holder's PIN, the chip
/// certificate and a member record, once.
pub const INS_PERSONALIZE: u8 = 0x30;
/// UPDATE KEYS: replace the grant keys with a center-signed update of a
/// higher epoch.
pub const INS_UPDATE_KEYS: u8 = 0x32;
/// SIGN TRANSFER: sign a transfer request for the ticket in slot P1; carries
/// the holder's PIN (checked like VERIFY, same tries) and advances the counter.
pub const INS_SIGN_TRANSFER: u8 = 0x40;
/// SIGN CANCEL: sign the cancellation of a pending transfer of the ticket in
/// slot P1; carries the PIN like SIGN TRANSFER, advances the counter.
pub const INS_SIGN_CANCEL: u8 = 0x42;

/// Version byte of every layout in this module.
pub const LAYOUT_VERSION: u8 = 2;
/// Shortest holder PIN.
pub const MIN_PIN_LEN: usize = 4;
/// Longest holder PIN.
pub const MAX_PIN_LEN: usize = 12;
/// Most wrong PINs in a row a chip can be set to allow before it blocks.
pub const MAX_PIN_TRIES: u8 = 15;
/// Wrong PINs in a row a chip allows by default before it blocks.
pub const DEFAULT_PIN_TRIES: u8 = 3;
/// Longest chip certificate a chip stores.
pub const MAX_CERTIFICATE_LEN: usize = eticket_core::certificate::MAX_CERTIFICATE_LEN;
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
    /// The epoch of the grant keys; UPDATE KEYS needs a higher one.
    pub key_epoch: u32,
    /// The holder's PIN: SIGN TRANSFER and SIGN CANCEL need it presented.
    pub pin: Pin,
    /// Wrong PINs in a row before the chip blocks signing (1 to 15).
    pub pin_tries: u8,
    /// The center's certificate of the chip key ([`eticket_core::certificate`]).
    pub certificate: Option<Vec<u8>>,
}

/// A holder PIN: 4 to 12 bytes (digits, on the cards we issue). Its `Debug`
/// does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Pin(Vec<u8>);

impl core::fmt::Debug for Pin {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Pin(…)")
    }
}

impl Pin {
    /// A PIN of 4 to 12 bytes.
    pub fn new(pin: &[u8]) -> Result<Self> {
        if !(MIN_PIN_LEN..=MAX_PIN_LEN).contains(&pin.len()) {
            return Err(Error::Invalid {
                what: "PIN",
                reason: "must be 4 to 12 bytes",
            });
        }
        Ok(Self(pin.to_vec()))
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Compare in time independent of where the first difference is.
    pub fn matches(&self, presented: &[u8]) -> bool {
        let mut diff = u8::from(self.0.len() != presented.len());
        for (i, b) in self.0.iter().enumerate() {
            diff |= b ^ presented.get(i).copied().unwrap_or(0);
        }
        diff == 0
    }
}

impl Personalization {
    /// Grant keys and the holder's PIN, with the defaults: no member record,
    /// key epoch 0, [`DEFAULT_PIN_TRIES`], no certificate.
    pub fn new(grant_keys: Vec<(KeyId, PublicKey)>, pin: Pin) -> Self {
        Self {
            grant_keys,
            member: None,
            key_epoch: 0,
            pin,
            pin_tries: DEFAULT_PIN_TRIES,
            certificate: None,
        }
    }

    /// The same, with a member record.
    pub fn with_member(mut self, member: Option<MemberRecord>) -> Self {
        self.member = member;
        self
    }

    /// The same, with the center's certificate of the chip key.
    pub fn with_certificate(mut self, certificate: Vec<u8>) -> Self {
        self.certificate = Some(certificate);
        self
    }

    /// Encode; errors when there are no keys or more than [`MAX_GRANT_KEYS`],
    /// tries outside 1 to 15, or a certificate that is too long.
    ///
    /// Layout: version ‖ n ‖ n × (key id `u16` ‖ key (65)) ‖ member flag ‖
    /// member record (14) if flagged ‖ key epoch `u32` ‖ PIN length ‖ PIN ‖
    /// PIN tries ‖ certificate length `u16` ‖ certificate.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        if self.grant_keys.is_empty() || self.grant_keys.len() > MAX_GRANT_KEYS {
            return Err(Error::Invalid {
                what: "personalization grant keys",
                reason: "needs 1 to 4 keys",
            });
        }
        if self.pin_tries == 0 || self.pin_tries > MAX_PIN_TRIES {
            return Err(Error::Invalid {
                what: "personalization PIN tries",
                reason: "must be 1 to 15",
            });
        }
        let cert = self.certificate.as_deref().unwrap_or_default();
        if cert.len() > MAX_CERTIFICATE_LEN {
            return Err(Error::Invalid {
                what: "personalization certificate",
                reason: "longer than a chip certificate can be",
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
        out.extend_from_slice(&self.key_epoch.to_be_bytes());
        out.push(self.pin.0.len() as u8);
        out.extend_from_slice(&self.pin.0);
        out.push(self.pin_tries);
        out.extend_from_slice(&(cert.len() as u16).to_be_bytes());
        out.extend_from_slice(cert);
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
        let key_epoch = r.u32()?;
        let pin_len = usize::from(r.u8()?);
        let pin =
            Pin::new(r.take(pin_len)?).map_err(|_| r.malformed("the PIN must be 4 to 12 bytes"))?;
        let pin_tries = r.u8()?;
        if pin_tries == 0 || pin_tries > MAX_PIN_TRIES {
            return Err(r.malformed("PIN tries must be 1 to 15"));
        }
        let cert_len = usize::from(r.u16()?);
        if cert_len > MAX_CERTIFICATE_LEN {
            return Err(r.malformed("certificate too long"));
        }
        let cert = r.take(cert_len)?;
        r.finish()?;
        Ok(Self {
            grant_keys,
            member,
            key_epoch,
            pin,
            pin_tries,
            certificate: (!cert.is_empty()).then(|| cert.to_vec()),
        })
    }
}

/// What GET INFO returns.
///
/// Layout: version ‖ chip id (16) ‖ public key (65) ‖ counter `u32` ‖ capacity
/// ‖ used slots ‖ flags (bit 0 personalized, bit 1 member record present, bit
/// 2 certificate present) ‖ key epoch `u32` ‖ PIN tries left ‖ grant key
/// count n ‖ n × key id `u16` ‖ member record (14) if flagged.
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
    /// Whether the chip holds a center certificate (GET CERTIFICATE).
    pub has_certificate: bool,
    /// The epoch of the grant keys.
    pub key_epoch: u32,
    /// Wrong PINs the chip still allows before it blocks (0: blocked).
    pub pin_tries_left: u8,
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
        out.push(
            u8::from(self.personalized)
                | (u8::from(self.member.is_some()) << 1)
                | (u8::from(self.has_certificate) << 2),
        );
        out.extend_from_slice(&self.key_epoch.to_be_bytes());
        out.push(self.pin_tries_left);
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
        if flags & !0b111 != 0 {
            return Err(r.malformed("unknown flag bits"));
        }
        let key_epoch = r.u32()?;
        let pin_tries_left = r.u8()?;
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
            has_certificate: flags & 4 != 0,
            key_epoch,
            pin_tries_left,
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

/// The holder's PIN as the signing commands carry it: length ‖ PIN.
fn put_pin(out: &mut Vec<u8>, pin: &[u8]) {
    out.push(u8::try_from(pin.len()).unwrap_or(u8::MAX));
    out.extend_from_slice(pin);
}

fn read_pin<'a>(r: &mut Reader<'a>) -> Result<&'a [u8]> {
    let n = usize::from(r.u8()?);
    if n > MAX_PIN_LEN {
        return Err(r.malformed("a PIN is at most 12 bytes"));
    }
    r.take(n)
}

/// SIGN TRANSFER's data field: PIN length ‖ the holder's PIN ‖ assignee chip
/// id (16) ‖ requested-at `u64`. The PIN travels in the same command as the
/// signature it allows, so no other program can slip a command in between.
pub fn encode_sign_transfer(pin: &[u8], to: ChipId, requested_at: Timestamp) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + pin.len() + CHIP_ID_LEN + 8);
    put_pin(&mut out, pin);
    out.extend_from_slice(&to.0);
    out.extend_from_slice(&requested_at.0.to_be_bytes());
    out
}

/// Decode SIGN TRANSFER's data field into (PIN, assignee, requested-at).
pub fn parse_sign_transfer(data: &[u8]) -> Result<(&[u8], ChipId, Timestamp)> {
    let mut r = Reader::new(data, "SIGN TRANSFER data");
    let pin = read_pin(&mut r)?;
    let to = ChipId(r.array()?);
    let at = Timestamp(r.u64()?);
    r.finish()?;
    Ok((pin, to, at))
}

/// SIGN CANCEL's data field: PIN length ‖ the holder's PIN ‖ the transfer's
/// reference ([`eticket_core::cancel::transfer_ref`]: SHA-256 of
/// `eticket transfer id\0` ‖ the id the center gave) ‖ requested-at `u64`.
pub fn encode_sign_cancel(pin: &[u8], transfer: &[u8; 32], requested_at: Timestamp) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + pin.len() + 40);
    put_pin(&mut out, pin);
    out.extend_from_slice(transfer);
    out.extend_from_slice(&requested_at.0.to_be_bytes());
    out
}

/// Decode SIGN CANCEL's data field into (PIN, transfer reference, requested-at).
pub fn parse_sign_cancel(data: &[u8]) -> Result<(&[u8], [u8; 32], Timestamp)> {
    let mut r = Reader::new(data, "SIGN CANCEL data");
    let pin = read_pin(&mut r)?;
    let transfer = r.array()?;
    let at = Timestamp(r.u64()?);
    r.finish()?;
    Ok((pin, transfer, at))
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
            has_certificate: true,
            key_epoch: 4,
            pin_tries_left: 2,
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
        let pin = Pin::new(b"2468").unwrap();
        let p = Personalization::new(vec![(KeyId(2), key(0x22))], pin.clone())
            .with_certificate(vec![7; 150]);
        assert_eq!(Personalization::parse(&p.to_bytes().unwrap()).unwrap(), p);
        let none = Personalization::new(vec![], pin.clone());
        assert!(none.to_bytes().is_err());
        let no_tries = Personalization {
            pin_tries: 0,
            ..p.clone()
        };
        assert!(no_tries.to_bytes().is_err());
        assert!(Pin::new(b"123").is_err());
        assert!(Pin::new(b"1234567890123").is_err());
        assert!(pin.matches(b"2468") && !pin.matches(b"2469") && !pin.matches(b"24680"));
        assert_eq!(format!("{pin:?}"), "Pin(…)");
        let twice = Personalization::new(vec![(KeyId(2), key(1)), (KeyId(2), key(2))], pin);
        assert!(Personalization::parse(&twice.to_bytes().unwrap()).is_err());
    }

    proptest! {
        #[test]
        fn list_round_trip(entries in prop::collection::vec((any::<u8>(), any::<u8>(), any::<[u8; 32]>()), 0..=16)) {
            let entries: Vec<SlotEntry> = entries.into_iter().map(|(slot, len, hash)| SlotEntry { slot, len, hash }).collect();
            prop_assert_eq!(parse_list(&encode_list(&entries)).unwrap(), entries);
        }

        /// Every layout is read strictly: whatever parses is written back
        /// to the very bytes it was read from.
        #[test]
        fn what_decodes_encodes_to_the_same_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            if let Ok(info) = ChipInfo::parse(&bytes) {
                prop_assert_eq!(info.to_bytes(), bytes.clone());
            }
            if let Ok(p) = Personalization::parse(&bytes) {
                prop_assert_eq!(p.to_bytes().unwrap(), bytes.clone());
            }
            if let Ok(list) = parse_list(&bytes) {
                prop_assert_eq!(encode_list(&list), bytes.clone());
            }
            if let Ok((grant, payload)) = split_write(&bytes) {
                prop_assert_eq!(encode_write(grant, payload).unwrap(), bytes.clone());
            }
            if let Ok((slot, counter)) = parse_mutation(&bytes) {
                prop_assert_eq!(&encode_mutation(slot, counter)[..], &bytes[..]);
            }
            if let Ok((pin, to, at)) = parse_sign_transfer(&bytes) {
                prop_assert_eq!(encode_sign_transfer(pin, to, at), bytes.clone());
            }
            if let Ok((pin, transfer, at)) = parse_sign_cancel(&bytes) {
                prop_assert_eq!(encode_sign_cancel(pin, &transfer, at), bytes.clone());
            }
        }
    }
}
