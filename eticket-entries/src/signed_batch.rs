//! Upload batches signed by the venue unit that sends them. Every unit has a
//! key of its own (made on first use, kept in its entry log); the center
//! registers the unit's public key with the unit's credential and stores a
//! batch only when that unit's key signed it. So one unit's credential
//! cannot upload another unit's scans, and a batch changed on the way, or
//! made up by someone holding a shared event token, is refused.
//!
//! Layout: the encoded [`UploadBatch`] ‖ signature r‖s (64 bytes), signed
//! under [`Domain::EntryBatch`] over the encoded batch.

use eticket_core::crypto::{Domain, PublicKey, SIGNATURE_LEN, SecretKey};

use crate::upload::{MAX_BATCH_LEN, UploadBatch};
use crate::{Error, Result};

/// Largest signed batch.
pub const MAX_SIGNED_BATCH_LEN: usize = MAX_BATCH_LEN + SIGNATURE_LEN;

/// Encode `batch` and sign it with the unit's key.
pub fn sign_batch(batch: &UploadBatch, key: &SecretKey) -> Result<Vec<u8>> {
    let mut out = batch.encode()?;
    let sig = key
        .sign_hedged(Domain::EntryBatch, &out, &mut rand_core::OsRng)
        .map_err(|_| Error::Batch("cannot sign the batch"))?;
    out.extend_from_slice(&sig);
    Ok(out)
}

/// The batch inside a signed upload, not verified: to learn which unit
/// must have signed it.
pub fn peek_signed_batch(bytes: &[u8]) -> Result<UploadBatch> {
    let (batch, _) = split(bytes)?;
    UploadBatch::decode(batch)
}

/// Verify a signed upload with the unit's public key, then decode it.
pub fn open_signed_batch(bytes: &[u8], unit_key: &PublicKey) -> Result<UploadBatch> {
    let (batch, sig) = split(bytes)?;
    unit_key
        .verify(Domain::EntryBatch, batch, sig)
        .map_err(|_| Error::Batch("the batch is not signed by its unit's key"))?;
    UploadBatch::decode(batch)
}

fn split(bytes: &[u8]) -> Result<(&[u8], &[u8; SIGNATURE_LEN])> {
    if bytes.len() > MAX_SIGNED_BATCH_LEN {
        return Err(Error::BatchTooLarge {
            len: bytes.len(),
            max: MAX_SIGNED_BATCH_LEN,
            unit: "bytes",
        });
    }
    if bytes.len() < SIGNATURE_LEN + 1 {
        return Err(Error::Batch("shorter than a signed batch"));
    }
    let (batch, sig) = bytes.split_at(bytes.len() - SIGNATURE_LEN);
    let sig: &[u8; SIGNATURE_LEN] = sig
        .try_into()
        .map_err(|_| Error::Batch("shorter than a signed batch"))?;
    Ok((batch, sig))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::upload::Cursor;
    use eticket_core::fixtures;

    #[test]
    fn signed_batches_open_only_with_their_units_key() {
        let unit = SecretKey::from_bytes(&[0x31; 32]).unwrap();
        let other = SecretKey::from_bytes(&[0x32; 32]).unwrap();
        let batch =
            UploadBatch::new("north", fixtures::EVENT, Cursor(0), Cursor(0), vec![]).unwrap();
        let signed = sign_batch(&batch, &unit).unwrap();
        assert_eq!(
            open_signed_batch(&signed, &unit.public_key()).unwrap(),
            batch
        );
        assert_eq!(peek_signed_batch(&signed).unwrap(), batch);
        assert!(open_signed_batch(&signed, &other.public_key()).is_err());
        let mut changed = signed.clone();
        changed[2] ^= 1;
        assert!(open_signed_batch(&changed, &unit.public_key()).is_err());
        assert!(open_signed_batch(&batch.encode().unwrap(), &unit.public_key()).is_err());
        assert!(peek_signed_batch(&[1]).is_err());
    }
}
