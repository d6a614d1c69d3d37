//! A small in-process server for the machine tests: mca-crypto's server
//! side and a throwaway CA answering each request as the real server does,
//! able to misbehave in the ways the phone must refuse.

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

pub(super) const PIN: &str = "246810";
pub(super) const DEVICE_SECRET: &[u8] = b"device-secret-0123456789abcdef";
pub(super) const KEY_ID: &str = "0190-aa01";
pub(super) const APP_ID: &str = "app-1";

#[derive(Default)]
pub(super) struct Misbehave {
    /// Answer key generation with a P that is not d_s·d_p's.
    pub(super) wrong_public_key: bool,
    /// Ask a signature for these bytes instead of the ones asked.
    pub(super) other_message: Option<Vec<u8>>,
    /// Certify another signing key than the phone's.
    pub(super) foreign_certificate: bool,
    /// Ask a decryption authorization for another T1.
    pub(super) other_t1: bool,
}

pub(super) struct Server {
    pub(super) ca: CaHierarchy,
    pub(super) transport: SecretKey,
    pub(super) key: Option<SigningKey>,
    pub(super) session: Option<(String, SigningSession)>,
    pub(super) kmc: EncryptionKey,
    pub(super) decryption: Option<DecryptionShare>,
    /// Every certificate issued, as GET /me/certificates lists them.
    pub(super) issued: Vec<String>,
    pub(super) sessions: u32,
    /// Relying-party sign items, in order.
    pub(super) rp_items: Vec<Vec<u8>>,
    pub(super) rp_done: usize,
    /// Relying-party decrypt sessions: how many envelopes, the relying
    /// party's key, and the content keys it got.
    pub(super) rp_envelopes: usize,
    pub(super) rp_key: SecretKey,
    pub(super) rp_received: Vec<Vec<u8>>,
    pub(super) bad: Misbehave,
    /// Every path asked, in order.
    pub(super) log: Vec<String>,
}

pub(super) fn problem(status: u16, code: &str, attempts_left: Option<u32>) -> Answer {
    Answer {
        status,
        body: json!({"code": code, "title": "请求被拒绝", "attempts_left": attempts_left}),
    }
}

pub(super) fn holder() -> Holder {
    Holder::Person {
        name: "张三".into(),
        resident_id: "11010519491231002X".into(),
    }
}

impl Server {
    pub(super) fn new() -> Self {
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
            rp_envelopes: 0,
            rp_key: SecretKey::generate().unwrap(),
            rp_received: Vec::new(),
            bad: Misbehave::default(),
            log: Vec::new(),
        }
    }

    pub(super) fn begin(&mut self, message: Vec<u8>) -> Value {
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
    pub(super) fn finish(
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

    pub(super) fn handle(&mut self, r: &Request) -> Answer {
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
                // Like the server's CertificationRequestInfo: DER carrying P.
                let csr = [
                    &[0x30, 0x82, 0x01, 0x00][..],
                    &response.public_key.to_sec1(),
                ]
                .concat();
                let mut v = self.begin(csr);
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
            (Method::Post, p) if p.ends_with("/steps") && body.get("blinded").is_some() => {
                self.offered(&body)
            }
            (Method::Post, p) if p.contains("/steps/") && body.get("blinded").is_some() => {
                self.blind(&body)
            }
            (Method::Post, p) if p.ends_with("/content-key") => Ok(self.content_key(&body)),
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

    pub(super) fn certificates(&mut self, body: &Value) -> Value {
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

    pub(super) fn issue(&mut self, signing_key: Point) -> (String, String) {
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

    /// A decrypt step offered for envelope `index`: only the next one.
    pub(super) fn offered(&mut self, body: &Value) -> Result<Value, Answer> {
        if body["index"] != json!(self.rp_done) {
            return Err(problem(400, "invalid_input", None));
        }
        let blinded: BlindedPoint = serde_json::from_value(body["blinded"].clone()).unwrap();
        let sid = format!("s{}", self.sessions + 1);
        let mut v = self.begin(server::decryption_authorization(sid.as_bytes(), &blinded));
        v["index"] = json!(self.rp_done);
        v["kind"] = json!("decrypt");
        Ok(v)
    }

    /// The content key re-encrypted to the relying party.
    pub(super) fn content_key(&mut self, body: &Value) -> Value {
        let der = hex::decode(body["ciphertext"].as_str().unwrap()).unwrap();
        let ct = mca_crypto::sm2::Ciphertext::from_der(&der).unwrap();
        self.rp_received
            .push(ct.decrypt(&self.rp_key).unwrap().to_vec());
        self.rp_done += 1;
        let complete = self.rp_done == self.rp_envelopes;
        json!({
            "state": if complete { "complete" } else { "confirming" },
            "result": if complete { json!("ok") } else { Value::Null },
        })
    }

    pub(super) fn blind(&mut self, body: &Value) -> Result<Value, Answer> {
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
pub(super) struct Run<T> {
    pub(super) output: T,
    pub(super) stored: Option<StoredKey>,
    pub(super) forgot: Option<String>,
    pub(super) progress: Vec<&'static str>,
}

pub(super) fn run<M: Machine>(
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

pub(super) fn secrets() -> Secrets<'static> {
    Secrets::new(PIN, DEVICE_SECRET)
}

pub(super) fn downloaded(server: &mut Server) -> StoredKey {
    let (m, r) = Download::start(APP_ID).unwrap();
    run(server, m, r, secrets()).unwrap().output
}
