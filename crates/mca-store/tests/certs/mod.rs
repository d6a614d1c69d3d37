#![allow(dead_code)] // each test file uses a different part
//! Scaffolding for the certificate stories (issue 5): a verified user, the
//! seeded catalogue, pictures that pass the upload checks, the certificate
//! services with a CA hierarchy per CA organization.

use std::sync::Arc;

use mca_domain::certificates::{Authorities, CertificateInfo, Uploads};
use mca_domain::providers::DevPaymentProvider;
use mca_domain::*;
use mca_pki::ca::{CaConfig, CaHierarchy, Lifetimes};

use crate::support::{self, Phone as TestPhone};

/// A PNG of `w`×`h` pixels of one RGBA colour.
pub fn png(w: u32, h: u32, rgba: [u8; 4]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().unwrap();
        let data: Vec<u8> = (0..w * h).flat_map(|_| rgba).collect();
        writer.write_image_data(&data).unwrap();
    }
    out
}

/// A form photo and a signature that pass the checks.
pub struct Pictures {
    pub form_photo: Vec<u8>,
    pub signature: Vec<u8>,
}

impl Pictures {
    pub fn new(shade: u8) -> Self {
        Self {
            form_photo: png(600, 800, [240, shade, 240, 255]),
            signature: png(200, 60, [0x1B, 0x22, shade / 4, 255]),
        }
    }

    pub fn uploads(&self) -> Uploads<'_> {
        Uploads {
            form_photo: &self.form_photo,
            signature: &self.signature,
        }
    }
}

/// A registered, real-name verified user.
pub async fn verified_user(svc: &Services, dev: &DevProviders, number: &str) -> UserId {
    let login = support::register(svc, dev, number, &TestPhone::new()).await;
    let u = login.user.id;
    svc.identity
        .submit(u, "张三", "11010519491231002X")
        .await
        .unwrap();
    svc.identity.start_face(u).await.unwrap();
    svc.identity.complete_face(u).await.unwrap();
    u
}

/// Seeds Zhejiang; ZJCA's 1-year option on the provincial platform.
pub async fn zjca_info(svc: &Services) -> CertificateInfo {
    svc.catalogue.seed_zhejiang().await.unwrap();
    let all = svc.catalogue.all().await.unwrap();
    let ca = all
        .ca_organizations
        .iter()
        .find(|c| c.short_name == "ZJCA")
        .unwrap();
    let platform = &all.platforms[0];
    let option = all
        .validity_options
        .iter()
        .find(|v| v.ca_id == ca.id && v.years == 1)
        .unwrap();
    CertificateInfo {
        province_id: platform.province_id,
        platform_id: platform.id,
        ca_id: ca.id,
        validity_option_id: option.id,
    }
}

/// A CA hierarchy for every CA organization of the catalogue.
pub async fn authorities(svc: &Services) -> Authorities {
    let mut cas = Authorities::new();
    for ca in svc.catalogue.all().await.unwrap().ca_organizations {
        let h = CaHierarchy::create(
            CaConfig {
                organization: ca.short_name.clone(),
                crl_url: Some(format!("http://127.0.0.1/crl/{}", ca.id)),
                ocsp_url: Some("http://127.0.0.1/ocsp".into()),
            },
            Lifetimes::default(),
        )
        .unwrap();
        cas.insert(ca.id, h);
    }
    cas
}

/// The development payment provider, shared.
pub fn payments() -> Arc<DevPaymentProvider> {
    Arc::new(DevPaymentProvider::new())
}

/// The certificate services on one store (one server instance).
pub type Certs = mca_domain::certificates::Certificates;

pub fn vault() -> Arc<KeyVault> {
    Arc::new(KeyVault::new("test", [("test", "000102030405060708090a0b0c0d0e0f")]).unwrap())
}

/// Wires the certificate services as the server does.
pub fn wire(
    store: Arc<dyn Store>,
    svc: &Services,
    dev: &DevProviders,
    payments: Arc<DevPaymentProvider>,
    cas: Arc<Authorities>,
) -> Certs {
    Certs::new(svc, store, vault(), dev.face.clone(), payments, cas)
}

/// The phone's side, in process (mca_crypto::twoparty::phone): the
/// PIN-masked signing share, the encryption share, P.
pub struct Handset {
    pub device: DeviceId,
    pub secret: [u8; 32],
    pub signing: Option<mca_crypto::twoparty::phone::MaskedShare>,
    pub encryption: Option<mca_crypto::twoparty::phone::MaskedShare>,
    pub public_key: Option<mca_crypto::sm2::Point>,
}

impl Handset {
    pub fn new(device: DeviceId) -> Self {
        Self {
            device,
            secret: mca_crypto::rand::bytes().unwrap(),
            signing: None,
            encryption: None,
            public_key: None,
        }
    }

    /// This phone calling as `user`.
    pub fn caller(&self, user: UserId) -> Caller {
        Caller {
            user,
            device: self.device,
        }
    }

    /// The partial signature on a challenge with `pin`.
    pub fn partial(
        &self,
        pin: &str,
        challenge: &mca_crypto::twoparty::messages::SignChallenge,
    ) -> mca_crypto::twoparty::messages::PartialSignature {
        let share = self
            .signing
            .as_ref()
            .unwrap()
            .unmask(pin.as_bytes(), &self.secret)
            .unwrap();
        share
            .sign(self.public_key.as_ref().unwrap(), challenge)
            .unwrap()
    }

    pub fn refresh(&mut self, r: &mca_crypto::twoparty::messages::ShareRefresh) {
        self.signing.as_mut().unwrap().apply_refresh(r);
    }

    /// Downloads the certificates of an approved application: keygen,
    /// CSR, issuance, delivery; the PIN is set here (I3).
    pub async fn download(
        &mut self,
        certs: &Certs,
        user: UserId,
        app: ApplicationId,
        pin: &str,
    ) -> (SigningKeyId, mca_domain::certificates::Downloaded) {
        let key = self.generate(certs, user, app, pin).await;
        let done = certs
            .issuance
            .complete_download(self.caller(user), app)
            .await
            .unwrap();
        self.take_delivery(&done.delivery, pin);
        (key, done)
    }

    /// Steps 1–2 only: what is stored before the certificates are signed.
    pub async fn generate(
        &mut self,
        certs: &Certs,
        user: UserId,
        app: ApplicationId,
        pin: &str,
    ) -> SigningKeyId {
        let (kg, req) = mca_crypto::twoparty::phone::KeyGeneration::start().unwrap();
        let started = certs
            .issuance
            .start_download(user, self.device, app, &req)
            .await
            .unwrap();
        let (masked, p) = kg
            .finish(&started.keygen, pin.as_bytes(), &self.secret)
            .unwrap();
        self.signing = Some(masked);
        self.public_key = Some(p);
        let partial = self.partial(pin, &started.challenge);
        let refresh = certs
            .issuance
            .prove_possession(
                self.caller(user),
                started.key_id,
                started.session_id,
                &partial,
            )
            .await
            .unwrap();
        self.refresh(&refresh);
        started.key_id
    }

    pub fn take_delivery(&mut self, d: &mca_crypto::twoparty::messages::ShareDelivery, pin: &str) {
        let share = mca_crypto::twoparty::phone::Share::from_delivery(d);
        self.encryption = Some(
            mca_crypto::twoparty::phone::MaskedShare::mask(&share, pin.as_bytes(), &self.secret)
                .unwrap(),
        );
    }

    /// Signs `msg` through the server; the signature or the error code.
    pub async fn sign(
        &mut self,
        certs: &Certs,
        user: UserId,
        key: SigningKeyId,
        pin: &str,
        msg: &[u8],
    ) -> Result<mca_crypto::sm2::Signature, &'static str> {
        let begun = certs
            .keys
            .begin_sign(self.caller(user), key, msg)
            .await
            .map_err(|e| e.code())?;
        assert_eq!(begun.challenge.message, msg);
        let partial = self.partial(pin, &begun.challenge);
        let done = certs
            .keys
            .finish_sign(self.caller(user), key, begun.session_id, &partial)
            .await
            .map_err(|e| e.code())?;
        self.refresh(&done.refresh);
        Ok(done.signature)
    }

    /// Opens an SM2 ciphertext by the blinded protocol (§5).
    pub async fn decrypt(
        &mut self,
        certs: &Certs,
        user: UserId,
        key: SigningKeyId,
        pin: &str,
        ct: mca_crypto::sm2::Ciphertext,
    ) -> Result<Vec<u8>, &'static str> {
        let (dec, t1) = mca_crypto::twoparty::phone::Decryption::start(ct).unwrap();
        let begun = certs
            .keys
            .begin_decrypt(self.caller(user), key, &t1)
            .await
            .map_err(|e| e.code())?;
        let partial = self.partial(pin, &begun.challenge);
        let (t2, refresh) = certs
            .keys
            .finish_decrypt(self.caller(user), key, begun.session_id, &partial, &t1)
            .await
            .map_err(|e| e.code())?;
        self.refresh(&refresh);
        let enc = self
            .encryption
            .as_ref()
            .unwrap()
            .unmask(pin.as_bytes(), &self.secret)
            .unwrap();
        dec.finish(&enc, &t2)
            .map(|p| p.to_vec())
            .map_err(|_| "decryption_failed")
    }
}

/// Registers, verifies, applies, pays and gets approved: the application.
pub async fn approved_application(
    svc: &Services,
    dev: &DevProviders,
    certs: &Certs,
    number: &str,
) -> (UserId, ApplicationId, DeviceId) {
    let handset = support::Phone::new();
    let login = support::register(svc, dev, number, &handset).await;
    let u = login.user.id;
    svc.identity
        .submit(u, "张三", "11010519491231002X")
        .await
        .unwrap();
    svc.identity.start_face(u).await.unwrap();
    svc.identity.complete_face(u).await.unwrap();
    let info = zjca_info(svc).await;
    let pics = Pictures::new(200);
    let (app, _) = certs
        .applications
        .apply(u, info, pics.uploads())
        .await
        .unwrap();
    certs.applications.pay(u, app.id).await.unwrap();
    let reviewer = certs
        .review
        .create_reviewer(
            info.ca_id,
            &format!("r{number}"),
            "审核员",
            &Password::parse("review-pass-1").unwrap(),
        )
        .await
        .unwrap();
    certs.review.approve(reviewer.id, app.id).await.unwrap();
    (u, app.id, login.device_id)
}

/// The real time: CA hierarchies are created at the real time, and what
/// they issue may not start before them.
pub fn now() -> Timestamp {
    SystemClock.now()
}

/// Whether OpenSSL 3 verifies `sig` (DER) on `msg` with the standard SM2
/// ID under the public key of the certificate `cert_der`.
pub fn openssl_verifies(cert_der: &[u8], msg: &[u8], sig: &mca_crypto::sm2::Signature) -> bool {
    let dir = std::env::temp_dir().join(format!("mca-openssl-{}", UserId::new()));
    std::fs::create_dir_all(&dir).unwrap();
    let cert = mca_pki::cert::Certificate::from_der(cert_der).unwrap();
    std::fs::write(dir.join("c.pem"), cert.to_pem()).unwrap();
    std::fs::write(dir.join("m"), msg).unwrap();
    std::fs::write(dir.join("s"), sig.to_der()).unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new("openssl")
            .args(args)
            .current_dir(&dir)
            .output()
            .expect("openssl on PATH")
    };
    let out = run(&["x509", "-in", "c.pem", "-pubkey", "-noout", "-out", "p.pem"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&[
        "dgst",
        "-sm3",
        "-verify",
        "p.pem",
        "-sigopt",
        "distid:1234567812345678",
        "-signature",
        "s",
        "m",
    ]);
    let _ = std::fs::remove_dir_all(&dir);
    out.status.success() && String::from_utf8_lossy(&out.stdout).contains("Verified OK")
}

/// The OCSP status of `serial` as the responder answers it, its response
/// verified under `issuing`.
pub async fn ask_ocsp(
    revocation: &mca_domain::certificates::Revocation,
    issuing: &mca_pki::cert::Certificate,
    serial: &[u8],
) -> mca_pki::ocsp::CertStatus {
    use mca_pki::ocsp;
    let issuer = mca_pki::issue::Issuer::from_certificate(issuing, None, None);
    let id = ocsp::cert_id(&issuer, serial).unwrap();
    let req = ocsp::request(vec![id.clone()], Some(b"nonce-1")).unwrap();
    let der = revocation.ocsp(&req).await.unwrap();
    let data = ocsp::verify_response(&der, issuing.public_key()).unwrap();
    data.responses
        .into_iter()
        .find(|r| r.cert_id == id)
        .unwrap()
        .cert_status
}
