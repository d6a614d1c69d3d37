//! D4/F1 applications with payment, M1 review (reject with a reason,
//! resubmit, approve), the "证书申请失败" / "请下载证书" messages, on real
//! storage.

mod certs;
mod support;

use std::sync::Arc;

use mca_domain::certificates::{Applications, Review};
use mca_domain::store::{ApplicationState, MessageKind, OrderState};
use mca_domain::*;
use support::{T0, on_each_backend, services};

fn wire(
    svc: &Services,
    dev: &DevProviders,
    scratch: &mca_store::scratch::Scratch,
    payments: Arc<providers::DevPaymentProvider>,
) -> (Applications, Review) {
    let cas = Arc::new(mca_domain::certificates::Authorities::new());
    let c = certs::wire(scratch.db.store(), svc, dev, payments, cas);
    (c.applications, c.review)
}

#[tokio::test]
async fn apply_pay_reject_resubmit_approve() {
    on_each_backend(|scratch| async move {
        let clock = ManualClock::new(T0);
        let (svc, dev) = services(&scratch, &clock);
        let payments = certs::payments();
        let (apps, review) = wire(&svc, &dev, &scratch, payments.clone());
        let info = certs::zjca_info(&svc).await;
        let pics = certs::Pictures::new(200);

        // Not verified yet: refused, nothing stored.
        let stranger = support::register(&svc, &dev, "13833330000", &support::Phone::new())
            .await
            .user
            .id;
        assert_eq!(
            apps.apply(stranger, info, pics.uploads())
                .await
                .unwrap_err()
                .code(),
            "identity_not_verified"
        );
        assert!(apps.list(stranger).await.unwrap().is_empty());

        let u = certs::verified_user(&svc, &dev, "13833330001").await;
        // Bad pictures and a mismatched catalogue choice are refused.
        let bad = mca_domain::certificates::Uploads {
            form_photo: b"not an image",
            signature: &pics.signature,
        };
        assert_eq!(
            apps.apply(u, info, bad).await.unwrap_err().code(),
            "invalid_upload"
        );
        let blank = certs::png(200, 60, [255, 255, 255, 255]);
        let bad = mca_domain::certificates::Uploads {
            form_photo: &pics.form_photo,
            signature: &blank,
        };
        assert_eq!(
            apps.apply(u, info, bad).await.unwrap_err().code(),
            "invalid_upload"
        );
        let mut wrong = info;
        wrong.validity_option_id = ValidityOptionId::new();
        assert_eq!(
            apps.apply(u, wrong, pics.uploads())
                .await
                .unwrap_err()
                .code(),
            "not_found"
        );
        assert!(apps.list(u).await.unwrap().is_empty());

        let (app, order) = apps.apply(u, info, pics.uploads()).await.unwrap();
        assert_eq!(app.state, ApplicationState::Draft);
        assert_eq!(
            (order.amount_fen, order.state),
            (30_000, OrderState::Pending)
        );

        // A declined payment keeps it a draft with a fresh order.
        payments.decline_next(1);
        assert_eq!(
            apps.pay(u, app.id).await.unwrap_err().code(),
            "payment_failed"
        );
        let again = apps.get(u, app.id).await.unwrap();
        assert_eq!(again.state, ApplicationState::Draft);
        assert_ne!(again.order_id, order.id);
        let app = apps.pay(u, app.id).await.unwrap();
        assert_eq!(app.state, ApplicationState::Submitted);
        assert_eq!(apps.order(u, app.id).await.unwrap().state, OrderState::Paid);
        assert_eq!(
            apps.pay(u, app.id).await.unwrap_err().code(),
            "application_state"
        );

        // Reviewers: per CA, own credentials.
        let all = svc.catalogue.all().await.unwrap();
        let other_ca = all
            .ca_organizations
            .iter()
            .find(|c| c.id != info.ca_id)
            .unwrap()
            .id;
        let pw = Password::parse("review-pass-1").unwrap();
        let zj = review
            .create_reviewer(info.ca_id, "zjca.li", "李审核", &pw)
            .await
            .unwrap();
        let other = review
            .create_reviewer(other_ca, "itrus.wang", "王审核", &pw)
            .await
            .unwrap();
        assert_eq!(
            review
                .create_reviewer(info.ca_id, "zjca.li", "重复", &pw)
                .await
                .unwrap_err()
                .code(),
            "already_exists"
        );
        assert_eq!(
            review
                .login("zjca.li", &Password::parse("wrong-pass").unwrap())
                .await
                .unwrap_err()
                .code(),
            "wrong_credentials"
        );
        assert_eq!(review.login("zjca.li", &pw).await.unwrap().id, zj.id);

        // Only the application's CA sees and decides it.
        assert!(review.pending(other.id).await.unwrap().is_empty());
        assert_eq!(
            review.approve(other.id, app.id).await.unwrap_err().code(),
            "not_found"
        );
        let pending = review.pending(zj.id).await.unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].applicant_name, "张三");
        assert_eq!(pending[0].form_photo.bytes, pics.form_photo);
        assert_eq!(pending[0].signature.bytes, pics.signature);

        assert_eq!(
            review.reject(zj.id, app.id, "  ").await.unwrap_err().code(),
            "invalid_input"
        );
        let rejected = review
            .reject(zj.id, app.id, "申请表照片不清晰")
            .await
            .unwrap();
        assert_eq!(rejected.state, ApplicationState::Rejected);
        let inbox = svc.messages.list(u).await.unwrap();
        let failed = inbox
            .iter()
            .find(|m| m.kind == MessageKind::CertificateApplicationFailed)
            .unwrap();
        assert_eq!(failed.title, "证书申请失败");
        assert!(failed.body.contains("申请表照片不清晰"));
        assert_eq!(
            review.approve(zj.id, app.id).await.unwrap_err().code(),
            "application_state"
        );

        let clearer = certs::Pictures::new(100);
        let resubmitted = apps.resubmit(u, app.id, clearer.uploads()).await.unwrap();
        assert_eq!(
            (resubmitted.state, resubmitted.submissions),
            (ApplicationState::Submitted, 2)
        );
        assert_eq!(resubmitted.reject_reason, None);
        assert_eq!(
            apps.resubmit(u, app.id, clearer.uploads())
                .await
                .unwrap_err()
                .code(),
            "application_state"
        );
        assert_eq!(
            review.pending(zj.id).await.unwrap()[0].form_photo.bytes,
            clearer.form_photo
        );

        let approved = review.approve(zj.id, app.id).await.unwrap();
        assert_eq!(approved.state, ApplicationState::Approved);
        let inbox = svc.messages.list(u).await.unwrap();
        let download = inbox
            .iter()
            .find(|m| m.kind == MessageKind::DownloadCertificate)
            .unwrap();
        assert_eq!(download.title, "请下载证书");
        assert_eq!(download.action.as_ref().unwrap().target, app.id.to_string());
        // Another user cannot see it.
        assert_eq!(
            apps.get(stranger, app.id).await.unwrap_err().code(),
            "not_found"
        );

        // Every step is in the audit chain.
        let report = svc.audit.verify().await.unwrap();
        assert!(matches!(report, audit::ChainReport::Intact { .. }));
    })
    .await;
}
