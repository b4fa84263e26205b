//! Chip certificates (issue "impossible to fool", 8): when a chip is
//! personalized the center signs its public key with the current grant key
//! ([`eticket_core::certificate::ChipCertificate`]); the chip keeps the
//! certificate, and a gate configured to require certificates admits only
//! chips the center personalized.

use eticket_core::certificate::ChipCertificate;
use eticket_core::chipkeys::MAX_CHIP_GRANT_KEYS;
use eticket_core::crypto::PublicKey;
use eticket_core::ids::ChipId;
use serde::{Deserialize, Serialize};

use crate::center::{Center, Principal};
use crate::distributor::CardGrantKey;
use crate::wire;
use crate::{Error, Result};

/// What a terminal asks to personalize a blank card: the card's public key
/// (GET INFO).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PersonalizationRequest {
    /// The chip's public key, uncompressed SEC1 (65 bytes).
    #[serde(with = "wire::hex_bytes")]
    #[schemars(with = "wire::schema::HexBytes")]
    pub public_key: Vec<u8>,
}

/// What a terminal writes to a blank card with PERSONALIZE, besides the
/// holder's PIN (which never reaches the center): the grant keys the card
/// trusts, newest first, and the center's certificate of the card's key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ChipPersonalization {
    /// The chip (derived from its public key).
    #[serde(with = "wire::chip")]
    #[schemars(with = "wire::schema::ChipHex")]
    pub chip: ChipId,
    /// The grant keys to install.
    pub grant_keys: Vec<CardGrantKey>,
    /// The chip certificate (eticket-core `ChipCertificate`, signed).
    #[serde(with = "wire::hex_bytes")]
    #[schemars(with = "wire::schema::HexBytes")]
    pub certificate: Vec<u8>,
}

impl Center {
    /// Sign a certificate for the chip with this public key (uncompressed
    /// SEC1, as GET INFO reports it). Operators, distributors and store
    /// terminals personalize chips; gates and organizers may not.
    ///
    /// ```
    /// use eticket_center::{Center, Principal};
    /// use eticket_core::certificate::ChipCertificate;
    /// use eticket_core::crypto::SecretKey;
    /// let center = Center::open_in_memory()?;
    /// let chip = SecretKey::from_bytes(&[9; 32]).unwrap().public_key();
    /// let cert = center.certify_chip(&Principal::Operator, &chip.to_uncompressed())?;
    /// let keys = center.current_keys()?.key_set()?;
    /// let c = ChipCertificate::from_signed_bytes(&cert, &keys, center.now()).unwrap();
    /// assert_eq!(c.public, chip);
    /// # Ok::<(), eticket_center::Error>(())
    /// ```
    pub fn certify_chip(&self, who: &Principal, public_key: &[u8]) -> Result<Vec<u8>> {
        match who {
            Principal::Operator | Principal::Distributor(_) | Principal::Terminal(_) => {}
            Principal::Gate(_) | Principal::Unit { .. } | Principal::Organizer(_) => {
                return Err(Error::Forbidden(
                    "only operators, distributors and store terminals personalize chips".into(),
                ));
            }
        }
        let public = PublicKey::from_sec1(public_key)
            .map_err(|_| Error::invalid("public_key", "not a P-256 public key"))?;
        let keys = self.current_keys()?;
        Ok(ChipCertificate::new(public, self.now()).to_signed_bytes(&keys.grant)?)
    }

    /// Everything but the PIN to personalize the blank card with this public
    /// key: the grant keys it should trust (the prepared next key first, as
    /// at the command line) and its certificate. Changes nothing in the
    /// ledger. Operators, distributors and store terminals.
    pub fn chip_personalization(
        &self,
        who: &Principal,
        req: &PersonalizationRequest,
    ) -> Result<ChipPersonalization> {
        let certificate = self.certify_chip(who, &req.public_key)?;
        let keys = self.current_keys()?;
        let grant_keys = keys
            .grant_keys_to_install(MAX_CHIP_GRANT_KEYS)
            .into_iter()
            .map(|(id, key)| CardGrantKey {
                id,
                public_key: key.to_uncompressed().to_vec(),
            })
            .collect();
        Ok(ChipPersonalization {
            chip: ChipId::from_public_key(&req.public_key),
            grant_keys,
            certificate,
        })
    }
}
