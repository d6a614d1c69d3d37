//! The certificate lifecycle at domain level on real storage with real
//! crypto, the phone played in process: download (M6) → sign → decrypt an
//! SM2 envelope → wrong PIN ×5 → locked → refused even with the right PIN
//! → unlock (SMS + face) → sign again → change PIN (SMS code + old PIN,
//! I3). Also: one outstanding signing session per key, a new begin
//! replacing it (across instances), the crash in issuance, and what the
//! server stores not being enough to sign or decrypt.

mod certs;
mod support;

use std::sync::Arc;

use certs::{Certs, Handset};
use mca_domain::store::{ApplicationState, CertUsage, IntentState, KeyState};
use mca_domain::*;
use mca_pki::cert::Certificate;
use support::{on_each_backend, services};

const PIN: &str = "246810";

async fn wired(
    scratch: &mca_store::scratch::Scratch,
    clock: &ManualClock,
) -> (Services, DevProviders, Certs) {
    let (svc, dev) = services(scratch, clock);
    svc.catalogue.seed_zhejiang().await.unwrap();
    let cas = Arc::new(certs::authorities(&svc).await);
    // What the CAs issue may not start before them.
    clock.set(certs::now());
    let c = certs::wire(scratch.db.store(), &svc, &dev, certs::payments(), cas);
    (svc, dev, c)
}

fn code(
    svc: &Services,
    dev: &DevProviders,
    number: &str,
) -> impl std::future::Future<Output = SmsCode> {
    support::code_for(svc, dev, number, CodePurpose::CertificateKey)
}

/// A verified user with an approved application, and their phone.
struct Story {
    clock: ManualClock,
    svc: Services,
    dev: DevProviders,
    c: Certs,
    u: UserId,
    app: ApplicationId,
    phone: Handset,
}

async fn approved(scratch: &mca_store::scratch::Scratch, number: &str) -> Story {
    let clock = ManualClock::new(certs::now());
    let (svc, dev, c) = wired(scratch, &clock).await;
    let (u, app, device) = certs::approved_application(&svc, &dev, &c, number).await;
    Story {
        clock,
        svc,
        dev,
        c,
        u,
        app,
        phone: Handset::new(device),
    }
}

#[tokio::test]
async fn download_sign_decrypt_lock_unlock_change_pin() {
    on_each_backend(|scratch| async move {
        let number = "13844440001";
        let Story {
            clock,
            svc,
            dev,
            c,
            u,
            app,
            mut phone,
        } = approved(&scratch, number).await;
        let (key, done) = phone.download(&c, u, app, PIN).await;

        // Both certificates chain to the CA; the signing one certifies P.
        let issuing = Certificate::from_der(&done.chain[0]).unwrap();
        let sign_cert = Certificate::from_der(&done.signing.der).unwrap();
        let enc_cert = Certificate::from_der(&done.encryption.der).unwrap();
        sign_cert.verify_issued_by(&issuing).unwrap();
        enc_cert.verify_issued_by(&issuing).unwrap();
        assert_eq!(sign_cert.public_key(), phone.public_key.as_ref().unwrap());
        assert_eq!(enc_cert.public_key(), &done.delivery.public_key);
        assert_eq!(
            c.applications.get(u, app).await.unwrap().state,
            ApplicationState::Issued
        );
        assert_eq!(c.keys.key(u, key).await.unwrap().state, KeyState::Active);

        // Sign: a standard SM2 signature under the certificate's key.
        let msg = "投标文件摘要 2026-11-24".as_bytes();
        let sig = phone.sign(&c, u, key, PIN, msg).await.unwrap();
        sign_cert.public_key().verify(msg, &sig).unwrap();
        // OpenSSL 3 agrees, and refuses the signature on other bytes.
        assert!(certs::openssl_verifies(&done.signing.der, msg, &sig));
        assert!(!certs::openssl_verifies(
            &done.signing.der,
            b"other bytes",
            &sig
        ));
        // Several in a row: the share refresh keeps both halves in step.
        for i in 0..3 {
            let m = format!("第{i}份");
            let s = phone.sign(&c, u, key, PIN, m.as_bytes()).await.unwrap();
            sign_cert.public_key().verify(m.as_bytes(), &s).unwrap();
        }

        // Decrypt an envelope made for the encryption certificate.
        let secret = "开标密钥".as_bytes();
        let ct = mca_crypto::sm2::encrypt(enc_cert.public_key(), secret).unwrap();
        let opened = phone.decrypt(&c, u, key, PIN, ct.clone()).await.unwrap();
        assert_eq!(opened, secret);

        // A wrong PIN opens nothing and is counted.
        assert_eq!(
            phone
                .decrypt(&c, u, key, "000000", ct.clone())
                .await
                .unwrap_err(),
            "wrong_pin"
        );
        for n in 2..5 {
            let e = phone.sign(&c, u, key, "000000", msg).await.unwrap_err();
            assert_eq!(e, "wrong_pin", "failure {n}");
        }
        assert_eq!(c.keys.key(u, key).await.unwrap().pin_failures, 4);
        assert_eq!(
            phone.sign(&c, u, key, "000000", msg).await.unwrap_err(),
            "key_locked"
        );
        assert_eq!(c.keys.key(u, key).await.unwrap().state, KeyState::Locked);
        // Locked: refused even with the right PIN.
        assert_eq!(
            phone.sign(&c, u, key, PIN, msg).await.unwrap_err(),
            "key_locked"
        );
        assert_eq!(
            phone
                .decrypt(&c, u, key, PIN, ct.clone())
                .await
                .unwrap_err(),
            "key_locked"
        );

        // Unlock: SMS code + a passed face re-verification, each used once.
        let (rev, _face) = c.keys.start_reverification(u).await.unwrap();
        clock.advance(120);
        let wrong = support::wrong(&code(&svc, &dev, number).await);
        assert_eq!(
            c.keys.unlock(u, key, rev, &wrong).await.unwrap_err().code(),
            "wrong_code"
        );
        clock.advance(120);
        let sms = code(&svc, &dev, number).await;
        assert_eq!(
            c.keys
                .unlock(u, key, ReverificationId::new(), &sms)
                .await
                .unwrap_err()
                .code(),
            "reverification_required"
        );
        clock.advance(120);
        let sms = code(&svc, &dev, number).await;
        c.keys.unlock(u, key, rev, &sms).await.unwrap();
        assert_eq!(c.keys.key(u, key).await.unwrap().pin_failures, 0);
        clock.advance(120);
        let sms = code(&svc, &dev, number).await;
        assert_eq!(
            c.keys.unlock(u, key, rev, &sms).await.unwrap_err().code(),
            "invalid_input",
            "not locked any more"
        );

        let sig = phone.sign(&c, u, key, PIN, msg).await.unwrap();
        sign_cert.public_key().verify(msg, &sig).unwrap();
        assert_eq!(
            phone.decrypt(&c, u, key, PIN, ct.clone()).await.unwrap(),
            secret
        );

        // I3 change PIN: an SMS code of its own purpose first. A wrong one
        // (or one sent for another purpose) begins nothing and counts no
        // PIN failure.
        let pin_code = |clock: &ManualClock| {
            clock.advance(120);
            support::code_for(&svc, &dev, number, CodePurpose::PinChange)
        };
        // Past the SMS quotas' hour window (the unlock used codes).
        clock.advance(3601);
        let before = c.keys.key(u, key).await.unwrap();
        let right = pin_code(&clock).await;
        assert_eq!(
            c.keys
                .begin_pin_change(phone.caller(u), key, &support::wrong(&right))
                .await
                .unwrap_err()
                .code(),
            "wrong_code"
        );
        clock.advance(120);
        let other_purpose = code(&svc, &dev, number).await;
        assert!(
            c.keys
                .begin_pin_change(phone.caller(u), key, &other_purpose)
                .await
                .is_err()
        );
        let after = c.keys.key(u, key).await.unwrap();
        assert_eq!(
            (after.pin_failures, after.version, after.state),
            (before.pin_failures, before.version, before.state),
            "a refused code changes nothing"
        );
        // A wrong old PIN is refused and counted; the right one is proven
        // by a server-verified signature, then the phone re-masks. Each
        // attempt needs a fresh code: a code is used once.
        let begun = c
            .keys
            .begin_pin_change(phone.caller(u), key, &pin_code(&clock).await)
            .await
            .unwrap();
        let partial = phone.partial("999999", &begun.challenge);
        assert_eq!(
            c.keys
                .finish_pin_change(phone.caller(u), key, begun.session_id, &partial)
                .await
                .unwrap_err()
                .code(),
            "wrong_pin"
        );
        assert_eq!(c.keys.key(u, key).await.unwrap().pin_failures, 1);
        let begun = c
            .keys
            .begin_pin_change(phone.caller(u), key, &pin_code(&clock).await)
            .await
            .unwrap();
        let partial = phone.partial(PIN, &begun.challenge);
        let refresh = c
            .keys
            .finish_pin_change(phone.caller(u), key, begun.session_id, &partial)
            .await
            .unwrap();
        phone.refresh(&refresh);
        let new_pin = "135790";
        let masked = phone.signing.take().unwrap();
        phone.signing = Some(
            masked
                .remask(PIN.as_bytes(), new_pin.as_bytes(), &phone.secret)
                .unwrap(),
        );
        let sig = phone.sign(&c, u, key, new_pin, msg).await.unwrap();
        sign_cert.public_key().verify(msg, &sig).unwrap();
        assert_eq!(
            phone.sign(&c, u, key, PIN, msg).await.unwrap_err(),
            "wrong_pin"
        );

        // Another device of the same user may not use the key (§3).
        let elsewhere = Caller {
            user: u,
            device: DeviceId::new(),
        };
        assert_eq!(
            c.keys
                .begin_sign(elsewhere, key, msg)
                .await
                .unwrap_err()
                .code(),
            "wrong_device"
        );
        // Another user's key is not found; every step is audited, intact.
        let other = certs::verified_user(&svc, &dev, "13844440002").await;
        assert_eq!(
            c.keys
                .begin_sign(phone.caller(other), key, msg)
                .await
                .unwrap_err()
                .code(),
            "not_found"
        );
        let entries = scratch.db.store().audit_entries(0, 10_000).await.unwrap();
        for action in [
            "signing_key_generated",
            "issuance_intended",
            "certificate_issued",
            "signed",
            "decrypted",
            "pin_failed",
            "key_locked",
            "key_unlocked",
            "pin_changed",
        ] {
            assert!(
                entries.iter().any(|e| e.action == action),
                "{action} audited"
            );
        }
        assert!(matches!(
            svc.audit.verify().await.unwrap(),
            audit::ChainReport::Intact { .. }
        ));
    })
    .await;
}

#[tokio::test]
async fn a_new_begin_replaces_the_keys_outstanding_session_across_instances() {
    on_each_backend(|scratch| async move {
        let Story {
            clock,
            c,
            u,
            app,
            mut phone,
            ..
        } = approved(&scratch, "13844440011").await;
        let (key, _) = phone.download(&c, u, app, PIN).await;

        // A second instance: its own pool and services on the same database.
        let second_db = scratch.second_instance().await.unwrap();
        let (svc2, dev2) = mca_domain::Services::development(
            second_db.store(),
            certs::vault(),
            Arc::new(clock.clone()),
        );
        let cas2 = Arc::new(certs::authorities(&svc2).await);
        let c2 = certs::wire(second_db.store(), &svc2, &dev2, certs::payments(), cas2);

        // The phone begins, vanishes, and begins again on the other
        // instance: no five-minute wait, the first session is cancelled.
        let first = c
            .keys
            .begin_sign(phone.caller(u), key, b"first")
            .await
            .unwrap();
        let second = c2
            .keys
            .begin_sign(phone.caller(u), key, b"second")
            .await
            .unwrap();
        let stale = phone.partial(PIN, &first.challenge);
        assert_eq!(
            c.keys
                .finish_sign(phone.caller(u), key, first.session_id, &stale)
                .await
                .unwrap_err()
                .code(),
            "not_found",
            "the cancelled session finishes nothing"
        );
        // Refused cleanly: not a wrong PIN, nothing counted.
        assert_eq!(c.keys.key(u, key).await.unwrap().pin_failures, 0);
        let partial = phone.partial(PIN, &second.challenge);
        let done = c
            .keys
            .finish_sign(phone.caller(u), key, second.session_id, &partial)
            .await
            .unwrap();
        phone.refresh(&done.refresh);
        phone
            .public_key
            .unwrap()
            .verify(b"second", &done.signature)
            .unwrap();
        // Finished once: the session is gone (w_s never reused).
        assert_eq!(
            c2.keys
                .finish_sign(phone.caller(u), key, second.session_id, &partial)
                .await
                .unwrap_err()
                .code(),
            "not_found"
        );
        // Both racing at once: both begin, one session survives, so
        // exactly one of them finishes.
        let (a, b) = tokio::join!(
            c.keys.begin_sign(phone.caller(u), key, b"a"),
            c2.keys.begin_sign(phone.caller(u), key, b"b")
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        let (pa, pb) = (
            phone.partial(PIN, &a.challenge),
            phone.partial(PIN, &b.challenge),
        );
        let fa = c
            .keys
            .finish_sign(phone.caller(u), key, a.session_id, &pa)
            .await;
        let fb = c2
            .keys
            .finish_sign(phone.caller(u), key, b.session_id, &pb)
            .await;
        assert_eq!([fa.is_ok(), fb.is_ok()].iter().filter(|x| **x).count(), 1);
        let survivor = fa.or(fb).unwrap();
        phone.refresh(&survivor.refresh);
        // Another device of the same user cannot cancel the phone's session.
        let kept = c
            .keys
            .begin_sign(phone.caller(u), key, b"kept")
            .await
            .unwrap();
        let other = mca_domain::Caller {
            user: u,
            device: mca_domain::DeviceId::new(),
        };
        assert_eq!(
            c2.keys
                .begin_sign(other, key, b"intruder")
                .await
                .unwrap_err()
                .code(),
            "wrong_device"
        );
        clock.advance(1);
        let partial = phone.partial(PIN, &kept.challenge);
        let done = c2
            .keys
            .finish_sign(phone.caller(u), key, kept.session_id, &partial)
            .await
            .unwrap();
        phone
            .public_key
            .unwrap()
            .verify(b"kept", &done.signature)
            .unwrap();
        second_db.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_crash_between_intent_and_certificate_loses_and_duplicates_nothing() {
    on_each_backend(|scratch| async move {
        let Story {
            clock,
            svc,
            dev,
            u,
            app,
            mut phone,
            ..
        } = approved(&scratch, "13844440021").await;
        let cas = Arc::new(certs::authorities(&svc).await);
        clock.set(certs::now());
        // The instance that crashes: the same CA keys as the restarted one.
        let c = certs::wire(
            scratch.db.store(),
            &svc,
            &dev,
            certs::payments(),
            cas.clone(),
        );
        let key = phone.generate(&c, u, app, PIN).await;
        let store = scratch.db.store();
        let intents = store.intents_of_application(app).await.unwrap();
        assert_eq!(intents.len(), 2);
        assert!(intents.iter().all(|i| i.state == IntentState::Intended));
        assert!(
            store
                .certificates_of_application(app)
                .await
                .unwrap()
                .is_empty()
        );
        drop(c); // the crash: nothing after the intents ran.

        // Restart: a new instance on the same database. Its start-up sweep
        // signs nothing (only the phone's step 3 does, and the download is
        // recent); then the phone's step 3 reaches both instances at once
        // (a retry behind a balancer) — one certificate per intent.
        let second_db = scratch.second_instance().await.unwrap();
        let (svc2, dev2) =
            Services::development(second_db.store(), certs::vault(), Arc::new(clock.clone()));
        let r1 = certs::wire(
            second_db.store(),
            &svc2,
            &dev2,
            certs::payments(),
            cas.clone(),
        );
        let r2 = certs::wire(
            scratch.db.store(),
            &svc,
            &dev,
            certs::payments(),
            cas.clone(),
        );
        assert_eq!(r1.issuance.sweep_unfinished().await.unwrap(), 0);
        assert!(
            store
                .certificates_of_application(app)
                .await
                .unwrap()
                .is_empty(),
            "nothing signed without the phone"
        );
        let (a, b) = tokio::join!(
            r1.issuance.complete_download(phone.caller(u), app),
            r2.issuance.complete_download(phone.caller(u), app)
        );
        a.unwrap();
        b.unwrap();
        let issued = store.certificates_of_application(app).await.unwrap();
        assert_eq!(issued.len(), 2);
        let intents = store.intents_of_application(app).await.unwrap();
        for i in &intents {
            assert_eq!(i.state, IntentState::Issued);
            let cert = issued.iter().find(|c| c.intent_id == i.id).unwrap();
            assert_eq!(
                cert.serial, i.serial,
                "the serial reserved is the one issued"
            );
        }

        // The phone completes its download against the restarted server;
        // repeating it (a lost response) re-splits and still issues nothing new.
        let done = r1
            .issuance
            .complete_download(phone.caller(u), app)
            .await
            .unwrap();
        phone.take_delivery(&done.delivery, PIN);
        let done = r1
            .issuance
            .complete_download(phone.caller(u), app)
            .await
            .unwrap();
        phone.take_delivery(&done.delivery, PIN);
        assert_eq!(
            store.certificates_of_application(app).await.unwrap().len(),
            2
        );
        assert_eq!(
            issued
                .iter()
                .filter(|c| c.usage == CertUsage::Signing)
                .count(),
            1
        );
        let sig = phone
            .sign(&r1, u, key, PIN, b"after restart")
            .await
            .unwrap();
        phone
            .public_key
            .unwrap()
            .verify(b"after restart", &sig)
            .unwrap();
        let enc = Certificate::from_der(&done.encryption.der).unwrap();
        let ct = mca_crypto::sm2::encrypt(enc.public_key(), b"bid").unwrap();
        assert_eq!(phone.decrypt(&r1, u, key, PIN, ct).await.unwrap(), b"bid");
        second_db.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_stale_clone_of_the_phone_storage_locks_the_key_at_once() {
    on_each_backend(|scratch| async move {
        let Story {
            svc,
            c,
            u,
            app,
            mut phone,
            ..
        } = approved(&scratch, "13844440031").await;
        let (key, _) = phone.download(&c, u, app, PIN).await;
        // A thief copies the phone's storage (the masked share) …
        let copy = phone.signing.clone();
        // … the owner signs twice: the second proves the refresh, so the
        // server moves on and retires the share the copy still holds.
        phone.sign(&c, u, key, PIN, b"one").await.unwrap();
        phone.sign(&c, u, key, PIN, b"two").await.unwrap();
        let mut thief = Handset::new(phone.device);
        thief.secret = phone.secret;
        thief.signing = copy;
        thief.public_key = phone.public_key;
        assert_eq!(
            thief.sign(&c, u, key, PIN, b"theft").await.unwrap_err(),
            "clone_detected"
        );
        assert_eq!(
            c.keys.key(u, key).await.unwrap().state,
            store::KeyState::Locked
        );
        // Locked for the owner too, who is told.
        assert_eq!(
            phone.sign(&c, u, key, PIN, b"three").await.unwrap_err(),
            "key_locked"
        );
        let inbox = svc.messages.list(u).await.unwrap();
        assert!(inbox.iter().any(|m| m.title == "证书密钥已锁定"));
        let entries = scratch.db.store().audit_entries(0, 10_000).await.unwrap();
        assert!(entries.iter().any(|e| e.action == "clone_detected"));
    })
    .await;
}

#[tokio::test]
async fn an_intent_the_ca_can_no_longer_sign_is_rolled_back() {
    on_each_backend(|scratch| async move {
        let Story {
            clock,
            svc,
            dev,
            c,
            u,
            app,
            mut phone,
        } = approved(&scratch, "13844440041").await;
        phone.generate(&c, u, app, PIN).await;
        // The CA's keys were replaced before the intents were signed: the
        // stored TBS names the old issuing key and fails the lint.
        let replaced = Arc::new(certs::authorities(&svc).await);
        clock.set(certs::now());
        let restarted = certs::wire(scratch.db.store(), &svc, &dev, certs::payments(), replaced);
        assert_eq!(
            restarted
                .issuance
                .complete_download(phone.caller(u), app)
                .await
                .unwrap_err()
                .code(),
            "application_state"
        );
        let store = scratch.db.store();
        let intents = store.intents_of_application(app).await.unwrap();
        assert!(intents.iter().all(|i| i.state == IntentState::Abandoned));
        assert!(
            store
                .certificates_of_application(app)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            restarted
                .issuance
                .complete_download(phone.caller(u), app)
                .await
                .unwrap_err()
                .code(),
            "application_state"
        );
        let entries = store.audit_entries(0, 10_000).await.unwrap();
        assert!(entries.iter().any(|e| e.action == "issuance_abandoned"));
    })
    .await;
}

#[tokio::test]
async fn bad_session_input_changes_nothing() {
    on_each_backend(|scratch| async move {
        let Story {
            c,
            u,
            app,
            mut phone,
            ..
        } = approved(&scratch, "13844440051").await;
        let (key, _) = phone.download(&c, u, app, PIN).await;
        let me = phone.caller(u);
        // Empty and oversized messages are refused before any session.
        for msg in [Vec::new(), vec![0u8; 64 * 1024 + 1]] {
            assert_eq!(
                c.keys.begin_sign(me, key, &msg).await.unwrap_err().code(),
                "invalid_input"
            );
        }
        // An unknown session, or another key's, is not found.
        let begun = c.keys.begin_sign(me, key, b"real").await.unwrap();
        let partial = phone.partial(PIN, &begun.challenge);
        assert_eq!(
            c.keys
                .finish_sign(me, key, SigningSessionId::new(), &partial)
                .await
                .unwrap_err()
                .code(),
            "not_found"
        );
        assert_eq!(
            c.keys
                .finish_sign(me, SigningKeyId::new(), begun.session_id, &partial)
                .await
                .unwrap_err()
                .code(),
            "not_found"
        );
        // A signing session cannot serve as a PIN-change proof.
        assert_eq!(
            c.keys
                .finish_pin_change(me, key, begun.session_id, &partial)
                .await
                .unwrap_err()
                .code(),
            "invalid_input"
        );
        // None of it counted as a wrong PIN or locked anything.
        let rec = c.keys.key(u, key).await.unwrap();
        assert_eq!((rec.state, rec.pin_failures), (store::KeyState::Active, 0));
        phone.sign(&c, u, key, PIN, b"still fine").await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_crash_inside_proof_of_possession_still_completes_the_pair() {
    on_each_backend(|scratch| async move {
        let Story {
            c,
            u,
            app,
            mut phone,
            ..
        } = approved(&scratch, "13844440061").await;
        let key = phone.generate(&c, u, app, PIN).await;
        // As if the process died after the signing intent was stored and
        // before the encryption intent was.
        let sql = "DELETE FROM issuance_intents WHERE usage = 'encryption'";
        match &scratch.db {
            mca_store::Database::Sqlite(s) => sqlx::query(sql).execute(s.pool()).await.map(|_| ()),
            mca_store::Database::Postgres(p) => {
                sqlx::query(sql).execute(p.pool()).await.map(|_| ())
            }
        }
        .unwrap();
        let done = c
            .issuance
            .complete_download(phone.caller(u), app)
            .await
            .unwrap();
        phone.take_delivery(&done.delivery, PIN);
        let store = scratch.db.store();
        assert_eq!(
            store.certificates_of_application(app).await.unwrap().len(),
            2
        );
        assert_eq!(
            store.encryption_keys_of(u).await.unwrap().len(),
            1,
            "the escrowed key is reused"
        );
        let enc = Certificate::from_der(&done.encryption.der).unwrap();
        let ct = mca_crypto::sm2::encrypt(enc.public_key(), b"pair").unwrap();
        assert_eq!(phone.decrypt(&c, u, key, PIN, ct).await.unwrap(), b"pair");
    })
    .await;
}
