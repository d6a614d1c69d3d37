//! [`CoreError`]: why a phone operation stopped, in Chinese as the person at
//! the phone reads it. Never holds a PIN, share, token or code.

/// Why a phone operation stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    /// The server refused, with its RFC 9457 problem.
    #[error("{title}{}（{code}，HTTP {status}）", detail.as_deref().filter(|d| d != title).map(|d| format!("：{d}")).unwrap_or_default())]
    Refused {
        /// HTTP status.
        status: u16,
        /// The problem's stable code (`wrong_pin`, `key_locked`, …).
        code: String,
        /// The problem's user-facing title.
        title: String,
        /// The problem's detail, if any.
        detail: Option<String>,
        /// A wrong PIN's `attempts_left` before the key locks.
        attempts_left: Option<u32>,
    },
    /// The server answered something the phone does not accept: a
    /// malformed answer, or one that breaks a rule the phone checks (a
    /// public key that does not match, a challenge for other bytes, a
    /// certificate for another key).
    #[error("服务器的回答不符合预期: {0}")]
    Protocol(String),
    /// A key operation failed here.
    #[error("密钥运算失败: {0}")]
    Crypto(String),
    /// The input breaks a rule the app checks before sending (PIN format,
    /// a link that is not a Mobile CA link).
    #[error("{0}")]
    Input(String),
    /// The phone's own keys cannot do this (no encryption share yet, no
    /// certificate, no key at all).
    #[error("{0}")]
    State(String),
    /// The machine was driven after it finished.
    #[error("操作已结束")]
    Finished,
}

impl CoreError {
    /// The error for a non-success answer carrying a problem document.
    pub fn from_problem(status: u16, body: &serde_json::Value) -> Self {
        let text = |k: &str| body.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        CoreError::Refused {
            status,
            code: text("code").unwrap_or_else(|| "unknown".into()),
            title: text("title").unwrap_or_else(|| "请求失败".into()),
            detail: text("detail"),
            attempts_left: body
                .get("attempts_left")
                .and_then(|v| v.as_u64())
                .and_then(|n| u32::try_from(n).ok()),
        }
    }

    /// The problem's stable code if the server refused; otherwise a code
    /// for the kind of local failure (`protocol`, `crypto`, `invalid_input`,
    /// `state`, `finished`), so a UI can branch on one field.
    pub fn code(&self) -> &str {
        match self {
            CoreError::Refused { code, .. } => code,
            CoreError::Protocol(_) => "protocol",
            CoreError::Crypto(_) => "crypto",
            CoreError::Input(_) => "invalid_input",
            CoreError::State(_) => "state",
            CoreError::Finished => "finished",
        }
    }

    /// A wrong PIN's attempts left, if the server said.
    pub fn attempts_left(&self) -> Option<u32> {
        match self {
            CoreError::Refused { attempts_left, .. } => *attempts_left,
            _ => None,
        }
    }

    pub(crate) fn protocol(what: &str) -> Self {
        CoreError::Protocol(what.to_owned())
    }
}

impl From<mca_crypto::Error> for CoreError {
    fn from(e: mca_crypto::Error) -> Self {
        CoreError::Crypto(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn problems_become_refusals_with_attempts_left() {
        let e = CoreError::from_problem(
            403,
            &json!({"code": "wrong_pin", "title": "PIN码错误", "detail": "还可尝试4次", "attempts_left": 4}),
        );
        assert_eq!(e.code(), "wrong_pin");
        assert_eq!(e.attempts_left(), Some(4));
        assert_eq!(
            e.to_string(),
            "PIN码错误：还可尝试4次（wrong_pin，HTTP 403）"
        );
        let bare = CoreError::from_problem(502, &serde_json::Value::Null);
        assert_eq!(bare.code(), "unknown");
        assert_eq!(bare.attempts_left(), None);
        assert_eq!(bare.to_string(), "请求失败（unknown，HTTP 502）");
    }
}
