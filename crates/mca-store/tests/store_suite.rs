//! The store suite: one function over the store traits, run on SQLite and
//! on PostgreSQL (when `MCA_TEST_POSTGRES_URL` is set).

mod support;

use mca_domain::store::*;
use mca_domain::*;
use support::{T0, on_each_backend};

fn user(phone: &str) -> User {
    User {
        id: UserId::new(),
        phone: Phone::parse(phone).unwrap(),
        password_hash: None,
        verified_at: None,
        created_at: T0,
    }
}

async fn users(s: &dyn Store) {
    let a = user("13800000001");
    s.insert_user(&a).await.unwrap();
    assert_eq!(s.user(a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(s.user_by_phone(&a.phone).await.unwrap(), Some(a.clone()));
    assert_eq!(s.user(UserId::new()).await.unwrap(), None);
    let dup = user("13800000001");
    assert!(s.insert_user(&dup).await.unwrap_err().is_conflict());
    let b = user("13800000002");
    s.insert_user(&b).await.unwrap();
    assert!(s.set_phone(b.id, &a.phone).await.unwrap_err().is_conflict());
    assert_eq!(
        s.user(b.id).await.unwrap().unwrap().phone,
        b.phone,
        "refused change kept the phone"
    );
    let hash = PasswordHash::from_stored("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into());
    assert!(s.set_password_hash(a.id, &hash).await.unwrap());
    assert!(!s.set_password_hash(UserId::new(), &hash).await.unwrap());
    assert_eq!(
        s.user(a.id).await.unwrap().unwrap().password_hash,
        Some(hash)
    );
}

async fn codes(s: &dyn Store) {
    let phone = Phone::parse("13900000001").unwrap();
    let mk = |purpose, created: i64| CodeRecord {
        id: CodeId::new(),
        phone: phone.clone(),
        purpose,
        code_hash: [7; 32],
        client_ip: "10.0.0.1".into(),
        created_at: Timestamp(created),
        expires_at: Timestamp(created + 300),
        attempts: 0,
        consumed_at: None,
    };
    let first = mk(CodePurpose::Login, 100);
    let second = mk(CodePurpose::Login, 200);
    let other = mk(CodePurpose::ResetPassword, 300);
    for c in [&first, &second, &other] {
        s.insert_code(c).await.unwrap();
    }
    assert_eq!(
        s.latest_code(&phone, CodePurpose::Login).await.unwrap(),
        Some(second.clone())
    );
    assert_eq!(
        s.latest_code(&phone, CodePurpose::ChangePhone)
            .await
            .unwrap(),
        None
    );
    for _ in 0..5 {
        assert!(s.claim_code_attempt(second.id, 5).await.unwrap());
    }
    assert!(
        !s.claim_code_attempt(second.id, 5).await.unwrap(),
        "sixth attempt"
    );
    assert!(s.consume_code(first.id, Timestamp(120)).await.unwrap());
    assert!(
        !s.consume_code(first.id, Timestamp(121)).await.unwrap(),
        "single use"
    );
    assert!(
        !s.claim_code_attempt(first.id, 5).await.unwrap(),
        "used code has no attempts"
    );
    assert_eq!(s.prune_codes(Timestamp(550)).await.unwrap(), 2);
    assert_eq!(
        s.latest_code(&phone, CodePurpose::ResetPassword)
            .await
            .unwrap(),
        Some(other)
    );
}

async fn quotas(s: &dyn Store) {
    let q = SendQuota {
        min_interval_secs: 60,
        per_hour: 2,
        per_day: 3,
    };
    let t = |secs: i64| T0.plus(secs);
    assert_eq!(s.send_quota("phone:1").await.unwrap(), None);
    assert!(s.take_send_quota("phone:1", t(0), &q).await.unwrap());
    assert!(
        !s.take_send_quota("phone:1", t(59), &q).await.unwrap(),
        "interval"
    );
    assert!(
        s.take_send_quota("ip:1", t(59), &q).await.unwrap(),
        "keys are separate"
    );
    assert!(s.take_send_quota("phone:1", t(60), &q).await.unwrap());
    assert!(
        !s.take_send_quota("phone:1", t(200), &q).await.unwrap(),
        "two an hour"
    );
    let state = s.send_quota("phone:1").await.unwrap().unwrap();
    assert_eq!(
        state,
        QuotaState {
            last_at: t(60),
            hour_start: t(0),
            hour_count: 2,
            day_start: t(0),
            day_count: 2
        }
    );
    assert_eq!(state.retry_after(&q, t(200)), 3400);
    assert!(
        s.take_send_quota("phone:1", t(3600), &q).await.unwrap(),
        "new hour window"
    );
    assert!(
        !s.take_send_quota("phone:1", t(7300), &q).await.unwrap(),
        "three a day"
    );
    assert_eq!(
        s.send_quota("phone:1")
            .await
            .unwrap()
            .unwrap()
            .retry_after(&q, t(7300)),
        86_400 - 7300
    );
    assert!(
        s.take_send_quota("phone:1", t(86_400), &q).await.unwrap(),
        "new day window"
    );
}

async fn devices(s: &dyn Store) {
    let u = user("13700000001");
    s.insert_user(&u).await.unwrap();
    let d = Device {
        id: DeviceId::new(),
        user_id: u.id,
        name: "手机".into(),
        public_key: vec![4; 65],
        created_at: T0,
    };
    s.insert_device(&d).await.unwrap();
    let d2 = Device {
        id: DeviceId::new(),
        created_at: T0.plus(1),
        ..d.clone()
    };
    s.insert_device(&d2).await.unwrap();
    assert_eq!(
        s.devices_of(u.id).await.unwrap(),
        vec![d.clone(), d2.clone()]
    );
    let orphan = Device {
        id: DeviceId::new(),
        user_id: UserId::new(),
        ..d.clone()
    };
    assert!(
        s.insert_device(&orphan).await.unwrap_err().is_reference(),
        "foreign keys are on"
    );
    let sess = Session {
        token_hash: [1; 32],
        user_id: u.id,
        device_id: d.id,
        created_at: T0,
        expires_at: T0.plus(60),
    };
    s.insert_session(&sess).await.unwrap();
    assert_eq!(s.session(&[1; 32]).await.unwrap(), Some(sess.clone()));
    let old = Session {
        token_hash: [2; 32],
        expires_at: T0.plus(10),
        ..sess.clone()
    };
    s.insert_session(&old).await.unwrap();
    assert_eq!(s.prune_sessions(T0.plus(11)).await.unwrap(), 1);
    assert_eq!(s.session(&[2; 32]).await.unwrap(), None);
    assert_eq!(s.session(&[1; 32]).await.unwrap(), Some(sess));
    assert!(s.record_nonce(d.id, "nonce-0000000001", T0).await.unwrap());
    assert!(
        !s.record_nonce(d.id, "nonce-0000000001", T0.plus(5))
            .await
            .unwrap(),
        "replay"
    );
    assert!(
        s.record_nonce(d2.id, "nonce-0000000001", T0).await.unwrap(),
        "per device"
    );
    assert_eq!(s.prune_nonces(T0.plus(1)).await.unwrap(), 2);
    assert!(
        s.record_nonce(d.id, "nonce-0000000001", T0.plus(700))
            .await
            .unwrap()
    );
    let stranger = UserId::new();
    assert!(
        !s.delete_device(stranger, d.id).await.unwrap(),
        "only the owner removes"
    );
    assert!(s.delete_device(u.id, d.id).await.unwrap());
    assert_eq!(s.session(&[1; 32]).await.unwrap(), None, "sessions cascade");
    assert_eq!(s.device(d.id).await.unwrap(), None);
    assert_eq!(s.devices_of(u.id).await.unwrap(), vec![d2]);
}

async fn identities(s: &dyn Store) {
    let u = user("13600000001");
    s.insert_user(&u).await.unwrap();
    let mut r = IdentityRecord {
        user_id: u.id,
        name: PersonName::parse("张三").unwrap(),
        id_number_masked: "1101**********002X".into(),
        id_number_sealed: vec![1, 2, 3],
        state: IdentityState::Submitted,
        face_session: None,
        updated_at: T0,
    };
    s.put_identity(&r).await.unwrap();
    r.state = IdentityState::FacePending;
    r.face_session = Some("dev-1".into());
    s.put_identity(&r).await.unwrap();
    assert_eq!(s.identity(u.id).await.unwrap(), Some(r.clone()));
    assert!(!s.mark_identity_verified(UserId::new(), T0).await.unwrap());
    assert!(s.mark_identity_verified(u.id, T0.plus(9)).await.unwrap());
    let got = s.identity(u.id).await.unwrap().unwrap();
    assert_eq!(
        (got.state, got.face_session),
        (IdentityState::Verified, None)
    );
    assert_eq!(
        s.user(u.id).await.unwrap().unwrap().verified_at,
        Some(T0.plus(9))
    );
}

async fn catalogue(s: &dyn Store) {
    let p = Province {
        id: ProvinceId::new(),
        code: "32".into(),
        name: "江苏省".into(),
    };
    s.insert_province(&p).await.unwrap();
    assert!(
        s.insert_province(&Province {
            id: ProvinceId::new(),
            ..p.clone()
        })
        .await
        .unwrap_err()
        .is_conflict()
    );
    let pl = TradingPlatform {
        id: PlatformId::new(),
        province_id: p.id,
        name: "南京市公共资源交易中心".into(),
        url: "https://ggzy.nanjing.gov.cn".into(),
    };
    s.insert_platform(&pl).await.unwrap();
    let dangling = TradingPlatform {
        id: PlatformId::new(),
        province_id: ProvinceId::new(),
        name: "x".into(),
        ..pl.clone()
    };
    assert!(
        s.insert_platform(&dangling)
            .await
            .unwrap_err()
            .is_reference()
    );
    assert!(
        s.delete_province(p.id).await.unwrap_err().is_reference(),
        "referenced"
    );
    let ca = CaOrganization {
        id: CaId::new(),
        name: "测试CA".into(),
        short_name: "TCA".into(),
    };
    s.insert_ca(&ca).await.unwrap();
    let v = ValidityOption {
        id: ValidityOptionId::new(),
        ca_id: ca.id,
        years: 1,
        price_fen: 30_000,
    };
    s.insert_validity_option(&v).await.unwrap();
    assert!(
        s.insert_validity_option(&ValidityOption {
            id: ValidityOptionId::new(),
            ..v.clone()
        })
        .await
        .unwrap_err()
        .is_conflict()
    );
    let v2 = ValidityOption {
        price_fen: 25_000,
        ..v.clone()
    };
    assert!(s.update_validity_option(&v2).await.unwrap());
    assert_eq!(s.validity_options().await.unwrap(), vec![v2]);
    assert!(
        !s.update_ca(&CaOrganization {
            id: CaId::new(),
            ..ca.clone()
        })
        .await
        .unwrap()
    );
    assert!(s.delete_validity_option(v.id).await.unwrap());
    assert!(s.delete_ca(ca.id).await.unwrap());
    assert!(!s.delete_ca(ca.id).await.unwrap());
    assert!(s.delete_platform(pl.id).await.unwrap());
    assert!(s.delete_province(p.id).await.unwrap());
    assert_eq!(s.provinces().await.unwrap(), vec![]);
}

async fn messages(s: &dyn Store) {
    let u = user("13500000001");
    s.insert_user(&u).await.unwrap();
    let mk = |at: i64, action| Message {
        id: MessageId::new(),
        user_id: u.id,
        kind: MessageKind::System,
        title: "标题".into(),
        body: "正文".into(),
        action,
        created_at: Timestamp(at),
        read_at: None,
    };
    let old = mk(1, None);
    let new = mk(
        2,
        Some(MessageAction {
            name: "open_devices".into(),
            target: "".into(),
        }),
    );
    s.insert_message(&old).await.unwrap();
    s.insert_message(&new).await.unwrap();
    assert_eq!(
        s.messages_of(u.id).await.unwrap(),
        vec![new.clone(), old.clone()]
    );
    assert!(
        !s.mark_message_read(UserId::new(), old.id, Timestamp(5))
            .await
            .unwrap(),
        "not yours"
    );
    assert!(
        s.mark_message_read(u.id, old.id, Timestamp(5))
            .await
            .unwrap()
    );
    assert!(
        s.mark_message_read(u.id, old.id, Timestamp(9))
            .await
            .unwrap()
    );
    let got = s.messages_of(u.id).await.unwrap();
    assert_eq!(got[1].read_at, Some(Timestamp(5)), "first read time kept");
    assert_eq!(got[0].read_at, None);
}

async fn audit(s: &dyn Store) {
    assert_eq!(s.last_audit_entry().await.unwrap(), None);
    let e = AuditEntry {
        seq: 1,
        at: T0,
        actor: "system".into(),
        action: "test".into(),
        subject: "".into(),
        detail: "".into(),
        prev_hash: [0; 32],
        hash: [9; 32],
    };
    assert!(s.insert_audit_entry(&e).await.unwrap());
    assert!(
        !s.insert_audit_entry(&AuditEntry {
            detail: "other".into(),
            ..e.clone()
        })
        .await
        .unwrap(),
        "seq taken"
    );
    let e2 = AuditEntry {
        seq: 2,
        prev_hash: [9; 32],
        ..e.clone()
    };
    assert!(s.insert_audit_entry(&e2).await.unwrap());
    assert_eq!(s.last_audit_entry().await.unwrap(), Some(e2.clone()));
    assert_eq!(
        s.audit_entries(0, 10).await.unwrap(),
        vec![e.clone(), e2.clone()]
    );
    assert_eq!(s.audit_entries(1, 10).await.unwrap(), vec![e2]);
    assert_eq!(s.audit_entries(0, 1).await.unwrap(), vec![e]);
}

/// Every store trait, on one store.
async fn store_suite(s: &dyn Store) {
    users(s).await;
    codes(s).await;
    quotas(s).await;
    devices(s).await;
    identities(s).await;
    catalogue(s).await;
    messages(s).await;
    audit(s).await;
}

#[tokio::test]
async fn store_suite_on_each_backend() {
    on_each_backend(|scratch| async move { store_suite(scratch.db.store().as_ref()).await }).await;
}

#[tokio::test]
async fn sqlite_runs_in_wal_with_foreign_keys() {
    let s = mca_store::scratch::Scratch::sqlite().await.unwrap();
    let mca_store::Database::Sqlite(lite) = &s.db else {
        unreachable!()
    };
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(lite.pool())
        .await
        .unwrap();
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(lite.pool())
        .await
        .unwrap();
    let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
        .fetch_one(lite.pool())
        .await
        .unwrap();
    s.drop_all().await.unwrap();
    assert_eq!((mode.as_str(), fk), ("wal", 1));
    assert!(busy >= 1000);
}
