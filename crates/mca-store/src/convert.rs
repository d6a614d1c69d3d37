//! Column values ↔ domain values, shared by both backends. A stored value
//! that fails its domain check is `Corrupt`, never silently dropped.

use mca_domain::store::{IdentityState, MessageKind};
use mca_domain::{CodePurpose, PersonName, Phone, StoreError};
use mca_domain::{PasswordHash, Timestamp};

use crate::error::corrupt;

pub(crate) fn id<T: std::str::FromStr>(s: &str) -> Result<T, StoreError> {
    s.parse().map_err(|_| corrupt("stored id"))
}

pub(crate) fn hash32(b: &[u8]) -> Result<[u8; 32], StoreError> {
    b.try_into().map_err(|_| corrupt("stored hash"))
}

pub(crate) fn phone(s: &str) -> Result<Phone, StoreError> {
    Phone::parse(s).map_err(|_| corrupt("stored phone"))
}

pub(crate) fn name(s: &str) -> Result<PersonName, StoreError> {
    PersonName::parse(s).map_err(|_| corrupt("stored name"))
}

pub(crate) fn purpose(s: &str) -> Result<CodePurpose, StoreError> {
    CodePurpose::parse(s).ok_or_else(|| corrupt("stored code purpose"))
}

pub(crate) fn identity_state(s: &str) -> Result<IdentityState, StoreError> {
    IdentityState::parse(s).ok_or_else(|| corrupt("stored identity state"))
}

pub(crate) fn message_kind(s: &str) -> Result<MessageKind, StoreError> {
    MessageKind::parse(s).ok_or_else(|| corrupt("stored message kind"))
}

pub(crate) fn u32_of(n: i64) -> Result<u32, StoreError> {
    u32::try_from(n).map_err(|_| corrupt("stored count"))
}

/// A stored enum (`X::parse` of its text form).
pub(crate) fn stored<T>(s: &str, parse: fn(&str) -> Option<T>) -> Result<T, StoreError> {
    parse(s).ok_or_else(|| corrupt("stored state"))
}

pub(crate) fn opt_ts(n: Option<i64>) -> Option<Timestamp> {
    n.map(Timestamp)
}

pub(crate) fn password_hash(s: String) -> PasswordHash {
    PasswordHash::from_stored(s)
}
