#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mca_pki::seal::v1::parse_any(data).map(|s| s.verify());
});
