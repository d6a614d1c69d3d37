//! Mobile CA PKI: certificate authorities (M1/M2), GM/T 0015 dual
//! certificates, PKCS#10, CRL and OCSP (M1), GM/T 0010 signed and enveloped
//! messages, and GB/T 38540 electronic seals (J3, K2, C3, D2).
//!
//! Pure data transformations over the crypto core: nothing here does I/O
//! except [`ca::CaHierarchy::save`]/[`ca::CaHierarchy::load`]. Every signed
//! structure is built in two steps (prepare → the exact bytes to sign;
//! assemble ← their signature) so the two-party protocol and HSMs fit; see
//! [`signer`].
//!
//! # Layout
//! - [`oids`]: the GM/T 0006 and PKIX object identifiers.
//! - [`signer`]: the `Signer` trait, `SoftwareSigner`, the two-step
//!   `ToBeSigned` shape.
//! - [`algorithm`]: sm2-with-sm3, SM2 SubjectPublicKeyInfo, key identifiers,
//!   the signed-envelope shape, times.
//! - [`identity`]: resident ID and unified social credit code check digits.
//! - [`name`]: distinguished names.
//! - [`profile`]: GM/T 0015 holders, usages and extensions.
//! - [`cert`]: our TBSCertificate, prepared and parsed certificates.
//! - [`issue`]: the issuance pipeline validate → profile → lint → sign.
//! - [`csr`]: PKCS#10 requests (proof of possession).
//! - [`crl`]: CRLs with reason codes.
//! - [`ocsp`]: RFC 6960 requests and signed responses.
//! - [`gmt0010`]: GM/T 0010 SignedData and EnvelopedData.
//! - [`seal`]: GB/T 38540 seals and signatures (v4; v1 parse/verify), PNG.
//! - [`keystore`]: CA keys encrypted at rest.
//! - [`ca`]: a CA organization's root, issuing CA and seal maker.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod algorithm;
pub mod ca;
pub mod cert;
pub mod crl;
pub mod csr;
mod error;
pub mod gmt0010;
pub mod identity;
pub mod issue;
pub mod keystore;
pub mod name;
pub mod ocsp;
pub mod oids;
pub mod profile;
pub mod seal;
pub mod signer;

pub use error::{Error, Result};
