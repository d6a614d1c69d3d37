//! Two server instances (two connection pools) on one database serving
//! one user alternately and at once: code attempts, single use, nonce
//! replay protection and the audit chain hold across instances because
//! they live in the database, not in process memory.

mod support;

use std::future::Future;
use std::sync::Arc;

use mca_domain::audit::ChainReport;
use mca_domain::*;
use support::{Phone as TestPhone, T0, on_each_backend, request};

fn instance(
    db: &mca_store::Database,
    clock: &ManualClock,
    sms: Arc<providers::DevSmsSender>,
) -> Services {
    let vault =
        Arc::new(KeyVault::new("test", [("test", "000102030405060708090a0b0c0d0e0f")]).unwrap());
    Services::new(
        db.store(),
        sms,
        Arc::new(providers::DevFaceVerifier::new()),
        vault,
        Arc::new(clock.clone()),
        CodePolicy::default(),
    )
}

/// Runs `n` tasks at once, alternating between the two instances.
async fn at_once<T, F, Fut>(a: &Services, b: &Services, n: usize, task: F) -> Vec<T>
where
    F: Fn(Services, usize) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let handles: Vec<_> = (0..n)
        .map(|i| tokio::spawn(task(if i % 2 == 0 { a.clone() } else { b.clone() }, i)))
        .collect();
    let mut out = Vec::with_capacity(n);
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn two_instances_share_codes_nonces_and_the_audit_chain() {
    on_each_backend(|scratch| async move {
        let clock = ManualClock::new(T0);
        let sms = Arc::new(providers::DevSmsSender::new());
        let second_db = scratch.second_instance().await.unwrap();
        let a = instance(&scratch.db, &clock, sms.clone());
        let b = instance(&second_db, &clock, sms.clone());
        let p = Phone::parse("13844440001").unwrap();
        let handset = TestPhone::new();

        // Code sent by A, used on B; reuse on A refused.
        a.accounts
            .send_code(&p, CodePurpose::Login, "192.0.2.10")
            .await
            .unwrap();
        let code = sms.latest(&p).unwrap().1;
        let login = b
            .accounts
            .login_with_code(&p, &code, handset.new_device())
            .await
            .unwrap();
        assert_eq!(
            a.accounts
                .login_with_code(&p, &code, handset.new_device())
                .await
                .unwrap_err()
                .code(),
            "code_used"
        );

        // Ten simultaneous sends to a fresh number over both instances:
        // exactly one passes the per-phone quota.
        let fresh = Phone::parse("13844440002").unwrap();
        let sends = at_once(&a, &b, 10, |svc, i| {
            let fresh = fresh.clone();
            async move {
                let ip = format!("192.0.2.{}", 100 + i);
                svc.accounts
                    .send_code(&fresh, CodePurpose::Login, &ip)
                    .await
            }
        })
        .await;
        let sent = sends.iter().filter(|r| r.is_ok()).count();
        assert_eq!(sent, 1);

        // Rate limit seen by the other instance.
        assert_eq!(
            b.accounts
                .send_code(&p, CodePurpose::Login, "192.0.2.10")
                .await
                .unwrap_err()
                .code(),
            "rate_limited"
        );

        // Twenty parallel wrong guesses split over both instances: at most
        // five are compared, and afterwards even the right code is refused.
        clock.advance(61);
        a.accounts
            .send_code(&p, CodePurpose::Login, "192.0.2.10")
            .await
            .unwrap();
        let code = sms.latest(&p).unwrap().1;
        let wrong = SmsCode::parse(if code.expose() == "111111" {
            "222222"
        } else {
            "111111"
        })
        .unwrap();
        let codes: Vec<&str> = at_once(&a, &b, 20, |svc, _| {
            let (p, wrong, device) = (p.clone(), wrong.clone(), handset.new_device());
            async move {
                svc.accounts
                    .login_with_code(&p, &wrong, device)
                    .await
                    .unwrap_err()
                    .code()
            }
        })
        .await;
        assert_eq!(
            codes.iter().filter(|c| **c == "wrong_code").count(),
            5,
            "{codes:?}"
        );
        assert_eq!(
            codes.iter().filter(|c| **c == "too_many_attempts").count(),
            15
        );
        assert_eq!(
            a.accounts
                .login_with_code(&p, &code, handset.new_device())
                .await
                .unwrap_err()
                .code(),
            "too_many_attempts"
        );

        // A request accepted by A is a replay on B, even sent at once to both.
        let now = clock.now().secs();
        let sig = handset.sign(
            "POST",
            "/api/v1/messages?x=1",
            now,
            "nonce-shared-000001",
            b"",
        );
        let req = request(
            &login.token,
            login.device_id,
            now,
            "nonce-shared-000001",
            b"",
            &sig,
        );
        let (ra, rb) = tokio::join!(a.devices.authenticate(&req), b.devices.authenticate(&req));
        assert!(
            ra.is_ok() != rb.is_ok(),
            "exactly one instance accepts: {ra:?} {rb:?}"
        );
        let e = ra.err().or(rb.err()).unwrap();
        assert_eq!(e.code(), "replay");

        // Both instances append to one linear chain, concurrently.
        let appended = at_once(&a, &b, 16, |svc, i| async move {
            svc.audit
                .append("system", "concurrent", &format!("n:{i}"), "")
                .await
        })
        .await;
        assert!(appended.iter().all(Result::is_ok));
        let ChainReport::Intact { entries, .. } = b.audit.verify().await.unwrap() else {
            panic!("chain broken by concurrent appends");
        };
        let all = scratch.db.store().audit_entries(0, 1000).await.unwrap();
        assert_eq!(entries as usize, all.len());
        assert_eq!(all.iter().filter(|e| e.action == "concurrent").count(), 16);
        second_db.close().await;
    })
    .await;
}
