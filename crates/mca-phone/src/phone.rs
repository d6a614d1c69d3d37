//! [`Phone`]: one method per app operation, over a state directory.
//!
//! Each method is one request of the app API (`/api/app/v1/…`); the JSON
//! shapes are the server's OpenAPI document (`/api/openapi.json`).

use reqwest::Method;
use serde_json::{Value, json};

use crate::PhoneError;
use crate::client::{Client, Reply};
use crate::state::{Session, StateDir};

/// App API prefix.
pub const APP: &str = "/api/app/v1";

/// What an SMS code is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Log in (the first login registers) — A1.
    Login,
    /// Forgot password — I2.
    ResetPassword,
    /// Change phone number; the code goes to the new number — I1.
    ChangePhone,
    /// Certificate-key operations: unlock, forgotten PIN, recovery — I3, G1.
    CertificateKey,
    /// Change a certificate key's PIN — I3.
    PinChange,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Login => "login",
            Purpose::ResetPassword => "reset_password",
            Purpose::ChangePhone => "change_phone",
            Purpose::CertificateKey => "certificate_key",
            Purpose::PinChange => "pin_change",
        }
    }
}

/// A phone: its state directory and a client of one server.
#[derive(Debug)]
pub struct Phone {
    state: StateDir,
    client: Client,
}

impl Phone {
    /// Opens the phone in `dir` talking to `server`. A stored session for
    /// another server is ignored.
    pub fn open(dir: impl Into<std::path::PathBuf>, server: &str) -> Result<Self, PhoneError> {
        let state = StateDir::open(dir)?;
        let key = state.device_key()?;
        let base = server.trim_end_matches('/');
        let session = state.session()?.filter(|s| s.server == base);
        Ok(Phone {
            client: Client::new(base, key, session)?,
            state,
        })
    }

    /// Opens the phone in `dir` on the server of its stored session.
    pub fn resume(dir: impl Into<std::path::PathBuf>) -> Result<Self, PhoneError> {
        let state = StateDir::open(dir)?;
        let session = state.session()?.ok_or(PhoneError::NotLoggedIn)?;
        let key = state.device_key()?;
        Ok(Phone {
            client: Client::new(&session.server.clone(), key, Some(session))?,
            state,
        })
    }

    /// Stamps requests `seconds` off this machine's clock (see
    /// [`Client::set_clock_offset`]).
    pub fn set_clock_offset(&mut self, seconds: i64) {
        self.client.set_clock_offset(seconds);
    }

    /// The client, for requests without a method here.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The stored session, if logged in.
    pub fn session(&self) -> Option<&Session> {
        self.client.session()
    }

    /// The state directory.
    pub fn state_dir(&self) -> &StateDir {
        &self.state
    }

    /// Uses `session` from now on without storing it (e.g. the same login
    /// against another instance of a load-balanced server).
    pub fn adopt_session(&mut self, session: Session) {
        self.client.set_session(Some(session));
    }

    /// Asks for an SMS code (获取验证码).
    pub async fn send_code(&self, phone: &str, purpose: Purpose) -> Result<(), PhoneError> {
        let body = json!({ "phone": phone, "purpose": purpose.as_str() });
        self.client
            .public(Method::POST, &format!("{APP}/sms-codes"), Some(&body))
            .await?
            .into_result()?;
        Ok(())
    }

    /// Logs in with an SMS code (A1; the first login registers). Registers
    /// this device's public key and stores the session. Returns whether the
    /// account was created by this login.
    pub async fn login_with_code(&mut self, phone: &str, code: &str) -> Result<bool, PhoneError> {
        self.login(phone, json!({ "phone": phone, "code": code }))
            .await
    }

    /// Logs in with the password (A2).
    pub async fn login_with_password(
        &mut self,
        phone: &str,
        password: &str,
    ) -> Result<bool, PhoneError> {
        self.login(phone, json!({ "phone": phone, "password": password }))
            .await
    }

    async fn login(&mut self, phone: &str, mut body: Value) -> Result<bool, PhoneError> {
        body["device_public_key"] = json!(self.client.device_key().public_key().to_hex());
        body["device_name"] = json!(device_name());
        let reply = self
            .client
            .public(Method::POST, &format!("{APP}/sessions"), Some(&body))
            .await?;
        let login = reply.into_result()?;
        let field = |k: &str| {
            login
                .get(k)
                .and_then(|v| v.as_str())
                .map(str::to_owned)
                .ok_or(PhoneError::Protocol(201))
        };
        let session = Session {
            server: self.client.base().to_owned(),
            phone: phone.to_owned(),
            user_id: field("user_id")?,
            device_id: field("device_id")?,
            token: field("token")?,
        };
        self.state.save_session(&session)?;
        self.client.set_session(Some(session));
        Ok(login
            .get("registered")
            .and_then(|v| v.as_bool())
            .unwrap_or(false))
    }

    /// Sets the first password (A2).
    pub async fn set_password(&self, password: &str) -> Result<(), PhoneError> {
        self.put(
            &format!("{APP}/me/password"),
            json!({ "new_password": password }),
        )
        .await
        .map(drop)
    }

    /// Changes the password (I2).
    pub async fn change_password(&self, old: &str, new: &str) -> Result<(), PhoneError> {
        let body = json!({ "old_password": old, "new_password": new });
        self.put(&format!("{APP}/me/password"), body)
            .await
            .map(drop)
    }

    /// Forgot password: resets it with an SMS code (I2). No login needed.
    pub async fn reset_password(
        &self,
        phone: &str,
        code: &str,
        new: &str,
    ) -> Result<(), PhoneError> {
        let body = json!({ "phone": phone, "code": code, "new_password": new });
        let path = format!("{APP}/password-resets");
        self.client
            .public(Method::POST, &path, Some(&body))
            .await?
            .into_result()
            .map(drop)
    }

    /// Changes the phone number with a code sent to the new number (I1).
    pub async fn change_phone(&mut self, new_phone: &str, code: &str) -> Result<(), PhoneError> {
        let body = json!({ "phone": new_phone, "code": code });
        self.put(&format!("{APP}/me/phone"), body).await?;
        if let Some(mut session) = self.client.session().cloned() {
            session.phone = new_phone.to_owned();
            self.state.save_session(&session)?;
            self.client.set_session(Some(session));
        }
        Ok(())
    }

    /// Submits name and resident ID number (A3, first step).
    pub async fn submit_identity(&self, name: &str, id_number: &str) -> Result<Value, PhoneError> {
        let body = json!({ "name": name, "id_number": id_number });
        self.call(Method::POST, &format!("{APP}/me/identity"), Some(body))
            .await
    }

    /// Opens a face-verification session (A3, second step); the answer
    /// holds the provider's `session_id` and the `url` to scan the face at.
    pub async fn start_face(&self) -> Result<Value, PhoneError> {
        self.call(Method::POST, &format!("{APP}/me/identity/face"), None)
            .await
    }

    /// Asks for the face verification's result (A3, third step).
    pub async fn face_result(&self) -> Result<Value, PhoneError> {
        self.call(
            Method::POST,
            &format!("{APP}/me/identity/face/result"),
            None,
        )
        .await
    }

    /// Runs face verification. With a development server, `dev_outcome`
    /// decides the development provider's verdict (standing in for the
    /// person at the provider's page); `None` leaves it to the provider.
    pub async fn verify_face(&self, dev_outcome: Option<bool>) -> Result<Value, PhoneError> {
        let session = self.start_face().await?;
        if let Some(pass) = dev_outcome {
            let id = session
                .get("session_id")
                .and_then(|v| v.as_str())
                .ok_or(PhoneError::Protocol(200))?;
            self.dev_decide_face(id, pass).await?;
        }
        self.face_result().await
    }

    /// Development mode only: the latest SMS code "sent" to `phone`.
    pub async fn dev_code(&self, phone: &str) -> Result<String, PhoneError> {
        let reply = self
            .client
            .public::<()>(Method::GET, &format!("/api/dev/sms-codes/{phone}"), None)
            .await?;
        let body = reply.into_result()?;
        body.get("code")
            .and_then(|v| v.as_str())
            .map(str::to_owned)
            .ok_or(PhoneError::Protocol(200))
    }

    /// Development mode only: decides a development face verification.
    pub async fn dev_decide_face(&self, session_id: &str, pass: bool) -> Result<(), PhoneError> {
        let body = json!({ "outcome": if pass { "passed" } else { "failed" } });
        let path = format!("/api/dev/face-sessions/{session_id}");
        self.client
            .public(Method::POST, &path, Some(&body))
            .await?
            .into_result()
            .map(drop)
    }

    /// The real-name verification state.
    pub async fn identity(&self) -> Result<Value, PhoneError> {
        self.call(Method::GET, &format!("{APP}/me/identity"), None)
            .await
    }

    /// This account's devices.
    pub async fn devices(&self) -> Result<Value, PhoneError> {
        self.call(Method::GET, &format!("{APP}/me/devices"), None)
            .await
    }

    /// Removes a device; its tokens stop working. Removing this device
    /// forgets the local session too.
    pub async fn remove_device(&self, device_id: &str) -> Result<(), PhoneError> {
        self.call(
            Method::DELETE,
            &format!("{APP}/me/devices/{device_id}"),
            None,
        )
        .await?;
        if self
            .client
            .session()
            .is_some_and(|s| s.device_id == device_id)
        {
            self.state.clear_session()?;
        }
        Ok(())
    }

    /// The inbox (M3).
    pub async fn messages(&self) -> Result<Value, PhoneError> {
        self.call(Method::GET, &format!("{APP}/me/messages"), None)
            .await
    }

    /// Marks a message read (M3).
    pub async fn read_message(&self, id: &str) -> Result<(), PhoneError> {
        self.call(Method::POST, &format!("{APP}/me/messages/{id}/read"), None)
            .await
            .map(drop)
    }

    /// The catalogue: provinces, platforms, CAs, validity options (M2).
    /// Public: no login needed.
    pub async fn catalogue(&self) -> Result<Value, PhoneError> {
        self.client
            .public::<()>(Method::GET, &format!("{APP}/catalogue"), None)
            .await?
            .into_result()
    }

    /// The user's certificates (gated by real-name verification, A3).
    pub async fn certificates(&self) -> Result<Value, PhoneError> {
        self.call(Method::GET, &format!("{APP}/me/certificates"), None)
            .await
    }

    async fn put(&self, path: &str, body: Value) -> Result<Value, PhoneError> {
        self.call(Method::PUT, path, Some(body)).await
    }

    /// One signed request; the body on success, the problem as an error.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, PhoneError> {
        let reply: Reply = self.client.signed(method, path, body.as_ref()).await?;
        reply.into_result()
    }
}

/// A name for this device in the devices list.
fn device_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
    format!(
        "mca phone ({})",
        host.trim().chars().take(40).collect::<String>()
    )
}
