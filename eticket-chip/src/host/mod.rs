//! The host side: [`Chip`] speaks the command set over any [`Transport`].
//!
//! Backends: [`InProcessCard`] (the applet in memory), [`FnTransport`] (a
//! caller-supplied transmit function), and with the `pcsc` feature
//! `pcsc::PcscTransport` (a PC/SC reader through pcscd).
//!
//! ```
//! use eticket_chip::host::{Chip, InProcessCard};
//! let mut chip = Chip::connect(InProcessCard::from_seed(b"gate test")).unwrap();
//! let who = chip.authenticate(&[7; 32]).unwrap();
//! assert_eq!(who, chip.info().unwrap().chip);
//! ```

mod exchange;
#[cfg(feature = "pcsc")]
pub mod pcsc;
mod transport;

use eticket_core::cancel::TransferCancel;
use eticket_core::chipauth::{CHALLENGE_LEN, verify_answer};
use eticket_core::crypto::{PUBLIC_KEY_LEN, SIGNATURE_LEN};
use eticket_core::ids::ChipId;
use eticket_core::ticket::SignedTicket;
use eticket_core::time::Timestamp;
use eticket_core::transfer::TransferRequest;

use crate::apdu::{Command, SHORT_MAX_NE};
use crate::protocol::*;
use crate::status::StatusWord;
use crate::{Error, Result};
pub use exchange::{Limits, Monotonic, SystemMonotonic};
pub use transport::{FnTransport, InProcessCard, Transport};

/// How many card resets in a row one command rides over.
const MAX_RESETS: u32 = 3;

/// A ticket read from a chip, with its slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTicket {
    /// The slot it is in.
    pub slot: u8,
    /// The signed ticket bytes.
    pub ticket: SignedTicket,
}

/// What an accepted WRITE or DELETE reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mutation {
    /// The slot written or emptied.
    pub slot: u8,
    /// The chip's counter afterwards: the value the next grant must name.
    pub counter: u32,
}

/// A chip's signed answer to a challenge, as INTERNAL AUTHENTICATE gives it
/// ([`Chip::prove`]): who it is, its public key and its signature over its id
/// and the challenge (eticket-core's `chipauth::verify_answer` checks it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChipProof {
    /// The chip's id (derived from its public key).
    pub chip: ChipId,
    /// The chip's public key, SEC1 uncompressed.
    pub public_key: [u8; PUBLIC_KEY_LEN],
    /// The signature.
    pub answer: [u8; SIGNATURE_LEN],
}

/// A chip reached through a transport.
#[derive(Debug)]
pub struct Chip<T: Transport> {
    transport: T,
    extended_length: bool,
    limits: Limits,
    clock: Box<dyn Monotonic>,
}

impl<T: Transport> Chip<T> {
    /// Wrap a transport without talking to the chip.
    pub fn new(transport: T) -> Self {
        Self {
            transport,
            extended_length: false,
            limits: Limits::default(),
            clock: Box::new(SystemMonotonic::new()),
        }
    }

    /// Bound every exchange with the card differently from
    /// [`Limits::default`].
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Measure the exchanges' time on another clock (tests inject one).
    pub fn with_clock(mut self, clock: Box<dyn Monotonic>) -> Self {
        self.clock = clock;
        self
    }

    /// Send long command data as one extended-length APDU instead of a chain
    /// of short ones (default: chain, which every reader carries).
    pub fn with_extended_length(mut self, extended: bool) -> Self {
        self.extended_length = extended;
        self
    }

    /// Wrap a transport and select the eticket application.
    pub fn connect(transport: T) -> Result<Self> {
        let mut chip = Self::new(transport);
        chip.select()?;
        Ok(chip)
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The transport, mutably (e.g. to simulate a reinsertion in tests).
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    /// Give the transport back.
    pub fn into_transport(self) -> T {
        self.transport
    }

    /// SELECT the eticket application by its AID.
    pub fn select(&mut self) -> Result<()> {
        let cmd = Command::new(CLA_ISO, INS_SELECT, 0x04, 0x00).with_data(AID.to_vec());
        self.exchange_once(&cmd, "SELECT").map(drop)
    }

    /// GET INFO: chip id (checked against its public key), counter, capacity,
    /// personalization and member record.
    pub fn info(&mut self) -> Result<ChipInfo> {
        let cmd = Command::new(CLA_PROPRIETARY, INS_GET_INFO, 0, 0).with_le(SHORT_MAX_NE);
        ChipInfo::parse(&self.exchange(&cmd, "GET INFO")?)
    }

    /// LIST: the occupied slots with payload lengths and hashes.
    pub fn list(&mut self) -> Result<Vec<SlotEntry>> {
        let cmd = Command::new(CLA_PROPRIETARY, INS_LIST, 0, 0).with_le(SHORT_MAX_NE);
        parse_list(&self.exchange(&cmd, "LIST")?)
    }

    /// READ one slot.
    pub fn read(&mut self, slot: u8) -> Result<SignedTicket> {
        let cmd = Command::new(CLA_PROPRIETARY, INS_READ, slot, 0).with_le(SHORT_MAX_NE);
        Ok(SignedTicket::from_bytes(&self.exchange(&cmd, "READ")?)?)
    }

    /// Every ticket on the chip (LIST, then READ of each slot), each checked
    /// against the hash LIST reported.
    pub fn tickets(&mut self) -> Result<Vec<StoredTicket>> {
        let entries = self.list()?;
        let mut out = Vec::with_capacity(entries.len());
        for e in entries {
            let ticket = self.read(e.slot)?;
            if ticket.hash() != e.hash {
                return Err(Error::Malformed {
                    what: "READ response",
                    reason: "the payload does not match the hash LIST reported",
                });
            }
            out.push(StoredTicket {
                slot: e.slot,
                ticket,
            });
        }
        Ok(out)
    }

    /// WRITE a payload with the center's write grant (the grant names the
    /// slot, this chip, its counter and the payload's hash).
    pub fn write(&mut self, grant: &[u8], payload: &[u8]) -> Result<Mutation> {
        let cmd = Command::new(CLA_PROPRIETARY, INS_WRITE, 0, 0)
            .with_data(encode_write(grant, payload)?)
            .with_le(SHORT_MAX_NE);
        mutation(&self.exchange(&cmd, "WRITE")?)
    }

    /// DELETE the payload a delete grant names.
    pub fn delete(&mut self, grant: &[u8]) -> Result<Mutation> {
        let cmd = Command::new(CLA_PROPRIETARY, INS_DELETE, 0, 0)
            .with_data(grant.to_vec())
            .with_le(SHORT_MAX_NE);
        mutation(&self.exchange(&cmd, "DELETE")?)
    }

    /// INTERNAL AUTHENTICATE: the chip signs the gate's fresh `challenge`; the
    /// answer is verified here and the chip id it proves is returned.
    pub fn authenticate(&mut self, challenge: &[u8; CHALLENGE_LEN]) -> Result<ChipId> {
        self.prove(challenge).map(|p| p.chip)
    }

    /// INTERNAL AUTHENTICATE for a third party: the chip signs `challenge`
    /// (say, one the center gave a store terminal for a buyer's membership
    /// card) and the answer, verified here, is returned whole for the
    /// terminal to pass on.
    pub fn prove(&mut self, challenge: &[u8; CHALLENGE_LEN]) -> Result<ChipProof> {
        let cmd = Command::new(CLA_ISO, INS_INTERNAL_AUTHENTICATE, 0, 0)
            .with_data(challenge.to_vec())
            .with_le(SHORT_MAX_NE);
        let data = self.exchange(&cmd, "INTERNAL AUTHENTICATE")?;
        if data.len() != AUTH_RESPONSE_LEN {
            return Err(Error::Malformed {
                what: "INTERNAL AUTHENTICATE response",
                reason: "not a 64-byte signature and a 65-byte public key",
            });
        }
        let (sig, public) = data.split_at(SIGNATURE_LEN);
        let sig: &[u8; SIGNATURE_LEN] = sig.try_into().map_err(|_| Error::Malformed {
            what: "INTERNAL AUTHENTICATE response",
            reason: "signature cut short",
        })?;
        let chip = ChipId::from_public_key(public);
        verify_answer(chip, public, challenge, sig)?;
        let public_key: [u8; PUBLIC_KEY_LEN] = public.try_into().map_err(|_| Error::Malformed {
            what: "INTERNAL AUTHENTICATE response",
            reason: "public key cut short",
        })?;
        Ok(ChipProof {
            chip,
            public_key,
            answer: *sig,
        })
    }

    /// VERIFY: check the holder's PIN (a wrong one costs a try). It allows
    /// nothing by itself: the signing commands carry the PIN. A wrong PIN is
    /// [`Error::WrongPin`] with the tries left; a blocked one [`Error::PinBlocked`].
    pub fn verify_pin(&mut self, pin: &[u8]) -> Result<()> {
        check_pin_len(pin)?;
        let cmd = Command::new(CLA_ISO, INS_VERIFY, 0x00, PIN_REFERENCE).with_data(pin.to_vec());
        self.exchange_once(&cmd, "VERIFY")
            .map(drop)
            .map_err(pin_error)
    }

    /// How many wrong PINs the chip still allows (VERIFY with no data);
    /// 0 when the PIN is blocked.
    pub fn pin_tries_left(&mut self) -> Result<u8> {
        let cmd = Command::new(CLA_ISO, INS_VERIFY, 0x00, PIN_REFERENCE);
        match self.exchange_once(&cmd, "VERIFY").map_err(pin_error) {
            Err(Error::WrongPin { tries_left }) => Ok(tries_left),
            Err(Error::PinBlocked) => Ok(0),
            Err(e) => Err(e),
            Ok(_) => Err(Error::Malformed {
                what: "VERIFY response",
                reason: "a status query answered 9000",
            }),
        }
    }

    /// SIGN TRANSFER with the holder's consent: the command carries `pin`,
    /// which the chip checks (a wrong one costs a try) before it signs a
    /// request to transfer the ticket in `slot` to the chip `to`, with its
    /// counter as nonce (the counter moves on). PIN and signature in one
    /// command: no other program on the reader can come in between. The
    /// request is verified with the chip's public key before it is returned.
    pub fn sign_transfer(
        &mut self,
        slot: u8,
        to: ChipId,
        requested_at: Timestamp,
        pin: &[u8],
    ) -> Result<Vec<u8>> {
        check_pin_len(pin)?;
        let cmd = Command::new(CLA_PROPRIETARY, INS_SIGN_TRANSFER, slot, 0)
            .with_data(encode_sign_transfer(pin, to, requested_at))
            .with_le(SHORT_MAX_NE);
        let bytes = self
            .exchange_once(&cmd, "SIGN TRANSFER")
            .map_err(pin_error)?;
        let info = self.info()?;
        TransferRequest::verify(&bytes, &info.public_key)?;
        Ok(bytes)
    }

    /// SIGN CANCEL with the holder's consent (the command carries `pin`, as
    /// SIGN TRANSFER does): the chip signs the cancellation of the pending
    /// transfer `transfer_id` of the ticket in `slot` (the counter moves on).
    /// Verified before it is returned.
    pub fn sign_cancel(
        &mut self,
        slot: u8,
        transfer_id: &str,
        requested_at: Timestamp,
        pin: &[u8],
    ) -> Result<Vec<u8>> {
        check_pin_len(pin)?;
        let reference = eticket_core::cancel::transfer_ref(transfer_id);
        let cmd = Command::new(CLA_PROPRIETARY, INS_SIGN_CANCEL, slot, 0)
            .with_data(encode_sign_cancel(pin, &reference, requested_at))
            .with_le(SHORT_MAX_NE);
        let bytes = self.exchange_once(&cmd, "SIGN CANCEL").map_err(pin_error)?;
        let info = self.info()?;
        TransferCancel::verify(&bytes, &info.public_key)?;
        Ok(bytes)
    }

    /// GET CERTIFICATE: the center's certificate of this chip's key, or
    /// `None` when the chip holds none.
    pub fn certificate(&mut self) -> Result<Option<Vec<u8>>> {
        let cmd = Command::new(CLA_PROPRIETARY, INS_GET_CERTIFICATE, 0, 0).with_le(SHORT_MAX_NE);
        match self.exchange(&cmd, "GET CERTIFICATE") {
            Ok(bytes) => Ok(Some(bytes)),
            Err(Error::Refused {
                status: StatusWord::RecordNotFound,
                ..
            }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// UPDATE KEYS: install a center-signed grant key update
    /// ([`eticket_core::chipkeys::ChipKeyUpdate`]) of a higher epoch.
    pub fn update_keys(&mut self, update: &[u8]) -> Result<()> {
        let cmd = Command::new(CLA_PROPRIETARY, INS_UPDATE_KEYS, 0, 0).with_data(update.to_vec());
        self.exchange(&cmd, "UPDATE KEYS").map(drop)
    }

    /// PERSONALIZE: install the center's grant keys, the holder's PIN, the
    /// chip certificate and a member record. A chip accepts this once;
    /// afterwards it is locked.
    pub fn personalize(&mut self, p: &Personalization) -> Result<()> {
        let cmd = Command::new(CLA_PROPRIETARY, INS_PERSONALIZE, 0, 0).with_data(p.to_bytes()?);
        self.exchange(&cmd, "PERSONALIZE").map(drop)
    }
}

fn mutation(data: &[u8]) -> Result<Mutation> {
    let (slot, counter) = parse_mutation(data)?;
    Ok(Mutation { slot, counter })
}

/// The PIN statuses as their own errors.
fn pin_error(e: Error) -> Error {
    match e {
        Error::Refused {
            status: StatusWord::VerificationFailed(tries_left),
            ..
        } => Error::WrongPin { tries_left },
        Error::Refused {
            status: StatusWord::AuthenticationBlocked,
            ..
        } => Error::PinBlocked,
        e => e,
    }
}

/// A PIN is 4 to 12 bytes: refused here rather than sent.
fn check_pin_len(pin: &[u8]) -> Result<()> {
    if !(MIN_PIN_LEN..=MAX_PIN_LEN).contains(&pin.len()) {
        return Err(Error::Invalid {
            what: "PIN",
            reason: "must be 4 to 12 bytes",
        });
    }
    Ok(())
}
