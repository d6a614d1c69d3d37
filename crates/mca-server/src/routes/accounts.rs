//! Accounts (A1, A2, I1, I2): SMS codes, login (which registers the device),
//! password set/change/reset, phone number change.

use axum::extract::State;
use axum::http::StatusCode;
use mca_crypto::device::DevicePublicKey;
use mca_domain::{CodePurpose, DomainError, NewDevice, Password, Phone, SmsCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, Problem};
use crate::extract::{AppJson, ClientIp, Signed};
use crate::state::AppState;

/// What a code is for.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Log in; the first login registers (A1).
    Login,
    /// Forgot password (I2).
    ResetPassword,
    /// Change the phone number; sent to the new number (I1).
    ChangePhone,
    /// Certificate-key operations: unlock, forgotten PIN, recovery (I3,
    /// G1); sent to the account's number.
    CertificateKey,
    /// Change a certificate key's PIN (I3); sent to the account's number.
    PinChange,
}

impl From<Purpose> for CodePurpose {
    fn from(p: Purpose) -> Self {
        match p {
            Purpose::Login => CodePurpose::Login,
            Purpose::ResetPassword => CodePurpose::ResetPassword,
            Purpose::ChangePhone => CodePurpose::ChangePhone,
            Purpose::CertificateKey => CodePurpose::CertificateKey,
            Purpose::PinChange => CodePurpose::PinChange,
        }
    }
}

/// `POST /sms-codes`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendCodeRequest {
    /// Mainland mobile number, 11 digits.
    pub phone: String,
    /// What the code is for.
    pub purpose: Purpose,
}

/// Sends a 6-digit code, valid 5 minutes, single use, 5 tries.
#[utoipa::path(post, path = "/api/app/v1/sms-codes", tag = "accounts",
    request_body = SendCodeRequest,
    responses((status = 202, description = "Code sent"),
        (status = 422, description = "Malformed phone number", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many codes for this phone or address", body = Problem, content_type = "application/problem+json")))]
pub async fn send_code(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    AppJson(req): AppJson<SendCodeRequest>,
) -> Result<StatusCode, ApiError> {
    let phone = Phone::parse(&req.phone)?;
    state
        .services
        .accounts
        .send_code(&phone, req.purpose.into(), &ip)
        .await?;
    Ok(StatusCode::ACCEPTED)
}

/// `POST /sessions`: exactly one of `code` and `password`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Mainland mobile number.
    pub phone: String,
    /// The SMS code (A1).
    pub code: Option<String>,
    /// The password (A2).
    pub password: Option<String>,
    /// The device's ECDSA P-256 public key, SEC1 hex.
    pub device_public_key: String,
    /// A label for the device list.
    pub device_name: String,
}

/// A successful login.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// The account.
    pub user_id: String,
    /// The device registered by this login; send it as `x-mca-device`.
    pub device_id: String,
    /// Bearer token, bound to that device.
    pub token: String,
    /// Whether this login created the account.
    pub registered: bool,
    /// Whether the account has a login password (A2): the app offers
    /// 设置密码 when it has none, whatever way the user logged in.
    pub password_set: bool,
}

/// Logs in by SMS code (registering on first login) or by password, and
/// registers the device key that must sign every later request.
#[utoipa::path(post, path = "/api/app/v1/sessions", tag = "accounts",
    request_body = LoginRequest,
    responses((status = 201, body = LoginResponse),
        (status = 401, description = "Wrong phone or password", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Wrong, expired or used code; malformed input", body = Problem, content_type = "application/problem+json")))]
pub async fn login(
    State(state): State<AppState>,
    AppJson(req): AppJson<LoginRequest>,
) -> Result<(StatusCode, axum::Json<LoginResponse>), ApiError> {
    let phone = Phone::parse(&req.phone)?;
    let public_key = DevicePublicKey::from_hex(&req.device_public_key)
        .map_err(|_| DomainError::InvalidDeviceKey)?;
    let device = NewDevice {
        name: req.device_name,
        public_key,
    };
    let accounts = &state.services.accounts;
    let login = match (req.code, req.password) {
        (Some(code), None) => {
            accounts
                .login_with_code(&phone, &SmsCode::parse(&code)?, device)
                .await?
        }
        (None, Some(password)) => {
            // A password that breaks the rules cannot be anyone's password.
            let password = Password::parse(&password).map_err(|_| DomainError::WrongCredentials)?;
            accounts
                .login_with_password(&phone, &password, device)
                .await?
        }
        _ => return Err(DomainError::InvalidInput("code/password").into()),
    };
    Ok((
        StatusCode::CREATED,
        axum::Json(LoginResponse {
            user_id: login.user.id.to_string(),
            device_id: login.device_id.to_string(),
            token: login.token.expose().to_owned(),
            registered: login.registered,
            password_set: login.user.password_hash.is_some(),
        }),
    ))
}

/// `PUT /me/password`: without `old_password` sets the first password
/// (A2), with it changes the password (I2).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordRequest {
    /// The current password, to change it.
    pub old_password: Option<String>,
    /// 6–20 characters of digits, letters and symbols.
    pub new_password: String,
}

/// Sets or changes the login password.
#[utoipa::path(put, path = "/api/app/v1/me/password", tag = "accounts",
    request_body = PasswordRequest, security(("device" = [])),
    responses((status = 204, description = "Password stored"),
        (status = 403, description = "Wrong old password", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already set / not set yet", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Weak password", body = Problem, content_type = "application/problem+json")))]
pub async fn put_password(
    State(state): State<AppState>,
    req: Signed<PasswordRequest>,
) -> Result<StatusCode, ApiError> {
    let new = Password::parse(&req.body.new_password)?;
    let user = req.caller.user;
    match req.body.old_password {
        None => state.services.accounts.set_password(user, &new).await?,
        Some(old) => {
            let old = Password::parse(&old).map_err(|_| DomainError::WrongPassword)?;
            state
                .services
                .accounts
                .change_password(user, &old, &new)
                .await?
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /password-resets`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    /// The account's phone number.
    pub phone: String,
    /// A `reset_password` code sent to it.
    pub code: String,
    /// The new password.
    pub new_password: String,
}

/// Forgot password (I2): a new password confirmed by an SMS code.
#[utoipa::path(post, path = "/api/app/v1/password-resets", tag = "accounts",
    request_body = ResetRequest,
    responses((status = 204, description = "Password reset"),
        (status = 422, description = "Wrong code or weak password", body = Problem, content_type = "application/problem+json")))]
pub async fn reset_password(
    State(state): State<AppState>,
    AppJson(req): AppJson<ResetRequest>,
) -> Result<StatusCode, ApiError> {
    let phone = Phone::parse(&req.phone)?;
    let code = SmsCode::parse(&req.code)?;
    let new = Password::parse(&req.new_password)?;
    state
        .services
        .accounts
        .reset_password(&phone, &code, &new)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /me/phone`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhoneRequest {
    /// The new number.
    pub phone: String,
    /// A `change_phone` code sent to the new number.
    pub code: String,
}

/// Changes the phone number (I1).
#[utoipa::path(put, path = "/api/app/v1/me/phone", tag = "accounts",
    request_body = PhoneRequest, security(("device" = [])),
    responses((status = 204, description = "Phone number changed"),
        (status = 409, description = "Number already registered", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Wrong code", body = Problem, content_type = "application/problem+json")))]
pub async fn put_phone(
    State(state): State<AppState>,
    req: Signed<PhoneRequest>,
) -> Result<StatusCode, ApiError> {
    let phone = Phone::parse(&req.body.phone)?;
    let code = SmsCode::parse(&req.body.code)?;
    state
        .services
        .accounts
        .change_phone(req.caller.user, &phone, &code)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
