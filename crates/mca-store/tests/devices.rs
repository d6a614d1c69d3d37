//! Device request authentication on real storage: a good signature passes;
//! a wrong device, a replay, a stale timestamp, a bad signature, an unknown
//! token or a removed device are refused.

mod support;

use mca_domain::*;
use support::{Phone as Handset, T0, on_each_backend, register, services, signed};

#[tokio::test]
async fn signed_requests_authenticate_and_bad_ones_do_not() {
    on_each_backend(|scratch| async move {
        let clock = ManualClock::new(T0);
        let (svc, dev) = services(&scratch, &clock);
        let handset = Handset::new();
        let login = register(&svc, &dev, "13811110001", &handset).await;
        let (token, device, now) = (&login.token, login.device_id, T0.secs());
        let body = br#"{"a":1}"#;
        let ok = |r: Result<Caller, &str>| r.unwrap();

        let caller = ok(signed(
            &svc,
            &handset,
            token,
            device,
            now,
            "nonce-aaaaaaaaaaaa",
            body,
        )
        .await);
        assert_eq!(
            caller,
            Caller {
                user: login.user.id,
                device
            }
        );

        // Replay of the very same request.
        let e = signed(
            &svc,
            &handset,
            token,
            device,
            now,
            "nonce-aaaaaaaaaaaa",
            body,
        )
        .await;
        assert_eq!(e.unwrap_err(), "replay");

        // Altered body: the signature no longer matches…
        let sig = handset.sign(
            "POST",
            "/api/v1/messages?x=1",
            now,
            "nonce-bbbbbbbbbbbb",
            body,
        );
        let altered = support::request(token, device, now, "nonce-bbbbbbbbbbbb", b"{}", &sig);
        assert_eq!(
            svc.devices.authenticate(&altered).await.unwrap_err().code(),
            "bad_signature"
        );
        // …and the refused attempt did not burn the nonce.
        ok(signed(
            &svc,
            &handset,
            token,
            device,
            now,
            "nonce-bbbbbbbbbbbb",
            body,
        )
        .await);

        // Stale and future timestamps; the edges of the window pass.
        for ts in [now - 301, now + 301] {
            let e = signed(
                &svc,
                &handset,
                token,
                device,
                ts,
                "nonce-cccccccccccc",
                body,
            )
            .await;
            assert_eq!(e.unwrap_err(), "stale_request");
        }
        ok(signed(
            &svc,
            &handset,
            token,
            device,
            now - 300,
            "nonce-cccccccccccc",
            body,
        )
        .await);
        ok(signed(
            &svc,
            &handset,
            token,
            device,
            now + 300,
            "nonce-cccccccccccd",
            body,
        )
        .await);

        // Signed by another key.
        let thief = Handset::new();
        let e = signed(&svc, &thief, token, device, now, "nonce-dddddddddddd", body).await;
        assert_eq!(e.unwrap_err(), "bad_signature");

        // A stolen token used with another device (the thief's own).
        clock.advance(61);
        let now = clock.now().secs();
        let other = register(&svc, &dev, "13811110002", &thief).await;
        let e = signed(
            &svc,
            &thief,
            token,
            other.device_id,
            now,
            "nonce-eeeeeeeeeeee",
            body,
        )
        .await;
        assert_eq!(e.unwrap_err(), "wrong_device");

        // Unknown token, malformed nonce.
        let bogus = SessionToken::from_client("00");
        let e = signed(
            &svc,
            &handset,
            &bogus,
            device,
            now,
            "nonce-ffffffffffff",
            body,
        )
        .await;
        assert_eq!(e.unwrap_err(), "unauthenticated");
        let e = signed(&svc, &handset, token, device, now, "short", body).await;
        assert_eq!(e.unwrap_err(), "invalid_input");

        // Removing the device revokes its token.
        let e = svc.devices.remove(other.user.id, device).await.unwrap_err();
        assert_eq!(e.code(), "not_found", "only the owner removes a device");
        svc.devices.remove(login.user.id, device).await.unwrap();
        let e = signed(
            &svc,
            &handset,
            token,
            device,
            now,
            "nonce-gggggggggggg",
            body,
        )
        .await;
        assert_eq!(e.unwrap_err(), "unauthenticated");
        assert!(svc.devices.list(login.user.id).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn sessions_expire() {
    on_each_backend(|scratch| async move {
        let clock = ManualClock::new(T0);
        let (svc, dev) = services(&scratch, &clock);
        let handset = Handset::new();
        let login = register(&svc, &dev, "13811110003", &handset).await;
        clock.advance(mca_domain::devices::SESSION_TTL_SECS);
        let now = clock.now().secs();
        let e = signed(
            &svc,
            &handset,
            &login.token,
            login.device_id,
            now,
            "nonce-hhhhhhhhhhhh",
            b"",
        )
        .await;
        assert_eq!(e.unwrap_err(), "unauthenticated");
    })
    .await;
}
