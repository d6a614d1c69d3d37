//! Relying parties (RP-API.md) on real storage, SQLite and PostgreSQL: the
//! registry shows a secret once and keeps it sealed, API requests need a
//! good MAC, a fresh timestamp and an unused nonce, creation is
//! idempotent, only fresh genuine QR frames claim a session, exactly one
//! of several racing devices wins it, a complete session never changes,
//! and timeouts and retention follow the clock.

mod support;

use std::sync::Arc;

use mca_crypto::rp::{QrLink, request_mac};
use mca_domain::relying_parties::*;
use mca_domain::store::{RpEndResult, RpOperation, RpSessionState};
use mca_domain::*;
use mca_store::Database;
use mca_store::scratch::Scratch;
use support::{Phone as Handset, T0, on_each_backend, register, services};

const KEK: &str = "000102030405060708090a0b0c0d0e0f";

struct World {
    svc: Services,
    rps: RelyingParties,
    clock: ManualClock,
}

fn world_on(db: &Database, svc: Services, clock: &ManualClock) -> World {
    let vault = Arc::new(KeyVault::new("test", [("test", KEK)]).unwrap());
    let rps = RelyingParties::new(&svc, db.store(), vault, Arc::new(NoAuthorizations));
    World {
        svc,
        rps,
        clock: clock.clone(),
    }
}

async fn world(scratch: &Scratch) -> (World, DevProviders) {
    let clock = ManualClock::new(T0);
    let (svc, dev) = services(scratch, &clock);
    (world_on(&scratch.db, svc, &clock), dev)
}

/// A real-name verified user and the device of its first login.
async fn verified(w: &World, dev: &DevProviders, number: &str) -> Caller {
    let login = register(&w.svc, dev, number, &Handset::new()).await;
    let u = login.user.id;
    w.svc
        .identity
        .submit(u, "张三", "11010519491231002X")
        .await
        .unwrap();
    w.svc.identity.start_face(u).await.unwrap();
    w.svc.identity.complete_face(u).await.unwrap();
    Caller {
        user: u,
        device: login.device_id,
    }
}

fn all_operations() -> Vec<RpOperation> {
    vec![
        RpOperation::Auth,
        RpOperation::Sign,
        RpOperation::Cert,
        RpOperation::Decrypt,
        RpOperation::Confirm,
    ]
}

async fn register_rp(
    w: &World,
    ops: Vec<RpOperation>,
) -> (store::RelyingPartyRecord, IssuedCredential) {
    w.rps
        .registry
        .create(&NewRelyingParty {
            display_name: "浙江省公共资源交易中心".into(),
            platform_id: None,
            allowed_operations: ops,
            callback_urls: vec!["https://rp.example.cn/mca/callback".into()],
        })
        .await
        .unwrap()
}

/// Authenticates one request signed with `cred` (fresh nonce) at `ts`.
async fn call(
    w: &World,
    cred: &IssuedCredential,
    ts: i64,
    nonce: &str,
    body: &[u8],
) -> Result<RpCaller> {
    let key_id = cred.key_id.to_string();
    let mac = request_mac(
        cred.secret.expose(),
        "POST",
        "/api/rp/v1/sessions",
        ts,
        nonce,
        body,
    );
    w.rps
        .requests
        .authenticate(&RpRequest {
            key_id: &key_id,
            method: "POST",
            path_and_query: "/api/rp/v1/sessions",
            timestamp: ts,
            nonce,
            body,
            mac: &mac,
        })
        .await
}

async fn rp_caller(w: &World, cred: &IssuedCredential) -> RpCaller {
    let nonce = format!("nonce-{}", UserId::new());
    call(w, cred, w.clock.now().secs(), &nonce, b"{}")
        .await
        .unwrap()
}

fn seal_content(tag: u8) -> SessionContent {
    SessionContent::Sign {
        items: vec![SignItem {
            label: "招标公告".into(),
            kind: SignItemKind::Seal,
            data: vec![tag; 32],
        }],
    }
}

fn seal_result() -> Completion {
    Completion {
        certificates: vec![vec![0x30, 0x03, 1, 2, 3]],
        items: vec![ItemResult::Seal(vec![0x30, 0x01, 0])],
    }
}

async fn create(
    w: &World,
    rp: &RpCaller,
    content: SessionContent,
    key: Option<&str>,
) -> Result<CreatedSession> {
    w.rps
        .sessions
        .create(
            rp,
            NewSession {
                content,
                idempotency_key: key.map(str::to_owned),
                end_user_ip: Some("192.0.2.10".into()),
            },
        )
        .await
}

fn frame(created: &CreatedSession, elapsed: u64) -> String {
    QrLink::new(created.qr_secret.expose(), &created.public_token, elapsed)
        .unwrap()
        .to_string()
}

fn code<T: std::fmt::Debug>(r: Result<T>) -> &'static str {
    r.unwrap_err().code()
}

/// The bytes stored in one column of one row, read around the domain.
async fn raw_bytes(db: &Database, sql: &'static str, key: String) -> Vec<u8> {
    match db {
        Database::Sqlite(s) => sqlx::query_scalar(sql)
            .bind(key)
            .fetch_one(s.pool())
            .await
            .unwrap(),
        Database::Postgres(s) => sqlx::query_scalar(sql)
            .bind(key)
            .fetch_one(s.pool())
            .await
            .unwrap(),
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn the_registry_shows_a_secret_once_and_keeps_it_sealed() {
    on_each_backend(|scratch| async move {
        let (w, _) = world(&scratch).await;
        w.svc.catalogue.seed_zhejiang().await.unwrap();
        let platform = w.svc.catalogue.all().await.unwrap().platforms[0].id;
        let (rp, cred) = w
            .rps
            .registry
            .create(&NewRelyingParty {
                display_name: "浙江省公共资源交易中心".into(),
                platform_id: Some(platform),
                allowed_operations: vec![RpOperation::Auth, RpOperation::Sign],
                callback_urls: vec![
                    "https://a.example.cn/cb".into(),
                    "http://localhost:8080/cb".into(),
                ],
            })
            .await
            .unwrap();
        let stored = w.rps.registry.get(rp.id).await.unwrap();
        assert_eq!(stored, rp);
        assert_eq!(stored.platform_id, Some(platform));
        assert_eq!(stored.callback_urls.len(), 2);
        assert!(!format!("{cred:?}").contains(&*cred.secret.expose_hex()));

        // At rest: sealed, neither the bytes nor their hex in the row.
        let sealed = raw_bytes(
            &scratch.db,
            "SELECT sealed_secret FROM rp_credentials WHERE key_id = $1",
            cred.key_id.to_string(),
        )
        .await;
        assert!(sealed.len() > 32);
        assert!(!contains(&sealed, cred.secret.expose()));
        assert!(!contains(&sealed, cred.secret.expose_hex().as_bytes()));
        // …and the key works.
        rp_caller(&w, &cred).await;

        // Bad registrations.
        for bad in [
            NewRelyingParty {
                display_name: String::new(),
                platform_id: None,
                allowed_operations: vec![RpOperation::Auth],
                callback_urls: vec![],
            },
            NewRelyingParty {
                display_name: "x".into(),
                platform_id: None,
                allowed_operations: vec![],
                callback_urls: vec![],
            },
            NewRelyingParty {
                display_name: "x".into(),
                platform_id: None,
                allowed_operations: vec![RpOperation::Auth, RpOperation::Auth],
                callback_urls: vec![],
            },
            NewRelyingParty {
                display_name: "x".into(),
                platform_id: None,
                allowed_operations: vec![RpOperation::Auth],
                callback_urls: vec!["http://rp.example.cn/cb".into()],
            },
        ] {
            assert_eq!(code(w.rps.registry.create(&bad).await), "invalid_input");
        }
        let unknown_platform = NewRelyingParty {
            display_name: "x".into(),
            platform_id: Some(PlatformId::new()),
            allowed_operations: vec![RpOperation::Auth],
            callback_urls: vec![],
        };
        assert_eq!(
            code(w.rps.registry.create(&unknown_platform).await),
            "not_found"
        );

        // Rotation: the new key works; the old one until the grace ends.
        let new = w.rps.registry.rotate(rp.id).await.unwrap();
        assert_ne!(new.key_id, cred.key_id);
        assert_ne!(new.secret, cred.secret);
        rp_caller(&w, &new).await;
        rp_caller(&w, &cred).await;
        assert_eq!(
            &*w.rps.registry.webhook_key(rp.id).await.unwrap(),
            new.secret.expose()
        );
        w.clock.advance(registry::ROTATION_GRACE_SECS);
        let nonce = "nonce-after-grace-1";
        assert_eq!(
            code(call(&w, &cred, w.clock.now().secs(), nonce, b"").await),
            "unauthenticated"
        );
        rp_caller(&w, &new).await;

        // Disabled: every request refused, rotation too.
        w.rps.registry.disable(rp.id).await.unwrap();
        w.rps.registry.disable(rp.id).await.unwrap();
        let nonce = "nonce-after-disable";
        assert_eq!(
            code(call(&w, &new, w.clock.now().secs(), nonce, b"").await),
            "relying_party_disabled"
        );
        assert_eq!(
            code(w.rps.registry.rotate(rp.id).await),
            "relying_party_disabled"
        );
        assert_eq!(
            code(w.rps.registry.disable(RelyingPartyId::new()).await),
            "not_found"
        );

        // Audited, chain intact.
        let report = w.svc.audit.verify().await.unwrap();
        assert!(
            matches!(report, audit::ChainReport::Intact { .. }),
            "{report:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn requests_need_a_good_mac_a_fresh_timestamp_and_an_unused_nonce() {
    on_each_backend(|scratch| async move {
        let (w, _) = world(&scratch).await;
        let (rp, cred) = register_rp(&w, all_operations()).await;
        let now = T0.secs();
        let body = br#"{"operation":"auth"}"#;
        let caller = call(&w, &cred, now, "nonce-aaaaaaaaaaaa", body)
            .await
            .unwrap();
        assert_eq!(
            caller,
            RpCaller {
                rp: rp.id,
                key_id: cred.key_id
            }
        );
        assert_eq!(
            code(call(&w, &cred, now, "nonce-aaaaaaaaaaaa", body).await),
            "replay"
        );

        // A MAC over other bytes, or under another key, does not verify;
        // the refused attempt does not burn the nonce.
        let key_id = cred.key_id.to_string();
        let mac = request_mac(
            cred.secret.expose(),
            "POST",
            "/api/rp/v1/sessions",
            now,
            "nonce-bbbbbbbbbbbb",
            body,
        );
        let tampered = RpRequest {
            key_id: &key_id,
            method: "POST",
            path_and_query: "/api/rp/v1/sessions",
            timestamp: now,
            nonce: "nonce-bbbbbbbbbbbb",
            body: b"{}",
            mac: &mac,
        };
        assert_eq!(
            code(w.rps.requests.authenticate(&tampered).await),
            "bad_signature"
        );
        let other_path = RpRequest {
            path_and_query: "/api/rp/v1/sessions/x/cancel",
            body,
            ..tampered
        };
        assert_eq!(
            code(w.rps.requests.authenticate(&other_path).await),
            "bad_signature"
        );
        call(&w, &cred, now, "nonce-bbbbbbbbbbbb", body)
            .await
            .unwrap();
        let (_, stranger) = register_rp(&w, all_operations()).await;
        let forged = IssuedCredential {
            key_id: cred.key_id,
            secret: stranger.secret.clone(),
        };
        assert_eq!(
            code(call(&w, &forged, now, "nonce-cccccccccccc", body).await),
            "bad_signature"
        );
        let unknown = IssuedCredential {
            key_id: RpKeyId::new(),
            secret: cred.secret.clone(),
        };
        assert_eq!(
            code(call(&w, &unknown, now, "nonce-cccccccccccc", body).await),
            "unauthenticated"
        );

        // ±300 s; the edges pass.
        for ts in [now - 301, now + 301] {
            assert_eq!(
                code(call(&w, &cred, ts, "nonce-dddddddddddd", body).await),
                "stale_request"
            );
        }
        call(&w, &cred, now - 300, "nonce-eeeeeeeeeeee", body)
            .await
            .unwrap();
        call(&w, &cred, now + 300, "nonce-ffffffffffff", body)
            .await
            .unwrap();
        assert_eq!(
            code(call(&w, &cred, now, "short", body).await),
            "invalid_input"
        );

        // Nonces are per relying party, and held across instances.
        call(&w, &stranger, now, "nonce-aaaaaaaaaaaa", body)
            .await
            .unwrap();
        let second = scratch.second_instance().await.unwrap();
        let (svc2, _) = Services::development(
            second.store(),
            Arc::new(KeyVault::new("test", [("test", KEK)]).unwrap()),
            Arc::new(w.clock.clone()),
        );
        let w2 = world_on(&second, svc2, &w.clock);
        assert_eq!(
            code(call(&w2, &cred, now, "nonce-aaaaaaaaaaaa", body).await),
            "replay"
        );
        second.close().await;
    })
    .await;
}

#[tokio::test]
async fn creation_is_idempotent_per_key_and_checks_what_is_asked() {
    on_each_backend(|scratch| async move {
        let (w, _) = world(&scratch).await;
        let (_, cred) = register_rp(&w, vec![RpOperation::Sign, RpOperation::Auth]).await;
        let rp = rp_caller(&w, &cred).await;

        let first = create(&w, &rp, seal_content(1), Some("order-42"))
            .await
            .unwrap();
        assert!(!first.replayed);
        assert_eq!(first.session.state, RpSessionState::Created);
        assert_eq!(first.session.hint().code, "outstanding");
        assert_eq!(first.public_token.len(), 32);
        let again = create(&w, &rp, seal_content(1), Some("order-42"))
            .await
            .unwrap();
        assert!(again.replayed);
        assert_eq!(again.session.id, first.session.id);
        assert_eq!(again.public_token, first.public_token);
        assert_eq!(again.qr_secret, first.qr_secret);
        assert_eq!(
            code(create(&w, &rp, seal_content(2), Some("order-42")).await),
            "idempotency_key_reused"
        );
        // Racing retries on two instances: one session.
        let second = scratch.second_instance().await.unwrap();
        let (svc2, _) = Services::development(
            second.store(),
            Arc::new(KeyVault::new("test", [("test", KEK)]).unwrap()),
            Arc::new(w.clock.clone()),
        );
        let w2 = world_on(&second, svc2, &w.clock);
        let (a, b) = tokio::join!(
            create(&w, &rp, seal_content(3), Some("order-43")),
            create(&w2, &rp, seal_content(3), Some("order-43")),
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.session.id, b.session.id);
        assert!(a.replayed != b.replayed);
        second.close().await;
        // Without a key, two sessions.
        let x = create(&w, &rp, seal_content(1), None).await.unwrap();
        let y = create(&w, &rp, seal_content(1), None).await.unwrap();
        assert_ne!(x.session.id, y.session.id);
        assert_ne!(x.qr_secret, y.qr_secret);
        assert!(format!("{x:?}").contains("QrSecret(<redacted>)"));

        // The QR secret is sealed at rest.
        let sealed = raw_bytes(
            &scratch.db,
            "SELECT sealed_secret FROM rp_sessions WHERE id = $1",
            x.session.id.to_string(),
        )
        .await;
        assert!(!contains(&sealed, x.qr_secret.expose()));

        // Only allowed operations, only valid content.
        let confirm = SessionContent::Confirm {
            file_name: "投标文件.zip".into(),
            file_hash: vec![1; 32],
            receipt_number: "R-1".into(),
        };
        assert_eq!(
            code(create(&w, &rp, confirm, None).await),
            "operation_not_allowed"
        );
        let reserved = SessionContent::Sign {
            items: vec![SignItem {
                label: "文件".into(),
                kind: SignItemKind::RawData,
                data: b"MCA-RP-AUTH-V1\0...".to_vec(),
            }],
        };
        assert_eq!(code(create(&w, &rp, reserved, None).await), "invalid_input");
        assert_eq!(
            code(create(&w, &rp, seal_content(1), Some("空 格")).await),
            "invalid_input"
        );
        let bad_ip = w
            .rps
            .sessions
            .create(
                &rp,
                NewSession {
                    content: seal_content(1),
                    idempotency_key: None,
                    end_user_ip: Some("not an ip".into()),
                },
            )
            .await;
        assert_eq!(code(bad_ip), "invalid_input");
    })
    .await;
}

#[tokio::test]
async fn only_a_fresh_genuine_frame_claims_a_session() {
    on_each_backend(|scratch| async move {
        let (w, dev) = world(&scratch).await;
        let phone = verified(&w, &dev, "13900000001").await;
        let (rp_rec, cred) = register_rp(&w, all_operations()).await;
        let rp = rp_caller(&w, &cred).await;
        let s = create(&w, &rp, seal_content(1), None).await.unwrap();
        w.clock.advance(10);

        // Old frames (a photograph), frames from the future, forged MACs,
        // malformed links are refused, and none of them claims.
        for old in [0, 4] {
            assert_eq!(
                code(w.rps.sessions.resolve_frame(phone, &frame(&s, old)).await),
                "qr_expired"
            );
        }
        assert_eq!(
            code(w.rps.sessions.resolve_frame(phone, &frame(&s, 13)).await),
            "qr_expired"
        );
        let forged = QrLink::new(&[9; 32], &s.public_token, 10)
            .unwrap()
            .to_string();
        assert_eq!(
            code(w.rps.sessions.resolve_frame(phone, &forged).await),
            "bad_qr"
        );
        let unknown =
            QrLink::new(s.qr_secret.expose(), "00000000000000000000000000000000", 10).unwrap();
        assert_eq!(
            code(
                w.rps
                    .sessions
                    .resolve_frame(phone, &unknown.to_string())
                    .await
            ),
            "bad_qr"
        );
        assert_eq!(
            code(
                w.rps
                    .sessions
                    .resolve_frame(phone, "https://evil/q?t=1")
                    .await
            ),
            "bad_qr"
        );
        assert_eq!(
            w.rps
                .sessions
                .collect(&rp, s.session.id)
                .await
                .unwrap()
                .state,
            RpSessionState::Created
        );

        // Not real-name verified: refused before anything else.
        let login = register(&w.svc, &dev, "13900000002", &Handset::new()).await;
        let unverified = Caller {
            user: login.user.id,
            device: login.device_id,
        };
        assert_eq!(
            code(
                w.rps
                    .sessions
                    .resolve_frame(unverified, &frame(&s, 10))
                    .await
            ),
            "identity_not_verified"
        );

        // A frame 5 s old (or 2 s ahead) is fresh: claimed, and the phone
        // sees the registered name, not anything the caller sent.
        let scanned = w
            .rps
            .sessions
            .resolve_frame(phone, &frame(&s, 5))
            .await
            .unwrap();
        assert_eq!(scanned.relying_party, rp_rec.display_name);
        assert_eq!(scanned.session.state, RpSessionState::Scanned);
        assert_eq!(scanned.session.device_id, Some(phone.device));
        assert_eq!(scanned.session.content.labels(), vec!["招标公告"]);
        assert_eq!(scanned.session.end_user_ip.as_deref(), Some("192.0.2.10"));
        let polled = w.rps.sessions.collect(&rp, s.session.id).await.unwrap();
        assert_eq!(polled.hint().message, "已扫描，请在手机上确认");
        // The same device scanning again gets the same session.
        let again = w
            .rps
            .sessions
            .resolve_frame(phone, &frame(&s, 12))
            .await
            .unwrap();
        assert_eq!(again.session.id, s.session.id);

        // A decrypt session can only be claimed inside its opening window.
        let key = mca_crypto::sm2::SecretKey::generate().unwrap();
        let now = w.clock.now().secs();
        let d = create(
            &w,
            &rp,
            SessionContent::Decrypt {
                envelopes: vec![Envelope {
                    label: "投标人甲".into(),
                    kind: EnvelopeKind::Sm2Cipher,
                    data: vec![0x30, 0x00],
                }],
                rp_public_key: key.public_key().to_sec1().to_vec(),
                not_before: Timestamp(now + 60),
                not_after: Timestamp(now + 3600),
            },
            None,
        )
        .await
        .unwrap();
        assert_eq!(
            code(w.rps.sessions.resolve_frame(phone, &frame(&d, 0)).await),
            "outside_opening_window"
        );
        w.clock.advance(60);
        assert_eq!(
            code(w.rps.sessions.resolve_frame(phone, &frame(&d, 0)).await),
            "qr_expired"
        );
        w.rps
            .sessions
            .resolve_frame(phone, &frame(&d, 60))
            .await
            .unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_of_several_racing_devices_claims_the_session() {
    on_each_backend(|scratch| async move {
        let (w, dev) = world(&scratch).await;
        let user = verified(&w, &dev, "13900000003").await.user;
        let (_, cred) = register_rp(&w, all_operations()).await;
        let rp = rp_caller(&w, &cred).await;
        let s = create(&w, &rp, seal_content(1), None).await.unwrap();
        let link = frame(&s, 0);
        let second = scratch.second_instance().await.unwrap();
        let (svc2, _) = Services::development(
            second.store(),
            Arc::new(KeyVault::new("test", [("test", KEK)]).unwrap()),
            Arc::new(w.clock.clone()),
        );
        let w2 = world_on(&second, svc2, &w.clock);

        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let sessions = if i % 2 == 0 {
                    w.rps.sessions.clone()
                } else {
                    w2.rps.sessions.clone()
                };
                let link = link.clone();
                let caller = Caller {
                    user,
                    device: DeviceId::new(),
                };
                tokio::spawn(async move {
                    (
                        caller.device,
                        sessions
                            .resolve_frame(caller, &link)
                            .await
                            .map(|s| s.session.device_id),
                    )
                })
            })
            .collect();
        let mut winners = Vec::new();
        for t in tasks {
            match t.await.unwrap() {
                (device, Ok(holder)) => {
                    assert_eq!(holder, Some(device));
                    winners.push(device);
                }
                (_, Err(e)) => assert_eq!(e.code(), "session_claimed"),
            }
        }
        assert_eq!(winners.len(), 1, "exactly one device claims");
        let stored = w.rps.sessions.collect(&rp, s.session.id).await.unwrap();
        assert_eq!(stored.device_id, Some(winners[0]));
        // The claim itself is conditional: a later one changes nothing.
        let store = scratch.db.store();
        let late_claim = store
            .claim_rp_session(s.session.id, user, DeviceId::new(), w.clock.now())
            .await
            .unwrap();
        assert!(!late_claim);
        let row = store.rp_session(s.session.id).await.unwrap().unwrap();
        assert_eq!(row.device_id, Some(winners[0]));
        second.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_complete_session_never_changes() {
    on_each_backend(|scratch| async move {
        let (w, dev) = world(&scratch).await;
        let phone = verified(&w, &dev, "13900000004").await;
        let (_, cred) = register_rp(&w, all_operations()).await;
        let rp = rp_caller(&w, &cred).await;
        let sessions = &w.rps.sessions;

        let s = create(&w, &rp, seal_content(1), None).await.unwrap();
        let id = s.session.id;
        sessions.resolve_frame(phone, &frame(&s, 0)).await.unwrap();
        // Results only while confirming, from the claiming device, and
        // answering exactly what was asked.
        assert_eq!(
            code(sessions.complete_ok(phone, id, seal_result()).await),
            "session_finished"
        );
        let confirming = sessions.begin_confirming(phone, id).await.unwrap();
        assert_eq!(confirming.hint().code, "confirming");
        sessions.begin_confirming(phone, id).await.unwrap();
        let other = Caller {
            user: phone.user,
            device: DeviceId::new(),
        };
        assert_eq!(
            code(sessions.complete_ok(other, id, seal_result()).await),
            "session_claimed"
        );
        let wrong_kind = Completion {
            items: vec![ItemResult::Signature(vec![1])],
            ..seal_result()
        };
        assert_eq!(
            code(sessions.complete_ok(phone, id, wrong_kind).await),
            "invalid_input"
        );
        let done = sessions
            .complete_ok(phone, id, seal_result())
            .await
            .unwrap();
        assert_eq!(
            (done.state, done.result),
            (RpSessionState::Complete, Some(RpEndResult::Ok))
        );

        // Nothing moves it afterwards: not the phone, not the relying
        // party, not the clock.
        assert_eq!(
            code(sessions.complete_ok(phone, id, seal_result()).await),
            "session_finished"
        );
        assert_eq!(
            code(sessions.fail(phone, id, RpEndResult::UserRefused).await),
            "session_finished"
        );
        assert_eq!(code(sessions.cancel(&rp, id).await), "session_finished");
        w.clock.advance(sessions::RETENTION_SECS - 1);
        let polled = sessions.collect(&rp, id).await.unwrap();
        assert_eq!(polled.result, Some(RpEndResult::Ok));
        assert_eq!(polled.completion, Some(seal_result()));
        assert_eq!(polled.hint().code, "ok");
        // Underneath, no finishing statement matches a complete row.
        let store = scratch.db.store();
        let late = w.clock.now().plus(sessions::PRUNE_AFTER_SECS);
        let now = w.clock.now();
        for (finish, at) in [
            (store::RpFinish::Unfinished, now),
            (store::RpFinish::ClaimedBy(phone.device), now),
            (store::RpFinish::ConfirmingBy(phone.device), now),
            (store::RpFinish::Overdue, late),
        ] {
            let moved = store
                .finish_rp_session(id, finish, RpEndResult::Timeout, None, at)
                .await
                .unwrap();
            assert!(!moved, "{finish:?}");
        }
        assert!(
            !store
                .claim_rp_session(id, phone.user, phone.device, w.clock.now())
                .await
                .unwrap()
        );
        assert!(
            !store
                .confirm_rp_session(id, phone.device, w.clock.now())
                .await
                .unwrap()
        );
        let row = store.rp_session(id).await.unwrap().unwrap();
        assert_eq!(
            (row.state, row.result),
            (RpSessionState::Complete, Some(RpEndResult::Ok))
        );

        // A refusal is final too; reasons that are not the phone's are
        // refused.
        let r = create(&w, &rp, seal_content(2), None).await.unwrap();
        sessions.resolve_frame(phone, &frame(&r, 0)).await.unwrap();
        assert_eq!(
            code(
                sessions
                    .fail(phone, r.session.id, RpEndResult::Cancelled)
                    .await
            ),
            "invalid_input"
        );
        let refused = sessions
            .fail(phone, r.session.id, RpEndResult::UserRefused)
            .await
            .unwrap();
        assert_eq!(refused.result, Some(RpEndResult::UserRefused));
        assert_eq!(
            code(sessions.begin_confirming(phone, r.session.id).await),
            "session_finished"
        );

        // The phone's success racing the relying party's cancel: one wins,
        // and what is stored is the winner's.
        let c = create(&w, &rp, seal_content(3), None).await.unwrap();
        let cid = c.session.id;
        sessions.resolve_frame(phone, &frame(&c, 0)).await.unwrap();
        sessions.begin_confirming(phone, cid).await.unwrap();
        let (ok, cancel) = tokio::join!(
            sessions.complete_ok(phone, cid, seal_result()),
            sessions.cancel(&rp, cid)
        );
        assert!(ok.is_ok() != cancel.is_ok(), "exactly one finishes it");
        let expected = if ok.is_ok() {
            RpEndResult::Ok
        } else {
            RpEndResult::Cancelled
        };
        assert_eq!(
            sessions.collect(&rp, cid).await.unwrap().result,
            Some(expected)
        );
    })
    .await;
}

#[tokio::test]
async fn cancel_timeout_and_retention_follow_the_clock() {
    on_each_backend(|scratch| async move {
        let (w, dev) = world(&scratch).await;
        let phone = verified(&w, &dev, "13900000005").await;
        let (_, cred) = register_rp(&w, all_operations()).await;
        let rp = rp_caller(&w, &cred).await;
        let sessions = &w.rps.sessions;

        // Cancel: final; the QR no longer claims; another relying party
        // sees nothing.
        let c = create(&w, &rp, seal_content(1), None).await.unwrap();
        let (_, other_cred) = register_rp(&w, all_operations()).await;
        let other = rp_caller(&w, &other_cred).await;
        assert_eq!(
            code(sessions.cancel(&other, c.session.id).await),
            "not_found"
        );
        assert_eq!(
            code(sessions.collect(&other, c.session.id).await),
            "not_found"
        );
        let cancelled = sessions.cancel(&rp, c.session.id).await.unwrap();
        assert_eq!(cancelled.result, Some(RpEndResult::Cancelled));
        assert_eq!(cancelled.hint().message, "操作已取消");
        assert_eq!(
            code(sessions.resolve_frame(phone, &frame(&c, 0)).await),
            "session_finished"
        );

        // Unclaimed: times out at 180 s (179 s still claims).
        let start = w.clock.now();
        let a = create(&w, &rp, seal_content(2), None).await.unwrap();
        let b = create(&w, &rp, seal_content(3), None).await.unwrap();
        w.clock.advance(sessions::CLAIM_TTL_SECS - 1);
        sessions
            .resolve_frame(phone, &frame(&b, 179))
            .await
            .unwrap();
        w.clock.advance(1);
        assert_eq!(
            code(sessions.resolve_frame(phone, &frame(&a, 180)).await),
            "session_finished"
        );
        assert_eq!(
            sessions.collect(&rp, a.session.id).await.unwrap().result,
            Some(RpEndResult::Timeout)
        );

        // Claimed but unfinished: times out at 300 s; the phone is late.
        sessions
            .begin_confirming(phone, b.session.id)
            .await
            .unwrap();
        w.clock.set(start.plus(sessions::SESSION_TTL_SECS));
        assert_eq!(
            code(
                sessions
                    .complete_ok(phone, b.session.id, seal_result())
                    .await
            ),
            "session_finished"
        );
        let timed_out = sessions.collect(&rp, b.session.id).await.unwrap();
        assert_eq!(timed_out.result, Some(RpEndResult::Timeout));
        assert_eq!(timed_out.completed_at, Some(w.clock.now()));

        // Collectable for the retention period, then gone; deleted a day on.
        w.clock.advance(sessions::RETENTION_SECS - 1);
        sessions.collect(&rp, b.session.id).await.unwrap();
        w.clock.advance(1);
        assert_eq!(
            code(sessions.collect(&rp, b.session.id).await),
            "session_gone"
        );
        w.clock.advance(sessions::PRUNE_AFTER_SECS);
        create(&w, &rp, seal_content(4), None).await.unwrap();
        assert_eq!(code(sessions.collect(&rp, b.session.id).await), "not_found");

        let report = w.svc.audit.verify().await.unwrap();
        assert!(
            matches!(report, audit::ChainReport::Intact { .. }),
            "{report:?}"
        );
        // Every step is in the audit log, by session, actor and action.
        let entries = scratch.db.store().audit_entries(0, 1000).await.unwrap();
        let logged = |subject: RpSessionId, actor: &str, action: &str| {
            entries.iter().any(|e| {
                e.subject == format!("rp-session:{subject}")
                    && e.actor == actor
                    && e.action == action
            })
        };
        let (rp_actor, user_actor) = (format!("rp:{}", rp.rp), format!("user:{}", phone.user));
        assert!(logged(c.session.id, &rp_actor, "rp_session_created"));
        assert!(logged(c.session.id, &rp_actor, "rp_session_cancelled"));
        assert!(logged(a.session.id, "system", "rp_session_timeout"));
        assert!(logged(b.session.id, &user_actor, "rp_session_scanned"));
        assert!(logged(b.session.id, &user_actor, "rp_session_confirming"));
        assert!(logged(b.session.id, "system", "rp_session_timeout"));
        assert!(!logged(b.session.id, &user_actor, "rp_session_completed"));
    })
    .await;
}

#[tokio::test]
async fn enterprise_certificates_need_an_authorization_for_the_platform() {
    on_each_backend(|scratch| async move {
        let (w, dev) = world(&scratch).await;
        let phone = verified(&w, &dev, "13900000006").await;
        let (_, cred) = register_rp(&w, all_operations()).await;
        let rp = rp_caller(&w, &cred).await;
        let sessions = &w.rps.sessions;
        let challenge = vec![0x5A; 16];
        let s = create(
            &w,
            &rp,
            SessionContent::Auth {
                purpose: AuthPurpose::Login,
                challenge: challenge.clone(),
                expected_holder: None,
            },
            None,
        )
        .await
        .unwrap();
        let id = s.session.id;
        let scanned = sessions.resolve_frame(phone, &frame(&s, 0)).await.unwrap();
        let signed = scanned.session.signed_bytes().unwrap();
        assert_eq!(
            signed,
            mca_crypto::rp::auth_challenge(
                &rp.rp.to_string(),
                &id.to_string(),
                &challenge,
                "auth:login"
            )
        );

        sessions
            .check_platform_authorization(phone, id, &ActingFor::Person)
            .await
            .unwrap();
        let enterprise = ActingFor::Enterprise(mca_domain::ApplicationId::new());
        assert_eq!(
            code(
                sessions
                    .check_platform_authorization(phone, id, &enterprise)
                    .await
            ),
            "not_authorized_for_platform"
        );
        let after = sessions.collect(&rp, id).await.unwrap();
        assert_eq!(after.result, Some(RpEndResult::NotAuthorized));
        assert_eq!(after.hint().code, "not_authorized");
    })
    .await;
}

#[tokio::test]
async fn approval_steps_advance_once_and_a_done_step_is_never_replaced() {
    use mca_domain::store::{RpStepRecord, RpStepState};
    on_each_backend(|scratch| async move {
        let (w, _) = world(&scratch).await;
        let (_, cred) = register_rp(&w, all_operations()).await;
        let rp = rp_caller(&w, &cred).await;
        let s = create(&w, &rp, seal_content(1), None).await.unwrap();
        let id = s.session.id;
        let store = scratch.db.store();
        let key = SigningKeyId::new();
        let step = |signing: SigningSessionId| RpStepRecord {
            session_id: id,
            index: 0,
            key_id: key,
            signing_session_id: signing,
            state: RpStepState::Begun,
            prepared_at: T0,
            prepared: Some(vec![0x30, 0]),
            result: None,
        };
        let (first, second) = (SigningSessionId::new(), SigningSessionId::new());
        assert!(store.put_rp_step(&step(first)).await.unwrap());
        // Begun again (the phone lost the answer): replaced.
        assert!(store.put_rp_step(&step(second)).await.unwrap());
        let stored = store.rp_steps(id).await.unwrap();
        assert_eq!(stored, vec![step(second)]);
        // Only the current signing session, only from the expected state,
        // only once.
        let advance = |signing, from| {
            let store = store.clone();
            async move {
                store
                    .advance_rp_step(id, 0, signing, from, RpStepState::Done, Some(b"{}"))
                    .await
                    .unwrap()
            }
        };
        assert!(!advance(first, RpStepState::Begun).await);
        assert!(!advance(second, RpStepState::Signed).await);
        assert!(advance(second, RpStepState::Begun).await);
        assert!(!advance(second, RpStepState::Begun).await);
        // A done step is never replaced.
        assert!(
            !store
                .put_rp_step(&step(SigningSessionId::new()))
                .await
                .unwrap()
        );
        let done = &store.rp_steps(id).await.unwrap()[0];
        assert_eq!(
            (done.state, done.result.as_deref()),
            (RpStepState::Done, Some(&b"{}"[..]))
        );
        assert!(store.rp_steps(RpSessionId::new()).await.unwrap().is_empty());
    })
    .await;
}
