//! After issuance: revocation published by CRL and OCSP (M1), forgotten
//! PIN re-key (I3), recovery on a new device with payment (G1: the old
//! envelope still opens, the old key and certificate are dead), renewal
//! and re-application (D6/D8) through review; and what the server stores
//! not being enough to sign or decrypt alone (PROTOCOL.md §7).

mod certs;
mod support;

use std::sync::Arc;

use certs::{Certs, Handset};
use mca_domain::certificates::Revocation;
use mca_domain::store::{ApplicationKind, ApplicationState, KeyState, RevocationReason};
use mca_domain::*;
use mca_pki::cert::Certificate;
use mca_pki::ocsp;
use support::{on_each_backend, services};

const PIN: &str = "246810";

struct World {
    svc: Services,
    dev: DevProviders,
    c: Certs,
    revocation: Revocation,
    payments: Arc<providers::DevPaymentProvider>,
}

async fn world(scratch: &mca_store::scratch::Scratch, clock: &ManualClock) -> World {
    let (svc, dev) = services(scratch, clock);
    svc.catalogue.seed_zhejiang().await.unwrap();
    let cas = Arc::new(certs::authorities(&svc).await);
    clock.set(certs::now());
    let payments = certs::payments();
    let c = certs::wire(
        scratch.db.store(),
        &svc,
        &dev,
        payments.clone(),
        cas.clone(),
    );
    let revocation = c.revocation.clone();
    World {
        svc,
        dev,
        c,
        revocation,
        payments,
    }
}

/// A fresh SMS code for certificate-key operations and a passed face check.
async fn reverify(
    w: &World,
    clock: &ManualClock,
    u: UserId,
    number: &str,
) -> (ReverificationId, SmsCode) {
    // Past the SMS quotas' minimum interval and hour window.
    clock.advance(3601);
    let code = support::code_for(&w.svc, &w.dev, number, CodePurpose::CertificateKey).await;
    let (rev, _) = w.c.keys.start_reverification(u).await.unwrap();
    (rev, code)
}

async fn ask_ocsp(w: &World, issuing: &Certificate, serial: &[u8]) -> ocsp::CertStatus {
    certs::ask_ocsp(&w.revocation, issuing, serial).await
}

#[tokio::test]
async fn forgot_pin_recovery_and_revocation() {
    on_each_backend(|scratch| async move {
        let clock = ManualClock::new(certs::now());
        let w = world(&scratch, &clock).await;
        let number = "13855550001";
        let (u, app, device) = certs::approved_application(&w.svc, &w.dev, &w.c, number).await;
        let mut phone = Handset::new(device);
        let (key, done) = phone.download(&w.c, u, app, PIN).await;
        let issuing = Certificate::from_der(&done.chain[0]).unwrap();
        let enc_cert = Certificate::from_der(&done.encryption.der).unwrap();
        let envelope = mca_crypto::sm2::encrypt(enc_cert.public_key(), "标书".as_bytes()).unwrap();
        assert!(matches!(
            ask_ocsp(&w, &issuing, &done.signing.serial).await,
            ocsp::CertStatus::Good(_)
        ));
        assert!(matches!(
            ask_ocsp(&w, &issuing, &[0x01, 0x02]).await,
            ocsp::CertStatus::Unknown(_)
        ));
        let garbage = w.revocation.ocsp(b"garbage").await.unwrap();
        assert!(matches!(
            <ocsp::OcspResponse as der::Decode>::from_der(&garbage)
                .unwrap()
                .response_status,
            ocsp::ResponseStatus::MalformedRequest
        ));

        // I3 forgot PIN: SMS + real-name, new signing key on the same
        // device, no new review; the old signing certificate is revoked.
        let (rev, code) = reverify(&w, &clock, u, number).await;
        let (kg, req) = mca_crypto::twoparty::phone::KeyGeneration::start().unwrap();
        let wrong = support::wrong(&code);
        assert_eq!(
            w.c.issuance
                .start_rekey(u, device, key, rev, &wrong, None, &req)
                .await
                .unwrap_err()
                .code(),
            "wrong_code"
        );
        let (rev, code) = reverify(&w, &clock, u, number).await;
        let started =
            w.c.issuance
                .start_rekey(u, device, key, rev, &code, None, &req)
                .await
                .unwrap();
        let new_pin = "112233";
        let (masked, p) = kg
            .finish(&started.keygen, new_pin.as_bytes(), &phone.secret)
            .unwrap();
        phone.signing = Some(masked);
        phone.public_key = Some(p);
        let partial = phone.partial(new_pin, &started.challenge);
        let refresh =
            w.c.issuance
                .prove_possession(
                    phone.caller(u),
                    started.key_id,
                    started.session_id,
                    &partial,
                )
                .await
                .unwrap();
        phone.refresh(&refresh);
        let redone =
            w.c.issuance
                .complete_download(phone.caller(u), app)
                .await
                .unwrap();
        phone.take_delivery(&redone.delivery, new_pin);
        let key2 = started.key_id;
        assert_eq!(
            redone.encryption.id, done.encryption.id,
            "no new encryption certificate"
        );
        assert_ne!(redone.signing.id, done.signing.id);
        assert_eq!(w.c.keys.key(u, key).await.unwrap().state, KeyState::Retired);
        assert!(matches!(
            ask_ocsp(&w, &issuing, &done.signing.serial).await,
            ocsp::CertStatus::Revoked(_)
        ));
        assert_eq!(
            phone
                .decrypt(&w.c, u, key2, new_pin, envelope.clone())
                .await
                .unwrap(),
            "标书".as_bytes()
        );
        assert_eq!(
            phone.sign(&w.c, u, key, new_pin, b"x").await.unwrap_err(),
            "not_found"
        );

        // G1 recovery on a new device: payment first, then SMS + face.
        clock.advance(120);
        let login = support::register(&w.svc, &w.dev, number, &support::Phone::new()).await;
        let mut new_phone = Handset::new(login.device_id);
        let (rev, code) = reverify(&w, &clock, u, number).await;
        let (kg, req) = mca_crypto::twoparty::phone::KeyGeneration::start().unwrap();
        assert_eq!(
            w.c.issuance
                .start_rekey(u, new_phone.device, key2, rev, &code, None, &req)
                .await
                .unwrap_err()
                .code(),
            "not_paid"
        );
        w.payments.decline_next(1);
        assert_eq!(
            w.c.applications
                .pay_recovery(u, 5_000)
                .await
                .unwrap_err()
                .code(),
            "payment_failed"
        );
        let order = w.c.applications.pay_recovery(u, 5_000).await.unwrap();
        let started =
            w.c.issuance
                .start_rekey(u, new_phone.device, key2, rev, &code, Some(order.id), &req)
                .await
                .unwrap();
        let (masked, p) = kg
            .finish(&started.keygen, PIN.as_bytes(), &new_phone.secret)
            .unwrap();
        new_phone.signing = Some(masked);
        new_phone.public_key = Some(p);
        let partial = new_phone.partial(PIN, &started.challenge);
        let refresh =
            w.c.issuance
                .prove_possession(
                    new_phone.caller(u),
                    started.key_id,
                    started.session_id,
                    &partial,
                )
                .await
                .unwrap();
        new_phone.refresh(&refresh);
        let recovered =
            w.c.issuance
                .complete_download(new_phone.caller(u), app)
                .await
                .unwrap();
        new_phone.take_delivery(&recovered.delivery, PIN);
        let key3 = started.key_id;
        // The envelope made for the first encryption certificate opens on
        // the new phone; the old phone's key and shares are dead.
        assert_eq!(
            new_phone
                .decrypt(&w.c, u, key3, PIN, envelope.clone())
                .await
                .unwrap(),
            "标书".as_bytes()
        );
        assert_eq!(
            phone
                .decrypt(&w.c, u, key2, new_pin, envelope.clone())
                .await
                .unwrap_err(),
            "not_found"
        );
        assert!(matches!(
            ask_ocsp(&w, &issuing, &redone.signing.serial).await,
            ocsp::CertStatus::Revoked(_)
        ));
        let sig = new_phone
            .sign(&w.c, u, key3, PIN, b"recovered")
            .await
            .unwrap();
        Certificate::from_der(&recovered.signing.der)
            .unwrap()
            .public_key()
            .verify(b"recovered", &sig)
            .unwrap();

        // The recovery fee pays for one recovery only.
        let (rev, code) = reverify(&w, &clock, u, number).await;
        let (_, req) = mca_crypto::twoparty::phone::KeyGeneration::start().unwrap();
        assert_eq!(
            w.c.issuance
                .start_rekey(u, phone.device, key3, rev, &code, Some(order.id), &req)
                .await
                .unwrap_err()
                .code(),
            "not_paid"
        );

        // M1 revocation by the holder: CRL and OCSP both say so.
        w.revocation
            .revoke_own(
                u,
                recovered.signing.id,
                RevocationReason::CessationOfOperation,
            )
            .await
            .unwrap();
        assert_eq!(
            w.revocation
                .revoke_own(u, recovered.signing.id, RevocationReason::Unspecified)
                .await
                .unwrap_err()
                .code(),
            "certificate_revoked"
        );
        let other = certs::verified_user(&w.svc, &w.dev, "13855550002").await;
        assert_eq!(
            w.revocation
                .revoke_own(
                    other,
                    recovered.encryption.id,
                    RevocationReason::Unspecified
                )
                .await
                .unwrap_err()
                .code(),
            "not_found"
        );
        assert!(matches!(
            ask_ocsp(&w, &issuing, &recovered.signing.serial).await,
            ocsp::CertStatus::Revoked(_)
        ));
        let published = w.revocation.crl(done.signing.ca_id).await.unwrap();
        let crl = mca_pki::crl::Crl::from_der(&published.der).unwrap();
        crl.verify(issuing.public_key()).unwrap();
        for serial in [
            &done.signing.serial,
            &redone.signing.serial,
            &recovered.signing.serial,
        ] {
            assert!(crl.lookup(serial).is_some());
        }
        assert!(crl.lookup(&recovered.encryption.serial).is_none());
        let again = w.revocation.crl(done.signing.ca_id).await.unwrap();
        assert_eq!(
            again, published,
            "served as published, not signed per request"
        );
    })
    .await;
}

#[tokio::test]
async fn renewal_and_reapplication_go_through_review() {
    on_each_backend(|scratch| async move {
        let clock = ManualClock::new(certs::now());
        let w = world(&scratch, &clock).await;
        let (u, app, device) =
            certs::approved_application(&w.svc, &w.dev, &w.c, "13855550011").await;
        let mut phone = Handset::new(device);
        let (_, done) = phone.download(&w.c, u, app, PIN).await;
        let option =
            w.c.applications
                .get(u, app)
                .await
                .unwrap()
                .validity_option_id;
        // Expiry reminders: none yet, one when 30 days are left, once.
        assert_eq!(w.c.reminders.send_due().await.unwrap(), 0);
        clock.set(done.signing.not_after.plus(-20 * 86_400));
        assert_eq!(w.c.reminders.send_due().await.unwrap(), 1);
        assert_eq!(w.c.reminders.send_due().await.unwrap(), 0);
        let inbox = w.svc.messages.list(u).await.unwrap();
        assert!(inbox.iter().any(|m| m.title == "证书即将到期"
            && m.action.as_ref().unwrap().target == done.signing.id.to_string()));
        clock.set(certs::now());
        // Too early for a renewal.
        assert_eq!(
            w.c.applications
                .apply_again(u, done.signing.id, option)
                .await
                .unwrap_err()
                .code(),
            "application_state"
        );
        clock.set(done.signing.not_after.plus(-30 * 86_400));
        let (renewal, order) =
            w.c.applications
                .apply_again(u, done.signing.id, option)
                .await
                .unwrap();
        assert_eq!(
            (renewal.kind, order.amount_fen),
            (ApplicationKind::Renewal, 30_000)
        );
        assert_eq!(
            w.c.applications.pay(u, renewal.id).await.unwrap().state,
            ApplicationState::Submitted
        );
        let ca = w.c.applications.get(u, app).await.unwrap().ca_id;
        let reviewer =
            w.c.review
                .create_reviewer(
                    ca,
                    "renew.review",
                    "续期审核",
                    &Password::parse("review-pass-2").unwrap(),
                )
                .await
                .unwrap();
        assert_eq!(w.c.review.pending(reviewer.id).await.unwrap().len(), 1);
        // Approved, the renewal downloads new signing keys; the encryption
        // key is kept, so an envelope for the old certificate still opens.
        w.c.review.approve(reviewer.id, renewal.id).await.unwrap();
        let old_enc = Certificate::from_der(&done.encryption.der).unwrap();
        let envelope = mca_crypto::sm2::encrypt(old_enc.public_key(), b"old bid").unwrap();
        let mut renewed_phone = Handset::new(device);
        let (renewed_key, renewed) = renewed_phone.download(&w.c, u, renewal.id, PIN).await;
        assert_ne!(renewed.signing.serial, done.signing.serial);
        assert!(renewed.signing.not_after > done.signing.not_after);
        assert_eq!(renewed.encryption.key_id, done.encryption.key_id);
        assert_eq!(
            renewed_phone
                .decrypt(&w.c, u, renewed_key, PIN, envelope)
                .await
                .unwrap(),
            b"old bid"
        );
        clock.set(done.signing.not_after.plus(86_400));
        let (again, _) =
            w.c.applications
                .apply_again(u, done.signing.id, option)
                .await
                .unwrap();
        assert_eq!(again.kind, ApplicationKind::Reapplication);
        assert_eq!(
            w.c.applications
                .apply_again(u, done.encryption.id, option)
                .await
                .unwrap_err()
                .code(),
            "not_found"
        );
    })
    .await;
}

#[tokio::test]
async fn what_the_server_stores_cannot_sign_or_decrypt_alone() {
    on_each_backend(|scratch| async move {
        let clock = ManualClock::new(certs::now());
        let w = world(&scratch, &clock).await;
        let (u, app, device) =
            certs::approved_application(&w.svc, &w.dev, &w.c, "13855550021").await;
        let mut phone = Handset::new(device);
        let (key, done) = phone.download(&w.c, u, app, PIN).await;
        let store = scratch.db.store();

        // Every secret column holds sealed bytes only: they do not open
        // without the KEK (another vault), nor under another row's AAD.
        let k = store.signing_key(key).await.unwrap().unwrap();
        let enc = store.encryption_keys_of(u).await.unwrap().remove(0);
        let share = store.active_decryption_shares(key).await.unwrap().remove(0);
        let stranger = KeyVault::ephemeral().unwrap();
        for (aad, sealed) in [
            (format!("signing-key:{key}"), &k.sealed_share),
            (format!("escrow:{}", enc.id), &enc.sealed_escrow),
            (
                format!("decryption-share:{}", share.id),
                &share.sealed_share,
            ),
        ] {
            let s = SealedSecret::from_bytes(sealed.clone());
            assert!(stranger.open(aad.as_bytes(), &s).is_err());
            assert!(certs::vault().open(b"signing-key:other", &s).is_err());
            assert!(certs::vault().open(aad.as_bytes(), &s).is_ok());
        }

        // Even with the KEK, the server's share alone makes no valid
        // signature: it cannot produce the phone's partial signature, and
        // using its own share as both halves fails verification.
        let plain = certs::vault()
            .open(
                format!("signing-key:{key}").as_bytes(),
                &SealedSecret::from_bytes(k.sealed_share.clone()),
            )
            .unwrap();
        let mut server =
            mca_crypto::twoparty::server::SigningKey::from_secret_bytes(&plain).unwrap();
        let p = *server.public_key();
        let msg = b"forged";
        let (session, challenge) = server.begin_sign(msg).unwrap();
        // A stand-in phone share of the attacker's choosing.
        let (guess_kg, guess_req) = mca_crypto::twoparty::phone::KeyGeneration::start().unwrap();
        let (_, guess_resp) =
            mca_crypto::twoparty::server::generate_signing_key(&guess_req).unwrap();
        let (guess, _) = guess_kg
            .finish(&guess_resp, b"000000", b"0123456789abcdef")
            .unwrap();
        let guess = guess.unmask(b"000000", b"0123456789abcdef").unwrap();
        let forged = guess.sign(&p, &challenge).unwrap();
        assert!(server.finish_sign(session, &forged).is_err());
        // The whole encryption key is in escrow (the KMC's, by design), but
        // the server's decryption share and everything it answers do not
        // open an envelope without the phone's share: the blinded result
        // T2 the server computes, finished with any other share, fails.
        let enc_cert = Certificate::from_der(&done.encryption.der).unwrap();
        let ct = mca_crypto::sm2::encrypt(enc_cert.public_key(), b"sealed bid").unwrap();
        let real = phone.encryption.take();
        let (_, other_split) = mca_crypto::twoparty::kmc::EncryptionKey::generate()
            .unwrap()
            .split()
            .unwrap();
        phone.take_delivery(&other_split, PIN);
        assert_eq!(
            phone
                .decrypt(&w.c, u, key, PIN, ct.clone())
                .await
                .unwrap_err(),
            "decryption_failed"
        );
        phone.encryption = real;
        assert_eq!(
            phone.decrypt(&w.c, u, key, PIN, ct).await.unwrap(),
            b"sealed bid"
        );
        // And the dump holds no plaintext share: no 32-byte window of any
        // stored secret column equals the server's own share bytes.
        let own = &plain[66..98];
        for sealed in [&k.sealed_share, &share.sealed_share, &enc.sealed_escrow] {
            assert!(!sealed.windows(32).any(|w| w == own));
        }
    })
    .await;
}
