//! Personalizing a blank card at a POS from the center's answer, as it
//! comes: `POST /v1/chips/personalization` (grant keys and certificate) or a
//! membership registration's `MembershipCard` (grant keys and the member
//! record), with the PIN the holder chose on the PIN pad.

use ::eticket_chip::protocol::{MemberRecord, Personalization, Pin};
use eticket_core::crypto::PublicKey;
use eticket_core::ids::{ChipId, DistributorId, KeyId, MemberId};
use eticket_core::time::Timestamp;
use serde::Deserialize;

use crate::chip::eticket_chip;
use crate::ffi::{BoxHandle, bytes};
use crate::panic::boundary;
use crate::result::eticket_result;

/// Longest center answer taken.
const MAX_ANSWER_LEN: usize = 16 * 1024;

#[derive(Deserialize)]
struct GrantKey {
    id: u16,
    public_key: String,
}

/// The fields of either center answer that PERSONALIZE needs.
#[derive(Deserialize)]
struct Answer {
    chip: Option<String>,
    grant_keys: Vec<GrantKey>,
    #[serde(default)]
    certificate: Option<String>,
    #[serde(default)]
    distributor: Option<u16>,
    #[serde(default)]
    member: Option<u32>,
    #[serde(default)]
    valid_until: Option<u64>,
}

fn unhex(text: &str) -> Result<Vec<u8>, eticket_result> {
    if text.len() % 2 != 0 || text.len() > 2 * MAX_ANSWER_LEN {
        return Err(eticket_result::Malformed);
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2).unwrap_or("zz"), 16))
        .collect::<Result<Vec<u8>, _>>()
        .map_err(|_| eticket_result::Malformed)
}

fn personalization(answer: &Answer, pin: Pin) -> Result<Personalization, eticket_result> {
    let mut keys = Vec::with_capacity(answer.grant_keys.len());
    for k in &answer.grant_keys {
        let key =
            PublicKey::from_sec1(&unhex(&k.public_key)?).map_err(|_| eticket_result::InvalidKey)?;
        keys.push((KeyId(k.id), key));
    }
    let mut p = Personalization::new(keys, pin);
    if let Some(cert) = &answer.certificate {
        p = p.with_certificate(unhex(cert)?);
    }
    if let (Some(d), Some(m)) = (answer.distributor, answer.member) {
        p = p.with_member(Some(MemberRecord {
            distributor: DistributorId(d),
            member: MemberId(m),
            valid_until: Timestamp(answer.valid_until.unwrap_or(0)),
        }));
    }
    Ok(p)
}

/// Personalize the blank card `chip` with the center's answer `(answer_json,
/// answer_len)` (the JSON body of `POST /v1/chips/personalization`, or of a
/// membership registration) and the holder's PIN `(pin, pin_len)` (4 to 12
/// bytes; the card asks for it before it signs a transfer; it never goes to
/// the center). The answer must be for this chip. A card is personalized
/// once: a second time is `ETICKET_RESULT_CHIP_REFUSED`.
///
/// A PIN of the wrong length is `ETICKET_RESULT_INVALID_PARAMETER` (checked
/// first), a JSON answer that does not parse `ETICKET_RESULT_MALFORMED`, one
/// for another chip `ETICKET_RESULT_GRANT_MISMATCH`.
///
/// # Safety
///
/// `chip` is a live handle used by no other thread; the byte inputs are
/// readable for their lengths.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_chip_personalize(
    chip: *mut eticket_chip,
    answer_json: *const u8,
    answer_len: usize,
    pin: *const u8,
    pin_len: usize,
) -> eticket_result {
    boundary(|| {
        // SAFETY: the caller's contract covers every pointer.
        let (chip, json, pin) = unsafe {
            (
                eticket_chip::as_mut(chip)?,
                bytes(answer_json, answer_len)?,
                bytes(pin, pin_len)?,
            )
        };
        // The parameters first, then the answer.
        let pin = Pin::new(pin).map_err(|_| eticket_result::InvalidParameter)?;
        if json.len() > MAX_ANSWER_LEN {
            return Err(eticket_result::InputTooLarge);
        }
        let answer: Answer = serde_json::from_slice(json).map_err(|_| eticket_result::Malformed)?;
        let p = personalization(&answer, pin)?;
        let info = chip.info()?;
        if let Some(named) = &answer.chip {
            let id = unhex(named)?;
            if ChipId::from_public_key(&info.public_key.to_uncompressed()).0[..] != id[..] {
                return Err(eticket_result::GrantMismatch);
            }
        }
        chip.personalize(&p)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg_attr(miri, ignore = "signatures take minutes under Miri")]
    fn answers_parse_and_bad_ones_are_refused() {
        let key = eticket_core::fixtures::grant_key();
        let hexkey: String = key
            .public_key()
            .to_uncompressed()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let json = format!(r#"{{"grant_keys":[{{"id":2,"public_key":"{hexkey}"}}]}}"#);
        let answer: Answer = serde_json::from_str(&json).unwrap();
        let pin = || Pin::new(b"1234").unwrap();
        let p = personalization(&answer, pin()).unwrap();
        assert_eq!(p.grant_keys.len(), 1);
        let bad: Answer =
            serde_json::from_str(r#"{"grant_keys":[{"id":2,"public_key":"04zz"}]}"#).unwrap();
        assert!(personalization(&bad, pin()).is_err());
        // SAFETY: NULL handle: refused before anything is read.
        let r = unsafe {
            eticket_chip_personalize(
                std::ptr::null_mut(),
                json.as_ptr(),
                json.len(),
                b"1234".as_ptr(),
                4,
            )
        };
        assert_eq!(r, eticket_result::NullParameter);
    }
}
