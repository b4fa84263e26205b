//! Chip certificates (issue "impossible to fool", 8): when a chip is
//! personalized the center signs its public key with the current grant key
//! ([`eticket_core::certificate::ChipCertificate`]); the chip keeps the
//! certificate, and a gate configured to require certificates admits only
//! chips the center personalized.

use eticket_core::certificate::ChipCertificate;
use eticket_core::crypto::PublicKey;

use crate::center::{Center, Principal};
use crate::{Error, Result};

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
}
