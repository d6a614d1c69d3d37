#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mca_pki::gmt0010::enveloped::parse(data).map(|e| e.decrypt_content(&[0u8; 16]));
});
