//! The machines driven to their end against mca-crypto's server side and
//! a throwaway CA, with no HTTP: a small in-process server answers each
//! request as the real one does, and can be told to misbehave in the ways
//! the phone must refuse.

use mca_crypto::sm2::{Point, SecretKey};
use mca_crypto::twoparty::kmc::EncryptionKey;
use mca_crypto::twoparty::messages::{
    BlindedPoint, BlindedResult, KeygenRequest, PartialSignature, ShareRefresh,
};
use mca_crypto::twoparty::server::{self, DecryptionShare, SigningKey, SigningSession};
use mca_crypto::twoparty::transport;
use mca_pki::ca::{CaConfig, CaHierarchy, Lifetimes};
use mca_pki::profile::Holder;
use serde_json::{Value, json};

use crate::*;

const PIN: &str = "246810";
const DEVICE_SECRET: &[u8] = b"device-secret-0123456789abcdef";
const KEY_ID: &str = "0190-aa01";
const APP_ID: &str = "app-1";

#[derive(Default)]
struct Misbehave {
    /// Answer key generation with a P that is not d_s·d_p's.
    wrong_public_key: bool,
    /// Ask a signature for these bytes instead of the ones asked.
    other_message: Option<Vec<u8>>,
    /// Certify another signing key than the phone's.
    foreign_certificate: bool,
    /// Ask a decryption authorization for another T1.
    other_t1: bool,
}

struct Server {
    ca: CaHierarchy,
    transport: SecretKey,
    key: Option<SigningKey>,
    session: Option<(String, SigningSession)>,
    kmc: EncryptionKey,
    decryption: Option<DecryptionShare>,
    /// Every certificate issued, as GET /me/certificates lists them.
    issued: Vec<String>,
    sessions: u32,
    /// Relying-party sign items, in order.
    rp_items: Vec<Vec<u8>>,
    rp_done: usize,
    bad: Misbehave,
    /// Every path asked, in order.
    log: Vec<String>,
}

fn problem(status: u16, code: &str, attempts_left: Option<u32>) -> Answer {
    Answer {
        status,
        body: json!({"code": code, "title": "请求被拒绝", "attempts_left": attempts_left}),
    }
}

fn holder() -> Holder {
    Holder::Person {
        name: "张三".into(),
        resident_id: "11010519491231002X".into(),
    }
}

impl Server {
    fn new() -> Self {
        let ca = CaHierarchy::create(
            CaConfig {
                organization: "测试CA机构".into(),
                crl_url: None,
                ocsp_url: None,
            },
            Lifetimes::default(),
        )
        .unwrap();
        Server {
            ca,
            transport: SecretKey::generate().unwrap(),
            key: None,
            session: None,
            kmc: EncryptionKey::generate().unwrap(),
            decryption: None,
            issued: Vec::new(),
            sessions: 0,
            rp_items: Vec::new(),
            rp_done: 0,
            bad: Misbehave::default(),
            log: Vec::new(),
        }
    }

    fn begin(&mut self, message: Vec<u8>) -> Value {
        let message = self.bad.other_message.clone().unwrap_or(message);
        self.sessions += 1;
        let session_id = format!("s{}", self.sessions);
        let (session, challenge) = self.key.as_ref().unwrap().begin_sign(&message).unwrap();
        self.session = Some((session_id.clone(), session));
        json!({
            "session_id": session_id,
            "challenge": challenge,
            "transport_key": self.transport.public_key(),
        })
    }

    /// Finishes the open session with the sealed partial; the verified
    /// signature and the answer with the sealed refresh.
    fn finish(
        &mut self,
        body: &Value,
    ) -> Result<(server::VerifiedSignature, Value, Point), Answer> {
        let (session_id, session) = self.session.take().unwrap();
        assert_eq!(body["session_id"], session_id);
        let sealed = serde_json::from_value(body["partial"].clone()).unwrap();
        let partial: PartialSignature =
            transport::open(&self.transport, &session_id, &sealed).unwrap();
        let signed = self
            .key
            .as_mut()
            .unwrap()
            .finish_sign(session, &partial)
            .map_err(|_| problem(403, "wrong_pin", Some(4)))?;
        let reply: Point = serde_json::from_value(body["reply_key"].clone()).unwrap();
        let refresh: &ShareRefresh = &signed.refresh;
        let answer = json!({
            "refresh": transport::seal(&reply, &session_id, refresh).unwrap(),
            "session_id": session_id,
        });
        Ok((signed.signature, answer, reply))
    }

    fn handle(&mut self, r: &Request) -> Answer {
        let path = r.path.strip_prefix(APP).unwrap().to_owned();
        self.log.push(path.clone());
        let body = r.body.clone().unwrap_or(Value::Null);
        let result = match (r.method, path.as_str()) {
            (Method::Post, p) if p.ends_with("/download") || p.ends_with("/rekey") => {
                let request: KeygenRequest =
                    serde_json::from_value(body["keygen"].clone()).unwrap();
                let (key, mut response) = server::generate_signing_key(&request).unwrap();
                if self.bad.wrong_public_key {
                    response.public_key = *SecretKey::generate().unwrap().public_key();
                }
                self.key = Some(key);
                let mut v = self.begin(b"CSR to be signed".to_vec());
                v["keygen"] = json!(response);
                v["key_id"] = json!(KEY_ID);
                v["application_id"] = json!(APP_ID);
                Ok(v)
            }
            (Method::Post, p)
                if p.ends_with("/possession") || p.ends_with("/pin-change/finish") =>
            {
                self.finish(&body).map(|(_, v, _)| v)
            }
            (Method::Post, p) if p.ends_with("/certificates") => Ok(self.certificates(&body)),
            (Method::Get, "/me/certificates") => Ok(json!(
                self.issued
                    .iter()
                    .map(|p| json!({"pem": p}))
                    .collect::<Vec<_>>()
            )),
            (Method::Post, p) if p.ends_with("/signatures") => {
                Ok(self.begin(hex::decode(body["message"].as_str().unwrap()).unwrap()))
            }
            (Method::Post, p) if p.ends_with("/signatures/finish") => {
                self.finish(&body).map(|(sig, mut v, _)| {
                    v["signature"] = json!(hex::encode(sig.signature().to_der()));
                    v
                })
            }
            (Method::Post, p) if p.ends_with("/decryptions") => {
                let mut blinded: BlindedPoint =
                    serde_json::from_value(body["blinded"].clone()).unwrap();
                if self.bad.other_t1 {
                    blinded.t1 = *SecretKey::generate().unwrap().public_key();
                }
                let sid = format!("s{}", self.sessions + 1);
                Ok(self.begin(server::decryption_authorization(sid.as_bytes(), &blinded)))
            }
            (Method::Post, p) if p.ends_with("/decryptions/finish") => self.blind(&body),
            (Method::Post, p) if p.ends_with("/pin-change") => {
                let mut m = mca_crypto::domain::PIN_CHANGE_TAG.to_vec();
                m.extend_from_slice(format!("{KEY_ID}\0").as_bytes());
                m.extend_from_slice(&[7; 16]);
                Ok(self.begin(m))
            }
            (Method::Post, p) if p.ends_with("/steps") => {
                let message = self.rp_items[self.rp_done].clone();
                let mut v = self.begin(message);
                v["index"] = json!(self.rp_done);
                v["kind"] = json!("sign");
                Ok(v)
            }
            (Method::Post, p) if p.contains("/steps/") && p.ends_with("/finish") => {
                self.finish(&body).map(|(_, mut v, _)| {
                    self.rp_done += 1;
                    let complete = self.rp_done == self.rp_items.len();
                    v["state"] = json!(if complete { "complete" } else { "confirming" });
                    v["result"] = if complete { json!("ok") } else { Value::Null };
                    v
                })
            }
            other => panic!("no route {other:?}"),
        };
        match result {
            Ok(body) => Answer::ok(body),
            Err(refused) => refused,
        }
    }

    fn certificates(&mut self, body: &Value) -> Value {
        let reply: Point = serde_json::from_value(body["reply_key"].clone()).unwrap();
        let (share, delivery) = self.kmc.split().unwrap();
        self.decryption = Some(share);
        let signing_key = if self.bad.foreign_certificate {
            *SecretKey::generate().unwrap().public_key()
        } else {
            *self.key.as_ref().unwrap().public_key()
        };
        let (signing, encryption) = self.issue(signing_key);
        json!({
            "signing": {"pem": signing},
            "encryption": {"pem": encryption},
            "delivery": transport::seal(&reply, APP_ID, &delivery).unwrap(),
        })
    }

    fn issue(&mut self, signing_key: Point) -> (String, String) {
        let (s, e) = mca_pki::issue::issue_pair(
            holder(),
            signing_key,
            *self.kmc.public_key(),
            365,
            &self.ca.issuer(),
            self.ca.issuing_signer(),
        )
        .unwrap();
        self.issued.push(s.to_pem());
        self.issued.push(e.to_pem());
        (s.to_pem(), e.to_pem())
    }

    fn blind(&mut self, body: &Value) -> Result<Value, Answer> {
        let blinded: BlindedPoint = serde_json::from_value(body["blinded"].clone()).unwrap();
        let (signature, mut v, reply) = self.finish(body)?;
        let sid = v["session_id"].as_str().unwrap().to_owned();
        let t2: BlindedResult = self
            .decryption
            .as_ref()
            .unwrap()
            .blind_decrypt(sid.as_bytes(), &blinded, &signature)
            .map_err(|_| problem(403, "not_authorized", None))?;
        v["blinded_result"] = json!(transport::seal(&reply, &sid, &t2).unwrap());
        Ok(v)
    }
}

/// What the shell does: send, save, forget, loop. The saved key and the
/// progress seen are returned with the output.
struct Run<T> {
    output: T,
    stored: Option<StoredKey>,
    forgot: Option<String>,
    progress: Vec<&'static str>,
}

fn run<M: Machine>(
    server: &mut Server,
    mut machine: M,
    mut request: Request,
    secrets: Secrets<'_>,
) -> Result<Run<M::Output>, CoreError> {
    let (mut stored, mut forgot, mut progress) = (None, None, Vec::new());
    loop {
        let next = machine.on_answer(server.handle(&request), &secrets)?;
        progress.push(next.progress.as_str());
        stored = next.store.or(stored);
        forgot = next.forget.or(forgot);
        match next.then {
            Then::Send(r) => request = r,
            Then::Done(output) => {
                return Ok(Run {
                    output,
                    stored,
                    forgot,
                    progress,
                });
            }
        }
    }
}

fn secrets() -> Secrets<'static> {
    Secrets::new(PIN, DEVICE_SECRET)
}

fn downloaded(server: &mut Server) -> StoredKey {
    let (m, r) = Download::start(APP_ID).unwrap();
    run(server, m, r, secrets()).unwrap().output
}

#[test]
fn a_download_runs_keygen_possession_certificates_and_stores_only_masked_shares() {
    let mut server = Server::new();
    let (m, r) = Download::start(APP_ID).unwrap();
    assert_eq!(m.progress(), Progress::Keygen);
    let done = run(&mut server, m, r, secrets()).unwrap();
    assert_eq!(done.progress, ["possession", "certificates", "done"]);
    let key = done.output;
    assert_eq!(done.stored.as_ref(), Some(&key));
    assert_eq!(key.key_id, KEY_ID);
    assert_eq!(&key.public_key, server.key.as_ref().unwrap().public_key());
    assert!(key.encryption.is_some() && key.encryption_certificate.is_some());
    let summary = key.summary();
    assert!(summary.has_certificates && summary.serial.is_some() && summary.not_after.is_some());
    // The stored form has exactly the allowed fields, shares only masked.
    let json = serde_json::to_value(&key).unwrap();
    let mut fields: Vec<_> = json.as_object().unwrap().keys().cloned().collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "application_id",
            "encryption",
            "encryption_certificate",
            "key_id",
            "public_key",
            "signing",
            "signing_certificate"
        ]
    );
    for share in ["signing", "encryption"] {
        let mut inner: Vec<_> = json[share].as_object().unwrap().keys().cloned().collect();
        inner.sort();
        assert_eq!(inner, ["c", "salt"]);
    }
    // Not even the masked share is printed.
    assert!(!format!("{key:?}").contains(json["signing"]["c"].as_str().unwrap()));
    let text = json.to_string();
    assert!(!text.contains(PIN));
    assert!(!text.contains(&hex::encode(DEVICE_SECRET)));
}

#[test]
fn a_server_p_that_does_not_match_is_refused_before_anything_is_stored() {
    let mut server = Server::new();
    server.bad.wrong_public_key = true;
    let (mut m, r) = Download::start(APP_ID).unwrap();
    let refused = m.on_answer(server.handle(&r), &secrets()).unwrap_err();
    assert_eq!(refused, CoreError::Protocol("public key".into()));
}

#[test]
fn a_certificate_for_another_key_is_refused() {
    let mut server = Server::new();
    server.bad.foreign_certificate = true;
    let (m, r) = Download::start(APP_ID).unwrap();
    let refused = run(&mut server, m, r, secrets()).err().unwrap();
    assert_eq!(refused, CoreError::Protocol("certificate keys".into()));
}

#[test]
fn a_new_pin_must_be_six_digits() {
    let mut server = Server::new();
    let (mut m, r) = Download::start(APP_ID).unwrap();
    let refused = m
        .on_answer(server.handle(&r), &Secrets::new("12345", DEVICE_SECRET))
        .unwrap_err();
    assert_eq!(refused, CoreError::Input("证书PIN码应为6位数字".into()));
}

#[test]
fn signatures_verify_under_p_and_follow_each_refresh() {
    let mut server = Server::new();
    let mut key = downloaded(&mut server);
    for message in [b"bid one".as_slice(), b"bid two"] {
        let (m, r) = Signing::start(key.clone(), message);
        let done = run(&mut server, m, r, secrets()).unwrap();
        let signature = mca_crypto::sm2::Signature::from_der(&done.output).unwrap();
        key.public_key.verify(message, &signature).unwrap();
        key = done.stored.unwrap();
    }
}

#[test]
fn a_wrong_pin_gives_another_share_which_the_server_rejects() {
    let mut server = Server::new();
    let key = downloaded(&mut server);
    let (m, r) = Signing::start(key, b"bid");
    let refused = run(&mut server, m, r, Secrets::new("135790", DEVICE_SECRET))
        .err()
        .unwrap();
    assert_eq!(refused.code(), "wrong_pin");
    assert_eq!(refused.attempts_left(), Some(4));
}

#[test]
fn a_challenge_for_other_bytes_is_not_signed() {
    let mut server = Server::new();
    let key = downloaded(&mut server);
    server.bad.other_message = Some(b"transfer everything".to_vec());
    let (m, r) = Signing::start(key.clone(), b"bid");
    let refused = run(&mut server, m, r, secrets()).err().unwrap();
    assert_eq!(refused, CoreError::Protocol("challenge message".into()));
    assert!(!server.log.iter().any(|p| p.ends_with("/finish")));
    // A PIN change must be for this key's PIN check, not other bytes.
    let (m, r) = PinChange::start(key, "123456");
    let refused = run(&mut server, m, r, secrets().with_new_pin("135790"))
        .err()
        .unwrap();
    assert_eq!(refused, CoreError::Protocol("challenge message".into()));
}

#[test]
fn blinded_decryption_opens_ciphertexts_and_envelopes() {
    let mut server = Server::new();
    let key = downloaded(&mut server);
    let ct = mca_crypto::sm2::encrypt(server.kmc.public_key(), b"content key").unwrap();
    let (m, r) = Decryption::start(key.clone(), ct).unwrap();
    let done = run(&mut server, m, r, secrets()).unwrap();
    assert_eq!(&done.output[..], b"content key");
    let key = done.stored.unwrap();

    let cert = key.encryption_cert().unwrap();
    let der = mca_pki::gmt0010::enveloped::seal(b"tender", &[&cert]).unwrap();
    let (m, r) = Envelope::start(key.clone(), &der).unwrap();
    let done = run(&mut server, m, r, secrets()).unwrap();
    assert_eq!(done.output, b"tender");
    let key = done.stored.unwrap();

    // An envelope for an earlier certificate of the same key (before a
    // renewal): the phone looks it up among the user's certificates.
    let (_, earlier) = server.issue(key.public_key);
    let earlier = mca_pki::cert::Certificate::from_pem(&earlier).unwrap();
    let der = mca_pki::gmt0010::enveloped::seal(b"old tender", &[&earlier]).unwrap();
    let (m, r) = Envelope::start(key.clone(), &der).unwrap();
    let done = run(&mut server, m, r, secrets()).unwrap();
    assert_eq!(done.output, b"old tender");
    assert!(server.log.contains(&"/me/certificates".to_owned()));

    // An envelope for some other key is not sent anywhere.
    let stranger = SecretKey::generate().unwrap();
    let (other_sign, other_enc) = mca_pki::issue::issue_pair(
        holder(),
        *stranger.public_key(),
        *stranger.public_key(),
        365,
        &server.ca.issuer(),
        server.ca.issuing_signer(),
    )
    .unwrap();
    drop(other_sign);
    let der = mca_pki::gmt0010::enveloped::seal(b"x", &[&other_enc]).unwrap();
    let (m, r) = Envelope::start(done.stored.unwrap(), &der).unwrap();
    let refused = run(&mut server, m, r, secrets()).err().unwrap();
    assert_eq!(
        refused,
        CoreError::State("该数字信封不是发给此加密密钥的".into())
    );
}

#[test]
fn a_decryption_authorization_for_another_t1_is_not_signed() {
    let mut server = Server::new();
    let key = downloaded(&mut server);
    server.bad.other_t1 = true;
    let ct = mca_crypto::sm2::encrypt(server.kmc.public_key(), b"k").unwrap();
    let (m, r) = Decryption::start(key, ct).unwrap();
    let refused = run(&mut server, m, r, secrets()).err().unwrap();
    assert_eq!(refused, CoreError::Protocol("challenge message".into()));
}

#[test]
fn a_pin_change_remasks_both_shares() {
    let mut server = Server::new();
    let key = downloaded(&mut server);
    let (m, r) = PinChange::start(key, "123456");
    let bad_new = run(&mut server, m, r, secrets().with_new_pin("1357"))
        .err()
        .unwrap();
    assert_eq!(bad_new.code(), "invalid_input");
    let key = server_key_after_pin_change(&mut server);
    let (m, r) = Signing::start(key.clone(), b"with the new PIN");
    run(&mut server, m, r, Secrets::new("135790", DEVICE_SECRET)).unwrap();
    let (m, r) = Signing::start(key.clone(), b"with the old PIN");
    let refused = run(&mut server, m, r, secrets()).err().unwrap();
    assert_eq!(refused.code(), "wrong_pin");
    let ct = mca_crypto::sm2::encrypt(server.kmc.public_key(), b"k").unwrap();
    let (m, r) = Decryption::start(key, ct).unwrap();
    let done = run(&mut server, m, r, Secrets::new("135790", DEVICE_SECRET)).unwrap();
    assert_eq!(&done.output[..], b"k");
}

fn server_key_after_pin_change(server: &mut Server) -> StoredKey {
    let key = downloaded(server);
    let (m, r) = PinChange::start(key, "123456");
    run(server, m, r, secrets().with_new_pin("135790"))
        .unwrap()
        .stored
        .unwrap()
}

#[test]
fn a_rekey_forgets_the_old_key() {
    let mut server = Server::new();
    let (m, r) = Download::rekey("0190-0old", "rv-1", "123456", None).unwrap();
    let done = run(&mut server, m, r, secrets()).unwrap();
    assert_eq!(done.forgot.as_deref(), Some("0190-0old"));
    assert!(server.log[0].ends_with("/me/keys/0190-0old/rekey"));
    assert!(done.output.encryption.is_some());
}

fn scanned_sign(items: &[&[u8]]) -> Scanned {
    let items: Vec<Value> = items
        .iter()
        .map(|d| json!({"label": "投标文件", "kind": "raw_data", "sm3": hex::encode(mca_crypto::sm3::sm3(d))}))
        .collect();
    Scanned::from_json(&json!({
        "session_id": "rp-s", "relying_party": "某交易平台", "relying_party_id": "rp-1",
        "operation": "sign", "state": "scanned", "items": items,
    }))
    .unwrap()
}

#[test]
fn an_approval_signs_each_item_shown_and_nothing_else() {
    let mut server = Server::new();
    let key = downloaded(&mut server);
    server.rp_items = vec![b"doc one".to_vec(), b"doc two".to_vec()];
    let scanned = scanned_sign(&[b"doc one", b"doc two"]);
    let (m, r) = Approval::start(scanned.clone(), key.clone()).unwrap();
    let done = run(&mut server, m, r, secrets()).unwrap();
    assert_eq!(
        done.output,
        Approved {
            state: "complete".into(),
            result: Some("ok".into())
        }
    );
    // The server asks for a document the user was not shown.
    let mut server_lying = Server::new();
    let key = downloaded(&mut server_lying);
    server_lying.rp_items = vec![b"another document".to_vec()];
    let (m, r) = Approval::start(scanned_sign(&[b"doc one"]), key).unwrap();
    let refused = run(&mut server_lying, m, r, secrets()).err().unwrap();
    assert_eq!(refused, CoreError::Protocol("step message".into()));
}

#[test]
fn scanning_sends_the_canonical_link_only() {
    let link = format!("mca://qr?t=abcdefghijklmnop&s=3&m={}", "ab".repeat(32));
    let same_device = format!(
        "https://ca.example.cn/app/#/scan?link={}",
        link.replace(':', "%3A")
            .replace('/', "%2F")
            .replace('?', "%3F")
            .replace('&', "%26")
            .replace('=', "%3D")
    );
    let request = scan_request(&same_device).unwrap();
    assert_eq!(request.path, format!("{APP}/rp-sessions/scan"));
    assert_eq!(request.body, Some(json!({ "link": link })));
    assert_eq!(
        scan_request("https://evil.example/").unwrap_err().code(),
        "invalid_input"
    );
    assert_eq!(
        refusal_request("rp-s").path,
        format!("{APP}/rp-sessions/rp-s/refusal")
    );
}

#[test]
fn a_finished_machine_refuses_more_answers_and_the_only_key_is_chosen() {
    let mut server = Server::new();
    let key = downloaded(&mut server);
    let (mut m, r) = Signing::start(key.clone(), b"x");
    let a = server.handle(&r);
    let Then::Send(r) = m.on_answer(a, &secrets()).unwrap().then else {
        panic!("a finish request")
    };
    let a = server.handle(&r);
    let _ = m.on_answer(a.clone(), &secrets()).unwrap();
    assert_eq!(m.on_answer(a, &secrets()).unwrap_err(), CoreError::Finished);
    assert_eq!(only_key(std::slice::from_ref(&key)).unwrap(), KEY_ID);
    assert!(only_key(&[]).is_err());
    let mut other = key.clone();
    other.key_id = "0190-bb02".into();
    let several = only_key(&[key.clone(), other]).unwrap_err().to_string();
    assert!(
        several.contains("2个") && several.contains(KEY_ID),
        "{several}"
    );
    let mut uncertified = key;
    uncertified.signing_certificate = None;
    assert!(only_key(&[uncertified]).is_err());
}
