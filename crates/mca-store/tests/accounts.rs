//! A1, A2, I1, I2 on real storage with a manual clock: the code rules
//! (six digits, five minutes, single use, five tries, rate limits),
//! registration at the first login, passwords and phone change.

mod support;

use mca_domain::*;
use support::{
    Phone as Handset, T0, code_for, code_login, has_user, on_each_backend, password_login,
    register, services, wrong,
};

fn phone(s: &str) -> mca_domain::Phone {
    mca_domain::Phone::parse(s).unwrap()
}

#[tokio::test]
async fn first_login_registers_and_codes_are_single_use() {
    on_each_backend(|scratch| async move {
        let clock = ManualClock::new(T0);
        let (svc, dev) = services(&scratch, &clock);
        let handset = Handset::new();
        let code = code_for(&svc, &dev, "13800138000", CodePurpose::Login).await;
        let login = code_login(&svc, "13800138000", &code, &handset)
            .await
            .unwrap();
        assert!(login.registered);
        assert_eq!(login.user.phone, phone("13800138000"));
        assert_eq!(
            code_login(&svc, "13800138000", &code, &handset)
                .await
                .unwrap_err(),
            "code_used"
        );
        clock.advance(61);
        let again = register(&svc, &dev, "13800138000", &handset).await;
        assert!(!again.registered);
        assert_eq!(again.user.id, login.user.id);
        assert_eq!(
            again.device_id, login.device_id,
            "the same handset logging in again is the same device"
        );
        clock.advance(61);
        let other = register(&svc, &dev, "13800138000", &Handset::new()).await;
        assert_ne!(
            other.device_id, login.device_id,
            "another handset is another device"
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
        let code = code_for(&svc, &dev, "13800138001", CodePurpose::Login).await;
        clock.advance(300);
        let e = code_login(&svc, "13800138001", &code, &Handset::new())
            .await
            .unwrap_err();
        assert_eq!(e, "code_expired");
        assert!(
            !has_user(&scratch, "13800138001").await,
            "nothing registered"
        );
    })
    .await;
}

#[tokio::test]
async fn five_wrong_tries_kill_the_code() {
    on_each_backend(|scratch| async move {
        let clock = ManualClock::new(T0);
        let (svc, dev) = services(&scratch, &clock);
        let handset = Handset::new();
        let code = code_for(&svc, &dev, "13800138002", CodePurpose::Login).await;
        for _ in 0..5 {
            let e = code_login(&svc, "13800138002", &wrong(&code), &handset)
                .await
                .unwrap_err();
            assert_eq!(e, "wrong_code");
        }
        let e = code_login(&svc, "13800138002", &code, &handset)
            .await
            .unwrap_err();
        assert_eq!(
            e, "too_many_attempts",
            "the right code after five wrong ones"
        );
        assert!(!has_user(&scratch, "13800138002").await);
    })
    .await;
}

#[tokio::test]
async fn codes_are_bound_to_their_purpose_and_phone() {
    on_each_backend(|scratch| async move {
        let clock = ManualClock::new(T0);
        let (svc, dev) = services(&scratch, &clock);
        let handset = Handset::new();
        let code = code_for(&svc, &dev, "13800138003", CodePurpose::ResetPassword).await;
        assert_eq!(
            code_login(&svc, "13800138003", &code, &handset)
                .await
                .unwrap_err(),
            "no_code"
        );
        assert_eq!(
            code_login(&svc, "13800138004", &code, &handset)
                .await
                .unwrap_err(),
            "no_code"
        );
    })
    .await;
}

#[tokio::test]
async fn sending_is_rate_limited_per_phone_and_per_address() {
    on_each_backend(|scratch| async move {
        let clock = ManualClock::new(T0);
        let (svc, _dev) = services(&scratch, &clock);
        let send = |number: &str, ip: &str| {
            let (svc, p, ip) = (svc.clone(), phone(number), ip.to_owned());
            async move { svc.accounts.send_code(&p, CodePurpose::Login, &ip).await }
        };
        send("13800138005", "198.51.100.1").await.unwrap();
        let e = send("13800138005", "198.51.100.2").await.unwrap_err();
        assert!(
            matches!(e, DomainError::RateLimited { retry_after: 60 }),
            "{e:?}"
        );
        for _ in 0..4 {
            clock.advance(61);
            send("13800138005", "198.51.100.1").await.unwrap();
        }
        clock.advance(61);
        let e = send("13800138005", "198.51.100.1").await.unwrap_err();
        assert!(
            matches!(e, DomainError::RateLimited { retry_after: 3295 }),
            "sixth in the hour window opened at T0, asked at T0+305: {e:?}"
        );
        clock.advance(3600);
        send("13800138005", "198.51.100.1").await.unwrap();

        // Per address: 30 an hour across many phones.
        for i in 0..30 {
            send(&format!("139000000{i:02}"), "203.0.113.9")
                .await
                .unwrap();
        }
        let e = send("13900000099", "203.0.113.9").await.unwrap_err();
        assert_eq!(e.code(), "rate_limited");
        send("13900000099", "203.0.113.10").await.unwrap();
        let e = send("13900000098", "").await.unwrap_err();
        assert_eq!(
            e.code(),
            "invalid_input",
            "no shared quota for unknown addresses"
        );
    })
    .await;
}

#[tokio::test]
async fn passwords_set_change_reset_and_login() {
    on_each_backend(|scratch| async move {
        let clock = ManualClock::new(T0);
        let (svc, dev) = services(&scratch, &clock);
        let number = "13800138006";
        let user = register(&svc, &dev, number, &Handset::new()).await.user.id;
        let pw = |s: &str| Password::parse(s).unwrap();
        let code_of = |r: Result<(), DomainError>| r.map_err(|e| e.code());
        let a = &svc.accounts;
        assert_eq!(
            code_of(
                a.change_password(user, &pw("First#123"), &pw("Second#456"))
                    .await
            ),
            Err("password_not_set")
        );
        a.set_password(user, &pw("First#123")).await.unwrap();
        assert_eq!(
            code_of(a.set_password(user, &pw("Second#456")).await),
            Err("password_already_set")
        );
        assert_eq!(
            password_login(&svc, number, "First#123")
                .await
                .unwrap()
                .user
                .id,
            user
        );
        assert_eq!(
            password_login(&svc, number, "Second#456")
                .await
                .unwrap_err(),
            "wrong_credentials"
        );
        assert_eq!(
            password_login(&svc, "13800138099", "First#123")
                .await
                .unwrap_err(),
            "wrong_credentials",
            "an unknown phone looks the same"
        );
        assert_eq!(
            code_of(
                a.change_password(user, &pw("Second#456"), &pw("Third#789"))
                    .await
            ),
            Err("wrong_password")
        );
        a.change_password(user, &pw("First#123"), &pw("Second#456"))
            .await
            .unwrap();
        assert!(password_login(&svc, number, "Second#456").await.is_ok());

        // I2 forgot password.
        clock.advance(61);
        let code = code_for(&svc, &dev, number, CodePurpose::ResetPassword).await;
        let e = a
            .reset_password(&phone(number), &wrong(&code), &pw("Third#789"))
            .await;
        assert_eq!(code_of(e), Err("wrong_code"));
        a.reset_password(&phone(number), &code, &pw("Third#789"))
            .await
            .unwrap();
        assert!(password_login(&svc, number, "Third#789").await.is_ok());
        assert!(password_login(&svc, number, "Second#456").await.is_err());
    })
    .await;
}

#[tokio::test]
async fn password_guessing_is_limited_per_phone() {
    on_each_backend(|scratch| async move {
        let clock = ManualClock::new(T0);
        let (svc, dev) = services(&scratch, &clock);
        let number = "13800138010";
        let user = register(&svc, &dev, number, &Handset::new()).await.user.id;
        svc.accounts
            .set_password(user, &Password::parse("Right#2026").unwrap())
            .await
            .unwrap();
        for _ in 0..10 {
            assert_eq!(
                password_login(&svc, number, "Wrong#2026")
                    .await
                    .unwrap_err(),
                "wrong_credentials"
            );
        }
        let e = password_login(&svc, number, "Right#2026")
            .await
            .unwrap_err();
        assert_eq!(e, "rate_limited", "the eleventh try in an hour, even right");
        clock.advance(3600);
        assert!(password_login(&svc, number, "Right#2026").await.is_ok());
    })
    .await;
}

#[tokio::test]
async fn change_phone_needs_a_code_sent_to_the_new_number() {
    on_each_backend(|scratch| async move {
        let clock = ManualClock::new(T0);
        let (svc, dev) = services(&scratch, &clock);
        let user = register(&svc, &dev, "13800138007", &Handset::new())
            .await
            .user
            .id;
        register(&svc, &dev, "13800138008", &Handset::new()).await;
        clock.advance(61);
        let e = svc
            .accounts
            .send_code(&phone("13800138008"), CodePurpose::ChangePhone, "192.0.2.1")
            .await;
        assert_eq!(e.unwrap_err().code(), "phone_taken");
        let new = phone("13800138009");
        let code = code_for(&svc, &dev, "13800138009", CodePurpose::ChangePhone).await;
        let e = svc
            .accounts
            .change_phone(user, &new, &wrong(&code))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "wrong_code");
        assert_eq!(
            svc.accounts.get(user).await.unwrap().phone,
            phone("13800138007"),
            "unchanged"
        );
        svc.accounts.change_phone(user, &new, &code).await.unwrap();
        assert_eq!(svc.accounts.get(user).await.unwrap().phone, new);
    })
    .await;
}
