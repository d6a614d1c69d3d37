#![allow(dead_code)] // each test file uses a different part
//! Shared test scaffolding: every story runs on SQLite always and on
//! PostgreSQL when `MCA_TEST_POSTGRES_URL` is set, each on a scratch
//! database of its own.

use std::future::Future;
use std::sync::Arc;

use mca_crypto::device::{DeviceKey, request_payload};
use mca_domain::{
    Caller, CodePurpose, DevProviders, DeviceId, KeyVault, Login, ManualClock, NewDevice, Password,
    Services, SessionToken, SignedRequest, SmsCode, Timestamp,
};
use mca_store::scratch::Scratch;

/// 2026-11-24T00:00:00Z.
pub const T0: Timestamp = Timestamp(1_795_478_400);

/// Runs `story` on a fresh SQLite scratch database, then on PostgreSQL if
/// configured. Scratch databases are dropped afterwards.
pub async fn on_each_backend<F, Fut>(story: F)
where
    F: Fn(Arc<Scratch>) -> Fut,
    Fut: Future<Output = ()>,
{
    let lite = Arc::new(Scratch::sqlite().await.expect("sqlite scratch"));
    story(lite.clone()).await;
    Arc::try_unwrap(lite)
        .expect("story kept the scratch")
        .drop_all()
        .await
        .unwrap();
    match Scratch::postgres_from_env()
        .await
        .expect("postgres scratch")
    {
        Some(pg) => {
            let pg = Arc::new(pg);
            story(pg.clone()).await;
            Arc::try_unwrap(pg)
                .expect("story kept the scratch")
                .drop_all()
                .await
                .unwrap();
        }
        None => eprintln!("MCA_TEST_POSTGRES_URL not set: PostgreSQL skipped"),
    }
}

/// Development services on the scratch database with a manual clock.
pub fn services(scratch: &Scratch, clock: &ManualClock) -> (Services, DevProviders) {
    let vault =
        Arc::new(KeyVault::new("test", [("test", "000102030405060708090a0b0c0d0e0f")]).unwrap());
    Services::development(scratch.db.store(), vault, Arc::new(clock.clone()))
}

/// A phone: its device key and what it sends at login.
pub struct Phone {
    pub key: DeviceKey,
}

impl Phone {
    pub fn new() -> Self {
        Self {
            key: DeviceKey::generate().unwrap(),
        }
    }

    pub fn new_device(&self) -> NewDevice {
        NewDevice {
            name: "测试手机".into(),
            public_key: self.key.public_key(),
        }
    }

    /// Signs a request as the app does.
    pub fn sign(&self, method: &str, path: &str, ts: i64, nonce: &str, body: &[u8]) -> Vec<u8> {
        self.key
            .sign(&request_payload(method, path, ts, nonce, body))
    }
}

/// Builds a signed request borrowing its parts.
pub fn request<'a>(
    token: &'a SessionToken,
    device_id: DeviceId,
    ts: i64,
    nonce: &'a str,
    body: &'a [u8],
    signature: &'a [u8],
) -> SignedRequest<'a> {
    SignedRequest {
        token,
        device_id,
        method: "POST",
        path_and_query: "/api/v1/messages?x=1",
        timestamp: ts,
        nonce,
        body,
        signature,
    }
}

fn phone(number: &str) -> mca_domain::Phone {
    mca_domain::Phone::parse(number).unwrap()
}

/// Sends a code for `purpose` to `number` and reads it from the
/// development provider.
pub async fn code_for(
    svc: &Services,
    dev: &DevProviders,
    number: &str,
    purpose: CodePurpose,
) -> SmsCode {
    let p = phone(number);
    svc.accounts
        .send_code(&p, purpose, "192.0.2.1")
        .await
        .unwrap();
    let (sent_for, code) = dev.sms.latest(&p).unwrap();
    assert_eq!(sent_for, purpose);
    code
}

/// A code that differs from `code`.
pub fn wrong(code: &SmsCode) -> SmsCode {
    let n: u32 = code.expose().parse().unwrap();
    SmsCode::parse(&format!("{:06}", (n + 1) % 1_000_000)).unwrap()
}

/// Logs in with a code from `handset`; the error's code on failure.
pub async fn code_login(
    svc: &Services,
    number: &str,
    code: &SmsCode,
    handset: &Phone,
) -> Result<Login, &'static str> {
    svc.accounts
        .login_with_code(&phone(number), code, handset.new_device())
        .await
        .map_err(|e| e.code())
}

/// Logs in with a password from a new handset; the error's code on failure.
pub async fn password_login(
    svc: &Services,
    number: &str,
    password: &str,
) -> Result<Login, &'static str> {
    let pw = Password::parse(password).unwrap();
    svc.accounts
        .login_with_password(&phone(number), &pw, Phone::new().new_device())
        .await
        .map_err(|e| e.code())
}

/// Registers `number` through a code login from `handset`.
pub async fn register(svc: &Services, dev: &DevProviders, number: &str, handset: &Phone) -> Login {
    let code = code_for(svc, dev, number, CodePurpose::Login).await;
    code_login(svc, number, &code, handset).await.unwrap()
}

/// Whether an account holds `number`.
pub async fn has_user(scratch: &Scratch, number: &str) -> bool {
    scratch
        .db
        .store()
        .user_by_phone(&phone(number))
        .await
        .unwrap()
        .is_some()
}

/// Signs a request with `handset` at `ts` and authenticates it as coming
/// from `device` with `token`; the error's code on failure.
pub async fn signed(
    svc: &Services,
    handset: &Phone,
    token: &SessionToken,
    device: DeviceId,
    ts: i64,
    nonce: &str,
    body: &[u8],
) -> Result<Caller, &'static str> {
    let sig = handset.sign("POST", "/api/v1/messages?x=1", ts, nonce, body);
    svc.devices
        .authenticate(&request(token, device, ts, nonce, body, &sig))
        .await
        .map_err(|e| e.code())
}
