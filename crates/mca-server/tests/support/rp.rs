//! A relying party's back end on the RP API, for the tests of what phones
//! do in its sessions: HMAC-SM3-signed requests, sessions, QR frames.

use mca_crypto::rp::{QrLink, request_mac};
use mca_domain::Clock;
use reqwest::Method;
use serde_json::{Value, json};

use super::{OPERATOR_TOKEN, TestServer};

/// A relying party's back end on the RP API.
pub struct Rp {
    base: String,
    /// Its id (what results and QR texts name).
    pub id: String,
    key_id: String,
    secret: Vec<u8>,
    clock: mca_domain::ManualClock,
}

impl Rp {
    /// Registers a relying party named `name` with every operation,
    /// `platform_id` the catalogue's trading platform it is (D2), if any.
    pub async fn register(server: &TestServer, name: &str, platform_id: Option<&str>) -> Rp {
        let r = server
            .http()
            .post(format!("{}/api/operator/v1/relying-parties", server.base))
            .bearer_auth(OPERATOR_TOKEN)
            .json(&json!({
                "display_name": name,
                "operations": ["auth", "sign", "cert", "decrypt", "confirm"],
                "callback_urls": [],
                "platform_id": platform_id,
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let v: Value = r.json().await.unwrap();
        Rp {
            base: server.base.clone(),
            id: v["id"].as_str().unwrap().to_owned(),
            key_id: v["key_id"].as_str().unwrap().to_owned(),
            secret: hex::decode(v["secret"].as_str().unwrap()).unwrap(),
            clock: server.clock.clone(),
        }
    }

    /// A MAC-signed RP API request: its status and JSON answer.
    pub async fn request(&self, method: Method, path: &str, body: Option<&Value>) -> (u16, Value) {
        let path = format!("/api/rp/v1{path}");
        let body = body
            .map(|b| serde_json::to_vec(b).unwrap())
            .unwrap_or_default();
        let ts = self.clock.now().secs();
        let nonce = mca_domain::UserId::new().to_string().replace('-', "");
        let mac = request_mac(&self.secret, method.as_str(), &path, ts, &nonce, &body);
        let mut req = reqwest::Client::new()
            .request(method, format!("{}{path}", self.base))
            .header("x-mca-rp-key", &self.key_id)
            .header("x-mca-rp-timestamp", ts.to_string())
            .header("x-mca-rp-nonce", nonce)
            .header("x-mca-rp-signature", hex::encode(mac));
        if !body.is_empty() {
            req = req.header("content-type", "application/json").body(body);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Creates a session; the creation answer.
    pub async fn create(&self, body: Value) -> Value {
        let (status, created) = self.request(Method::POST, "/sessions", Some(&body)).await;
        assert_eq!(status, 201, "{body}: {created}");
        created
    }

    /// The session as the relying party collects it.
    pub async fn view(&self, created: &Value) -> Value {
        let id = created["session_id"].as_str().unwrap();
        let (status, view) = self
            .request(Method::GET, &format!("/sessions/{id}"), None)
            .await;
        assert_eq!(status, 200, "{view}");
        view
    }

    /// The QR frame the back end would show now.
    pub fn frame(&self, created: &Value) -> String {
        let secret: [u8; 32] = hex::decode(created["qr_secret"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        let expires_at = created["expires_at"].as_str().unwrap();
        let created_at = mca_domain::Timestamp::parse_rfc3339(expires_at)
            .unwrap()
            .secs()
            - mca_domain::relying_parties::sessions::SESSION_TTL_SECS;
        let elapsed = (self.clock.now().secs() - created_at) as u64;
        QrLink::new(&secret, created["public_token"].as_str().unwrap(), elapsed)
            .unwrap()
            .to_string()
    }

    /// Creates a session with `body`, has `phone` scan its frame and
    /// approve it with `key_id` and `pin`: the creation answer and the
    /// phone's outcome.
    pub async fn run(
        &self,
        phone: &mca_phone::Phone,
        key_id: &str,
        pin: &str,
        body: Value,
    ) -> (Value, Result<mca_phone::Approved, mca_phone::PhoneError>) {
        let created = self.create(body).await;
        let scanned = phone.scan(&self.frame(&created)).await.unwrap();
        let outcome = phone.approve(&scanned, key_id, pin).await;
        (created, outcome)
    }
}

/// A login session's body with `challenge` bytes.
pub fn login(challenge: u8) -> Value {
    json!({"operation": "auth", "purpose": "login", "challenge": hex::encode([challenge; 32])})
}
