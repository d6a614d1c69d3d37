//! SM4 (GB/T 32907) in the two modes Mobile CA uses: CBC with PKCS#7 padding
//! (GM/T 0010 digital envelopes) and GCM (everything encrypted at rest and
//! end-to-end protocol messages, RFC 8998).

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{AesGcm, KeyInit as _, Nonce};
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit, block_padding::Pkcs7};
use sm4::Sm4;
use sm4::cipher::consts::U12;

use crate::{Error, Result};

/// SM4 key length in bytes.
pub const KEY_LEN: usize = 16;
/// CBC IV length in bytes.
pub const IV_LEN: usize = 16;
/// GCM nonce length in bytes.
pub const GCM_NONCE_LEN: usize = 12;
/// GCM tag length in bytes.
pub const GCM_TAG_LEN: usize = 16;

type Sm4Gcm = AesGcm<Sm4, U12>;

/// SM4-CBC encryption with PKCS#7 padding.
pub fn cbc_encrypt(key: &[u8], iv: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
    let enc = cbc::Encryptor::<Sm4>::new_from_slices(key, iv).map_err(|_| Error::InvalidLength)?;
    Ok(enc.encrypt_padded_vec::<Pkcs7>(plaintext))
}

/// SM4-CBC decryption; fails on a bad length or bad padding.
pub fn cbc_decrypt(key: &[u8], iv: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>> {
    let dec = cbc::Decryptor::<Sm4>::new_from_slices(key, iv).map_err(|_| Error::InvalidLength)?;
    dec.decrypt_padded_vec::<Pkcs7>(ciphertext)
        .map_err(|_| Error::DecryptionFailed)
}

/// SM4-GCM encryption: returns ciphertext ‖ tag.
pub fn gcm_seal(key: &[u8], nonce: &[u8], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
    let cipher = Sm4Gcm::new_from_slice(key).map_err(|_| Error::InvalidLength)?;
    let nonce = Nonce::<U12>::try_from(nonce).map_err(|_| Error::InvalidLength)?;
    cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| Error::InvalidLength)
}

/// SM4-GCM decryption of ciphertext ‖ tag; fails if the tag does not match.
pub fn gcm_open(key: &[u8], nonce: &[u8], aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>> {
    let cipher = Sm4Gcm::new_from_slice(key).map_err(|_| Error::InvalidLength)?;
    let nonce = Nonce::<U12>::try_from(nonce).map_err(|_| Error::InvalidLength)?;
    cipher
        .decrypt(&nonce, Payload { msg: sealed, aad })
        .map_err(|_| Error::DecryptionFailed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    // GB/T 32907 Appendix A example 1: one block, no padding involved.
    #[test]
    fn sm4_block_vector_via_cbc_with_zero_iv() {
        let key = h("0123456789abcdeffedcba9876543210");
        let ct = cbc_encrypt(&key, &[0; 16], &key).unwrap();
        assert_eq!(hex::encode(&ct[..16]), "681edf34d206965e86b3e94f536e4246");
        assert_eq!(ct.len(), 32, "a full block of PKCS#7 padding follows");
        assert_eq!(cbc_decrypt(&key, &[0; 16], &ct).unwrap(), key);
    }

    // RFC 8998 Appendix A.1, SM4-GCM.
    #[test]
    fn sm4_gcm_rfc8998_vector() {
        let key = h("0123456789ABCDEFFEDCBA9876543210");
        let nonce = h("00001234567800000000ABCD");
        let aad = h("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2");
        let pt = h(
            "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDDEEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA",
        );
        let sealed = gcm_seal(&key, &nonce, &aad, &pt).unwrap();
        assert_eq!(
            hex::encode_upper(&sealed),
            "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D83DE3541E4C2B58177E065A9BF7B62EC"
        );
        assert_eq!(gcm_open(&key, &nonce, &aad, &sealed).unwrap(), pt);
        let mut bad = sealed.clone();
        bad[0] ^= 1;
        assert_eq!(
            gcm_open(&key, &nonce, &aad, &bad),
            Err(Error::DecryptionFailed)
        );
        assert_eq!(
            gcm_open(&key, &nonce, b"other", &sealed),
            Err(Error::DecryptionFailed)
        );
    }

    #[test]
    fn wrong_lengths_are_errors() {
        assert_eq!(
            cbc_encrypt(&[0; 15], &[0; 16], b"x"),
            Err(Error::InvalidLength)
        );
        assert_eq!(
            gcm_seal(&[0; 16], &[0; 11], b"", b"x"),
            Err(Error::InvalidLength)
        );
        assert_eq!(
            cbc_decrypt(&[0; 16], &[0; 16], &[0; 15]),
            Err(Error::DecryptionFailed)
        );
    }
}
