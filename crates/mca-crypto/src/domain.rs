//! Domain separation: every message Mobile CA itself signs, MACs or uses as
//! AAD begins with a tag starting with [`RESERVED_PREFIX`]. A signature the
//! user makes over caller-chosen bytes (the app's own signing endpoint, a
//! relying party's raw data) must never begin like one of them, or it could
//! pass as a login, a receipt, a decryption authorization or a PIN check.
//! [`is_reserved`] is the one test every such entry point applies.

/// What every domain tag of this workspace starts with.
pub const RESERVED_PREFIX: &[u8] = b"MCA-";

/// Bytes signed for a relying party's auth (login, bind) or cert session.
pub const RP_AUTH_TAG: &[u8] = b"MCA-RP-AUTH-V1\0";
/// Bytes signed for a relying party's confirm session (a receipt).
pub const RP_CONFIRM_TAG: &[u8] = b"MCA-RP-CONFIRM-V1\0";
/// The MAC of an animated QR frame.
pub const RP_QR_TAG: &[u8] = b"MCA-RP-QR-V1\0";
/// The authorization the server needs before one blinded decryption (§5).
pub const DECRYPT_AUTH_TAG: &[u8] = b"MCA-DECRYPT-AUTH-V1\0";
/// The challenge signed with the old PIN to change it (I3).
pub const PIN_CHANGE_TAG: &[u8] = b"MCA-PIN-CHANGE-V1\0";

/// Whether `data` begins like one of Mobile CA's own messages. Checked by
/// prefix, not against a list, so a tag added later is covered without
/// touching the callers.
pub fn is_reserved(data: &[u8]) -> bool {
    data.starts_with(RESERVED_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_signed_message_of_the_protocol_is_reserved() {
        let point = crate::sm2::Point::from_hex("0432c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7bc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0").unwrap();
        let blinded = crate::twoparty::messages::BlindedPoint { t1: point };
        let signed = [
            crate::rp::auth_challenge("rp", "s", b"c", "login"),
            crate::rp::confirm_payload("rp", "s", "f", b"h", "r"),
            crate::twoparty::server::decryption_authorization(b"s", &blinded),
            PIN_CHANGE_TAG.to_vec(),
            RP_QR_TAG.to_vec(),
            b"MCA-SEAL-V1\0".to_vec(),
            b"MCA-PIN-MASK-V1".to_vec(),
            b"MCA-DEVICE-REQUEST-V1\n".to_vec(),
        ];
        for m in &signed {
            assert!(is_reserved(m), "{:?}", String::from_utf8_lossy(m));
        }
        for ok in [&b"%PDF-1.7"[..], b"MCA", b"mca-rp-auth", b"", b"\0MCA-"] {
            assert!(!is_reserved(ok));
        }
    }
}
