//! Accounts (A1, A2, I1, I2): SMS codes, login (the first login registers),
//! passwords and the phone number.
//!
//! Code rules: six digits from the CSPRNG, valid five minutes, single use,
//! five tries; only an SM3 hash is stored. Sending is rate-limited per
//! phone (one a minute, five an hour, ten a day) and per client address
//! (thirty an hour). Send quotas, attempts and single use are enforced by
//! conditional updates in the database, so they hold across server
//! instances.

use std::sync::Arc;

use subtle::ConstantTimeEq;

use crate::devices::{Devices, NewDevice, SessionToken};
use crate::providers::SmsSender;
use crate::store::{CodeRecord, SendQuota, Store, User};
use crate::{
    Audit, Clock, CodeId, CodePurpose, DeviceId, DomainError, Password, Phone, Result, SmsCode,
    UserId,
};

/// The code and rate-limit rules (defaults are the product's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodePolicy {
    /// How long a code is valid (300 s).
    pub ttl_secs: i64,
    /// Verification attempts per code (5).
    pub max_attempts: u32,
    /// Minimum seconds between two codes to one phone (60).
    pub resend_interval_secs: i64,
    /// Codes per phone per hour (5).
    pub per_phone_per_hour: u32,
    /// Codes per phone per day (10).
    pub per_phone_per_day: u32,
    /// Codes per client address per hour (30).
    pub per_ip_per_hour: u32,
    /// Password logins per phone per hour, right or wrong (10).
    pub password_attempts_per_hour: u32,
}

impl CodePolicy {
    fn phone_quota(&self) -> SendQuota {
        SendQuota {
            min_interval_secs: self.resend_interval_secs,
            per_hour: self.per_phone_per_hour,
            per_day: self.per_phone_per_day,
        }
    }

    fn password_quota(&self) -> SendQuota {
        SendQuota {
            min_interval_secs: 0,
            per_hour: self.password_attempts_per_hour,
            per_day: u32::MAX,
        }
    }

    fn ip_quota(&self) -> SendQuota {
        SendQuota {
            min_interval_secs: 0,
            per_hour: self.per_ip_per_hour,
            per_day: u32::MAX,
        }
    }
}

impl Default for CodePolicy {
    fn default() -> Self {
        Self {
            ttl_secs: 300,
            max_attempts: 5,
            resend_interval_secs: 60,
            per_phone_per_hour: 5,
            per_phone_per_day: 10,
            per_ip_per_hour: 30,
            password_attempts_per_hour: 10,
        }
    }
}

/// A successful login.
#[derive(Debug)]
pub struct Login {
    /// The account.
    pub user: User,
    /// The device registered by this login.
    pub device_id: DeviceId,
    /// The bearer token for that device (shown to the phone once).
    pub token: SessionToken,
    /// Whether this login created the account (A1).
    pub registered: bool,
}

/// The account service.
#[derive(Clone)]
pub struct Accounts {
    store: Arc<dyn Store>,
    sms: Arc<dyn SmsSender>,
    clock: Arc<dyn Clock>,
    audit: Audit,
    devices: Devices,
    policy: CodePolicy,
}

fn code_hash(id: CodeId, phone: &Phone, purpose: CodePurpose, code: &SmsCode) -> [u8; 32] {
    mca_crypto::sm3::sm3_parts(&[
        b"MCA-SMS-CODE-V1",
        id.to_string().as_bytes(),
        phone.as_str().as_bytes(),
        purpose.as_str().as_bytes(),
        code.expose().as_bytes(),
    ])
}

fn user_ref(id: UserId) -> String {
    format!("user:{id}")
}

impl Accounts {
    /// The account service.
    pub fn new(
        store: Arc<dyn Store>,
        sms: Arc<dyn SmsSender>,
        clock: Arc<dyn Clock>,
        audit: Audit,
        devices: Devices,
        policy: CodePolicy,
    ) -> Self {
        Self {
            store,
            sms,
            clock,
            audit,
            devices,
            policy,
        }
    }

    /// Sends a fresh code for `purpose` to `phone`, if the rate limits of
    /// both the phone and `client_ip` (the caller's address as the server
    /// sees it, e.g. `203.0.113.9`; never empty) allow. For [`CodePurpose::ChangePhone`]
    /// the number must not belong to an account.
    pub async fn send_code(
        &self,
        phone: &Phone,
        purpose: CodePurpose,
        client_ip: &str,
    ) -> Result<()> {
        // An empty address would put every client in one quota.
        if client_ip.is_empty() || client_ip.len() > 64 {
            return Err(DomainError::InvalidInput("client address"));
        }
        let now = self.clock.now();
        let p = &self.policy;
        // The address first: a refused phone still costs the address a
        // send, which is what slows down someone cycling through numbers.
        let quotas = [
            (format!("ip:{client_ip}"), p.ip_quota()),
            (format!("phone:{}", phone.as_str()), p.phone_quota()),
        ];
        for (key, quota) in &quotas {
            self.take_quota(key, quota, phone).await?;
        }
        if purpose == CodePurpose::ChangePhone && self.store.user_by_phone(phone).await?.is_some() {
            return Err(DomainError::PhoneTaken);
        }
        // Expired codes are kept a day for inquiries, then pruned.
        self.store
            .prune_codes(now.plus(-86_400 - p.ttl_secs))
            .await?;
        let code = SmsCode::generate()?;
        let id = CodeId::new();
        self.store
            .insert_code(&CodeRecord {
                id,
                phone: phone.clone(),
                purpose,
                code_hash: code_hash(id, phone, purpose, &code),
                client_ip: client_ip.to_owned(),
                created_at: now,
                expires_at: now.plus(p.ttl_secs),
                attempts: 0,
                consumed_at: None,
            })
            .await?;
        self.sms.send_code(phone, &code, purpose).await?;
        Ok(())
    }

    /// Takes one use of the quota `key`, or answers when to retry (and
    /// audits the refusal).
    async fn take_quota(&self, key: &str, quota: &SendQuota, phone: &Phone) -> Result<()> {
        let now = self.clock.now();
        if self.store.take_send_quota(key, now, quota).await? {
            return Ok(());
        }
        let retry_after = match self.store.send_quota(key).await? {
            Some(state) => state.retry_after(quota, now).max(1),
            None => quota.min_interval_secs.max(1),
        };
        // The quota's kind only: its key holds the full phone number.
        let kind = key.split(':').next().unwrap_or("");
        let subject = format!("phone:{}", phone.masked());
        self.audit
            .append("system", "rate_limited", &subject, kind)
            .await?;
        Err(DomainError::RateLimited { retry_after })
    }

    /// Checks and consumes the latest code for (phone, purpose).
    /// Checks and uses up a code sent for `purpose` (for other services'
    /// SMS confirmations, e.g. unlocking a certificate key).
    pub async fn verify_code(
        &self,
        phone: &Phone,
        purpose: CodePurpose,
        code: &SmsCode,
    ) -> Result<()> {
        self.use_code(phone, purpose, code).await
    }

    async fn use_code(&self, phone: &Phone, purpose: CodePurpose, code: &SmsCode) -> Result<()> {
        let now = self.clock.now();
        let rec = self
            .store
            .latest_code(phone, purpose)
            .await?
            .ok_or(DomainError::NoCode)?;
        if rec.consumed_at.is_some() {
            return Err(DomainError::CodeUsed);
        }
        if now >= rec.expires_at {
            return Err(DomainError::CodeExpired);
        }
        // Claim the attempt before comparing: parallel guesses cannot
        // exceed max_attempts comparisons in total.
        if !self
            .store
            .claim_code_attempt(rec.id, self.policy.max_attempts)
            .await?
        {
            return Err(DomainError::TooManyAttempts);
        }
        let matches: bool = code_hash(rec.id, phone, purpose, code)
            .ct_eq(&rec.code_hash)
            .into();
        if !matches {
            self.audit
                .append(
                    "system",
                    "code_failed",
                    &format!("phone:{}", phone.masked()),
                    purpose.as_str(),
                )
                .await?;
            return Err(DomainError::WrongCode);
        }
        if !self.store.consume_code(rec.id, now).await? {
            return Err(DomainError::CodeUsed);
        }
        Ok(())
    }

    /// A1: logs in with an SMS code, registering the account at the first
    /// login, and registers `device`.
    pub async fn login_with_code(
        &self,
        phone: &Phone,
        code: &SmsCode,
        device: NewDevice,
    ) -> Result<Login> {
        Devices::check(&device)?;
        self.use_code(phone, CodePurpose::Login, code).await?;
        let (user, registered) = match self.store.user_by_phone(phone).await? {
            Some(u) => (u, false),
            None => self.register(phone).await?,
        };
        if registered {
            self.audit
                .append(
                    &user_ref(user.id),
                    "registered",
                    &user_ref(user.id),
                    &phone.masked(),
                )
                .await?;
        }
        self.finish_login(user, registered, "login_code", device)
            .await
    }

    async fn register(&self, phone: &Phone) -> Result<(User, bool)> {
        let user = User {
            id: UserId::new(),
            phone: phone.clone(),
            password_hash: None,
            verified_at: None,
            created_at: self.clock.now(),
        };
        match self.store.insert_user(&user).await {
            Ok(()) => Ok((user, true)),
            // Another instance registered this phone a moment ago.
            Err(e) if e.is_conflict() => {
                let u = self
                    .store
                    .user_by_phone(phone)
                    .await?
                    .ok_or(DomainError::Store(e))?;
                Ok((u, false))
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn finish_login(
        &self,
        user: User,
        registered: bool,
        how: &str,
        device: NewDevice,
    ) -> Result<Login> {
        let (device_id, token) = self.devices.register(user.id, &device).await?;
        self.audit
            .append(&user_ref(user.id), how, &format!("device:{device_id}"), "")
            .await?;
        Ok(Login {
            user,
            device_id,
            token,
            registered,
        })
    }

    /// A2: logs in with phone and password, registering `device`. Every
    /// failure (no account, no password, wrong password) is the same error.
    pub async fn login_with_password(
        &self,
        phone: &Phone,
        password: &Password,
        device: NewDevice,
    ) -> Result<Login> {
        Devices::check(&device)?;
        // Guessing passwords is slowed per phone like sending codes.
        let key = format!("password:{}", phone.as_str());
        self.take_quota(&key, &self.policy.password_quota(), phone)
            .await?;
        let user = self.store.user_by_phone(phone).await?;
        let ok = user
            .as_ref()
            .and_then(|u| u.password_hash.as_ref())
            .is_some_and(|h| password.matches(h));
        let Some(user) = user.filter(|_| ok) else {
            self.audit
                .append(
                    "system",
                    "login_failed",
                    &format!("phone:{}", phone.masked()),
                    "password",
                )
                .await?;
            return Err(DomainError::WrongCredentials);
        };
        self.finish_login(user, false, "login_password", device)
            .await
    }

    async fn user(&self, id: UserId) -> Result<User> {
        self.store
            .user(id)
            .await?
            .ok_or(DomainError::NotFound("user"))
    }

    async fn store_password(&self, user: UserId, new: &Password, action: &str) -> Result<()> {
        let hash = new.hash()?;
        if !self.store.set_password_hash(user, &hash).await? {
            return Err(DomainError::NotFound("user"));
        }
        self.audit
            .append(&user_ref(user), action, &user_ref(user), "")
            .await?;
        Ok(())
    }

    /// A2: sets the first password; refused once one is set (use
    /// [`change_password`](Self::change_password)).
    pub async fn set_password(&self, user: UserId, new: &Password) -> Result<()> {
        if self.user(user).await?.password_hash.is_some() {
            return Err(DomainError::PasswordAlreadySet);
        }
        self.store_password(user, new, "password_set").await
    }

    /// I2: changes the password given the old one.
    pub async fn change_password(
        &self,
        user: UserId,
        old: &Password,
        new: &Password,
    ) -> Result<()> {
        let u = self.user(user).await?;
        let hash = u.password_hash.ok_or(DomainError::PasswordNotSet)?;
        if !old.matches(&hash) {
            self.audit
                .append(
                    &user_ref(user),
                    "password_change_failed",
                    &user_ref(user),
                    "",
                )
                .await?;
            return Err(DomainError::WrongPassword);
        }
        self.store_password(user, new, "password_changed").await
    }

    /// I2 (forgot): sets a new password after an SMS code to the phone.
    pub async fn reset_password(
        &self,
        phone: &Phone,
        code: &SmsCode,
        new: &Password,
    ) -> Result<()> {
        self.use_code(phone, CodePurpose::ResetPassword, code)
            .await?;
        let user = self
            .store
            .user_by_phone(phone)
            .await?
            .ok_or(DomainError::NotFound("user"))?;
        self.store_password(user.id, new, "password_reset").await
    }

    /// I1: moves the account to `new_phone`, confirmed by a code sent there.
    pub async fn change_phone(
        &self,
        user: UserId,
        new_phone: &Phone,
        code: &SmsCode,
    ) -> Result<()> {
        let old = self.user(user).await?.phone;
        self.use_code(new_phone, CodePurpose::ChangePhone, code)
            .await?;
        match self.store.set_phone(user, new_phone).await {
            Ok(true) => {}
            Ok(false) => return Err(DomainError::NotFound("user")),
            Err(e) if e.is_conflict() => return Err(DomainError::PhoneTaken),
            Err(e) => return Err(e.into()),
        }
        let detail = format!("{} -> {}", old.masked(), new_phone.masked());
        self.audit
            .append(&user_ref(user), "phone_changed", &user_ref(user), &detail)
            .await?;
        Ok(())
    }

    /// The account.
    pub async fn get(&self, user: UserId) -> Result<User> {
        self.user(user).await
    }
}
