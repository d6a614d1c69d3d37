//! `mca rp add|list|rotate|disable` with the built binary against a served
//! `mca serve`: the printed secret authenticates relying-party requests,
//! the list never shows a secret, rotation issues a new key, disabling
//! refuses the relying party, and a wrong operator token is one line on
//! stderr.

mod support;

use std::process::{Output, Stdio};

use support::*;

use serde_json::Value;

const OPERATOR_TOKEN: &str = "cli-rp-operator-token";

fn json_of(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        text(&out.stdout),
        text(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A signed relying-party GET of a session that does not exist: 404 when
/// the key and secret authenticate, 401 when they do not.
fn rp_get_status(base: &str, key_id: &str, secret: &[u8]) -> u16 {
    let path = "/api/rp/v1/sessions/0190f2a0-0000-7000-8000-000000000000";
    let ts = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    // Nonces are single use per relying party: a counter keeps two
    // requests within one second apart.
    static COUNT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nonce = format!("cli-rp-test-{}-{ts}-{n}", std::process::id());
    let mac = mca_crypto::rp::request_mac(secret, "GET", path, ts, &nonce, b"");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        reqwest::Client::new()
            .get(format!("{base}{path}"))
            .header("x-mca-rp-key", key_id)
            .header("x-mca-rp-timestamp", ts.to_string())
            .header("x-mca-rp-nonce", nonce)
            .header("x-mca-rp-signature", hex::encode(mac))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    })
}

#[test]
fn operator_registers_lists_rotates_and_disables_relying_parties() {
    let dir = temp_dir("rp");
    let port = free_port();
    let mut cmd = mca(&dir);
    cmd.args(["serve"])
        .env("MCA_DEV_MODE", "true")
        .env("MCA_LISTEN", format!("127.0.0.1:{port}"))
        .env("MCA_DATABASE_URL", "sqlite://data/mca.db?mode=rwc")
        .env("MCA_KEY_ENCRYPTION_KEY", "00112233445566778899aabbccddeeff")
        .env("MCA_OPERATOR_TOKEN", OPERATOR_TOKEN)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let _server = Server(cmd.spawn().unwrap());
    wait_listening(port);
    let url = format!("http://127.0.0.1:{port}");
    std::fs::write(dir.join("operator-token"), format!("{OPERATOR_TOKEN}\n")).unwrap();
    let rp = |args: &[&str]| {
        mca(&dir)
            .args([
                "rp",
                "--server",
                &url,
                "--operator-token-file",
                "operator-token",
            ])
            .args(args)
            .output()
            .unwrap()
    };

    let out = rp(&[
        "add",
        "--name",
        "浙江省公共资源交易平台",
        "--operations",
        "auth,sign,confirm",
        "--callback-url",
        "https://zjpubservice.example.cn/mca/callback",
    ]);
    let added = json_of(&out);
    assert!(text(&out.stderr).contains("仅显示这一次"));
    assert_eq!(added["display_name"], "浙江省公共资源交易平台");
    assert_eq!(
        added["operations"],
        serde_json::json!(["auth", "sign", "confirm"])
    );
    let id = added["id"].as_str().unwrap().to_owned();
    let key_id = added["key_id"].as_str().unwrap().to_owned();
    let secret = hex::decode(added["secret"].as_str().unwrap()).unwrap();
    assert_eq!(secret.len(), 32);
    assert_eq!(
        rp_get_status(&url, &key_id, &secret),
        404,
        "the printed secret authenticates"
    );
    assert_eq!(rp_get_status(&url, &key_id, &[0u8; 32]), 401);

    // The list (token from the environment this time) shows no secret.
    let out = mca(&dir)
        .args(["rp", "--server", &url, "list"])
        .env("MCA_OPERATOR_TOKEN", OPERATOR_TOKEN)
        .output()
        .unwrap();
    let list = json_of(&out);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], id.as_str());
    assert!(!text(&out.stdout).contains(added["secret"].as_str().unwrap()));
    assert!(list[0].get("secret").is_none());

    let rotated = json_of(&rp(&["rotate", &id]));
    let new_key = rotated["key_id"].as_str().unwrap();
    assert_ne!(new_key, key_id);
    let new_secret = hex::decode(rotated["secret"].as_str().unwrap()).unwrap();
    assert_eq!(rp_get_status(&url, new_key, &new_secret), 404);

    let disabled = json_of(&rp(&["disable", &id]));
    let disabled_at = disabled["disabled_at"].as_str().unwrap_or_default();
    assert!(
        mca_domain::Timestamp::parse_rfc3339(disabled_at).is_some(),
        "{disabled}"
    );
    assert_eq!(rp_get_status(&url, new_key, &new_secret), 403);

    // Bad input: one line on stderr, non-zero exit.
    let out = rp(&["add", "--name", "某平台", "--operations", "launch"]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("mca: ") && stderr.contains("operations"),
        "{stderr}"
    );
    std::fs::write(dir.join("wrong-token"), "not-the-token").unwrap();
    let out = mca(&dir)
        .args([
            "rp",
            "--server",
            &url,
            "--operator-token-file",
            "wrong-token",
            "list",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("HTTP 401"),
        "{}",
        text(&out.stderr)
    );
    let out = mca(&dir)
        .args(["rp", "--server", &url, "list"])
        .output()
        .unwrap();
    assert!(text(&out.stderr).contains("MCA_OPERATOR_TOKEN"));
}
