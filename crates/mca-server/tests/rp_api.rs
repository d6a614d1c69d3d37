//! The relying-party API over real HTTP: a relying party registered by the
//! operator creates every kind of session, collects them by long poll,
//! cancels, sees them gone after retention; unauthenticated requests store
//! nothing; M7 verification of a signature, SignedData and seal made with a
//! certificate issued through the issue-5 story, before and after its
//! revocation; webhooks signed with the relying party's key.
//!
//! The phone's side of a session is played through the domain's
//! `Sessions` on a second state over the same database (a second instance),
//! since the app routes are another module's.

mod support;

use std::sync::Arc;

use mca_crypto::rp::{QrLink, request_mac, verify_webhook_mac};
use mca_domain::relying_parties::sessions::RETENTION_SECS;
use mca_domain::{Caller, Clock, Phone as PhoneNumber, RelyingPartyId};
use mca_phone::Phone;
use mca_server::AppState;
use mca_server::config::Config;
use mca_store::scratch::{POSTGRES_URL_VAR, Scratch};
use reqwest::Method;
use serde_json::{Value, json};
use support::{OPERATOR_TOKEN, TestServer};

const NUMBER: &str = "13900139000";
const PIN: &str = "246810";

/// A relying party's back end: key id, secret, and the server's clock for
/// its timestamps.
struct Rp {
    base: String,
    id: String,
    key_id: String,
    secret: Vec<u8>,
    clock: mca_domain::ManualClock,
}

/// One request's deviations from an honest one.
#[derive(Default)]
struct Sent<'a> {
    idempotency_key: Option<&'a str>,
    nonce: Option<&'a str>,
    skew: i64,
    tamper_mac: bool,
}

fn nonce() -> String {
    mca_domain::UserId::new().to_string().replace('-', "")
}

impl Rp {
    async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        how: Sent<'_>,
    ) -> (u16, Value) {
        let body = body
            .map(|b| serde_json::to_vec(b).unwrap())
            .unwrap_or_default();
        let ts = self.clock.now().secs() + how.skew;
        let nonce = how.nonce.map(str::to_owned).unwrap_or_else(nonce);
        let mut mac = request_mac(&self.secret, method.as_str(), path, ts, &nonce, &body);
        if how.tamper_mac {
            mac[0] ^= 1;
        }
        let mut req = reqwest::Client::new()
            .request(method, format!("{}{path}", self.base))
            .header("x-mca-rp-key", &self.key_id)
            .header("x-mca-rp-timestamp", ts.to_string())
            .header("x-mca-rp-nonce", nonce)
            .header("x-mca-rp-signature", hex::encode(mac));
        if let Some(k) = how.idempotency_key {
            req = req.header("idempotency-key", k);
        }
        if !body.is_empty() {
            req = req.header("content-type", "application/json").body(body);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        if status >= 400 {
            assert_eq!(r.headers()["content-type"], "application/problem+json");
        }
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.request(
            Method::POST,
            &format!("/api/rp/v1{path}"),
            Some(body),
            Sent::default(),
        )
        .await
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        self.request(
            Method::GET,
            &format!("/api/rp/v1{path}"),
            None,
            Sent::default(),
        )
        .await
    }

    fn rp_id(&self) -> RelyingPartyId {
        self.id.parse().unwrap()
    }
}

/// Registers a relying party through the operator API.
async fn register(server: &TestServer, name: &str, callback_urls: &[&str]) -> Rp {
    let r = server
        .http()
        .post(format!("{}/api/operator/v1/relying-parties", server.base))
        .bearer_auth(OPERATOR_TOKEN)
        .json(&json!({
            "display_name": name,
            "operations": ["auth", "sign", "cert", "decrypt", "confirm"],
            "callback_urls": callback_urls,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["display_name"], name);
    Rp {
        base: server.base.clone(),
        id: v["id"].as_str().unwrap().to_owned(),
        key_id: v["key_id"].as_str().unwrap().to_owned(),
        secret: hex::decode(v["secret"].as_str().unwrap()).unwrap(),
        clock: server.clock.clone(),
    }
}

/// A server with CAs, and a second state on the same database and clock
/// (another instance) whose domain services play the phone's side.
async fn start(scratch: &Scratch) -> (TestServer, AppState, Config) {
    let config = support::certificate_config(&scratch.db).await;
    let server = TestServer::start_with(&scratch.db, config.clone()).await;
    let other = mca_server::wiring::state_with_clock(
        &config,
        scratch.db.store(),
        Arc::new(server.clock.clone()),
    )
    .await
    .unwrap();
    (server, other, config)
}

/// A registered, verified user's phone and its caller identity.
async fn verified_user(server: &TestServer) -> (Phone, Caller) {
    let phone = server.registered(NUMBER).await;
    phone
        .submit_identity("张三", "11010519491231002X")
        .await
        .unwrap();
    phone.verify_face(Some(true)).await.unwrap();
    let user = server
        .store
        .user_by_phone(&PhoneNumber::parse(NUMBER).unwrap())
        .await
        .unwrap()
        .unwrap();
    let device = server.store.devices_of(user.id).await.unwrap()[0].id;
    (
        phone,
        Caller {
            user: user.id,
            device,
        },
    )
}

/// The current QR frame of a created session, as the relying party's back
/// end makes it.
fn frame(rp: &Rp, created: &Value) -> String {
    let secret: [u8; 32] = hex::decode(created["qr_secret"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let created_at =
        rfc3339(&created["expires_at"]) - mca_domain::relying_parties::sessions::SESSION_TTL_SECS;
    let elapsed = (rp.clock.now().secs() - created_at) as u64;
    QrLink::new(&secret, created["public_token"].as_str().unwrap(), elapsed)
        .unwrap()
        .to_string()
}

/// An RFC 3339 time of an answer, as unix seconds.
fn rfc3339(v: &Value) -> i64 {
    let text = v
        .as_str()
        .unwrap_or_else(|| panic!("not RFC 3339 text: {v}"));
    mca_domain::Timestamp::parse_rfc3339(text)
        .unwrap_or_else(|| panic!("not RFC 3339: {text}"))
        .secs()
}

/// `secs` as the RFC 3339 text a relying party sends.
fn at(secs: i64) -> String {
    mca_domain::Timestamp(secs).rfc3339()
}

fn every_kind() -> Vec<Value> {
    let key = mca_crypto::sm2::SecretKey::generate().unwrap();
    let now = mca_domain::SystemClock.now().secs();
    vec![
        json!({"operation": "auth", "purpose": "login", "challenge": hex::encode([7u8; 32]), "end_user_ip": "203.0.113.7"}),
        json!({"operation": "auth", "purpose": "bind", "challenge": hex::encode([8u8; 16])}),
        json!({"operation": "sign", "items": [
            {"label": "招标公告", "kind": "raw_data", "data": hex::encode("招标公告正文")},
            {"label": "投标文件", "kind": "signed_data_detached", "data": hex::encode([1u8; 32])},
            {"label": "开标记录", "kind": "seal", "data": hex::encode([2u8; 32])},
        ]}),
        json!({"operation": "cert", "challenge": hex::encode([9u8; 32])}),
        json!({"operation": "decrypt",
            "envelopes": [{"label": "某公司投标文件", "kind": "sm2_cipher", "data": "3081"}],
            "rp_public_key": hex::encode(key.public_key().to_sec1()),
            "not_before": at(now - 60), "not_after": at(now + 3600)}),
        json!({"operation": "confirm", "file_name": "bid.zip", "file_hash": hex::encode([3u8; 32]), "receipt_number": "R-2026-0001"}),
    ]
}

/// Create every kind, idempotency, long poll, cancel, gone.
async fn sessions_story(scratch: Scratch) {
    let (server, other, _) = start(&scratch).await;
    let rp = register(&server, "浙江省公共资源交易平台", &[]).await;
    let (_phone, caller) = verified_user(&server).await;

    for body in every_kind() {
        let (status, created) = rp.post("/sessions", &body).await;
        assert_eq!(status, 201, "{body}: {created}");
        assert_eq!(created["state"], "created");
        assert_eq!(created["qr_secret"].as_str().unwrap().len(), 64);
        assert!(rfc3339(&created["claim_deadline"]) < rfc3339(&created["expires_at"]));
        let id = created["session_id"].as_str().unwrap();
        let (status, view) = rp.get(&format!("/sessions/{id}")).await;
        assert_eq!(status, 200);
        assert_eq!(view["operation"], body["operation"]);
        assert_eq!(view["state"], "created");
        assert_eq!(view["result"], Value::Null);
        assert_eq!(view["hint"]["code"], "outstanding");
        let signs_bytes =
            ["auth", "cert", "confirm"].contains(&body["operation"].as_str().unwrap());
        assert_eq!(view["signed_bytes"].is_string(), signs_bytes, "{view}");
    }

    // Digest items are refused: a chosen e could be another's challenge.
    let digest = json!({"operation": "sign", "items": [{"label": "摘要", "kind": "digest", "data": hex::encode([4u8; 32])}]});
    let (status, problem) = rp.post("/sessions", &digest).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (422, Some("unsupported_item"))
    );

    // Unknown fields are refused, at the top and inside items, naming the
    // field: a misspelt security field must not be ignored.
    for (body, field) in [
        (
            json!({"operation": "auth", "purpose": "bind", "challenge": hex::encode([8u8; 16]),
            "expected_holdr": {"name": "张三"}}),
            "expected_holdr",
        ),
        (
            json!({"operation": "sign", "items": [{"label": "招标公告", "kind": "seal",
            "data": hex::encode([2u8; 32]), "colour": "red"}]}),
            "colour",
        ),
        (
            json!({"operation": "cert", "challenge": hex::encode([9u8; 32]), "end_user": "x"}),
            "end_user",
        ),
    ] {
        let (status, problem) = rp.post("/sessions", &body).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (400, Some("malformed_body")),
            "{problem}"
        );
        assert!(
            problem["detail"].as_str().unwrap().contains(field),
            "{problem}"
        );
    }

    // Decryption needs a declared opening window: present, RFC 3339,
    // start before end, at most a day long, not over yet.
    let key = mca_crypto::sm2::SecretKey::generate().unwrap();
    let now = mca_domain::SystemClock.now().secs();
    let decrypt = |window: Value| {
        let mut body = json!({"operation": "decrypt",
            "envelopes": [{"label": "某公司投标文件", "kind": "sm2_cipher", "data": "3081"}],
            "rp_public_key": hex::encode(key.public_key().to_sec1())});
        body.as_object_mut()
            .unwrap()
            .extend(window.as_object().unwrap().clone());
        body
    };
    for (window, status, code, says) in [
        (json!({}), 400, "malformed_body", "not_before"),
        (
            json!({"not_before": at(now - 60)}),
            400,
            "malformed_body",
            "not_after",
        ),
        (
            json!({"not_before": now - 60, "not_after": now + 3600}),
            400,
            "malformed_body",
            "RFC 3339",
        ),
        (
            json!({"not_before": "今天九点", "not_after": at(now + 3600)}),
            400,
            "malformed_body",
            "RFC 3339",
        ),
        (
            json!({"not_before": at(now + 3600), "not_after": at(now + 60)}),
            422,
            "invalid_opening_window",
            "晚于",
        ),
        (
            json!({"not_before": at(now), "not_after": at(now + 86_401)}),
            422,
            "invalid_opening_window",
            "24",
        ),
        (
            json!({"not_before": at(now - 7200), "not_after": at(now - 3600)}),
            422,
            "invalid_opening_window",
            "已结束",
        ),
    ] {
        let (got, problem) = rp.post("/sessions", &decrypt(window.clone())).await;
        assert_eq!(
            (got, problem["code"].as_str()),
            (status, Some(code)),
            "{window}: {problem}"
        );
        assert!(
            problem["detail"].as_str().unwrap().contains(says),
            "{window}: {problem}"
        );
    }
    let (status, _) = rp
        .post(
            "/sessions",
            &decrypt(
                json!({"not_before": at(now + 8 * 3600 - 60).replace('Z', "+08:00"),
                    "not_after": at(now + 3600)}),
            ),
        )
        .await;
    assert_eq!(status, 201, "an offset is RFC 3339 too");

    // Idempotent creation: the same session, the same secret; another
    // request under the same key is refused.
    let body = &every_kind()[0];
    let once = Sent {
        idempotency_key: Some("order-2026-0001"),
        ..Sent::default()
    };
    let (s1, first) = rp
        .request(Method::POST, "/api/rp/v1/sessions", Some(body), once)
        .await;
    let again = Sent {
        idempotency_key: Some("order-2026-0001"),
        ..Sent::default()
    };
    let (s2, second) = rp
        .request(Method::POST, "/api/rp/v1/sessions", Some(body), again)
        .await;
    assert_eq!((s1, s2), (201, 200));
    assert_eq!(first["session_id"], second["session_id"]);
    assert_eq!(first["qr_secret"], second["qr_secret"]);
    let reused = Sent {
        idempotency_key: Some("order-2026-0001"),
        ..Sent::default()
    };
    let (s3, problem) = rp
        .request(
            Method::POST,
            "/api/rp/v1/sessions",
            Some(&every_kind()[3]),
            reused,
        )
        .await;
    assert_eq!(
        (s3, problem["code"].as_str()),
        (409, Some("idempotency_key_reused"))
    );

    // Long poll: a poll waiting on `created` returns when the phone scans
    // (another task, another instance).
    let id = first["session_id"].as_str().unwrap().to_owned();
    let poll = {
        let rp = Rp {
            base: rp.base.clone(),
            id: rp.id.clone(),
            key_id: rp.key_id.clone(),
            secret: rp.secret.clone(),
            clock: rp.clock.clone(),
        };
        let id = id.clone();
        tokio::spawn(async move {
            rp.get(&format!("/sessions/{id}?wait=60&state=created"))
                .await
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let scanned = other
        .rp
        .sessions
        .resolve_frame(caller, &frame(&rp, &first))
        .await
        .unwrap();
    assert_eq!(scanned.relying_party, "浙江省公共资源交易平台");
    let (status, view) = poll.await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(view["state"], "scanned");
    assert_eq!(view["hint"]["message"], "已扫描，请在手机上确认");
    // No change: the poll ends after `wait` with the same state.
    let (status, view) = rp
        .get(&format!("/sessions/{id}?wait=1&state=scanned"))
        .await;
    assert_eq!((status, view["state"].as_str()), (200, Some("scanned")));

    // Cancel: terminal; cancelling again answers it unchanged.
    let (status, view) = rp
        .post(&format!("/sessions/{id}/cancel"), &Value::Null)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        (view["state"].as_str(), view["result"].as_str()),
        (Some("complete"), Some("cancelled"))
    );
    let (status, again) = rp
        .post(&format!("/sessions/{id}/cancel"), &Value::Null)
        .await;
    assert_eq!((status, again["result"].as_str()), (200, Some("cancelled")));
    // A complete session answers at once whatever `state` says.
    let (_, view) = rp
        .get(&format!("/sessions/{id}?wait=60&state=complete"))
        .await;
    assert_eq!(view["result"], "cancelled");

    // Another relying party cannot see it.
    let stranger = register(&server, "某开标大厅", &[]).await;
    let (status, _) = stranger.get(&format!("/sessions/{id}")).await;
    assert_eq!(status, 404);

    // Retention over: gone.
    server.clock.advance(RETENTION_SECS + 1);
    let (status, problem) = rp.get(&format!("/sessions/{id}")).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (410, Some("session_gone"))
    );

    server.finish(scratch).await;
}

#[tokio::test]
async fn sessions_on_sqlite() {
    sessions_story(Scratch::sqlite().await.unwrap()).await;
}

#[tokio::test]
async fn sessions_on_postgres() {
    let Some(scratch) = Scratch::postgres_from_env().await.unwrap() else {
        eprintln!("SKIPPED sessions_on_postgres: {POSTGRES_URL_VAR} is not set");
        return;
    };
    sessions_story(scratch).await;
}

#[tokio::test]
async fn unauthenticated_requests_are_refused_and_store_nothing() {
    let scratch = Scratch::sqlite().await.unwrap();
    let (server, _, _) = start(&scratch).await;
    let rp = register(&server, "浙江省公共资源交易平台", &[]).await;
    let body = &every_kind()[0];
    let path = "/api/rp/v1/sessions";

    let cases = [
        (
            "bad-mac",
            Sent {
                tamper_mac: true,
                ..Sent::default()
            },
            "bad_signature",
        ),
        (
            "old-ts",
            Sent {
                skew: -301,
                ..Sent::default()
            },
            "stale_request",
        ),
    ];
    for (key, mut how, code) in cases {
        how.idempotency_key = Some(key);
        let (status, problem) = rp.request(Method::POST, path, Some(body), how).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (401, Some(code)),
            "{key}"
        );
        let stored = server
            .store
            .rp_session_by_idempotency_key(rp.rp_id(), key)
            .await
            .unwrap();
        assert!(
            stored.is_none(),
            "{key}: a refused request stored a session"
        );
    }

    // A replayed nonce: the first request works, its replay does not.
    let n = nonce();
    let first = Sent {
        nonce: Some(&n),
        idempotency_key: Some("nonce-1"),
        ..Sent::default()
    };
    assert_eq!(
        rp.request(Method::POST, path, Some(body), first).await.0,
        201
    );
    let replay = Sent {
        nonce: Some(&n),
        idempotency_key: Some("nonce-2"),
        ..Sent::default()
    };
    let (status, problem) = rp.request(Method::POST, path, Some(body), replay).await;
    assert_eq!((status, problem["code"].as_str()), (401, Some("replay")));
    assert!(
        server
            .store
            .rp_session_by_idempotency_key(rp.rp_id(), "nonce-2")
            .await
            .unwrap()
            .is_none()
    );

    // No headers at all; an unknown key.
    let r = server
        .http()
        .post(format!("{}{path}", server.base))
        .json(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let unknown = Rp {
        key_id: mca_domain::RpKeyId::new().to_string(),
        ..rp
    };
    assert_eq!(unknown.post("/sessions", body).await.0, 401);

    // A disabled relying party is refused; a rotated key keeps working
    // for its grace period.
    let rp = register(&server, "某投标工具", &[]).await;
    let r = server
        .http()
        .post(format!(
            "{}/api/operator/v1/relying-parties/{}/rotation",
            server.base, rp.id
        ))
        .bearer_auth(OPERATOR_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let rotated: Value = r.json().await.unwrap();
    assert_ne!(rotated["key_id"].as_str(), Some(rp.key_id.as_str()));
    assert_eq!(
        rp.post("/sessions", body).await.0,
        201,
        "the old key in its grace period"
    );
    let r = server
        .http()
        .post(format!(
            "{}/api/operator/v1/relying-parties/{}/disable",
            server.base, rp.id
        ))
        .bearer_auth(OPERATOR_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (status, problem) = rp.post("/sessions", body).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (403, Some("relying_party_disabled"))
    );
    server.finish(scratch).await;
}

#[tokio::test]
async fn webhooks_are_signed_with_the_relying_partys_key() {
    let scratch = Scratch::sqlite().await.unwrap();
    let (server, _, _) = start(&scratch).await;

    // The relying party's receiver.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(axum::http::HeaderMap, Vec<u8>)>();
    let receiver = axum::Router::new().route(
        "/cb",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let tx = tx.clone();
                async move {
                    let _ = tx.send((headers, body.to_vec()));
                    axum::http::StatusCode::NO_CONTENT
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/cb", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, receiver).await });

    let rp = register(&server, "浙江省公共资源交易平台", &[&url]).await;
    let mut body = every_kind()[0].clone();
    body["callback_url"] = json!("https://elsewhere.example.cn/cb");
    let (status, problem) = rp.post("/sessions", &body).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (422, Some("invalid_input")),
        "only a registered URL"
    );

    body["callback_url"] = json!(url);
    let (status, created) = rp.post("/sessions", &body).await;
    assert_eq!(status, 201);
    let id = created["session_id"].as_str().unwrap();
    assert_eq!(
        rp.post(&format!("/sessions/{id}/cancel"), &Value::Null)
            .await
            .0,
        200
    );

    let (headers, delivered) = tokio::time::timeout(std::time::Duration::from_secs(30), rx.recv())
        .await
        .expect("a webhook within 30 s")
        .unwrap();
    let event: Value = serde_json::from_slice(&delivered).unwrap();
    assert_eq!(event["session_id"], id);
    assert_eq!(
        (event["state"].as_str(), event["result"].as_str()),
        (Some("complete"), Some("cancelled"))
    );
    assert!(event["event_id"].is_string());
    let ts: i64 = headers["x-mca-webhook-timestamp"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let mac = hex::decode(headers["x-mca-webhook-signature"].to_str().unwrap()).unwrap();
    assert!(verify_webhook_mac(&rp.secret, ts, &delivered, &mac));
    let mut tampered = delivered.clone();
    let at = tampered.iter().position(|&b| b == b'c').unwrap();
    tampered[at] = b'C';
    assert!(!verify_webhook_mac(&rp.secret, ts, &tampered, &mac));
    assert!(!verify_webhook_mac(&rp.secret, ts + 1, &delivered, &mac));
    server.finish(scratch).await;
}

// ---- M7 verification with a certificate issued through the issue-5 story.

/// The phone's two-party signature over `message`.
async fn sign(phone: &Phone, key_id: &str, message: &[u8]) -> mca_crypto::sm2::Signature {
    let der = phone.sign(key_id, PIN, message).await.unwrap();
    mca_crypto::sm2::Signature::from_der(&der).unwrap()
}

#[tokio::test]
async fn verification_of_signatures_signed_data_and_seals() {
    use mca_pki::gmt0010::signed;
    use mca_pki::seal::v4;
    use mca_pki::signer::ToBeSigned;

    let scratch = Scratch::sqlite().await.unwrap();
    let (server, _, config) = start(&scratch).await;
    let rp = register(&server, "浙江省公共资源交易平台", &[]).await;
    let (phone, _) = verified_user(&server).await;
    let (key_id, cert) = support::certified::issued(&server, &phone, PIN).await;

    // A plain signature.
    let data = "投标文件：报价 1,234,567.00 元".as_bytes();
    let sig = sign(&phone, &key_id, data).await;
    let request = json!({"certificate": hex::encode(cert.to_der()), "data": hex::encode(data), "signature": hex::encode(sig.to_der())});
    let (status, v) = rp.post("/verify/signature", &request).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        (
            v["valid"].as_bool(),
            v["status"].as_str(),
            v["chain_valid"].as_bool()
        ),
        (Some(true), Some("good"), Some(true)),
        "{v}"
    );
    assert_eq!(v["reason"], Value::Null);
    assert_eq!(v["certificate"]["serial"], hex::encode(cert.serial()));
    assert!(
        v["certificate"]["subject"]
            .as_str()
            .unwrap()
            .contains("张三"),
        "{v}"
    );
    let mut other = request.clone();
    other["data"] = json!(hex::encode(b"another bid"));
    let (_, v) = rp.post("/verify/signature", &other).await;
    assert_eq!(
        (v["valid"].as_bool(), v["reason"].as_str()),
        (Some(false), Some("signature_invalid"))
    );

    // A certificate of a CA that is not ours.
    let stranger = {
        let ca = mca_pki::ca::CaHierarchy::create(
            mca_pki::ca::CaConfig {
                organization: "某外部CA".into(),
                crl_url: None,
                ocsp_url: None,
            },
            mca_pki::ca::Lifetimes::default(),
        )
        .unwrap();
        ca.seal_maker().clone()
    };
    let mut foreign = request.clone();
    foreign["certificate"] = json!(hex::encode(stranger.to_der()));
    let (_, v) = rp.post("/verify/signature", &foreign).await;
    assert_eq!(v["valid"], false);
    assert_eq!(v["chain_valid"], false);
    assert_eq!(v["status"], "unknown");
    let mut junk = request.clone();
    junk["certificate"] = json!("3000");
    assert_eq!(rp.post("/verify/signature", &junk).await.0, 422);

    // A detached SignedData signed with the phone's two-party key.
    let now = mca_pki::algorithm::now().unwrap();
    let prepared = signed::prepare(data, &cert, false, now).unwrap();
    let sig = sign(&phone, &key_id, prepared.message()).await;
    let signed_data = prepared.assemble(&sig).unwrap();
    let sd = json!({"signed_data": hex::encode(&signed_data), "content": hex::encode(data)});
    let (status, v) = rp.post("/verify/signed-data", &sd).await;
    assert_eq!((status, v["valid"].as_bool()), (200, Some(true)), "{v}");
    let (_, v) = rp
        .post(
            "/verify/signed-data",
            &json!({"signed_data": hex::encode(&signed_data), "content": "00"}),
        )
        .await;
    assert_eq!(v["reason"], "signature_invalid");
    let (status, _) = rp
        .post(
            "/verify/signed-data",
            &json!({"signed_data": hex::encode(&signed_data)}),
        )
        .await;
    assert_eq!(status, 422, "detached without content");

    // A seal made by our CA's seal maker for the certificate, signed over a
    // document digest.
    let dir = std::path::Path::new(&config.ca_dir).join("zjca");
    let ca = mca_pki::ca::CaHierarchy::load(
        &dir,
        config.ca_passphrase.as_ref().unwrap().expose().as_bytes(),
    )
    .unwrap();
    let (start, end) = cert.validity();
    let spec = v4::SealSpec {
        es_id: "test-seal-1".into(),
        seal_type: 2,
        name: "张三".into(),
        signer_certs: vec![cert.clone()],
        valid_start: start,
        valid_end: end,
        picture_type: "PNG".into(),
        picture: v4_picture(),
        size_mm: (40, 40),
    };
    let seal = mca_pki::signer::sign_with(
        v4::prepare_seal(&spec, ca.seal_maker(), now).unwrap(),
        ca.seal_signer(),
    )
    .unwrap();
    let document = mca_crypto::sm3::sm3("开标记录表".as_bytes());
    let prepared =
        v4::prepare_signature_for_digest(&seal, &document, "/Doc_0/kaibiao.pdf", &cert, now)
            .unwrap();
    let sig = sign(&phone, &key_id, prepared.message()).await;
    let sealed = prepared.assemble(&sig).unwrap();
    let (status, v) = rp
        .post(
            "/verify/seal",
            &json!({"seal": hex::encode(&sealed), "document_sm3": hex::encode(document)}),
        )
        .await;
    assert_eq!((status, v["valid"].as_bool()), (200, Some(true)), "{v}");
    let (_, v) = rp
        .post(
            "/verify/seal",
            &json!({"seal": hex::encode(&sealed), "document_sm3": hex::encode([0u8; 32])}),
        )
        .await;
    assert_eq!(v["reason"], "signature_invalid");
    let (_, v) = rp
        .post("/verify/seal", &json!({"seal": hex::encode(&sealed)}))
        .await;
    assert_eq!(v["valid"], true, "over the digest the signature names");

    // Revoked: every verification says so.
    let certs = phone.certificates().await.unwrap();
    let cert_id = certs
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["usage"] == "signing")
        .and_then(|c| c["id"].as_str())
        .unwrap()
        .to_owned();
    phone
        .revoke(&cert_id, Some("key_compromise"))
        .await
        .unwrap();
    let (_, v) = rp.post("/verify/signature", &request).await;
    assert_eq!(
        (
            v["valid"].as_bool(),
            v["status"].as_str(),
            v["reason"].as_str()
        ),
        (Some(false), Some("revoked"), Some("certificate_revoked")),
        "{v}"
    );
    rfc3339(&v["revoked_at"]);
    assert_eq!(v["chain_valid"], true);
    let (_, v) = rp.post("/verify/signed-data", &sd).await;
    assert_eq!(v["status"], "revoked");
    let (_, v) = rp
        .post("/verify/seal", &json!({"seal": hex::encode(&sealed)}))
        .await;
    assert_eq!(v["status"], "revoked");
    server.finish(scratch).await;
}

fn v4_picture() -> Vec<u8> {
    mca_pki::seal::png::circular_seal(160)
}
