use async_trait::async_trait;

use super::StoreResult;
use crate::{PasswordHash, Phone, Timestamp, UserId};

/// An account (A1). `Debug` shows the phone masked and no password hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// The account.
    pub id: UserId,
    /// Its login phone number (unique).
    pub phone: Phone,
    /// The Argon2id hash, once a password is set (A2).
    pub password_hash: Option<PasswordHash>,
    /// When real-name verification completed (A3).
    pub verified_at: Option<Timestamp>,
    /// When the account was created.
    pub created_at: Timestamp,
}

/// Accounts.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Inserts a new account. `Conflict` if the phone is taken (two
    /// instances registering one phone at once: one wins, the other then
    /// finds the winner by phone).
    async fn insert_user(&self, user: &User) -> StoreResult<()>;

    /// The account with this id.
    async fn user(&self, id: UserId) -> StoreResult<Option<User>>;

    /// The account with this phone number.
    async fn user_by_phone(&self, phone: &Phone) -> StoreResult<Option<User>>;

    /// Sets the password hash; `false` if there is no such user.
    async fn set_password_hash(&self, id: UserId, hash: &PasswordHash) -> StoreResult<bool>;

    /// Changes the phone number; `Conflict` if another account has it.
    async fn set_phone(&self, id: UserId, phone: &Phone) -> StoreResult<bool>;
}
