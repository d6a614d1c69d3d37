//! The input checks of the core, exported to JS as `checkX(text)`:
//! `null` when valid, else the Chinese message to show under the field.

use wasm_bindgen::prelude::*;

/// `null` (not `undefined`, which an `Option` gives) for a valid input.
fn shown(message: Option<String>) -> JsValue {
    match message {
        Some(m) => JsValue::from_str(&m),
        None => JsValue::NULL,
    }
}

/// 手机号.
#[wasm_bindgen(js_name = checkPhone)]
pub fn check_phone(text: &str) -> JsValue {
    shown(mca_phone_core::check_phone(text))
}

/// 姓名.
#[wasm_bindgen(js_name = checkName)]
pub fn check_name(text: &str) -> JsValue {
    shown(mca_phone_core::check_name(text))
}

/// 身份证号码 (GB 11643, with the check character).
#[wasm_bindgen(js_name = checkIdNumber)]
pub fn check_id_number(text: &str) -> JsValue {
    shown(mca_phone_core::check_id_number(text))
}

/// 登录密码 (the server's password rule).
#[wasm_bindgen(js_name = checkPassword)]
pub fn check_password(text: &str) -> JsValue {
    shown(mca_phone_core::check_password(text))
}

/// 证书PIN码 (6 digits).
#[wasm_bindgen(js_name = checkPin)]
pub fn check_pin(text: &str) -> JsValue {
    shown(mca_phone_core::check_pin(text))
}

/// 短信验证码.
#[wasm_bindgen(js_name = checkSmsCode)]
pub fn check_sms_code(text: &str) -> JsValue {
    shown(mca_phone_core::check_sms_code(text))
}

/// 统一社会信用代码 (GB 32100, with the check character).
#[wasm_bindgen(js_name = checkCreditCode)]
pub fn check_credit_code(text: &str) -> JsValue {
    shown(mca_phone_core::check_credit_code(text))
}

/// 企业名称.
#[wasm_bindgen(js_name = checkEnterpriseName)]
pub fn check_enterprise_name(text: &str) -> JsValue {
    shown(mca_phone_core::check_enterprise_name(text))
}
