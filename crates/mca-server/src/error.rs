//! The one error type of the HTTP edge, rendered as an RFC 9457 problem.
//!
//! Which error to use where: handlers return `Result<_, ApiError>` and build
//! nothing else. A domain error converts with `?` (its stable code and
//! Chinese message become `code` and `title`); request-shape failures (bad
//! JSON, oversized body, missing signature headers) use the constructors
//! here. Internal failures become an opaque 500 whose cause is logged, never
//! sent: a problem body never echoes an internal message.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mca_domain::{DomainError, ErrorKind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Media type of problem documents.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem document as sent on the wire.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Problem {
    /// URI naming the problem type: `urn:mca:problem:<code>`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Short user-facing text (简体中文), the same for every occurrence.
    pub title: String,
    /// HTTP status code.
    pub status: u16,
    /// This occurrence, in more detail (user-facing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Stable machine-readable code, e.g. `not_verified`.
    pub code: String,
    /// `wrong_pin` only: PIN attempts left before the key locks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts_left: Option<u32>,
}

/// An error answered to an HTTP client.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    title: String,
    detail: Option<String>,
    /// Seconds for the `Retry-After` header of a 429.
    retry_after: Option<i64>,
    /// The `attempts_left` extension of a wrong PIN.
    attempts_left: Option<u32>,
}

impl ApiError {
    /// An error with a status, a stable code and a Chinese title.
    pub fn new(status: StatusCode, code: &'static str, title: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            title: title.into(),
            detail: None,
            retry_after: None,
            attempts_left: None,
        }
    }

    /// Adds a user-facing detail for this occurrence.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// The request body is not the JSON this endpoint takes.
    pub fn bad_json(detail: impl Into<String>) -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_body",
            "请求内容格式错误",
        )
        .with_detail(detail)
    }

    /// The request body is larger than the configured limit.
    pub fn body_too_large() -> Self {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            "请求内容过大",
        )
    }

    /// The request lacks valid credentials (token, device signature).
    pub fn unauthenticated(detail: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "请先登录").with_detail(detail)
    }

    /// No such resource or route.
    pub fn not_found() -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "未找到")
    }

    /// An internal failure: logged here with its cause, answered opaquely.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "服务器内部错误，请稍后重试",
        )
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The problem document.
    pub fn problem(&self) -> Problem {
        Problem {
            type_: format!("urn:mca:problem:{}", self.code),
            title: self.title.clone(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.to_owned(),
            attempts_left: self.attempts_left,
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        let status = match e.kind() {
            ErrorKind::BadInput => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorKind::Forbidden => StatusCode::FORBIDDEN,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Conflict => StatusCode::CONFLICT,
            ErrorKind::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorKind::Unavailable => {
                tracing::warn!(error = %e, "provider unavailable");
                StatusCode::SERVICE_UNAVAILABLE
            }
            _ => return ApiError::internal(&e),
        };
        // A collected session past retention is gone for good, not "never
        // existed": 410, so a relying party stops polling.
        let status = if matches!(e, DomainError::SessionGone) {
            StatusCode::GONE
        } else {
            status
        };
        let error = ApiError::new(status, e.code(), e.message());
        match e {
            DomainError::RateLimited { retry_after } => ApiError {
                retry_after: Some(retry_after),
                ..error.with_detail(format!("请在{retry_after}秒后重试"))
            },
            DomainError::InvalidInput(field) => error.with_detail(format!("字段 {field} 不正确")),
            DomainError::InvalidOpeningWindow(reason) => error.with_detail(reason),
            // The phone shows how many tries are left and lets the user
            // retry within the same session.
            DomainError::WrongPin { remaining } => ApiError {
                attempts_left: Some(remaining),
                ..error.with_detail(format!("还可尝试{remaining}次，连续输错5次将锁定证书密钥"))
            },
            _ => error,
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.code)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn renders_rfc9457_with_problem_media_type() {
        let response = ApiError::bad_json("第1行").into_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(response.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
        let body = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["type"], "urn:mca:problem:malformed_body");
        assert_eq!(v["title"], "请求内容格式错误");
        assert_eq!(v["status"], 400);
        assert_eq!(v["detail"], "第1行");
        assert_eq!(v["code"], "malformed_body");
    }

    #[test]
    fn domain_errors_keep_code_and_chinese_message() {
        let p = ApiError::from(DomainError::IdentityNotVerified).problem();
        assert_eq!(
            (p.status, p.code.as_str(), p.title.as_str()),
            (403, "identity_not_verified", "尚未实名认证，无法操作")
        );
        let e = ApiError::from(DomainError::RateLimited { retry_after: 42 });
        let p = e.problem();
        assert_eq!(
            (p.status, p.detail.as_deref()),
            (429, Some("请在42秒后重试"))
        );
        assert_eq!(e.into_response().headers()[header::RETRY_AFTER], "42");
        assert_eq!(
            ApiError::from(DomainError::InvalidPhone).status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }

    #[test]
    fn internal_errors_do_not_echo_their_cause() {
        let p = ApiError::internal(&"database password=hunter2 refused").problem();
        assert_eq!(p.status, 500);
        assert!(p.detail.is_none());
        assert!(!p.title.contains("hunter2"));
    }
}
