//! Personal certificates with the built `mca` binary (issue 5): `mca up`,
//! the command-line phone applies, the reviewer CLI rejects and approves,
//! and the server process is killed (SIGKILL) in the middle of an
//! issuance — after the serials are reserved, before the CA signed.
//! Restarted, it signs nothing on its own (no certificate for a key the
//! phone has not finished); the phone's repeated last step issues the pair
//! once: nothing is lost, nothing is issued twice. Then the phone signs
//! (OpenSSL verifies) and decrypts with the CLI.

mod support;

use std::process::Command;

use support::*;

const NUMBER: &str = "13900139000";
const PIN: &str = "112233";

#[test]
fn apply_review_crash_in_issuance_restart_sign_decrypt() {
    let dir = temp_dir("certificates");
    let [port, demo_port] = free_ports();
    let url = format!("http://127.0.0.1:{port}");
    let mut server = up(&dir, port, demo_port);
    let phone = |args: &[&str]| {
        mca(&dir)
            .args(["phone", "--dir", "phone", "--server", &url])
            .args(args)
            .output()
            .unwrap()
    };
    let reviewer = |args: &[&str]| {
        mca(&dir)
            .args(["review", "--dir", "review", "--server", &url])
            .args(args)
            .output()
            .unwrap()
    };

    ok(phone(&["login", "--phone", NUMBER, "--dev-code"]));
    ok(phone(&[
        "verify-identity",
        "--name",
        "王五",
        "--id-number",
        "11010519491231002X",
        "--dev-face",
        "pass",
    ]));
    ok(phone(&[
        "application-form",
        "--ca",
        "ZJCA",
        "--out",
        "form.pdf",
    ]));
    assert!(
        std::fs::read(dir.join("form.pdf"))
            .unwrap()
            .starts_with(b"%PDF-")
    );
    png(&dir.join("photo.png"), 600, 800, [235, 235, 220, 255]);
    png(&dir.join("sig.png"), 200, 60, [20, 20, 40, 255]);
    let app = json(phone(&[
        "apply",
        "--ca",
        "ZJCA",
        "--form-photo",
        "photo.png",
        "--signature",
        "sig.png",
        "--json",
    ]));
    let app_id = app["id"].as_str().unwrap().to_owned();
    assert_eq!(
        json(phone(&["pay", &app_id, "--json"]))["state"],
        "submitted"
    );

    // The reviewer CLI: account by the operator, login, list, look, decide.
    ok(reviewer(&[
        "add-reviewer",
        "--ca",
        "zjca",
        "--username",
        "reviewer1",
        "--display-name",
        "赵审核",
        "--password",
        "Review-2026",
        "--operator-token-file",
        "mca-data/operator-token",
    ]));
    ok(reviewer(&[
        "login",
        "--username",
        "reviewer1",
        "--password",
        "Review-2026",
    ]));
    let pending = json(reviewer(&["list"]));
    assert_eq!(pending[0]["id"], app_id.as_str());
    ok(reviewer(&["show", &app_id, "--save", "pictures"]));
    assert_eq!(
        std::fs::read(dir.join("pictures/form-photo.png")).unwrap(),
        std::fs::read(dir.join("photo.png")).unwrap()
    );
    ok(reviewer(&[
        "reject",
        &app_id,
        "--reason",
        "签名与身份证姓名不符",
    ]));
    let out = phone(&["download", &app_id, "--pin", PIN]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("申请当前状态不允许此操作"),
        "{}",
        text(&out.stderr)
    );
    ok(phone(&["resubmit", &app_id, "--form-photo", "photo.png"]));
    ok(reviewer(&["approve", &app_id]));

    // Steps 1–2 of the download by the phone library on the same state
    // directory: keys generated, possession proven, serials reserved.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let lib_phone = mca_phone::Phone::open(dir.join("phone"), &url).unwrap();
    let mut key = rt.block_on(lib_phone.begin_download(&app_id, PIN)).unwrap();
    assert!(key.signing_certificate.is_none());

    // Kill the server before the CA signs; start it again.
    Command::new("kill")
        .args(["-KILL", &server.0.id().to_string()])
        .status()
        .unwrap();
    server.0.wait().unwrap();
    drop(server);
    let _server = up(&dir, port, demo_port);

    // The restart signed nothing without the phone…
    let certs = json(phone(&["certificates"]));
    assert!(certs.as_array().unwrap().is_empty(), "{certs}");
    // …the phone repeats the last step, twice (a lost answer): exactly
    // one pair.
    rt.block_on(lib_phone.complete_download(&mut key, PIN))
        .unwrap();
    rt.block_on(lib_phone.complete_download(&mut key, PIN))
        .unwrap();
    let certs = json(phone(&["certificates"]));
    let certs = certs.as_array().unwrap();
    assert_eq!(certs.len(), 2, "{certs:?}");
    let usages: Vec<_> = certs.iter().map(|c| c["usage"].as_str().unwrap()).collect();
    assert_eq!(usages, ["signing", "encryption"]);

    // Sign with the CLI; OpenSSL verifies against the certificate.
    let signing_id = certs[0]["id"].as_str().unwrap();
    ok(phone(&["certificate", signing_id, "--out", "signing.pem"]));
    std::fs::write(dir.join("bid.txt"), "投标函".as_bytes()).unwrap();
    ok(phone(&[
        "sign",
        "--key",
        &key.key_id,
        "--in",
        "bid.txt",
        "--out",
        "bid.sig",
        "--pin",
        PIN,
    ]));
    let run = |args: &[&str]| {
        Command::new("openssl")
            .args(args)
            .current_dir(&dir)
            .output()
            .unwrap()
    };
    ok(run(&[
        "x509",
        "-in",
        "signing.pem",
        "-pubkey",
        "-noout",
        "-out",
        "signing.pub",
    ]));
    let verified = ok(run(&[
        "dgst",
        "-sm3",
        "-verify",
        "signing.pub",
        "-sigopt",
        "distid:1234567812345678",
        "-signature",
        "bid.sig",
        "bid.txt",
    ]));
    assert!(text(&verified.stdout).contains("Verified OK"));

    // Decrypt an envelope made to the encryption certificate.
    let encryption = certs[1]["pem"].as_str().unwrap();
    let encryption = mca_pki::cert::Certificate::from_pem(encryption).unwrap();
    let envelope =
        mca_pki::gmt0010::enveloped::seal("开标一览表".as_bytes(), &[&encryption]).unwrap();
    std::fs::write(dir.join("bid.env"), envelope).unwrap();
    ok(phone(&[
        "decrypt",
        "--key",
        &key.key_id,
        "--in",
        "bid.env",
        "--out",
        "bid.out",
        "--pin",
        PIN,
    ]));
    assert_eq!(
        std::fs::read(dir.join("bid.out")).unwrap(),
        "开标一览表".as_bytes()
    );

    // A wrong PIN: one line, non-zero.
    let out = phone(&[
        "sign",
        "--key",
        &key.key_id,
        "--message",
        "x",
        "--pin",
        "000000",
    ]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("mca: ") && stderr.contains("wrong_pin"),
        "{stderr}"
    );
}
