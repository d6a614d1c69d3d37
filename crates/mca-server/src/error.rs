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
    /// Why, where one code has several causes: for `invalid_upload`
    /// `too_large`, `unsupported_format`, `corrupt`, `bad_dimensions` or
    /// `blank`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
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
    reason: Option<&'static str>,
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
            reason: None,
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

    /// A problem for an error `status` that some layer answered without
    /// one (hyper, tower, an extractor of axum's own): a stable code and a
    /// Chinese title per status, nothing of the original body.
    pub fn for_status(status: StatusCode) -> Self {
        let (code, title) = match status.as_u16() {
            401 => ("unauthenticated", "请先登录"),
            403 => ("forbidden", "无权进行此操作"),
            404 => ("not_found", "未找到"),
            405 => ("method_not_allowed", "不支持该请求方法"),
            406 => ("not_acceptable", "无法提供所要求的内容格式"),
            408 => ("request_timeout", "请求超时"),
            411 => ("length_required", "请求须带 Content-Length"),
            413 => ("body_too_large", "请求内容过大"),
            414 => ("uri_too_long", "请求地址过长"),
            415 => ("unsupported_media_type", "不支持的内容类型"),
            422 => ("invalid_input", "请求内容不正确"),
            429 => ("rate_limited", "请求过于频繁，请稍后重试"),
            431 => ("headers_too_large", "请求头过大"),
            503 | 504 => ("unavailable", "服务暂不可用，请稍后重试"),
            500..=599 => ("internal", "服务器内部错误，请稍后重试"),
            _ => ("bad_request", "请求格式错误"),
        };
        ApiError::new(status, code, title)
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
            reason: self.reason.map(str::to_owned),
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
            DomainError::InvalidUpload { error: cause, .. } => ApiError {
                reason: cause.upload_reason(),
                ..error.with_detail(cause.message())
            },
            DomainError::InvalidOpeningWindow(reason) => error.with_detail(reason),
            DomainError::EnterpriseClaimed { ca } => error.with_detail(format!(
                "该企业已有管理员，请通过“加入企业”向管理员申请；如对认领有异议，请联系该企业管理员证书的发证机构{ca}"
            )),
            DomainError::EnterpriseClaimOpen => error.with_detail(
                "该企业的认领申请正在审核或等待补正，同一企业同时只能有一个认领申请",
            ),
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

/// The last line of "every error is a problem document": a response
/// layer turning any 4xx/5xx without `application/problem+json` (from a
/// layer or extractor that does not know our shape) into one for its
/// status. Headers that still matter (`Allow`, `Retry-After`,
/// `WWW-Authenticate`) are kept; the original body is dropped unread.
pub async fn ensure_problem(response: Response) -> Response {
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let mut problem = ApiError::for_status(status).into_response();
    for name in [header::ALLOW, header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
        if let Some(value) = response.headers().get(&name) {
            problem.headers_mut().insert(name, value.clone());
        }
    }
    problem
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
    fn upload_refusals_say_why() {
        let e = ApiError::from(DomainError::InvalidUpload {
            field: "form_photo",
            error: mca_forms::Error::UnsupportedFormat(mca_forms::Upload::FormPhoto),
        });
        let p = e.problem();
        assert_eq!((p.status, p.code.as_str()), (422, "invalid_upload"));
        assert_eq!(p.reason.as_deref(), Some("unsupported_format"));
        assert_eq!(
            p.detail.as_deref(),
            Some("申请书照片格式不支持：仅接受 JPEG 或 PNG")
        );
    }

    #[tokio::test]
    async fn plain_error_responses_become_problems() {
        let plain = (
            StatusCode::PAYLOAD_TOO_LARGE,
            [(header::RETRY_AFTER, "5")],
            "length limit exceeded",
        )
            .into_response();
        let response = ensure_problem(plain).await;
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(response.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
        assert_eq!(response.headers()[header::RETRY_AFTER], "5");
        let body = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        let p: Problem = serde_json::from_slice(&body).unwrap();
        assert_eq!((p.status, p.code.as_str()), (413, "body_too_large"));
        // Successes and problems pass untouched.
        let ok = ensure_problem("fine".into_response()).await;
        assert_eq!(
            ok.headers()[header::CONTENT_TYPE],
            "text/plain; charset=utf-8"
        );
        let problem = ensure_problem(ApiError::not_found().into_response()).await;
        assert_eq!(problem.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
    }

    #[test]
    fn internal_errors_do_not_echo_their_cause() {
        let p = ApiError::internal(&"database password=hunter2 refused").problem();
        assert_eq!(p.status, 500);
        assert!(p.detail.is_none());
        assert!(!p.title.contains("hunter2"));
    }
}
