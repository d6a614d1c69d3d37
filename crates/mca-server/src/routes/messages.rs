//! The inbox (M3): typed messages with an action and a read state.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use mca_domain::store::Message;
use mca_domain::{DomainError, MessageId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, Problem};
use crate::extract::{AppPath, Signed};
use crate::state::AppState;

/// What tapping a message does.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActionView {
    /// Button label, e.g. `下载证书`.
    pub name: String,
    /// App route it opens.
    pub target: String,
}

/// One message.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageView {
    /// Message id.
    pub id: String,
    /// Kind, e.g. `identity_verified`, `download_certificate`.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Text.
    pub body: String,
    /// What the message offers to do.
    pub action: Option<ActionView>,
    /// Sent at, RFC 3339 (UTC), e.g. `2026-11-24T08:30:00Z`.
    pub created_at: String,
    /// Read at, RFC 3339 (UTC); `null` while unread.
    pub read_at: Option<String>,
}

impl From<Message> for MessageView {
    fn from(m: Message) -> Self {
        MessageView {
            id: m.id.to_string(),
            kind: m.kind.as_str().to_owned(),
            title: m.title,
            body: m.body,
            action: m.action.map(|a| ActionView {
                name: a.name,
                target: a.target,
            }),
            created_at: m.created_at.rfc3339(),
            read_at: m.read_at.map(|t| t.rfc3339()),
        }
    }
}

/// The inbox, newest first.
#[utoipa::path(get, path = "/api/app/v1/me/messages", tag = "messages", security(("device" = [])),
    responses((status = 200, body = Vec<MessageView>)))]
pub async fn list(
    State(state): State<AppState>,
    req: Signed<()>,
) -> Result<Json<Vec<MessageView>>, ApiError> {
    let messages = state.services.messages.list(req.caller.user).await?;
    Ok(Json(messages.into_iter().map(MessageView::from).collect()))
}

/// Marks a message read.
#[utoipa::path(post, path = "/api/app/v1/me/messages/{id}/read", tag = "messages", security(("device" = [])),
    params(("id" = String, Path, description = "Message id")),
    responses((status = 204, description = "Marked read"),
        (status = 404, description = "No such message of this account", body = Problem, content_type = "application/problem+json")))]
pub async fn mark_read(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    req: Signed<()>,
) -> Result<StatusCode, ApiError> {
    let id = MessageId::parse(&id).ok_or(DomainError::NotFound("message"))?;
    state
        .services
        .messages
        .mark_read(req.caller.user, id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
