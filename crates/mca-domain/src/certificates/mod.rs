//! Personal certificates end to end (issue 5): application and payment
//! (D4/D6/D8), CA review (M1), over-the-air issuance with two-party keys
//! (M6, PROTOCOL.md §1), use of the keys (§2, §4, §5, §6), PIN change
//! (I3), revocation with CRL and OCSP (M1).
//!
//! # Layout
//! - [`authorities`]: [`Authorities`], the CA hierarchy of each CA
//!   organization of the catalogue.
//! - [`applications`]: [`Applications`], applying, paying, resubmitting,
//!   renewal and re-application.
//! - [`review`]: [`Review`], reviewer accounts and decisions.
//! - [`keys`]: [`Keys`], two-party signing sessions, PIN failures and
//!   locking, unlock, blinded decryption, PIN change.
//! - [`issuance`]: [`Issuance`], over-the-air issuance with intents,
//!   re-keying (forgotten PIN, recovery).
//! - [`revocation`]: [`Revocation`], revoking, CRLs and OCSP answers.

pub mod applications;
pub mod authorities;
pub mod issuance;
pub mod keys;
pub mod review;
pub mod revocation;

pub use applications::{Applications, CertificateInfo, Uploads};
pub use authorities::Authorities;
pub use issuance::{DownloadStarted, Downloaded, Issuance};
pub use keys::{Keys, SignBegun, SignFinished};
pub use review::{PendingApplication, Review, ReviewerView};
pub use revocation::Revocation;
