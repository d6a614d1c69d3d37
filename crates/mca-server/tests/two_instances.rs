//! Two server instances (two routers, two connection pools) on one
//! PostgreSQL database serve one user alternately, as behind a load
//! balancer: codes, sessions, nonces and the audit chain live in the
//! database, not in either process.

mod support;

use mca_phone::phone::Purpose;
use mca_phone::{PhoneError, Tamper};
use mca_store::scratch::{POSTGRES_URL_VAR, Scratch};
use reqwest::Method;
use serde_json::Value;
use support::TestServer;

const ALICE: &str = "13800138000";

#[tokio::test]
async fn two_instances_on_one_postgres_database() {
    let Some(scratch) = Scratch::postgres_from_env().await.unwrap() else {
        eprintln!("SKIPPED two_instances_on_one_postgres_database: {POSTGRES_URL_VAR} is not set");
        return;
    };
    let second_db = scratch.second_instance().await.unwrap();
    let a = TestServer::start(&scratch.db).await;
    let b = TestServer::start(&second_db).await;

    // Code sent by A, typed into B: registers on B.
    let on_a = a.phone();
    on_a.send_code(ALICE, Purpose::Login).await.unwrap();
    let code = on_a.dev_code(ALICE).await.unwrap();
    let mut on_b = b.same_phone_on(&on_a);
    assert!(on_b.login_with_code(ALICE, &code).await.unwrap());
    // …and the code is used up for A too.
    let result = a.phone().login_with_code(ALICE, &code).await;
    assert_eq!(result.unwrap_err().code(), Some("code_used"));

    // The session made on B works on A, request after request.
    let on_a = a.same_phone_on(&on_b);
    on_a.set_password("Abc123!@").await.unwrap();
    on_b.change_password("Abc123!@", "Def456#$").await.unwrap();
    on_a.submit_identity("张三", "330106199003071236")
        .await
        .unwrap();
    let session = on_b.start_face().await.unwrap();
    // The development face verdict lives in instance A's process memory
    // only; the provider's answer is read where the verdict was given.
    on_a.dev_decide_face(session["session_id"].as_str().unwrap(), true)
        .await
        .unwrap();
    assert_eq!(on_a.face_result().await.unwrap()["state"], "verified");
    assert_eq!(on_b.certificates().await.unwrap(), Value::Array(vec![]));
    assert_eq!(on_b.devices().await.unwrap().as_array().unwrap().len(), 1);

    // A nonce used on A is a replay on B.
    let nonce = "fedcba9876543210fedcba9876543210".to_string();
    let path = format!("{}/me/messages", mca_phone::phone::APP);
    let first = on_a.client().signed_raw(
        Method::GET,
        &path,
        None,
        Tamper {
            nonce: Some(nonce.clone()),
            ..Tamper::default()
        },
    );
    assert_eq!(first.await.unwrap().status, 200);
    let again = on_b.client().signed_raw(
        Method::GET,
        &path,
        None,
        Tamper {
            nonce: Some(nonce),
            ..Tamper::default()
        },
    );
    let again = again.await.unwrap();
    assert_eq!(
        (again.status, again.body["code"].as_str()),
        (401, Some("replay"))
    );

    // Password login on either instance.
    a.phone()
        .login_with_password(ALICE, "Def456#$")
        .await
        .unwrap();
    match b.phone().login_with_password(ALICE, "Abc123!@").await {
        Err(PhoneError::Refused { code, .. }) => assert_eq!(code, "wrong_credentials"),
        other => panic!("old password accepted: {other:?}"),
    }

    // Both instances appended to one audit chain, which verifies.
    let report = b.operator_get("/audit/verify").await;
    assert_eq!(report["status"], "intact", "{report}");

    a.stop().await;
    b.stop().await;
    second_db.close().await;
    scratch.drop_all().await.unwrap();
}
