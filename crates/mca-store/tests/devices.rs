//! Device request authentication on real storage: a good signature passes;
//! a wrong device, a replay, a stale timestamp, a bad signature, an unknown
//! token or a removed device are refused.

mod support;

use mca_domain::*;
use support::{Phone as TestPhone, T0, on_each_backend, request, services};

async fn logged_in(svc: &Services, dev: &DevProviders, number: &str, handset: &TestPhone) -> Login {
    let p = Phone::parse(number).unwrap();
    svc.accounts
        .send_code(&p, CodePurpose::Login, "192.0.2.7")
        .await
        .unwrap();
    let code = dev.sms.latest(&p).unwrap().1;
    svc.accounts
        .login_with_code(&p, &code, handset.new_device())
        .await
        .unwrap()
}

#[tokio::test]
async fn signed_requests_authenticate_and_bad_ones_do_not() {
    on_each_backend(|scratch| async move {
        let clock = ManualClock::new(T0);
        let (svc, dev) = services(&scratch, &clock);
        let handset = TestPhone::new();
        let login = logged_in(&svc, &dev, "13811110001", &handset).await;
        let now = T0.secs();
        let body = br#"{"a":1}"#;

        let sig = handset.sign(
            "POST",
            "/api/v1/messages?x=1",
            now,
            "nonce-aaaaaaaaaaaa",
            body,
        );
        let caller = svc
            .devices
            .authenticate(&request(
                &login.token,
                login.device_id,
                now,
                "nonce-aaaaaaaaaaaa",
                body,
                &sig,
            ))
            .await
            .unwrap();
        assert_eq!(
            caller,
            Caller {
                user: login.user.id,
                device: login.device_id
            }
        );

        // Replay of the very same request.
        let e = svc
            .devices
            .authenticate(&request(
                &login.token,
                login.device_id,
                now,
                "nonce-aaaaaaaaaaaa",
                body,
                &sig,
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "replay");

        // Altered body: the signature no longer matches.
        let sig2 = handset.sign(
            "POST",
            "/api/v1/messages?x=1",
            now,
            "nonce-bbbbbbbbbbbb",
            body,
        );
        let e = svc
            .devices
            .authenticate(&request(
                &login.token,
                login.device_id,
                now,
                "nonce-bbbbbbbbbbbb",
                b"{}",
                &sig2,
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "bad_signature");
        // …and the failed attempt did not burn the nonce.
        svc.devices
            .authenticate(&request(
                &login.token,
                login.device_id,
                now,
                "nonce-bbbbbbbbbbbb",
                body,
                &sig2,
            ))
            .await
            .unwrap();

        // Stale and future timestamps.
        for ts in [now - 301, now + 301] {
            let sig = handset.sign(
                "POST",
                "/api/v1/messages?x=1",
                ts,
                "nonce-cccccccccccc",
                body,
            );
            let e = svc
                .devices
                .authenticate(&request(
                    &login.token,
                    login.device_id,
                    ts,
                    "nonce-cccccccccccc",
                    body,
                    &sig,
                ))
                .await
                .unwrap_err();
            assert_eq!(e.code(), "stale_request");
        }

        // Signed by another key.
        let thief = TestPhone::new();
        let sig = thief.sign(
            "POST",
            "/api/v1/messages?x=1",
            now,
            "nonce-dddddddddddd",
            body,
        );
        let e = svc
            .devices
            .authenticate(&request(
                &login.token,
                login.device_id,
                now,
                "nonce-dddddddddddd",
                body,
                &sig,
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "bad_signature");

        // A stolen token used with another device id (the thief's own).
        clock.advance(61);
        let other = logged_in(&svc, &dev, "13811110002", &thief).await;
        let sig = thief.sign(
            "POST",
            "/api/v1/messages?x=1",
            clock.now().secs(),
            "nonce-eeeeeeeeeeee",
            body,
        );
        let e = svc
            .devices
            .authenticate(&request(
                &login.token,
                other.device_id,
                clock.now().secs(),
                "nonce-eeeeeeeeeeee",
                body,
                &sig,
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "wrong_device");

        // Unknown token, malformed nonce.
        let bogus = SessionToken::from_client("00");
        let e = svc
            .devices
            .authenticate(&request(
                &bogus,
                login.device_id,
                now,
                "nonce-ffffffffffff",
                body,
                &sig,
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "unauthenticated");
        let now = clock.now().secs();
        let sig = handset.sign("POST", "/api/v1/messages?x=1", now, "short", body);
        let e = svc
            .devices
            .authenticate(&request(
                &login.token,
                login.device_id,
                now,
                "short",
                body,
                &sig,
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "invalid_input");

        // Removing the device revokes its token.
        assert_eq!(
            svc.devices
                .remove(other.user.id, login.device_id)
                .await
                .unwrap_err()
                .code(),
            "not_found"
        );
        svc.devices
            .remove(login.user.id, login.device_id)
            .await
            .unwrap();
        let sig = handset.sign(
            "POST",
            "/api/v1/messages?x=1",
            now,
            "nonce-gggggggggggg",
            body,
        );
        let e = svc
            .devices
            .authenticate(&request(
                &login.token,
                login.device_id,
                now,
                "nonce-gggggggggggg",
                body,
                &sig,
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "unauthenticated");
        assert!(svc.devices.list(login.user.id).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn sessions_expire() {
    on_each_backend(|scratch| async move {
        let clock = ManualClock::new(T0);
        let (svc, dev) = services(&scratch, &clock);
        let handset = TestPhone::new();
        let login = logged_in(&svc, &dev, "13811110003", &handset).await;
        clock.advance(mca_domain::devices::SESSION_TTL_SECS);
        let now = clock.now().secs();
        let sig = handset.sign(
            "POST",
            "/api/v1/messages?x=1",
            now,
            "nonce-hhhhhhhhhhhh",
            b"",
        );
        let e = svc
            .devices
            .authenticate(&request(
                &login.token,
                login.device_id,
                now,
                "nonce-hhhhhhhhhhhh",
                b"",
                &sig,
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "unauthenticated");
    })
    .await;
}
