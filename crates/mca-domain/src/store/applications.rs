use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::StoreResult;
use crate::{
    ApplicationId, CaId, CertificateId, EnterpriseId, OrderId, PasswordHash, PlatformId,
    ProvinceId, ReviewerId, Timestamp, UserId, ValidityOptionId,
};

macro_rules! stored_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $s:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[non_exhaustive]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            /// The stored form.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $s),+ }
            }

            /// Parses the stored form.
            pub fn parse(s: &str) -> Option<Self> {
                [$(Self::$variant),+].into_iter().find(|v| v.as_str() == s)
            }
        }
    };
}
pub(crate) use stored_enum;

stored_enum!(
    /// What an application asks for.
    ApplicationKind {
        /// D4/E2/F1: a first personal certificate.
        New => "new",
        /// D6: renewal of a certificate near expiry.
        Renewal => "renewal",
        /// D8: re-application after the certificate expired.
        Reapplication => "reapplication",
    }
);

stored_enum!(
    /// Whom the certificate applied for names (GM/T 0015 holders).
    ApplicationSubject {
        /// The applicant in person (D4/E2/F1).
        Person => "person",
        /// The enterprise itself (B: a claim; its certificate is the
        /// enterprise certificate its admin holds).
        Enterprise => "enterprise",
        /// A person acting for an enterprise (C, D2, E: staff; GM/T 0015
        /// person-for-enterprise), under an authorization.
        Agent => "agent",
    }
);

stored_enum!(
    /// Where an application stands. `Draft` → (paid) `Submitted` →
    /// `Rejected` → (edited) `Submitted` … → `Approved` → `Issued`; an
    /// agent's goes `Draft` → (paid) `AwaitingAdmin` → (sealed) `Submitted`.
    ApplicationState {
        /// Created with its order; the fee is not paid yet.
        Draft => "draft",
        /// Paid and waiting for the CA's review.
        Submitted => "submitted",
        /// An agent's application, paid: waiting for the enterprise's
        /// admin to agree and seal its authorization letter (C3, E1).
        AwaitingAdmin => "awaiting_admin",
        /// The reviewer refused it with a reason; the applicant may edit
        /// and resubmit without paying again.
        Rejected => "rejected",
        /// Approved: the applicant may download the certificates (M6).
        Approved => "approved",
        /// The certificates were issued.
        Issued => "issued",
        /// Given up before review ended: an enterprise claim withdrawn by
        /// its claimant, or released unpaid or rejected too long (B).
        Withdrawn => "withdrawn",
    }
);

stored_enum!(
    /// A payment order's state.
    OrderState {
        /// Waiting for the payment provider.
        Pending => "pending",
        /// Paid.
        Paid => "paid",
        /// The provider declined; a new payment attempt makes a new order.
        Failed => "failed",
        /// Paid and spent on what it paid for (a recovery order, once).
        Used => "used",
    }
);

/// A picture the applicant uploaded, stored once by its SM3 hash.
#[derive(Clone, PartialEq, Eq)]
pub struct Blob {
    /// SM3 of `bytes`.
    pub hash: [u8; 32],
    /// `image/png` or `image/jpeg`.
    pub content_type: String,
    /// The file.
    pub bytes: Vec<u8>,
    /// First upload.
    pub created_at: Timestamp,
}

impl std::fmt::Debug for Blob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Blob({}, {}, {} bytes)",
            hex::encode(self.hash),
            self.content_type,
            self.bytes.len()
        )
    }
}

/// A CA back-office reviewer (M1). `Debug` shows no password hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reviewer {
    /// The reviewer.
    pub id: ReviewerId,
    /// The CA organization they review for (only its applications).
    pub ca_id: CaId,
    /// Login name, unique.
    pub username: String,
    /// Shown in the back office.
    pub display_name: String,
    /// Argon2id.
    pub password_hash: PasswordHash,
    /// Created.
    pub created_at: Timestamp,
}

/// A payment order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// The order.
    pub id: OrderId,
    /// Who pays.
    pub user_id: UserId,
    /// What for, snake_case ("certificate_application", "recovery").
    pub purpose: String,
    /// In fen.
    pub amount_fen: i64,
    /// State.
    pub state: OrderState,
    /// The payment provider's name.
    pub provider: String,
    /// The provider's transaction reference once paid.
    pub provider_ref: Option<String>,
    /// Why the provider declined (no secrets).
    pub failure: Option<String>,
    /// Created.
    pub created_at: Timestamp,
    /// Paid.
    pub paid_at: Option<Timestamp>,
}

/// A certificate application (D4/D6/D8) and its review (M1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    /// The application.
    pub id: ApplicationId,
    /// The applicant.
    pub user_id: UserId,
    /// New, renewal or re-application.
    pub kind: ApplicationKind,
    /// The certificate renewed or re-applied for.
    pub previous_certificate_id: Option<CertificateId>,
    /// Whom the certificate names.
    pub subject: ApplicationSubject,
    /// The enterprise, for an enterprise subject.
    pub enterprise_id: Option<EnterpriseId>,
    /// 省份.
    pub province_id: ProvinceId,
    /// 交易平台.
    pub platform_id: PlatformId,
    /// 发证机构.
    pub ca_id: CaId,
    /// 有效期 option.
    pub validity_option_id: ValidityOptionId,
    /// Years, copied from the option when applying.
    pub years: u32,
    /// Fee in fen, copied from the option when applying.
    pub fee_fen: i64,
    /// SM3 of the photographed signed form.
    #[serde(with = "hex")]
    pub form_photo_hash: [u8; 32],
    /// SM3 of the signature picture. For an enterprise claim, the
    /// enterprise's seal picture extracted from the stamped form photo
    /// (B3, a transparent PNG).
    #[serde(with = "hex")]
    pub signature_hash: [u8; 32],
    /// The fee's order.
    pub order_id: OrderId,
    /// State.
    pub state: ApplicationState,
    /// The reviewer's reason, while rejected.
    pub reject_reason: Option<String>,
    /// Who decided last.
    pub reviewer_id: Option<ReviewerId>,
    /// How many times it was submitted for review.
    pub submissions: u32,
    /// Created.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}

impl Application {
    /// Whether the enterprise's admin seals this application's letter
    /// before the CA sees it (C3, E1, D2, D3, D5, E3, E5): an agent's
    /// always, an enterprise one unless it re-applies for an expired
    /// certificate (D7: the photographed stamped letter stands in). A
    /// claim is an enterprise application without a letter.
    pub fn sealed_by_admin(&self) -> bool {
        match self.subject {
            ApplicationSubject::Agent => true,
            ApplicationSubject::Enterprise => self.kind != ApplicationKind::Reapplication,
            _ => false,
        }
    }
}

/// Uploads, reviewers, orders and applications.
#[async_trait]
pub trait ApplicationStore: Send + Sync {
    /// Stores a blob unless one with its hash exists.
    async fn put_blob(&self, blob: &Blob) -> StoreResult<()>;
    /// The blob with this hash.
    async fn blob(&self, hash: &[u8; 32]) -> StoreResult<Option<Blob>>;

    /// Adds a reviewer; `Conflict` if the username is taken.
    async fn insert_reviewer(&self, r: &Reviewer) -> StoreResult<()>;
    /// The reviewer with this username.
    async fn reviewer_by_username(&self, username: &str) -> StoreResult<Option<Reviewer>>;
    /// The reviewer with this id.
    async fn reviewer(&self, id: ReviewerId) -> StoreResult<Option<Reviewer>>;

    /// Stores an order.
    async fn insert_order(&self, o: &Order) -> StoreResult<()>;
    /// The order with this id.
    async fn order(&self, id: OrderId) -> StoreResult<Option<Order>>;
    /// Stores a pending recovery order as the user's one open recovery
    /// order, guarded by a unique index (so across instances); `false`
    /// (nothing written) if the user already has one open.
    async fn insert_open_recovery_order(&self, o: &Order) -> StoreResult<bool>;
    /// The user's open recovery order: pending or paid, not failed, not
    /// used.
    async fn open_recovery_order(&self, user: UserId) -> StoreResult<Option<Order>>;
    /// Settles a pending order (paid or failed) in one conditional
    /// `UPDATE`; `false` if it was not pending (settled elsewhere first).
    async fn settle_order(&self, o: &Order) -> StoreResult<bool>;

    /// Marks a paid order used, only if it is paid and unused; `false`
    /// otherwise (spent already, on any instance).
    async fn use_order(&self, id: OrderId) -> StoreResult<bool>;

    /// Stores an application.
    async fn insert_application(&self, a: &Application) -> StoreResult<()>;
    /// The application with this id.
    async fn application(&self, id: ApplicationId) -> StoreResult<Option<Application>>;
    /// The user's applications, oldest first.
    async fn applications_of(&self, user: UserId) -> StoreResult<Vec<Application>>;
    /// Applications of a CA in `state`, oldest change first.
    async fn applications_in_state(
        &self,
        ca: CaId,
        state: ApplicationState,
    ) -> StoreResult<Vec<Application>>;
    /// Replaces an application's fields only if its stored state is still
    /// `expected` (compare-and-set: two reviewers, or a reviewer and the
    /// applicant, cannot both move it); `false` if it moved meanwhile.
    async fn update_application(
        &self,
        a: &Application,
        expected: ApplicationState,
    ) -> StoreResult<bool>;
}
