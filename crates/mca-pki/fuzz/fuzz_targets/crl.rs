#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mca_pki::crl::Crl::from_der(data).map(|c| c.lookup(&[1, 2, 3]));
});
