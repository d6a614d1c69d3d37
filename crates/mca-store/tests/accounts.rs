//! A1, A2, I1, I2 on real storage with a manual clock: the code rules
//! (six digits, five minutes, single use, five tries, rate limits),
//! registration at the first login, passwords and phone change.

mod support;

use mca_domain::*;
use support::{T0, on_each_backend, services};

fn phone(s: &str) -> mca_domain::Phone {
    mca_domain::Phone::parse(s).unwrap()
}

/// Sends a login code and reads it from the development provider.
async fn code_for(
    svc: &Services,
    dev: &DevProviders,
    p: &mca_domain::Phone,
    purpose: CodePurpose,
) -> SmsCode {
    svc.accounts
        .send_code(p, purpose, "192.0.2.1")
        .await
        .unwrap();
    let (got_purpose, code) = dev.sms.latest(p).unwrap();
    assert_eq!(got_purpose, purpose);
    code
}

fn wrong(code: &SmsCode) -> SmsCode {
    let n: u32 = code.expose().parse().unwrap();
    SmsCode::parse(&format!("{:06}", (n + 1) % 1_000_000)).unwrap()
}

#[tokio::test]
async fn first_login_registers_and_codes_are_single_use() {
    on_each_backend(|scratch| async move {
        let clock = ManualClock::new(T0);
        let (svc, dev) = services(&scratch, &clock);
        let p = phone("13800138000");
        let phone_dev = support::Phone::new();
        let code = code_for(&svc, &dev, &p, CodePurpose::Login).await;
        let login = svc
            .accounts
            .login_with_code(&p, &code, phone_dev.new_device())
            .await
            .unwrap();
        assert!(login.registered);
        assert_eq!(login.user.phone, p);
        let err = svc
            .accounts
            .login_with_code(&p, &code, phone_dev.new_device())
            .await
            .unwrap_err();
        assert_eq!(err.code(), "code_used");
        clock.advance(61);
        let code = code_for(&svc, &dev, &p, CodePurpose::Login).await;
        let again = svc
            .accounts
            .login_with_code(&p, &code, phone_dev.new_device())
            .await
            .unwrap();
        assert!(!again.registered);
        assert_eq!(again.user.id, login.user.id);
        assert_ne!(
            again.device_id, login.device_id,
            "each login registers its device"
        );
        assert_eq!(svc.devices.list(login.user.id).await.unwrap().len(), 2);
    })
    .await;
}

#[tokio::test]
async fn codes_expire_after_five_minutes() {
    on_each_backend(|scratch| async move {
        let clock = ManualClock::new(T0);
        let (svc, dev) = services(&scratch, &clock);
        let p = phone("13800138001");
        let code = code_for(&svc, &dev, &p, CodePurpose::Login).await;
        clock.advance(300);
        let err = svc
            .accounts
            .login_with_code(&p, &code, support::Phone::new().new_device())
            .await
            .unwrap_err();
        assert_eq!(err.code(), "code_expired");
        assert!(
            svc.accounts
                .login_with_password(
                    &p,
                    &Password::parse("whatever1").unwrap(),
                    support::Phone::new().new_device()
                )
                .await
                .is_err()
        );
        // Nothing was registered by the failed attempt.
        assert!(
            scratch
                .db
                .store()
                .user_by_phone(&p)
                .await
                .unwrap()
                .is_none()
        );
    })
    .await;
}

#[tokio::test]
async fn five_wrong_tries_kill_the_code() {
    on_each_backend(|scratch| async move {
        let clock = ManualClock::new(T0);
        let (svc, dev) = services(&scratch, &clock);
        let p = phone("13800138002");
        let code = code_for(&svc, &dev, &p, CodePurpose::Login).await;
        for _ in 0..5 {
            let e = svc
                .accounts
                .login_with_code(&p, &wrong(&code), support::Phone::new().new_device())
                .await
                .unwrap_err();
            assert_eq!(e.code(), "wrong_code");
        }
        let e = svc
            .accounts
            .login_with_code(&p, &code, support::Phone::new().new_device())
            .await
            .unwrap_err();
        assert_eq!(
            e.code(),
            "too_many_attempts",
            "the right code after five wrong ones"
        );
        assert!(
            scratch
                .db
                .store()
                .user_by_phone(&p)
                .await
                .unwrap()
                .is_none()
        );
    })
    .await;
}

#[tokio::test]
async fn codes_are_bound_to_their_purpose_and_phone() {
    on_each_backend(|scratch| async move {
        let clock = ManualClock::new(T0);
        let (svc, dev) = services(&scratch, &clock);
        let p = phone("13800138003");
        let code = code_for(&svc, &dev, &p, CodePurpose::ResetPassword).await;
        let e = svc
            .accounts
            .login_with_code(&p, &code, support::Phone::new().new_device())
            .await
            .unwrap_err();
        assert_eq!(e.code(), "no_code");
        let other = phone("13800138004");
        let e = svc
            .accounts
            .login_with_code(&other, &code, support::Phone::new().new_device())
            .await
            .unwrap_err();
        assert_eq!(e.code(), "no_code");
    })
    .await;
}

#[tokio::test]
async fn sending_is_rate_limited_per_phone_and_per_address() {
    on_each_backend(|scratch| async move {
        let clock = ManualClock::new(T0);
        let (svc, _dev) = services(&scratch, &clock);
        let p = phone("13800138005");
        svc.accounts
            .send_code(&p, CodePurpose::Login, "198.51.100.1")
            .await
            .unwrap();
        let e = svc
            .accounts
            .send_code(&p, CodePurpose::Login, "198.51.100.2")
            .await
            .unwrap_err();
        assert!(
            matches!(e, DomainError::RateLimited { retry_after: 60 }),
            "{e:?}"
        );
        for _ in 0..4 {
            clock.advance(61);
            svc.accounts
                .send_code(&p, CodePurpose::Login, "198.51.100.1")
                .await
                .unwrap();
        }
        clock.advance(61);
        let e = svc
            .accounts
            .send_code(&p, CodePurpose::Login, "198.51.100.1")
            .await
            .unwrap_err();
        assert!(
            matches!(e, DomainError::RateLimited { retry_after: 3295 }),
            "sixth in the hour window opened at T0, asked at T0+305: {e:?}"
        );
        clock.advance(3600);
        svc.accounts
            .send_code(&p, CodePurpose::Login, "198.51.100.1")
            .await
            .unwrap();

        // Per address: 30 an hour across many phones.
        for i in 0..30 {
            let q = phone(&format!("139000000{i:02}"));
            svc.accounts
                .send_code(&q, CodePurpose::Login, "203.0.113.9")
                .await
                .unwrap();
        }
        let e = svc
            .accounts
            .send_code(&phone("13900000099"), CodePurpose::Login, "203.0.113.9")
            .await
            .unwrap_err();
        assert_eq!(e.code(), "rate_limited");
        svc.accounts
            .send_code(&phone("13900000099"), CodePurpose::Login, "203.0.113.10")
            .await
            .unwrap();
    })
    .await;
}

#[tokio::test]
async fn passwords_set_change_reset_and_login() {
    on_each_backend(|scratch| async move {
        let clock = ManualClock::new(T0);
        let (svc, dev) = services(&scratch, &clock);
        let p = phone("13800138006");
        let code = code_for(&svc, &dev, &p, CodePurpose::Login).await;
        let user = svc
            .accounts
            .login_with_code(&p, &code, support::Phone::new().new_device())
            .await
            .unwrap()
            .user
            .id;
        let pw1 = Password::parse("First#123").unwrap();
        let pw2 = Password::parse("Second#456").unwrap();
        let pw3 = Password::parse("Third#789").unwrap();
        let e = svc
            .accounts
            .change_password(user, &pw1, &pw2)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "password_not_set");
        svc.accounts.set_password(user, &pw1).await.unwrap();
        assert_eq!(
            svc.accounts
                .set_password(user, &pw2)
                .await
                .unwrap_err()
                .code(),
            "password_already_set"
        );
        let login = svc
            .accounts
            .login_with_password(&p, &pw1, support::Phone::new().new_device())
            .await
            .unwrap();
        assert_eq!(login.user.id, user);
        let e = svc
            .accounts
            .login_with_password(&p, &pw2, support::Phone::new().new_device())
            .await
            .unwrap_err();
        assert_eq!(e.code(), "wrong_credentials");
        let e = svc
            .accounts
            .login_with_password(
                &phone("13800138099"),
                &pw1,
                support::Phone::new().new_device(),
            )
            .await
            .unwrap_err();
        assert_eq!(
            e.code(),
            "wrong_credentials",
            "unknown phone looks the same"
        );
        assert_eq!(
            svc.accounts
                .change_password(user, &pw2, &pw3)
                .await
                .unwrap_err()
                .code(),
            "wrong_password"
        );
        svc.accounts
            .change_password(user, &pw1, &pw2)
            .await
            .unwrap();
        assert!(
            svc.accounts
                .login_with_password(&p, &pw2, support::Phone::new().new_device())
                .await
                .is_ok()
        );
        // I2 forgot password.
        clock.advance(61);
        let code = code_for(&svc, &dev, &p, CodePurpose::ResetPassword).await;
        assert_eq!(
            svc.accounts
                .reset_password(&p, &wrong(&code), &pw3)
                .await
                .unwrap_err()
                .code(),
            "wrong_code"
        );
        svc.accounts.reset_password(&p, &code, &pw3).await.unwrap();
        assert!(
            svc.accounts
                .login_with_password(&p, &pw3, support::Phone::new().new_device())
                .await
                .is_ok()
        );
        assert!(
            svc.accounts
                .login_with_password(&p, &pw2, support::Phone::new().new_device())
                .await
                .is_err()
        );
    })
    .await;
}

#[tokio::test]
async fn change_phone_needs_a_code_sent_to_the_new_number() {
    on_each_backend(|scratch| async move {
        let clock = ManualClock::new(T0);
        let (svc, dev) = services(&scratch, &clock);
        let (p, taken, new) = (
            phone("13800138007"),
            phone("13800138008"),
            phone("13800138009"),
        );
        let code = code_for(&svc, &dev, &p, CodePurpose::Login).await;
        let user = svc
            .accounts
            .login_with_code(&p, &code, support::Phone::new().new_device())
            .await
            .unwrap()
            .user
            .id;
        let code = code_for(&svc, &dev, &taken, CodePurpose::Login).await;
        svc.accounts
            .login_with_code(&taken, &code, support::Phone::new().new_device())
            .await
            .unwrap();
        clock.advance(61);
        let e = svc
            .accounts
            .send_code(&taken, CodePurpose::ChangePhone, "192.0.2.1")
            .await
            .unwrap_err();
        assert_eq!(e.code(), "phone_taken");
        let code = code_for(&svc, &dev, &new, CodePurpose::ChangePhone).await;
        assert_eq!(
            svc.accounts
                .change_phone(user, &new, &wrong(&code))
                .await
                .unwrap_err()
                .code(),
            "wrong_code"
        );
        assert_eq!(
            svc.accounts.get(user).await.unwrap().phone,
            p,
            "unchanged after a wrong code"
        );
        svc.accounts.change_phone(user, &new, &code).await.unwrap();
        assert_eq!(svc.accounts.get(user).await.unwrap().phone, new);
    })
    .await;
}
