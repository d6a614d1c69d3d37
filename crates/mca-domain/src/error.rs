//! Errors. Which one to use where:
//! - [`DomainError`] is what every service returns. Each variant has a
//!   stable machine [`code`](DomainError::code), a Chinese user
//!   [`message`](DomainError::message) and an [`ErrorKind`] the server maps
//!   to an HTTP status; the server turns it into an RFC 9457 problem at the
//!   edge and never echoes internal details.
//! - [`StoreError`] is what store implementations return: opaque (it does
//!   not expose the database driver's error type) with a coarse
//!   [`StoreErrorKind`]. "Not found" is never an error: lookups return
//!   `Option`, so a database failure can never pass for a missing row.

use std::fmt;

use crate::vault::VaultError;

/// How the server should answer an error (it picks the HTTP status).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input is malformed or violates a rule (400/422).
    BadInput,
    /// No valid credentials (401).
    Unauthenticated,
    /// Authenticated but not allowed (403).
    Forbidden,
    /// The thing asked for does not exist (404).
    NotFound,
    /// The request conflicts with stored state (409).
    Conflict,
    /// Too many requests (429).
    RateLimited,
    /// An external provider failed (502/503).
    Unavailable,
    /// A fault on our side (500); details are only logged.
    Internal,
}

/// A business-rule or infrastructure failure of a service call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DomainError {
    /// Not a mainland mobile number.
    #[error("invalid phone number")]
    InvalidPhone,
    /// Bad resident ID number: format, region, birth date or checksum.
    #[error("invalid resident ID number")]
    InvalidIdNumber,
    /// Bad unified social credit code (GB 32100).
    #[error("invalid unified social credit code")]
    InvalidCreditCode,
    /// Not 6–20 characters of digits, letters and symbols.
    #[error("password does not meet the rules")]
    WeakPassword,
    /// Not a plausible personal name.
    #[error("invalid person name")]
    InvalidName,
    /// A field other than the above is malformed (the field's name).
    #[error("invalid input: {0}")]
    InvalidInput(&'static str),
    /// The SMS code is not six digits.
    #[error("malformed SMS code")]
    MalformedCode,
    /// No code was sent for this phone and purpose.
    #[error("no code requested")]
    NoCode,
    /// The code does not match.
    #[error("wrong SMS code")]
    WrongCode,
    /// The code is older than its lifetime.
    #[error("SMS code expired")]
    CodeExpired,
    /// The code was already used once.
    #[error("SMS code already used")]
    CodeUsed,
    /// Five wrong tries: the code is dead.
    #[error("too many wrong SMS codes")]
    TooManyAttempts,
    /// Codes are sent too often for this phone or client address.
    #[error("rate limited, retry after {retry_after} s")]
    RateLimited {
        /// Seconds until a new request may succeed.
        retry_after: i64,
    },
    /// Phone/password login failed (no such user, no password, or wrong).
    #[error("wrong phone or password")]
    WrongCredentials,
    /// `change_password` with a wrong old password.
    #[error("wrong old password")]
    WrongPassword,
    /// `set_password` when a password is already set.
    #[error("password already set")]
    PasswordAlreadySet,
    /// `change_password` before any password was set.
    #[error("no password set")]
    PasswordNotSet,
    /// Another account already uses this phone number.
    #[error("phone number already registered")]
    PhoneTaken,
    /// No or unknown bearer token.
    #[error("unauthenticated")]
    Unauthenticated,
    /// The token belongs to another device.
    #[error("token used from another device")]
    WrongDevice,
    /// The device signature does not verify.
    #[error("bad request signature")]
    BadSignature,
    /// The request timestamp is outside the allowed window.
    #[error("stale request")]
    StaleRequest,
    /// The nonce was already used by this device.
    #[error("replayed request")]
    Replay,
    /// The device public key is not a valid P-256 point.
    #[error("invalid device public key")]
    InvalidDeviceKey,
    /// A certificate or scan operation before real-name verification (A3).
    #[error("identity not verified")]
    IdentityNotVerified,
    /// Real-name verification was already completed.
    #[error("identity already verified")]
    IdentityAlreadyVerified,
    /// Face verification asked for before name and ID number.
    #[error("identity not submitted")]
    IdentityNotSubmitted,
    /// Face verification asked for a result before it was started.
    #[error("face verification not started")]
    FaceNotStarted,
    /// The face-verification provider says no.
    #[error("face verification failed")]
    FaceFailed,
    /// The face-verification provider has no result yet.
    #[error("face verification pending")]
    FacePending,
    /// The addressed object does not exist (its kind).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A catalogue entry still referenced elsewhere.
    #[error("still in use")]
    InUse,
    /// A catalogue entry with the same natural key exists.
    #[error("already exists")]
    AlreadyExists,
    /// An uploaded picture fails its checks: which upload (the request
    /// field) and why (size, format, pixels, corrupt, blank).
    #[error("invalid upload {field}: {error}")]
    InvalidUpload {
        /// The request field, e.g. `form_photo`.
        field: &'static str,
        /// What its check found; its message says why, with the limits.
        error: mca_forms::Error,
    },
    /// The application is not in a state that allows this step.
    #[error("application state does not allow this")]
    ApplicationState,
    /// The payment provider declined the payment.
    #[error("payment failed")]
    PaymentFailed,
    /// The order is not paid yet.
    #[error("order not paid")]
    NotPaid,
    /// The signing key is locked (5 wrong PINs or a clone): unlock by SMS
    /// and real-name re-verification.
    #[error("key locked")]
    KeyLocked,
    /// The partial signature did not verify: a wrong PIN (attempts left
    /// before the key locks).
    #[error("wrong PIN, {remaining} attempts left")]
    WrongPin {
        /// Attempts before the key locks.
        remaining: u32,
    },
    /// The key already has an outstanding signing session (PROTOCOL.md §2:
    /// a second begin is refused).
    #[error("signing session outstanding")]
    SessionOutstanding,
    /// The bytes to sign begin with one of Mobile CA's own domain tags
    /// (`MCA-…`): signed here they could pass as a login, a receipt or a
    /// decryption authorization.
    #[error("message begins with a reserved domain tag")]
    ReservedMessage,
    /// The download was not finished in time and has been withdrawn (its
    /// certificates revoked): start the download again.
    #[error("download expired")]
    DownloadExpired,
    /// A signature came from a copy of the phone's storage older than the
    /// last share refresh (§6): the key is now locked.
    #[error("stale clone detected")]
    CloneDetected,
    /// The key material or proof of possession the phone sent is invalid.
    #[error("invalid key proof")]
    BadKeyProof,
    /// The certificate is revoked or not usable.
    #[error("certificate revoked")]
    CertificateRevoked,
    /// The certificate's validity has ended.
    #[error("certificate expired")]
    CertificateExpired,
    /// Unlocking needs a passed, unused real-name re-verification.
    #[error("re-verification required")]
    ReverificationRequired,
    /// The relying party is disabled by the operator.
    #[error("relying party disabled")]
    RelyingPartyDisabled,
    /// The relying party may not request this operation.
    #[error("operation not allowed for this relying party")]
    OperationNotAllowed,
    /// The Idempotency-Key was already used for a different request.
    #[error("idempotency key reused with another request")]
    IdempotencyKeyReused,
    /// The scanned QR code is malformed, unknown or forged.
    #[error("bad QR code")]
    BadQr,
    /// The scanned QR frame is too old (photographed or forwarded).
    #[error("QR code expired")]
    QrExpired,
    /// Another device already claimed the session.
    #[error("session claimed by another device")]
    SessionClaimed,
    /// The session is complete (or not in the state this step needs).
    #[error("session finished")]
    SessionFinished,
    /// The session finished too long ago to be collected.
    #[error("session gone")]
    SessionGone,
    /// A decrypt session outside the relying party's opening window.
    #[error("outside the opening window")]
    OutsideOpeningWindow,
    /// A certificate acting for an enterprise without an authorization
    /// covering this trading platform (D2).
    #[error("not authorized for this platform")]
    NotAuthorizedForPlatform,
    /// A decrypt session's declared opening window is unusable (the
    /// reason is 简体中文, for the problem's detail).
    #[error("invalid opening window: {0}")]
    InvalidOpeningWindow(&'static str),
    /// The certificate does not name the holder the relying party
    /// expected (another person's certificate for this account).
    #[error("certificate holder mismatch")]
    HolderMismatch,
    /// The enterprise is claimed already (it has an admin): join it
    /// instead. Names the CA organization that issued its admin's
    /// certificate, to contact about the claim.
    #[error("enterprise already claimed")]
    EnterpriseClaimed {
        /// The CA organization's name.
        ca: String,
    },
    /// A claim of this enterprise is open (under review, or waiting for
    /// payment or a resubmission).
    #[error("enterprise claim open")]
    EnterpriseClaimOpen,
    /// A join request named an admin that is not the enterprise's (C2):
    /// the name or phone does not match. Counted with every join try.
    #[error("admin details do not match")]
    AdminMismatch,
    /// An enterprise operation by someone who is not its admin.
    #[error("not the enterprise's admin")]
    NotEnterpriseAdmin,
    /// The user is a member of the enterprise already.
    #[error("already a member")]
    AlreadyMember,
    /// The enterprise deleted the authorization (or the person) this
    /// application or certificate is for.
    #[error("authorization ended")]
    AuthorizationEnded,
    /// An external provider (SMS, face verification) failed.
    #[error("provider failed: {0}")]
    Provider(#[from] ProviderError),
    /// Sealing or opening a secret failed.
    #[error("key vault: {0}")]
    Vault(#[from] VaultError),
    /// The store failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// A fault on our side outside the store (random source, hashing);
    /// names the part, never data.
    #[error("internal: {0}")]
    Internal(&'static str),
}

impl DomainError {
    /// A stable machine code (snake_case), for clients and problem types.
    pub fn code(&self) -> &'static str {
        use DomainError::*;
        match self {
            InvalidPhone => "invalid_phone",
            InvalidIdNumber => "invalid_id_number",
            InvalidCreditCode => "invalid_credit_code",
            WeakPassword => "weak_password",
            InvalidName => "invalid_name",
            InvalidInput(_) => "invalid_input",
            MalformedCode => "malformed_code",
            NoCode => "no_code",
            WrongCode => "wrong_code",
            CodeExpired => "code_expired",
            CodeUsed => "code_used",
            TooManyAttempts => "too_many_attempts",
            RateLimited { .. } => "rate_limited",
            WrongCredentials => "wrong_credentials",
            WrongPassword => "wrong_password",
            PasswordAlreadySet => "password_already_set",
            PasswordNotSet => "password_not_set",
            PhoneTaken => "phone_taken",
            Unauthenticated => "unauthenticated",
            WrongDevice => "wrong_device",
            BadSignature => "bad_signature",
            StaleRequest => "stale_request",
            Replay => "replay",
            InvalidDeviceKey => "invalid_device_key",
            IdentityNotVerified => "identity_not_verified",
            IdentityAlreadyVerified => "identity_already_verified",
            IdentityNotSubmitted => "identity_not_submitted",
            FaceNotStarted => "face_not_started",
            FaceFailed => "face_failed",
            FacePending => "face_pending",
            NotFound(_) => "not_found",
            InUse => "in_use",
            AlreadyExists => "already_exists",
            InvalidUpload { .. } => "invalid_upload",
            ApplicationState => "application_state",
            PaymentFailed => "payment_failed",
            NotPaid => "not_paid",
            KeyLocked => "key_locked",
            WrongPin { .. } => "wrong_pin",
            SessionOutstanding => "session_outstanding",
            ReservedMessage => "reserved_message",
            DownloadExpired => "download_expired",
            CloneDetected => "clone_detected",
            BadKeyProof => "bad_key_proof",
            CertificateRevoked => "certificate_revoked",
            CertificateExpired => "certificate_expired",
            ReverificationRequired => "reverification_required",
            RelyingPartyDisabled => "relying_party_disabled",
            OperationNotAllowed => "operation_not_allowed",
            IdempotencyKeyReused => "idempotency_key_reused",
            BadQr => "bad_qr",
            QrExpired => "qr_expired",
            SessionClaimed => "session_claimed",
            SessionFinished => "session_finished",
            SessionGone => "session_gone",
            OutsideOpeningWindow => "outside_opening_window",
            NotAuthorizedForPlatform => "not_authorized_for_platform",
            InvalidOpeningWindow(_) => "invalid_opening_window",
            HolderMismatch => "holder_mismatch",
            EnterpriseClaimed { .. } => "enterprise_claimed",
            EnterpriseClaimOpen => "enterprise_claim_open",
            AdminMismatch => "admin_mismatch",
            NotEnterpriseAdmin => "not_enterprise_admin",
            AlreadyMember => "already_member",
            AuthorizationEnded => "authorization_ended",
            Provider(_) => "provider_unavailable",
            Vault(_) | Store(_) | Internal(_) => "internal",
        }
    }

    /// The message shown to the user (简体中文).
    pub fn message(&self) -> &'static str {
        use DomainError::*;
        match self {
            InvalidPhone => "手机号格式不正确",
            InvalidIdNumber => "身份证号码不正确",
            InvalidCreditCode => "统一社会信用代码不正确",
            WeakPassword => "密码须为6至20位数字、字母或符号",
            InvalidName => "姓名格式不正确",
            InvalidInput(_) => "输入内容不正确",
            MalformedCode => "验证码须为6位数字",
            NoCode => "请先获取验证码",
            WrongCode => "验证码错误",
            CodeExpired => "验证码已过期，请重新获取",
            CodeUsed => "验证码已使用，请重新获取",
            TooManyAttempts => "验证码错误次数过多，请重新获取",
            RateLimited { .. } => "操作过于频繁，请稍后再试",
            WrongCredentials => "手机号或密码错误",
            WrongPassword => "原密码错误",
            PasswordAlreadySet => "已设置密码，请使用修改密码",
            PasswordNotSet => "尚未设置密码",
            PhoneTaken => "该手机号已注册",
            Unauthenticated => "请先登录",
            WrongDevice => "登录设备不匹配，请重新登录",
            BadSignature => "请求签名无效",
            StaleRequest => "请求已过期，请检查手机时间",
            Replay => "重复的请求",
            InvalidDeviceKey => "设备公钥无效",
            IdentityNotVerified => "尚未实名认证，无法操作",
            IdentityAlreadyVerified => "已完成实名认证",
            IdentityNotSubmitted => "请先填写姓名和身份证号码",
            FaceNotStarted => "请先进行人脸识别",
            FaceFailed => "人脸识别未通过",
            FacePending => "人脸识别尚未完成",
            NotFound(_) => "未找到",
            InUse => "存在关联数据，无法删除",
            AlreadyExists => "已存在",
            InvalidUpload { .. } => "上传的图片不符合要求",
            ApplicationState => "申请当前状态不允许此操作",
            PaymentFailed => "支付失败",
            NotPaid => "订单尚未支付",
            KeyLocked => "证书密钥已锁定，请通过短信验证和实名认证解锁",
            WrongPin { .. } => "证书PIN码错误",
            SessionOutstanding => "该证书有正在进行的签名，请稍后再试",
            ReservedMessage => "待签名内容以系统保留标识“MCA-”开头，不能签名",
            DownloadExpired => "证书下载未完成，已签发的证书已作废，请重新下载证书",
            CloneDetected => "检测到证书密钥被复制使用，已锁定",
            BadKeyProof => "密钥证明无效",
            CertificateRevoked => "证书已吊销",
            CertificateExpired => "证书已过期",
            ReverificationRequired => "请先完成实名认证复核",
            RelyingPartyDisabled => "业务系统已停用",
            OperationNotAllowed => "业务系统无权发起此操作",
            IdempotencyKeyReused => "幂等键已用于其他请求",
            BadQr => "二维码无效",
            QrExpired => "二维码已过期，请重新扫描",
            SessionClaimed => "该二维码已被其他设备扫描",
            SessionFinished => "本次操作已结束",
            SessionGone => "本次操作已过期，结果不再保留",
            OutsideOpeningWindow => "不在开标解密时间内",
            NotAuthorizedForPlatform => "该证书未获得此交易平台的授权",
            InvalidOpeningWindow(_) => "开标解密时间窗口不正确",
            HolderMismatch => "证书持有人与交易平台账户不一致",
            EnterpriseClaimed { .. } => "该企业已被认领",
            EnterpriseClaimOpen => "该企业已有认领申请正在办理",
            AdminMismatch => "企业管理员信息不正确",
            NotEnterpriseAdmin => "您不是该企业的管理员",
            AlreadyMember => "您已是该企业的成员",
            AuthorizationEnded => "企业授权已结束（已删除或已续期），此申请或证书不再有效",
            Provider(_) => "服务暂时不可用，请稍后再试",
            Vault(_) | Store(_) | Internal(_) => "服务内部错误",
        }
    }

    /// How the server should answer.
    pub fn kind(&self) -> ErrorKind {
        use DomainError::*;
        match self {
            InvalidPhone
            | InvalidIdNumber
            | InvalidCreditCode
            | WeakPassword
            | InvalidName
            | InvalidInput(_)
            | MalformedCode
            | NoCode
            | WrongCode
            | CodeExpired
            | CodeUsed
            | TooManyAttempts
            | InvalidDeviceKey
            | IdentityNotSubmitted
            | FaceNotStarted
            | FaceFailed
            | FacePending
            | InvalidUpload { .. }
            | PaymentFailed
            | BadKeyProof
            | ReservedMessage => ErrorKind::BadInput,
            KeyLocked | WrongPin { .. } | CloneDetected | ReverificationRequired => {
                ErrorKind::Forbidden
            }
            ApplicationState | NotPaid | SessionOutstanding | DownloadExpired
            | CertificateRevoked | CertificateExpired => ErrorKind::Conflict,
            WrongCredentials | Unauthenticated | WrongDevice | BadSignature | StaleRequest
            | Replay => ErrorKind::Unauthenticated,
            WrongPassword => ErrorKind::Forbidden,
            BadQr | QrExpired | InvalidOpeningWindow(_) => ErrorKind::BadInput,
            HolderMismatch => ErrorKind::Forbidden,
            RelyingPartyDisabled | OperationNotAllowed | NotAuthorizedForPlatform => {
                ErrorKind::Forbidden
            }
            IdempotencyKeyReused | SessionClaimed | SessionFinished | OutsideOpeningWindow => {
                ErrorKind::Conflict
            }
            // "Gone" (410) is the HTTP layer's to choose; the code says it.
            SessionGone => ErrorKind::NotFound,
            IdentityNotVerified => ErrorKind::Forbidden,
            PasswordNotSet
            | PasswordAlreadySet
            | PhoneTaken
            | IdentityAlreadyVerified
            | InUse
            | AlreadyExists
            | EnterpriseClaimed { .. }
            | EnterpriseClaimOpen
            | AlreadyMember
            | AuthorizationEnded => ErrorKind::Conflict,
            AdminMismatch => ErrorKind::BadInput,
            NotEnterpriseAdmin => ErrorKind::Forbidden,
            RateLimited { .. } => ErrorKind::RateLimited,
            NotFound(_) => ErrorKind::NotFound,
            Provider(_) => ErrorKind::Unavailable,
            Vault(_) | Store(_) | Internal(_) => ErrorKind::Internal,
        }
    }
}

/// The coarse class of a [`StoreError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreErrorKind {
    /// A uniqueness constraint refused the write.
    Conflict,
    /// A foreign-key constraint refused the write: the row refers to a
    /// missing one, or (on delete) others still refer to it.
    Reference,
    /// The database cannot be reached or timed out.
    Unavailable,
    /// A stored value does not decode into its domain type.
    Corrupt,
    /// Anything else (bad SQL, migration failure, …).
    Other,
}

/// An opaque storage failure. Its `Display` names the kind and the
/// operation, never row contents; the underlying cause is kept as a boxed
/// source for logs.
#[derive(Debug)]
pub struct StoreError {
    kind: StoreErrorKind,
    context: &'static str,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl StoreError {
    /// A store error of `kind` during `context` (e.g. "insert device").
    pub fn new(
        kind: StoreErrorKind,
        context: &'static str,
        source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        Self {
            kind,
            context,
            source: Some(source.into()),
        }
    }

    /// A store error without an underlying cause.
    pub fn plain(kind: StoreErrorKind, context: &'static str) -> Self {
        Self {
            kind,
            context,
            source: None,
        }
    }

    /// The class of failure.
    pub fn kind(&self) -> StoreErrorKind {
        self.kind
    }

    /// Whether a uniqueness constraint refused the write.
    pub fn is_conflict(&self) -> bool {
        self.kind == StoreErrorKind::Conflict
    }

    /// Whether a foreign-key constraint refused the write.
    pub fn is_reference(&self) -> bool {
        self.kind == StoreErrorKind::Reference
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} during {}", self.kind, self.context)
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// A failure of an external provider (SMS gateway, face verification).
#[derive(Debug, thiserror::Error)]
#[error("{provider}: {reason}")]
pub struct ProviderError {
    /// Which provider ("aliyun-sms", "dev-face", …).
    pub provider: &'static str,
    /// What went wrong, without secrets (never the code or the ID number).
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_verified_message_is_the_manuals() {
        let e = DomainError::IdentityNotVerified;
        assert_eq!(e.message(), "尚未实名认证，无法操作");
        assert_eq!(e.code(), "identity_not_verified");
        assert_eq!(e.kind(), ErrorKind::Forbidden);
    }

    #[test]
    fn certificate_errors_map_to_their_answers() {
        let cases = [
            (DomainError::KeyLocked, "key_locked", ErrorKind::Forbidden),
            (
                DomainError::WrongPin { remaining: 3 },
                "wrong_pin",
                ErrorKind::Forbidden,
            ),
            (
                DomainError::SessionOutstanding,
                "session_outstanding",
                ErrorKind::Conflict,
            ),
            (
                DomainError::ApplicationState,
                "application_state",
                ErrorKind::Conflict,
            ),
            (
                DomainError::InvalidUpload {
                    field: "signature",
                    error: mca_forms::Error::BlankSignature,
                },
                "invalid_upload",
                ErrorKind::BadInput,
            ),
            (
                DomainError::PaymentFailed,
                "payment_failed",
                ErrorKind::BadInput,
            ),
            (
                DomainError::CloneDetected,
                "clone_detected",
                ErrorKind::Forbidden,
            ),
            (DomainError::BadQr, "bad_qr", ErrorKind::BadInput),
            (DomainError::QrExpired, "qr_expired", ErrorKind::BadInput),
            (
                DomainError::SessionClaimed,
                "session_claimed",
                ErrorKind::Conflict,
            ),
            (
                DomainError::SessionGone,
                "session_gone",
                ErrorKind::NotFound,
            ),
            (
                DomainError::NotAuthorizedForPlatform,
                "not_authorized_for_platform",
                ErrorKind::Forbidden,
            ),
            (
                DomainError::IdempotencyKeyReused,
                "idempotency_key_reused",
                ErrorKind::Conflict,
            ),
            (
                DomainError::InvalidOpeningWindow("开标时间窗口已结束"),
                "invalid_opening_window",
                ErrorKind::BadInput,
            ),
            (
                DomainError::HolderMismatch,
                "holder_mismatch",
                ErrorKind::Forbidden,
            ),
        ];
        for (e, code, kind) in cases {
            assert_eq!((e.code(), e.kind()), (code, kind));
            assert!(!e.message().is_empty());
        }
        assert_eq!(
            DomainError::KeyLocked.message(),
            "证书密钥已锁定，请通过短信验证和实名认证解锁"
        );
    }

    #[test]
    fn store_errors_keep_their_kind_and_hide_the_cause() {
        let e: DomainError =
            StoreError::new(StoreErrorKind::Unavailable, "insert user", "secret row").into();
        assert_eq!(e.code(), "internal");
        assert_eq!(e.message(), "服务内部错误");
        assert!(!e.to_string().contains("secret row"));
    }
}
