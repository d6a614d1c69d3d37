//! The enterprise stories' shared steps (issue 12): the enterprise of
//! B1, refusals read as (code, detail), a verified user's phone, what a
//! refused request must leave stored, a claimed enterprise with its admin.

use mca_phone::{EnterpriseInfo, Phone, PhoneError};

use super::TestServer;
use super::certified::{approve_as, png, reviewer_token};

/// The admin's phone number in the stories.
pub const ADMIN: &str = "13600136000";
/// The staff member's.
pub const OTHER: &str = "13600136001";
/// The enterprise's unified social credit code.
pub const CODE: &str = "91330100799655058B";
/// Every key's PIN.
pub const PIN: &str = "246810";

pub fn enterprise(name: &str, code: &str) -> EnterpriseInfo {
    EnterpriseInfo {
        name: name.into(),
        credit_code: code.into(),
        legal_representative: "李四".into(),
        legal_representative_id_number: "330106198001011235".into(),
    }
}

/// The problem of a refusal: its code and detail.
pub fn refusal<T: std::fmt::Debug>(result: Result<T, PhoneError>) -> (String, String) {
    match result {
        Err(PhoneError::Refused { code, detail, .. }) => (code, detail.unwrap_or_default()),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// A logged-in phone with a verified identity.
pub async fn verified(server: &TestServer, number: &str, name: &str, id: &str) -> Phone {
    let phone = server.registered(number).await;
    phone.submit_identity(name, id).await.unwrap();
    phone.verify_face(Some(true)).await.unwrap();
    phone
}

/// The user's applications and the enterprise row of `code`: what a
/// refused claim must leave as it was.
pub async fn stored(server: &TestServer, number: &str, code: &str) -> String {
    let phone = mca_domain::Phone::parse(number).unwrap();
    let user = server.store.user_by_phone(&phone).await.unwrap().unwrap();
    let code = mca_domain::CreditCode::parse(code).unwrap();
    format!(
        "{:?} {:?}",
        server.store.applications_of(user.id).await.unwrap(),
        server.store.enterprise_by_credit_code(&code).await.unwrap()
    )
}

pub async fn message_titles(phone: &Phone) -> Vec<String> {
    let messages = phone.messages().await.unwrap();
    messages
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["title"].as_str().unwrap().to_owned())
        .collect()
}

/// The states of the enterprise's authorizations, oldest first.
pub async fn states(admin: &Phone, enterprise: &str) -> Vec<String> {
    let history = admin.enterprise_authorizations(enterprise).await.unwrap();
    history
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["state"].as_str().unwrap().to_owned())
        .collect()
}

pub fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A photographed application form stamped with a red seal (B3): the
/// generated photo mca-forms scores its seal extraction on.
pub fn stamped_form() -> Vec<u8> {
    include_bytes!("../../../mca-forms/testdata/stamped-form.jpg").to_vec()
}

/// `phone` claims the enterprise `name` (`code`), is approved and
/// downloads: the enterprise id and the admin's key id.
pub async fn claimed(
    server: &TestServer,
    phone: &Phone,
    info: &mca_phone::CertificateInfo,
    name: &str,
    code: &str,
) -> (String, String) {
    let picture = png(600, 800, [250, 250, 245, 255]);
    let app = phone
        .claim_enterprise(info, &enterprise(name, code), &picture, &stamped_form())
        .await
        .unwrap();
    let app_id = app["id"].as_str().unwrap().to_owned();
    phone.pay(&app_id).await.unwrap();
    let token = reviewer_token(server, &info.ca_id).await;
    approve_as(server, &token, &app_id).await;
    let key = phone.download(&app_id, PIN).await.unwrap();
    let id = app["enterprise_id"].as_str().unwrap().to_owned();
    (id, key.key_id)
}

/// The user id of the enterprise's (first) staff member, as its admin
/// sees it.
pub async fn staff_id(admin: &Phone, enterprise: &str) -> String {
    let members = admin.enterprise_members(enterprise).await.unwrap();
    members
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "staff")
        .unwrap()["user_id"]
        .as_str()
        .unwrap()
        .to_owned()
}
