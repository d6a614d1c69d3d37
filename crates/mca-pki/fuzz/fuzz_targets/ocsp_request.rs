#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mca_pki::ocsp::OcspRequest::from_der(data);
});
