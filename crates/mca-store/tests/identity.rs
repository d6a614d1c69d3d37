//! A3 real-name verification, the M3 inbox and the M2 catalogue seed on
//! real storage.

mod support;

use mca_domain::providers::FaceOutcome;
use mca_domain::*;
use support::{Phone as TestPhone, T0, on_each_backend, services};

async fn user(svc: &Services, dev: &DevProviders, number: &str) -> UserId {
    support::register(svc, dev, number, &TestPhone::new())
        .await
        .user
        .id
}

#[tokio::test]
async fn verification_gates_until_the_face_passes() {
    on_each_backend(|scratch| async move {
        let clock = ManualClock::new(T0);
        let (svc, dev) = services(&scratch, &clock);
        let u = user(&svc, &dev, "13822220001").await;
        let e = svc.identity.require_verified(u).await.unwrap_err();
        assert_eq!(e.message(), "尚未实名认证，无法操作");
        assert_eq!(
            svc.identity.start_face(u).await.unwrap_err().code(),
            "identity_not_submitted"
        );

        // Bad input changes nothing stored.
        assert_eq!(
            svc.identity
                .submit(u, "张三", "110105194912310021")
                .await
                .unwrap_err()
                .code(),
            "invalid_id_number"
        );
        assert_eq!(
            svc.identity
                .submit(u, "张", "11010519491231002X")
                .await
                .unwrap_err()
                .code(),
            "invalid_name"
        );
        assert_eq!(svc.identity.status(u).await.unwrap().state, "not_started");

        let st = svc
            .identity
            .submit(u, "张三", "11010519491231002X")
            .await
            .unwrap();
        assert_eq!(
            (st.state, st.id_number_masked.as_deref()),
            ("submitted", Some("1101**********002X"))
        );
        let stored = scratch.db.store().identity(u).await.unwrap().unwrap();
        assert!(
            !stored.id_number_sealed.windows(8).any(|w| w == b"19491231"),
            "sealed at rest"
        );

        // The face fails once, then passes.
        let session = svc.identity.start_face(u).await.unwrap();
        dev.face.decide(&session.id, FaceOutcome::Pending);
        assert_eq!(
            svc.identity.complete_face(u).await.unwrap_err().code(),
            "face_pending"
        );
        dev.face.decide(&session.id, FaceOutcome::Failed);
        assert_eq!(
            svc.identity.complete_face(u).await.unwrap_err().code(),
            "face_failed"
        );
        assert!(svc.identity.require_verified(u).await.is_err());
        let e = svc.identity.complete_face(u).await.unwrap_err();
        assert_eq!(e.code(), "face_not_started", "a failed session is closed");
        svc.identity.start_face(u).await.unwrap();
        let st = svc.identity.complete_face(u).await.unwrap();
        assert_eq!(st.state, "verified");
        svc.identity.require_verified(u).await.unwrap();
        assert_eq!(
            svc.identity.id_number(u).await.unwrap().expose(),
            "11010519491231002X"
        );
        assert_eq!(
            svc.identity
                .submit(u, "李四", "11010519491231002X")
                .await
                .unwrap_err()
                .code(),
            "identity_already_verified"
        );

        // M3: the verification left a message; read it.
        let inbox = svc.messages.list(u).await.unwrap();
        let m = inbox
            .iter()
            .find(|m| m.kind == store::MessageKind::IdentityVerified)
            .unwrap();
        assert_eq!(m.read_at, None);
        let stranger = user(&svc, &dev, "13822220002").await;
        assert_eq!(
            svc.messages
                .mark_read(stranger, m.id)
                .await
                .unwrap_err()
                .code(),
            "not_found"
        );
        svc.messages.mark_read(u, m.id).await.unwrap();
        assert!(
            svc.messages
                .list(u)
                .await
                .unwrap()
                .iter()
                .all(|m| m.read_at.is_some())
        );
        assert_eq!(
            svc.messages
                .send(u, store::MessageKind::System, "", "x", None)
                .await
                .unwrap_err()
                .code(),
            "invalid_input"
        );
    })
    .await;
}

#[tokio::test]
async fn zhejiang_seed_is_idempotent_and_editable() {
    on_each_backend(|scratch| async move {
        let clock = ManualClock::new(T0);
        let (svc, _) = services(&scratch, &clock);
        svc.catalogue.seed_zhejiang().await.unwrap();
        let first = svc.catalogue.all().await.unwrap();
        svc.catalogue.seed_zhejiang().await.unwrap();
        assert_eq!(svc.catalogue.all().await.unwrap(), first);
        assert_eq!(first.provinces.len(), 1);
        assert!(
            first
                .platforms
                .iter()
                .any(|p| p.name == "浙江省公共资源交易中心")
        );
        assert_eq!(first.platforms.len(), 4);
        assert_eq!(first.ca_organizations.len(), 2);
        assert_eq!(first.validity_options.len(), 6);
        assert!(first.validity_options.iter().all(|v| v.price_fen > 0));

        let province = first.provinces[0].clone();
        assert_eq!(
            svc.catalogue
                .delete_province(province.id)
                .await
                .unwrap_err()
                .code(),
            "in_use"
        );
        let dup = store::Province {
            id: ProvinceId::new(),
            ..province.clone()
        };
        assert_eq!(
            svc.catalogue
                .create_province(&dup)
                .await
                .unwrap_err()
                .code(),
            "already_exists"
        );
        let bad = store::ValidityOption {
            years: 0,
            ..first.validity_options[0].clone()
        };
        assert_eq!(
            svc.catalogue
                .update_validity_option(&bad)
                .await
                .unwrap_err()
                .code(),
            "invalid_input"
        );
        let cheaper = store::ValidityOption {
            price_fen: 19_900,
            ..first.validity_options[0].clone()
        };
        svc.catalogue
            .update_validity_option(&cheaper)
            .await
            .unwrap();
        assert!(
            svc.catalogue
                .all()
                .await
                .unwrap()
                .validity_options
                .contains(&cheaper)
        );
        assert_eq!(
            svc.catalogue
                .delete_ca(CaId::new())
                .await
                .unwrap_err()
                .code(),
            "not_found"
        );
        let orphan = store::TradingPlatform {
            id: PlatformId::new(),
            province_id: ProvinceId::new(),
            name: "无省份平台".into(),
            url: "https://example.cn".into(),
        };
        let e = svc.catalogue.create_platform(&orphan).await.unwrap_err();
        assert_eq!(
            (e.code(), e.to_string().as_str()),
            ("not_found", "province not found")
        );
    })
    .await;
}
