//! The Mobile CA domain: everything the server knows about accounts,
//! devices, real-name verification, the catalogue, the inbox and the audit
//! log, without HTTP or SQL.
//!
//! The server's handlers call the services thinly; the services hold the
//! business rules and reach storage only through the store traits, which
//! `mca-store` implements for SQLite and PostgreSQL.
//!
//! # Layout
//! - [`id`]: typed identifiers (`UserId`, `DeviceId`, …), UUID v7 as strings.
//! - [`time`]: [`Timestamp`] (unix seconds, UTC) and the injected [`Clock`].
//! - [`values`]: validated values, each built by `X::parse` (`Phone`,
//!   `IdNumber`, `CreditCode`, `Password`, `PersonName`, `SmsCode`).
//! - [`error`]: [`DomainError`] (stable code + Chinese message) and the
//!   opaque [`StoreError`].
//! - [`store`]: the store traits, one per aggregate, and the records they hold.
//! - [`providers`]: SMS and face-verification provider traits with their
//!   development implementations.
//! - [`vault`]: [`KeyVault`], SM4-GCM sealing of secrets at rest.
//! - [`audit`]: the SM3 hash chain and the [`Audit`] service.
//! - [`accounts`], [`devices`], [`identity`], [`catalogue`], [`messages`]:
//!   one service per feature group (A1/A2/I1/I2, devices, A3, M2, M3).
//! - [`certificates`]: personal certificates (issue 5): applications,
//!   review, issuance, two-party key use, revocation.
//! - [`relying_parties`]: relying parties (issue 6): registry and API
//!   credentials, request authentication, QR sessions.
//! - [`services`]: [`Services`], all services wired on one store.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod accounts;
pub mod audit;
pub mod catalogue;
pub mod certificates;
pub mod devices;
pub mod enterprises;
pub mod error;
pub mod id;
pub mod identity;
pub mod messages;
pub mod providers;
pub mod relying_parties;
pub mod services;
pub mod store;
pub mod time;
pub mod values;
pub mod vault;

pub use accounts::{Accounts, CodePolicy, Login};
pub use audit::Audit;
pub use catalogue::Catalogue;
pub use devices::{Caller, Devices, NewDevice, SessionToken, SignedRequest};
pub use error::{DomainError, ErrorKind, StoreError, StoreErrorKind};
pub use id::*;
pub use identity::Identity;
pub use messages::Messages;
pub use services::{DevProviders, Services};
pub use store::Store;
pub use time::{Clock, ManualClock, SystemClock, Timestamp};
pub use values::*;
pub use vault::{KeyVault, SealedSecret, VaultError};

/// The result type of every service call.
pub type Result<T, E = DomainError> = std::result::Result<T, E>;
