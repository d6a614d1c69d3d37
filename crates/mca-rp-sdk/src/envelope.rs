//! GM/T 0010 digital envelopes for bid files (K3, L2): the bid-file tool
//! seals a document to the bidder's encryption certificate (from a cert
//! session, K1); at the opening (L2) the hall opens it with the content key
//! a decrypt session returned ([`crate::open_content_keys`]).

use mca_pki::cert::Certificate;
use mca_pki::gmt0010::enveloped;

use crate::{Error, Result};

/// `content` enveloped (SM4-CBC, content key SM2-encrypted) to the
/// encryption certificate `encryption_der`; DER `ContentInfo`.
pub fn seal(content: &[u8], encryption_der: &[u8]) -> Result<Vec<u8>> {
    let cert = Certificate::from_der(encryption_der)
        .map_err(|_| Error::InvalidInput("encryption certificate"))?;
    enveloped::seal(content, &[&cert]).map_err(|_| Error::Crypto("envelope"))
}

/// The content of an envelope, given its content key.
pub fn open_with_key(envelope_der: &[u8], content_key: &[u8]) -> Result<Vec<u8>> {
    let envelope = enveloped::parse(envelope_der).map_err(|_| Error::InvalidInput("envelope"))?;
    envelope
        .decrypt_content(content_key)
        .map_err(|_| Error::verification("the content key does not open the envelope"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mca_crypto::sm2::SecretKey;
    use mca_pki::ca::{CaConfig, CaHierarchy, Lifetimes};
    use mca_pki::profile::Holder;

    #[test]
    fn sealed_to_an_encryption_certificate_opens_with_its_content_key_only() {
        let ca = CaHierarchy::create(
            CaConfig {
                organization: "测试CA".into(),
                crl_url: None,
                ocsp_url: None,
            },
            Lifetimes::default(),
        )
        .unwrap();
        let enc = SecretKey::generate().unwrap();
        let holder = Holder::Person {
            name: "张三".into(),
            resident_id: "11010519491231002X".into(),
        };
        let signing = SecretKey::generate().unwrap();
        let (_, encryption) = mca_pki::issue::issue_pair(
            holder,
            *signing.public_key(),
            *enc.public_key(),
            30,
            &ca.issuer(),
            ca.issuing_signer(),
        )
        .unwrap();
        let bid = "投标报价：壹佰万元".as_bytes();
        let der = seal(bid, encryption.to_der()).unwrap();
        // The content key as a decrypt session hands it over.
        let content_key = enveloped::parse(&der)
            .unwrap()
            .encrypted_key_for(&encryption)
            .unwrap()
            .decrypt(&enc)
            .unwrap();
        assert_eq!(open_with_key(&der, &content_key).unwrap(), bid);
        let mut wrong = content_key.to_vec();
        wrong[0] ^= 1;
        // (Usually a padding error; never the bid.)
        assert_ne!(open_with_key(&der, &wrong).ok().as_deref(), Some(bid));
        assert!(seal(bid, b"not a certificate").is_err());
        assert!(open_with_key(b"not an envelope", &content_key).is_err());
    }
}
