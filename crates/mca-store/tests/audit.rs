//! M4: the audit chain on real storage. Every service appends to it;
//! changing any stored column of any entry makes `verify` name that entry.

mod support;

use mca_domain::audit::{ChainBreak, ChainReport};
use mca_domain::*;
use mca_store::Database;
use support::{T0, on_each_backend, services};

/// Runs one statement built by `$query` on whichever pool `$db` has.
macro_rules! on_pool {
    ($db:expr, $query:expr) => {
        match $db {
            Database::Sqlite(s) => $query.execute(s.pool()).await.map(|_| ()),
            Database::Postgres(s) => $query.execute(s.pool()).await.map(|_| ()),
        }
        .unwrap()
    };
}

async fn exec(db: &Database, sql: &'static str, seq: i64) {
    on_pool!(db, sqlx::query(sql).bind(seq));
}

#[tokio::test]
async fn tampering_any_stored_field_is_detected() {
    on_each_backend(|scratch| async move {
        let clock = ManualClock::new(T0);
        let (svc, _) = services(&scratch, &clock);
        for i in 0..4 {
            svc.audit.append("operator", "test", &format!("n:{i}"), "detail").await.unwrap();
        }
        let ChainReport::Intact { entries: 4, .. } = svc.audit.verify().await.unwrap() else {
            panic!("fresh chain broken");
        };
        // (statement, its undo) for each column; seq 2 and 4 (middle, head).
        let tamperings: [(&str, &str); 8] = [
            ("UPDATE audit_log SET at = at + 1 WHERE seq = $1", "UPDATE audit_log SET at = at - 1 WHERE seq = $1"),
            ("UPDATE audit_log SET actor = actor || 'x' WHERE seq = $1", "UPDATE audit_log SET actor = 'operator' WHERE seq = $1"),
            ("UPDATE audit_log SET action = 'other' WHERE seq = $1", "UPDATE audit_log SET action = 'test' WHERE seq = $1"),
            ("UPDATE audit_log SET subject = subject || 'x' WHERE seq = $1", "UPDATE audit_log SET subject = substr(subject, 1, length(subject) - 1) WHERE seq = $1"),
            ("UPDATE audit_log SET detail = 'forged' WHERE seq = $1", "UPDATE audit_log SET detail = 'detail' WHERE seq = $1"),
            ("UPDATE audit_log SET prev_hash = hash WHERE seq = $1", "UPDATE audit_log SET prev_hash = (SELECT hash FROM audit_log p WHERE p.seq = audit_log.seq - 1) WHERE seq = $1"),
            ("UPDATE audit_log SET seq = seq + 100 WHERE seq = $1", "UPDATE audit_log SET seq = seq - 100 WHERE seq = $1 + 100"),
            ("UPDATE audit_log SET hash = prev_hash WHERE seq = $1", "SELECT $1"),
        ];
        for target in [2i64, 4] {
            for (tamper, undo) in tamperings {
                exec(&scratch.db, tamper, target).await;
                let report = svc.audit.verify().await.unwrap();
                let ChainReport::Broken { seq, reason } = report else {
                    panic!("{tamper} on entry {target} not detected");
                };
                // A renumbered entry leaves a gap: the chain breaks at the
                // next entry present (the moved head breaks at its new number).
                let expected = match (tamper.contains("seq = seq + 100"), target) {
                    (true, 4) => 104,
                    (true, t) => t + 1,
                    (false, t) => t,
                };
                assert_eq!(seq, expected, "{tamper}: {reason:?}");
                if tamper.contains("SET hash") {
                    // Hash overwritten: restore by recomputing through the domain.
                    restore_hash(&scratch.db, target).await;
                } else {
                    exec(&scratch.db, undo, target).await;
                }
                assert!(matches!(svc.audit.verify().await.unwrap(), ChainReport::Intact { .. }), "undo of {tamper}");
            }
        }
        // Deleting a middle entry.
        exec(&scratch.db, "DELETE FROM audit_log WHERE seq = $1", 3).await;
        assert_eq!(svc.audit.verify().await.unwrap(), ChainReport::Broken { seq: 4, reason: ChainBreak::Gap });
    })
    .await;
}

async fn restore_hash(db: &Database, seq: i64) {
    let mut e = db
        .store()
        .audit_entries(seq - 1, 1)
        .await
        .unwrap()
        .remove(0);
    e.hash = mca_domain::audit::entry_hash(&e);
    let sql = "UPDATE audit_log SET hash = $1 WHERE seq = $2";
    on_pool!(db, sqlx::query(sql).bind(&e.hash[..]).bind(seq));
}

#[tokio::test]
async fn services_audit_security_events_without_secrets() {
    on_each_backend(|scratch| async move {
        let clock = ManualClock::new(T0);
        let (svc, dev) = services(&scratch, &clock);
        let p = Phone::parse("13833330001").unwrap();
        svc.accounts
            .send_code(&p, CodePurpose::Login, "192.0.2.9")
            .await
            .unwrap();
        let code = dev.sms.latest(&p).unwrap().1;
        let bad = SmsCode::parse(if code.expose() == "000000" {
            "000001"
        } else {
            "000000"
        })
        .unwrap();
        let handset = support::Phone::new();
        assert!(
            svc.accounts
                .login_with_code(&p, &bad, handset.new_device())
                .await
                .is_err()
        );
        let login = svc
            .accounts
            .login_with_code(&p, &code, handset.new_device())
            .await
            .unwrap();
        svc.accounts
            .set_password(login.user.id, &Password::parse("Pass#2026").unwrap())
            .await
            .unwrap();
        svc.devices
            .remove(login.user.id, login.device_id)
            .await
            .unwrap();
        let entries = scratch.db.store().audit_entries(0, 100).await.unwrap();
        let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
        for want in [
            "code_failed",
            "registered",
            "device_added",
            "login_code",
            "password_set",
            "device_removed",
        ] {
            assert!(actions.contains(&want), "{want} missing from {actions:?}");
        }
        for e in &entries {
            let text = format!("{} {} {} {}", e.actor, e.action, e.subject, e.detail);
            assert!(!text.contains("13833330001"), "full phone in audit: {text}");
            assert!(!text.contains(code.expose()), "code in audit: {text}");
            assert!(!text.contains("Pass#2026"));
        }
        assert!(matches!(
            svc.audit.verify().await.unwrap(),
            ChainReport::Intact { .. }
        ));
    })
    .await;
}
