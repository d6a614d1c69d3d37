use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::StoreResult;
use crate::{MessageId, Timestamp, UserId};

/// What a message is about (M3). Stored as its snake_case name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MessageKind {
    /// 实名认证通过 (A3).
    IdentityVerified,
    /// 登录提醒: a new device logged in.
    NewDeviceLogin,
    /// 手机号已变更 (I1).
    PhoneChanged,
    /// 证书申请失败 (D4/M1, later).
    CertificateApplicationFailed,
    /// 请下载证书 (M6, later).
    DownloadCertificate,
    /// 证书即将到期 (D6/D8).
    CertificateExpiring,
    /// 加入企业申请 (C, later).
    JoinEnterpriseRequest,
    /// 系统通知.
    System,
}

impl MessageKind {
    const ALL: [Self; 8] = [
        Self::IdentityVerified,
        Self::NewDeviceLogin,
        Self::PhoneChanged,
        Self::CertificateApplicationFailed,
        Self::DownloadCertificate,
        Self::CertificateExpiring,
        Self::JoinEnterpriseRequest,
        Self::System,
    ];

    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::IdentityVerified => "identity_verified",
            Self::NewDeviceLogin => "new_device_login",
            Self::PhoneChanged => "phone_changed",
            Self::CertificateApplicationFailed => "certificate_application_failed",
            Self::DownloadCertificate => "download_certificate",
            Self::CertificateExpiring => "certificate_expiring",
            Self::JoinEnterpriseRequest => "join_enterprise_request",
            Self::System => "system",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// What tapping a message does in the app: a named action on a target
/// (e.g. `download_certificate` on an application id).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageAction {
    /// The action, snake_case ("open_devices", "download_certificate").
    pub name: String,
    /// What it acts on (an id), or empty.
    pub target: String,
}

/// One inbox message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// The message.
    pub id: MessageId,
    /// Its recipient.
    pub user_id: UserId,
    /// Its type.
    pub kind: MessageKind,
    /// Short title (Chinese).
    pub title: String,
    /// Body text (Chinese).
    pub body: String,
    /// What tapping it does, if anything.
    pub action: Option<MessageAction>,
    /// When it was sent.
    pub created_at: Timestamp,
    /// When the user read it.
    pub read_at: Option<Timestamp>,
}

/// The inbox.
#[async_trait]
pub trait MessageStore: Send + Sync {
    /// Stores a message.
    async fn insert_message(&self, m: &Message) -> StoreResult<()>;
    /// The user's messages, newest first.
    async fn messages_of(&self, user: UserId) -> StoreResult<Vec<Message>>;
    /// Marks the user's message read (keeps the first read time); `false`
    /// if the user has no such message.
    async fn mark_message_read(
        &self,
        user: UserId,
        id: MessageId,
        at: Timestamp,
    ) -> StoreResult<bool>;
}
