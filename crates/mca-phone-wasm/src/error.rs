//! `PhoneError`, the one shape every rejected promise carries:
//! `{ code, title, detail?, status?, attempts_left? }`, titles in Chinese.
//!
//! Built only from fixed texts and the server's problem documents, so no
//! token, SMS code, PIN or share can reach an error (or the console that
//! shows it).

use mca_phone_core::CoreError;
use serde::Serialize;
use wasm_bindgen::JsValue;

/// A failed operation, as the UI shows it (`detail ?? title`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhoneError {
    /// Stable code: the server's problem code, or one of this shell's.
    pub code: String,
    /// Short Chinese title.
    pub title: String,
    /// Longer Chinese explanation, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// HTTP status when the server refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// A wrong PIN's tries left before the key locks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts_left: Option<u32>,
}

impl PhoneError {
    fn local(code: &str, title: &str, detail: Option<String>) -> Self {
        PhoneError {
            code: code.to_owned(),
            title: title.to_owned(),
            detail,
            status: None,
            attempts_left: None,
        }
    }

    /// No session: log in first.
    pub fn not_logged_in() -> Self {
        Self::local("not_logged_in", "尚未登录", Some("请先登录".to_owned()))
    }

    /// The server could not be reached (no HTTP answer at all).
    pub fn network() -> Self {
        Self::local(
            "network",
            "无法连接服务器",
            Some("请检查网络连接后重试".to_owned()),
        )
    }

    /// The browser's storage (IndexedDB, WebCrypto) failed.
    pub fn storage() -> Self {
        Self::local(
            "storage",
            "手机存储出错",
            Some("浏览器无法读写本应用的数据，请确认未使用无痕模式".to_owned()),
        )
    }

    /// The server answered something this phone does not understand.
    pub fn protocol(status: u16) -> Self {
        let mut e = Self::local("protocol", "服务器的回答无法识别", None);
        e.status = Some(status);
        e
    }

    /// An argument from the UI is unusable (a message made for the UI).
    pub fn invalid_input(detail: &str) -> Self {
        Self::local("invalid_input", "输入有误", Some(detail.to_owned()))
    }

    /// A non-success answer carrying an RFC 9457 problem document.
    pub fn from_problem(status: u16, body: &serde_json::Value) -> Self {
        let text = |k: &str| body.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        PhoneError {
            code: text("code").unwrap_or_else(|| "unknown".to_owned()),
            title: text("title").unwrap_or_else(|| "请求失败".to_owned()),
            detail: text("detail"),
            status: Some(status),
            attempts_left: body
                .get("attempts_left")
                .and_then(|v| v.as_u64())
                .and_then(|n| u32::try_from(n).ok()),
        }
    }

    /// The plain JS object a promise rejects with.
    pub fn to_js(&self) -> JsValue {
        let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
        self.serialize(&serializer)
            .unwrap_or_else(|_| JsValue::from_str(&self.title))
    }
}

impl From<CoreError> for PhoneError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Refused {
                status,
                code,
                title,
                detail,
                attempts_left,
            } => PhoneError {
                code,
                title,
                detail,
                status: Some(status),
                attempts_left,
            },
            // The core's own messages are Chinese and hold no secrets.
            CoreError::Input(message) => Self::invalid_input(&message),
            CoreError::State(message) => Self::local("state", "无法进行此操作", Some(message)),
            CoreError::Protocol(_) => {
                Self::local("protocol", "服务器的回答不符合预期", Some(e.to_string()))
            }
            CoreError::Crypto(_) => Self::local("crypto", "密钥运算失败", Some(e.to_string())),
            other => Self::local(other.code(), &other.to_string(), None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_problem_keeps_code_title_detail_and_attempts() {
        let body = json!({
            "code": "wrong_pin", "title": "PIN 码错误", "detail": "还可尝试 3 次",
            "status": 403, "attempts_left": 3
        });
        let e = PhoneError::from_problem(403, &body);
        assert_eq!(e.code, "wrong_pin");
        assert_eq!(e.title, "PIN 码错误");
        assert_eq!(e.detail.as_deref(), Some("还可尝试 3 次"));
        assert_eq!((e.status, e.attempts_left), (Some(403), Some(3)));
    }

    #[test]
    fn a_body_that_is_no_problem_still_gives_a_chinese_title() {
        let e = PhoneError::from_problem(502, &serde_json::Value::Null);
        assert_eq!((e.code.as_str(), e.title.as_str()), ("unknown", "请求失败"));
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(
            json,
            json!({ "code": "unknown", "title": "请求失败", "status": 502 })
        );
    }

    #[test]
    fn core_errors_keep_their_code_and_chinese_text() {
        let refused =
            CoreError::from_problem(403, &json!({ "code": "key_locked", "title": "密钥已锁定" }));
        let e = PhoneError::from(refused);
        assert_eq!((e.code.as_str(), e.status), ("key_locked", Some(403)));
        let e = PhoneError::from(CoreError::Input("这不是移动证书的二维码".into()));
        assert_eq!(e.code, "invalid_input");
        assert_eq!(e.detail.as_deref(), Some("这不是移动证书的二维码"));
        let e = PhoneError::from(CoreError::State(
            "本机没有可用的证书密钥：请先下载证书".into(),
        ));
        assert_eq!(e.code, "state");
        assert_eq!(PhoneError::from(CoreError::Finished).code, "finished");
    }
}
