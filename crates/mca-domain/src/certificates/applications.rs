//! Applications (D4/E2/F1 new, D6 renewal, D8 re-application): certificate
//! info from the catalogue, the photographed signed form and a signature
//! picture, an order for the option's fee paid through a
//! [`PaymentProvider`], then CA review (see [`super::review`]).

use std::sync::Arc;

use crate::providers::{PaymentOutcome, PaymentProvider};
use crate::store::{
    Application, ApplicationKind, ApplicationState, ApplicationSubject, Blob, CertUsage,
    CertificateRecord, Order, OrderState, Store,
};
use crate::{
    ApplicationId, Audit, CaId, CertificateId, Clock, DomainError, EnterpriseId, Identity, OrderId,
    PlatformId, ProvinceId, Result, Timestamp, UserId, ValidityOptionId,
};

/// The purpose of a recovery order (G1).
pub const RECOVERY_PURPOSE: &str = "recovery";

/// A renewal (D6) is accepted from this many days before expiry.
pub const RENEWAL_WINDOW_DAYS: i64 = 90;

/// What applying again for `cert` is at `now`: a renewal while it is
/// valid, unrevoked and within [`RENEWAL_WINDOW_DAYS`] of its end, a
/// re-application once it has expired; refused otherwise.
pub(crate) fn again_kind(cert: &CertificateRecord, now: Timestamp) -> Result<ApplicationKind> {
    if now >= cert.not_after {
        Ok(ApplicationKind::Reapplication)
    } else if cert.revoked_at.is_none() && now >= cert.not_after.plus(-RENEWAL_WINDOW_DAYS * 86_400)
    {
        Ok(ApplicationKind::Renewal)
    } else {
        Err(DomainError::ApplicationState)
    }
}

/// The uploaded pictures of an application.
#[derive(Clone, Copy)]
pub struct Uploads<'a> {
    /// The photographed signed application form (JPEG or PNG).
    pub form_photo: &'a [u8],
    /// The signature picture (PNG: handwritten, or generated from the name
    /// by `mca_forms::signature_image::from_name`).
    pub signature: &'a [u8],
}

impl std::fmt::Debug for Uploads<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Uploads(form photo {} bytes, signature {} bytes)",
            self.form_photo.len(),
            self.signature.len()
        )
    }
}

/// The certificate info chosen in the app (F1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CertificateInfo {
    /// 省份.
    pub province_id: ProvinceId,
    /// 交易平台 (in that province).
    pub platform_id: PlatformId,
    /// 发证机构.
    pub ca_id: CaId,
    /// 有效期 with its fee (an option of that CA).
    pub validity_option_id: ValidityOptionId,
}

impl CertificateInfo {
    /// The certificate info of applying again for what `app` was made
    /// for: its province, platform and CA with `validity_option_id`.
    pub(crate) fn renewing(app: &Application, validity_option_id: ValidityOptionId) -> Self {
        Self {
            province_id: app.province_id,
            platform_id: app.platform_id,
            ca_id: app.ca_id,
            validity_option_id,
        }
    }
}

mod documents;

/// The application service.
#[derive(Clone)]
pub struct Applications {
    store: Arc<dyn Store>,
    identity: Identity,
    payments: Arc<dyn PaymentProvider>,
    clock: Arc<dyn Clock>,
    audit: Audit,
}

/// SM3 of an upload, its content hash.
fn blob(content_type: &str, bytes: &[u8], now: Timestamp) -> Blob {
    Blob {
        hash: mca_crypto::sm3::sm3(bytes),
        content_type: content_type.to_owned(),
        bytes: bytes.to_vec(),
        created_at: now,
    }
}

fn mime(format: mca_forms::ImageFormat) -> &'static str {
    match format {
        mca_forms::ImageFormat::Png => "image/png",
        _ => "image/jpeg",
    }
}

impl Applications {
    /// The application service.
    pub fn new(
        store: Arc<dyn Store>,
        identity: Identity,
        payments: Arc<dyn PaymentProvider>,
        clock: Arc<dyn Clock>,
        audit: Audit,
    ) -> Self {
        Self {
            store,
            identity,
            payments,
            clock,
            audit,
        }
    }

    /// Checks a photograph (the form, a business licence) uploaded as
    /// request field `field`; the checked blob, not stored yet.
    pub(crate) fn check_photo(&self, field: &'static str, bytes: &[u8]) -> Result<Blob> {
        let photo = mca_forms::form_photo::validate_upload(bytes)
            .map_err(|error| DomainError::InvalidUpload { field, error })?;
        Ok(blob(mime(photo.format), bytes, self.clock.now()))
    }

    /// B3: checks the photo of a form stamped with the enterprise's seal
    /// and finds the seal in it: the photo and the seal picture (a
    /// transparent PNG), neither stored yet. A photo without a red seal is
    /// refused (`no_seal`).
    pub(crate) fn check_stamped_photo(
        &self,
        field: &'static str,
        bytes: &[u8],
    ) -> Result<(Blob, Blob)> {
        // The extraction checks the photo as `check_photo` does, decoding
        // it once.
        let seal = mca_forms::seal_extraction::extract(bytes)
            .map_err(|error| DomainError::InvalidUpload { field, error })?;
        let now = self.clock.now();
        Ok((
            blob(mime(seal.photo.format), bytes, now),
            blob("image/png", &seal.png, now),
        ))
    }

    /// Checks both pictures and stores them; their hashes.
    async fn store_uploads(&self, uploads: Uploads<'_>) -> Result<([u8; 32], [u8; 32])> {
        let photo = self.check_photo("form_photo", uploads.form_photo)?;
        mca_forms::signature_image::validate_upload(uploads.signature).map_err(|error| {
            DomainError::InvalidUpload {
                field: "signature",
                error,
            }
        })?;
        let signature = blob("image/png", uploads.signature, self.clock.now());
        self.store.put_blob(&photo).await?;
        self.store.put_blob(&signature).await?;
        Ok((photo.hash, signature.hash))
    }

    /// The option's years and fee, after checking the info against the
    /// catalogue (the platform is in the province, the option is the CA's).
    pub(crate) async fn price(&self, info: &CertificateInfo) -> Result<(u32, i64)> {
        let platform = self
            .store
            .platforms()
            .await?
            .into_iter()
            .find(|p| p.id == info.platform_id)
            .ok_or(DomainError::NotFound("platform"))?;
        if platform.province_id != info.province_id {
            return Err(DomainError::InvalidInput("platform_id"));
        }
        let option = self
            .store
            .validity_options()
            .await?
            .into_iter()
            .find(|v| v.id == info.validity_option_id)
            .ok_or(DomainError::NotFound("validity option"))?;
        if option.ca_id != info.ca_id {
            return Err(DomainError::InvalidInput("validity_option_id"));
        }
        Ok((option.years, option.price_fen))
    }

    /// What every new application needs: a verified applicant (A3) and
    /// certificate info the catalogue has.
    pub(crate) async fn check_can_apply(&self, user: UserId, info: &CertificateInfo) -> Result<()> {
        self.identity.require_verified(user).await?;
        self.price(info).await.map(|_| ())
    }

    fn new_order(&self, user: UserId, amount_fen: i64) -> Order {
        self.order_for(user, "certificate_application", amount_fen)
    }

    fn order_for(&self, user: UserId, purpose: &str, amount_fen: i64) -> Order {
        Order {
            id: OrderId::new(),
            user_id: user,
            purpose: purpose.into(),
            amount_fen,
            state: OrderState::Pending,
            provider: self.payments.name().into(),
            provider_ref: None,
            failure: None,
            created_at: self.clock.now(),
            paid_at: None,
        }
    }

    /// Creates an application with its (unpaid) order. `for_whom` is the
    /// subject and, for an enterprise subject, the enterprise.
    pub(crate) async fn create(
        &self,
        user: UserId,
        kind: ApplicationKind,
        previous: Option<CertificateId>,
        for_whom: (ApplicationSubject, Option<EnterpriseId>),
        info: CertificateInfo,
        hashes: ([u8; 32], [u8; 32]),
    ) -> Result<(Application, Order)> {
        let (years, fee_fen) = self.price(&info).await?;
        let order = self.new_order(user, fee_fen);
        self.store.insert_order(&order).await?;
        let now = self.clock.now();
        let app = Application {
            id: ApplicationId::new(),
            user_id: user,
            kind,
            previous_certificate_id: previous,
            subject: for_whom.0,
            enterprise_id: for_whom.1,
            province_id: info.province_id,
            platform_id: info.platform_id,
            ca_id: info.ca_id,
            validity_option_id: info.validity_option_id,
            years,
            fee_fen,
            form_photo_hash: hashes.0,
            signature_hash: hashes.1,
            order_id: order.id,
            state: ApplicationState::Draft,
            reject_reason: None,
            reviewer_id: None,
            submissions: 0,
            created_at: now,
            updated_at: now,
        };
        self.store.insert_application(&app).await?;
        self.audit
            .append(
                &format!("user:{user}"),
                "application_created",
                &format!("application:{}", app.id),
                &format!("{} {} fen", kind.as_str(), fee_fen),
            )
            .await?;
        Ok((app, order))
    }

    /// D4: a new application with its order (unpaid). Real-name
    /// verification first (A3).
    pub async fn apply(
        &self,
        user: UserId,
        info: CertificateInfo,
        uploads: Uploads<'_>,
    ) -> Result<(Application, Order)> {
        self.identity.require_verified(user).await?;
        self.price(&info).await?;
        let hashes = self.store_uploads(uploads).await?;
        let person = (ApplicationSubject::Person, None);
        self.create(user, ApplicationKind::New, None, person, info, hashes)
            .await
    }

    /// D6/D8: applies again for the holder of `previous` (a signing
    /// certificate): a renewal while it is valid and within
    /// [`RENEWAL_WINDOW_DAYS`] of its end, a re-application once it has
    /// expired. The form and signature of the original application are
    /// reused; the validity option (and its fee) may change.
    pub async fn apply_again(
        &self,
        user: UserId,
        previous: CertificateId,
        validity_option_id: ValidityOptionId,
    ) -> Result<(Application, Order)> {
        let (original, kind) = self.again(user, previous).await?;
        // An enterprise certificate is renewed through its enterprise
        // (sealed by the admin, D5/E3: `Enterprises::apply_again`).
        if original.subject != ApplicationSubject::Person {
            return Err(DomainError::ApplicationState);
        }
        self.again_as_person(user, previous, &original, kind, validity_option_id)
            .await
    }

    /// The personal application of `kind` applying again for `previous`,
    /// issued for `original`: its form and signature reused.
    pub(crate) async fn again_as_person(
        &self,
        user: UserId,
        previous: CertificateId,
        original: &Application,
        kind: ApplicationKind,
        validity_option_id: ValidityOptionId,
    ) -> Result<(Application, Order)> {
        let info = CertificateInfo::renewing(original, validity_option_id);
        let hashes = (original.form_photo_hash, original.signature_hash);
        let for_whom = (original.subject, original.enterprise_id);
        self.create(user, kind, Some(previous), for_whom, info, hashes)
            .await
    }

    /// The application `previous` (the user's signing certificate) was
    /// issued for, and what applying again for it is now ([`again_kind`]).
    pub(crate) async fn again(
        &self,
        user: UserId,
        previous: CertificateId,
    ) -> Result<(Application, ApplicationKind)> {
        self.identity.require_verified(user).await?;
        let cert = self
            .store
            .certificate(previous)
            .await?
            .filter(|c| c.user_id == user && c.usage == CertUsage::Signing)
            .ok_or(DomainError::NotFound("certificate"))?;
        let original = self
            .store
            .application(cert.application_id)
            .await?
            .ok_or(DomainError::NotFound("application"))?;
        Ok((original, again_kind(&cert, self.clock.now())?))
    }

    /// The user's application (another user's is "not found").
    pub async fn get(&self, user: UserId, id: ApplicationId) -> Result<Application> {
        self.store
            .application(id)
            .await?
            .filter(|a| a.user_id == user)
            .ok_or(DomainError::NotFound("application"))
    }

    /// The user's applications, oldest first.
    pub async fn list(&self, user: UserId) -> Result<Vec<Application>> {
        Ok(self.store.applications_of(user).await?)
    }

    /// The order of an application of the user.
    pub async fn order(&self, user: UserId, id: ApplicationId) -> Result<Order> {
        let app = self.get(user, id).await?;
        self.store
            .order(app.order_id)
            .await?
            .ok_or(DomainError::NotFound("order"))
    }

    /// Pays a draft application's order through the payment provider;
    /// paid, it goes to CA review. A declined payment leaves the
    /// application a draft with a fresh order to pay.
    pub async fn pay(&self, user: UserId, id: ApplicationId) -> Result<Application> {
        let mut app = self.get(user, id).await?;
        if app.state != ApplicationState::Draft {
            return Err(DomainError::ApplicationState);
        }
        let mut order = self
            .store
            .order(app.order_id)
            .await?
            .ok_or(DomainError::NotFound("order"))?;
        if order.state == OrderState::Pending {
            self.charge(&mut order).await?;
        }
        let now = self.clock.now();
        match order.state {
            OrderState::Paid => {
                let mut next = app.clone();
                if self.awaits_seal(&app).await? {
                    next.state = ApplicationState::AwaitingAdmin;
                } else {
                    next.state = ApplicationState::Submitted;
                    next.submissions += 1;
                }
                next.updated_at = now;
                self.replace(&next, app.state).await?;
                self.audit
                    .append(
                        &format!("user:{user}"),
                        "application_submitted",
                        &format!("application:{id}"),
                        "",
                    )
                    .await?;
                Ok(next)
            }
            _ => {
                let fresh = self.new_order(user, app.fee_fen);
                self.store.insert_order(&fresh).await?;
                let expected = app.state;
                app.order_id = fresh.id;
                app.updated_at = now;
                self.replace(&app, expected).await?;
                Err(DomainError::PaymentFailed)
            }
        }
    }

    /// G1: pays the recovery fee (in fen) through the payment provider;
    /// the paid order is what `Issuance::start_rekey` asks for on a new
    /// device. Idempotent while the user has an open recovery order: a
    /// paid one is returned again (not charged twice), a pending one (the
    /// provider was unreachable, or the server stopped mid-charge) is
    /// charged again under the same order id. Once it is used or declined
    /// a new one can be made. One open order per user is kept by a unique
    /// index, so this holds across instances.
    pub async fn pay_recovery(&self, user: UserId, amount_fen: i64) -> Result<Order> {
        self.identity.require_verified(user).await?;
        if !(0..=100_000_000).contains(&amount_fen) {
            return Err(DomainError::InvalidInput("amount_fen"));
        }
        // Two rounds at most: a concurrent request may close (use or fail)
        // the open order between our insert and our read.
        for _ in 0..2 {
            let mut order = self.order_for(user, RECOVERY_PURPOSE, amount_fen);
            if !self.store.insert_open_recovery_order(&order).await? {
                match self.store.open_recovery_order(user).await? {
                    Some(open) => order = open,
                    None => continue,
                }
            }
            if order.state == OrderState::Pending {
                match self.charge(&mut order).await {
                    // Settled by a concurrent request first: take its result.
                    Err(DomainError::ApplicationState) => {
                        order = self
                            .store
                            .order(order.id)
                            .await?
                            .ok_or(DomainError::NotFound("order"))?;
                    }
                    other => other?,
                }
            }
            if order.state != OrderState::Paid {
                return Err(DomainError::PaymentFailed);
            }
            return Ok(order);
        }
        Err(DomainError::Internal("recovery order contended"))
    }

    /// Charges a pending order through the provider and settles it
    /// (paid or failed) once, across instances; audited.
    async fn charge(&self, order: &mut Order) -> Result<()> {
        match self.payments.charge(order).await? {
            PaymentOutcome::Paid { reference } => {
                order.state = OrderState::Paid;
                order.provider_ref = Some(reference);
                order.paid_at = Some(self.clock.now());
            }
            PaymentOutcome::Declined { reason } => {
                order.state = OrderState::Failed;
                order.failure = Some(reason);
            }
        }
        if !self.store.settle_order(order).await? {
            return Err(DomainError::ApplicationState);
        }
        self.audit
            .append(
                &format!("user:{}", order.user_id),
                "order_settled",
                &format!("order:{}", order.id),
                &format!(
                    "{} {} {} fen",
                    order.purpose,
                    order.state.as_str(),
                    order.amount_fen
                ),
            )
            .await?;
        Ok(())
    }

    /// Whether a paid application goes to the enterprise's admin first
    /// (see [`Application::sealed_by_admin`]) rather than straight to the
    /// CA: when it carries a letter not sealed yet (a claim carries none).
    async fn awaits_seal(&self, app: &Application) -> Result<bool> {
        if !app.sealed_by_admin() {
            return Ok(false);
        }
        if app.subject == ApplicationSubject::Agent {
            return Ok(true);
        }
        Ok(self
            .store
            .authorization_of_application(app.id)
            .await?
            .is_some_and(|a| a.letter_hash.is_some() && a.seal_hash.is_none()))
    }

    pub(crate) async fn replace(
        &self,
        app: &Application,
        expected: ApplicationState,
    ) -> Result<()> {
        if !self.store.update_application(app, expected).await? {
            return Err(DomainError::ApplicationState);
        }
        Ok(())
    }

    /// B5/D4 after "证书申请失败": the applicant replaces the pictures of a
    /// rejected application and submits it again (no new payment).
    pub async fn resubmit(
        &self,
        user: UserId,
        id: ApplicationId,
        uploads: Uploads<'_>,
    ) -> Result<Application> {
        let app = self.get(user, id).await?;
        if app.state != ApplicationState::Rejected || app.subject != ApplicationSubject::Person {
            return Err(DomainError::ApplicationState);
        }
        let (photo, signature) = self.store_uploads(uploads).await?;
        let mut next = app.clone();
        next.form_photo_hash = photo;
        next.signature_hash = signature;
        next.state = ApplicationState::Submitted;
        next.reject_reason = None;
        next.submissions += 1;
        next.updated_at = self.clock.now();
        self.replace(&next, app.state).await?;
        self.audit
            .append(
                &format!("user:{user}"),
                "application_resubmitted",
                &format!("application:{id}"),
                &format!("submission {}", next.submissions),
            )
            .await?;
        Ok(next)
    }

    /// An uploaded picture of the user's application.
    pub async fn blob(&self, hash: &[u8; 32]) -> Result<Blob> {
        self.store
            .blob(hash)
            .await?
            .ok_or(DomainError::NotFound("upload"))
    }
}
