//! The venue unit's upload batch decoder: any bytes decode to a valid batch
//! or fail with an error, never a panic; whatever decodes encodes again and
//! decodes to the same batch.
#![no_main]

use eticket_entries::UploadBatch;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(batch) = UploadBatch::decode(data) {
        let again = batch.encode().expect("a decoded batch encodes");
        let back = UploadBatch::decode(&again).expect("an encoded batch decodes");
        assert_eq!(back, batch);
    }
});
