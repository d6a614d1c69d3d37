//! A download the phone never finished (M6, issue 10): the server crashed
//! after step 3 wrote the certificate rows and the phone vanished, so a
//! valid pair certifies a key that is still pending. Nothing signs at start
//! any more; after `UNFINISHED_DOWNLOAD_SECS` the sweep revokes the pair
//! (CRL and OCSP say so), retires the key, tells the user, and the approved
//! application downloads again without paying.

mod certs;
mod support;

use std::sync::Arc;

use certs::Handset;
use mca_domain::certificates::UNFINISHED_DOWNLOAD_SECS;
use mca_domain::store::{ApplicationState, IntentState, KeyState, RevocationReason};
use mca_domain::*;
use mca_pki::cert::Certificate;
use mca_pki::ocsp::CertStatus;
use support::{on_each_backend, services};

const PIN: &str = "246810";

#[tokio::test]
async fn certificates_of_a_key_never_activated_are_revoked_after_the_deadline() {
    on_each_backend(|scratch| async move {
        let clock = ManualClock::new(certs::now());
        let (svc, dev) = services(&scratch, &clock);
        svc.catalogue.seed_zhejiang().await.unwrap();
        let cas = Arc::new(certs::authorities(&svc).await);
        clock.set(certs::now());
        let c = certs::wire(scratch.db.store(), &svc, &dev, certs::payments(), cas);
        let number = "13866660001";
        let (u, app, device) = certs::approved_application(&svc, &dev, &c, number).await;
        let store = scratch.db.store();

        // Steps 1–2, then step 3 up to the certificate rows: the crash.
        let mut phone = Handset::new(device);
        let key = phone.generate(&c, u, app, PIN).await;
        c.issuance.issue_intents(u, app).await.unwrap();
        let written = store.certificates_of_application(app).await.unwrap();
        assert_eq!(written.len(), 2);
        assert_eq!(c.keys.key(u, key).await.unwrap().state, KeyState::Pending);

        // Before the deadline the sweep leaves the download alone: the phone
        // may still come back.
        clock.advance(UNFINISHED_DOWNLOAD_SECS - 60);
        assert_eq!(c.issuance.sweep_unfinished().await.unwrap(), 0);
        clock.advance(120);
        let (a, b) = tokio::join!(c.issuance.sweep_unfinished(), c.issuance.sweep_unfinished());
        assert_eq!(a.unwrap() + b.unwrap(), 1, "withdrawn once");

        // Revoked, as cessationOfOperation, in the CRL and by OCSP.
        let issuing = c.issuance.issuing_certificate(&written[0]).unwrap();
        let published = c.revocation.crl(written[0].ca_id).await.unwrap();
        let crl = mca_pki::crl::Crl::from_der(&published.der).unwrap();
        crl.verify(issuing.public_key()).unwrap();
        for cert in &written {
            let now = store.certificate(cert.id).await.unwrap().unwrap();
            assert_eq!(
                now.revocation_reason,
                Some(RevocationReason::CessationOfOperation)
            );
            assert!(crl.lookup(&cert.serial).is_some());
            assert!(matches!(
                certs::ask_ocsp(&c.revocation, &issuing, &cert.serial).await,
                CertStatus::Revoked(_)
            ));
        }
        assert!(
            store
                .intents_of_application(app)
                .await
                .unwrap()
                .iter()
                .all(|i| i.state == IntentState::Abandoned)
        );
        assert_eq!(c.keys.key(u, key).await.unwrap().state, KeyState::Retired);
        let inbox = svc.messages.list(u).await.unwrap();
        let told = inbox.iter().find(|m| m.title == "证书下载未完成").unwrap();
        assert!(told.body.contains("请重新下载证书"), "{}", told.body);

        // The phone that comes back late gets a clear refusal, nothing more.
        assert_eq!(
            c.issuance
                .complete_download(phone.caller(u), app)
                .await
                .unwrap_err()
                .code(),
            "download_expired"
        );
        assert_eq!(c.keys.key(u, key).await.unwrap().state, KeyState::Retired);

        // Still approved: a fresh download (new keys), no payment, works.
        let application = store.application(app).await.unwrap().unwrap();
        assert_eq!(application.state, ApplicationState::Approved);
        let mut again = Handset::new(device);
        let (new_key, done) = again.download(&c, u, app, PIN).await;
        assert_ne!(new_key, key);
        let live: Vec<_> = store
            .certificates_of_application(app)
            .await
            .unwrap()
            .into_iter()
            .filter(|c| c.revoked_at.is_none())
            .collect();
        assert_eq!(live.len(), 2, "exactly the new pair is live");
        let sig = again.sign(&c, u, new_key, PIN, b"bid").await.unwrap();
        again.public_key.unwrap().verify(b"bid", &sig).unwrap();
        let enc = Certificate::from_der(&done.encryption.der).unwrap();
        let ct = mca_crypto::sm2::encrypt(enc.public_key(), b"pair").unwrap();
        assert_eq!(
            again.decrypt(&c, u, new_key, PIN, ct).await.unwrap(),
            b"pair"
        );
        assert_eq!(
            store.application(app).await.unwrap().unwrap().state,
            ApplicationState::Issued
        );
        // A finished download is never swept.
        clock.advance(UNFINISHED_DOWNLOAD_SECS * 2);
        assert_eq!(c.issuance.sweep_unfinished().await.unwrap(), 0);
    })
    .await;
}

#[tokio::test]
async fn a_phone_finishing_before_the_deadline_keeps_its_pair() {
    on_each_backend(|scratch| async move {
        let clock = ManualClock::new(certs::now());
        let (svc, dev) = services(&scratch, &clock);
        svc.catalogue.seed_zhejiang().await.unwrap();
        let cas = Arc::new(certs::authorities(&svc).await);
        clock.set(certs::now());
        let c = certs::wire(scratch.db.store(), &svc, &dev, certs::payments(), cas);
        let (u, app, device) = certs::approved_application(&svc, &dev, &c, "13866660002").await;
        let mut phone = Handset::new(device);
        let key = phone.generate(&c, u, app, PIN).await;
        c.issuance.issue_intents(u, app).await.unwrap();
        // The phone retries step 3 after the crash: the same pair, activated.
        let written = scratch
            .db
            .store()
            .certificates_of_application(app)
            .await
            .unwrap();
        let done = c
            .issuance
            .complete_download(phone.caller(u), app)
            .await
            .unwrap();
        assert_eq!(
            [done.signing.id, done.encryption.id],
            [written[0].id, written[1].id]
        );
        assert_eq!(c.keys.key(u, key).await.unwrap().state, KeyState::Active);
        clock.advance(UNFINISHED_DOWNLOAD_SECS * 2);
        assert_eq!(c.issuance.sweep_unfinished().await.unwrap(), 0);
        let now = scratch
            .db
            .store()
            .certificate(done.signing.id)
            .await
            .unwrap()
            .unwrap();
        assert!(now.revoked_at.is_none());
    })
    .await;
}

/// Step 3 comes from the device that holds the new signing share (§3):
/// another device of the same user signs nothing and splits nothing.
#[tokio::test]
async fn step_three_from_another_device_issues_nothing() {
    on_each_backend(|scratch| async move {
        let clock = ManualClock::new(certs::now());
        let (svc, dev) = services(&scratch, &clock);
        svc.catalogue.seed_zhejiang().await.unwrap();
        let cas = Arc::new(certs::authorities(&svc).await);
        clock.set(certs::now());
        let c = certs::wire(scratch.db.store(), &svc, &dev, certs::payments(), cas);
        let (u, app, device) = certs::approved_application(&svc, &dev, &c, "13866660003").await;
        let mut phone = Handset::new(device);
        let key = phone.generate(&c, u, app, PIN).await;
        let elsewhere = Caller {
            user: u,
            device: DeviceId::new(),
        };
        let refused = c.issuance.complete_download(elsewhere, app).await;
        assert_eq!(refused.unwrap_err().code(), "wrong_device");
        let store = scratch.db.store();
        assert!(
            store
                .certificates_of_application(app)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(c.keys.key(u, key).await.unwrap().state, KeyState::Pending);
        // The phone that holds the share completes as usual.
        let done = c
            .issuance
            .complete_download(phone.caller(u), app)
            .await
            .unwrap();
        phone.take_delivery(&done.delivery, PIN);
        assert_eq!(c.keys.key(u, key).await.unwrap().state, KeyState::Active);
        // Once issued, a re-fetch (which re-splits the encryption key) is
        // still the key's device only.
        let again = c.issuance.complete_download(elsewhere, app).await;
        assert_eq!(again.unwrap_err().code(), "wrong_device");
    })
    .await;
}
