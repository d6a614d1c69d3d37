//! The built `mca` binary: `config example`, `migrate`, `serve` with
//! `phone login` against it, `audit verify`, graceful shutdown on SIGTERM,
//! and bad input (non-zero exit, one-line reason on stderr).

mod support;

use std::process::{Command, Output, Stdio};

use support::*;

/// Non-zero exit and exactly one line on stderr containing `reason`.
fn assert_fails_with(out: &Output, reason: &str) {
    assert!(
        !out.status.success(),
        "unexpected success: {}",
        text(&out.stdout)
    );
    let stderr = text(&out.stderr);
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.contains("验证码已发送"))
        .collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        lines[0].starts_with("mca: ") && lines[0].contains(reason),
        "{stderr}"
    );
}

#[test]
fn config_example_is_a_loadable_configuration() {
    let dir = temp_dir("example");
    let out = mca(&dir).args(["config", "example"]).output().unwrap();
    assert_ok(&out);
    let example = text(&out.stdout);
    assert!(example.contains("MCA_DATABASE_URL") && example.contains("MCA_KEY_ENCRYPTION_KEY"));
    std::fs::write(dir.join("mca.toml"), &example).unwrap();
    // The example as written migrates a database in ./mca-data.
    let out = mca(&dir)
        .args(["migrate", "--config", "mca.toml"])
        .output()
        .unwrap();
    assert_ok(&out);
    assert!(dir.join("mca-data/mca.db").exists());
}

#[test]
fn migrate_twice_and_bad_configuration() {
    let dir = temp_dir("migrate");
    for _ in 0..2 {
        let out = mca(&dir)
            .args(["migrate"])
            .env("MCA_DEV_MODE", "true")
            .env("MCA_DATABASE_URL", "sqlite://db/mca.db?mode=rwc")
            .output()
            .unwrap();
        assert_ok(&out);
        assert!(text(&out.stdout).contains("database migrated (sqlite)"));
    }
    let out = mca(&dir)
        .args(["migrate"])
        .env("MCA_DEV_MODE", "true")
        .env("MCA_LISTEN", "nowhere")
        .output()
        .unwrap();
    assert_fails_with(&out, "invalid configuration");
    let out = mca(&dir).args(["migrate"]).output().unwrap();
    assert_fails_with(&out, "key_encryption_key");
    let out = mca(&dir)
        .args(["migrate", "--config", "missing.toml"])
        .output()
        .unwrap();
    assert_fails_with(&out, "missing.toml");
}

/// Starts `cmd` (a server listening on `port`) and waits until it listens.
fn start(mut cmd: Command, port: u16) -> Server {
    let server = Server(cmd.spawn().unwrap());
    wait_listening(port);
    server
}

/// SIGTERM, then the exit must be clean (graceful shutdown).
fn terminate(server: &mut Server) {
    let pid = server.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = server.0.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

#[test]
fn serve_phone_login_audit_and_graceful_shutdown() {
    let dir = temp_dir("serve");
    let port = free_port();
    let db = "sqlite://data/mca.db?mode=rwc";
    let mut cmd = mca(&dir);
    cmd.args(["serve"])
        .env("MCA_DEV_MODE", "true")
        .env("MCA_LISTEN", format!("127.0.0.1:{port}"))
        .env("MCA_DATABASE_URL", db)
        .env("MCA_KEY_ENCRYPTION_KEY", "00112233445566778899aabbccddeeff")
        .env("MCA_LISTN", "typo")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut server = start(cmd, port);
    let url = format!("http://127.0.0.1:{port}");

    let phone = |args: &[&str]| {
        mca(&dir)
            .args(["phone", "--dir", "phone", "--server", &url])
            .args(args)
            .output()
            .unwrap()
    };
    let out = phone(&["login", "--phone", "13800138000", "--dev-code"]);
    assert_ok(&out);
    assert!(text(&out.stdout).contains("注册成功"));
    assert_ok(&phone(&["set-password", "--password", "Abc123!@"]));
    assert_ok(&phone(&[
        "login-password",
        "--phone",
        "13800138000",
        "--password",
        "Abc123!@",
    ]));
    let out = phone(&["devices"]);
    assert_ok(&out);
    let devices: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Logging in again from the same phone (its device key) is the same
    // device, not a second one.
    assert_eq!(devices.as_array().unwrap().len(), 1, "{devices}");

    // Bad input: one line, non-zero.
    assert_fails_with(
        &phone(&["login", "--phone", "12345", "--dev-code"]),
        "手机号格式不正确",
    );
    assert_fails_with(&phone(&["certificates"]), "尚未实名认证，无法操作");
    assert_fails_with(
        &phone(&[
            "verify-identity",
            "--name",
            "张三",
            "--id-number",
            "330106199003071237",
            "--dev-face",
            "pass",
        ]),
        "身份证号码不正确",
    );
    assert_ok(&phone(&[
        "verify-identity",
        "--name",
        "张三",
        "--id-number",
        "330106199003071236",
        "--dev-face",
        "pass",
    ]));
    assert_ok(&phone(&["certificates"]));

    // The audit chain of that database verifies.
    let out = mca(&dir)
        .args(["audit", "verify"])
        .env("MCA_DEV_MODE", "true")
        .env("MCA_DATABASE_URL", db)
        .output()
        .unwrap();
    assert_ok(&out);
    assert!(text(&out.stdout).contains("audit chain intact"));

    // SIGTERM: the server finishes and exits cleanly.
    terminate(&mut server);
    let mut stderr = String::new();
    std::io::Read::read_to_string(server.0.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert!(
        stderr.contains("MCA_LISTN"),
        "unknown variable warned about: {stderr}"
    );
    assert!(stderr.contains("shutting down"));
    assert!(
        !stderr.contains('\u{1b}'),
        "no colour codes in a piped log: {stderr}"
    );
    // The log holds the development code (by design) but no token.
    let session: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("phone/session.json")).unwrap()).unwrap();
    assert!(!stderr.contains(session["token"].as_str().unwrap()));
    assert!(!stderr.contains("Abc123!@"));
}

#[test]
fn up_serves_the_seeded_catalogue_and_says_how_to_try_it() {
    use std::os::unix::fs::PermissionsExt;

    let dir = temp_dir("up");
    let [port, demo_port] = free_ports();
    let mut cmd = mca(&dir);
    cmd.args(["up", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--demo-listen", &format!("127.0.0.1:{demo_port}")])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut server = start(cmd, port);
    let url = format!("http://127.0.0.1:{port}");
    let out = mca(&dir)
        .args(["phone", "--server", &url, "catalogue"])
        .output()
        .unwrap();
    assert_ok(&out);
    let catalogue = text(&out.stdout);
    for name in ["浙江省", "浙江省公共资源交易中心", "杭州市公共资源交易中心"]
    {
        assert!(catalogue.contains(name), "{name} missing: {catalogue}");
    }
    for secret in ["kek.hex", "operator-token", "ca-passphrase"] {
        let mode = std::fs::metadata(dir.join("mca-data").join(secret))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{secret}");
    }
    terminate(&mut server);
    let mut stdout = String::new();
    std::io::Read::read_to_string(server.0.stdout.as_mut().unwrap(), &mut stdout).unwrap();
    assert!(stdout.contains(&format!("{url}/api/app/v1/")), "{stdout}");
    assert!(stdout.contains("mca phone --server"), "{stdout}");

    // A local CA per CA organization of the catalogue, its key encrypted.
    assert!(stdout.contains("Local CA"), "{stdout}");
    let ca_dirs: Vec<_> = std::fs::read_dir(dir.join("mca-data/ca"))
        .unwrap()
        .collect();
    assert_eq!(ca_dirs.len(), 2, "two CAs in the seeded catalogue");
    let out = mca(&dir)
        .args(["ca", "show", "--dir", "mca-data/ca/zjca"])
        .env(
            "MCA_CA_PASSPHRASE",
            std::fs::read_to_string(dir.join("mca-data/ca-passphrase")).unwrap(),
        )
        .output()
        .unwrap();
    assert_ok(&out);
    assert!(text(&out.stdout).contains("私钥：已解密并与证书匹配"));
    let root = std::fs::read(dir.join("mca-data/ca/zjca/root.pem")).unwrap();

    // A second `mca up` on the same data keeps the keys, the CAs and the
    // catalogue.
    let kek = std::fs::read(dir.join("mca-data/kek.hex")).unwrap();
    let [port, demo_port] = free_ports();
    let mut cmd = mca(&dir);
    cmd.args(["up", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--demo-listen", &format!("127.0.0.1:{demo_port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let _again = start(cmd, port);
    assert_eq!(std::fs::read(dir.join("mca-data/kek.hex")).unwrap(), kek);
    assert_eq!(
        std::fs::read(dir.join("mca-data/ca/zjca/root.pem")).unwrap(),
        root
    );
    let url = format!("http://127.0.0.1:{port}");
    let out = mca(&dir)
        .args(["phone", "--server", &url, "catalogue"])
        .output()
        .unwrap();
    assert_ok(&out);
    assert_eq!(
        text(&out.stdout).matches("杭州市公共资源交易中心").count(),
        1,
        "seeding is idempotent"
    );
}

#[test]
fn local_mistakes_are_one_line_in_chinese() {
    let dir = temp_dir("local-mistakes");
    let run = |args: &[&str]| mca(&dir).args(args).output().unwrap();
    // A missing file fails before any request, in Chinese, not the OS's
    // English.
    let out = run(&[
        "phone",
        "apply",
        "--ca",
        "ZJCA",
        "--form-photo",
        "missing.jpg",
    ]);
    assert_fails_with(&out, "无法读取文件 missing.jpg: 文件或目录不存在");
    assert!(
        !text(&out.stderr).contains("No such file"),
        "{}",
        text(&out.stderr)
    );
    // Arguments clap refuses: one Chinese line instead of its usage text.
    assert_fails_with(&run(&["phone", "pay"]), "缺少必需参数");
    assert_fails_with(&run(&["phone", "--bogus", "status"]), "未知参数 --bogus");
    assert_fails_with(&run(&["phone", "nonsense"]), "未知命令 nonsense");
    assert_fails_with(
        &run(&[
            "phone",
            "verify-identity",
            "--name",
            "张三",
            "--id-number",
            "1",
            "--dev-face",
            "maybe",
        ]),
        "的值 “maybe” 无效",
    );
    // Nobody listening.
    assert_fails_with(
        &run(&[
            "phone",
            "--server",
            &format!("http://127.0.0.1:{}", free_port()),
            "catalogue",
        ]),
        "无法连接服务器",
    );
    // Help is still help.
    let out = run(&["phone", "--help"]);
    assert_ok(&out);
    assert!(text(&out.stdout).contains("Usage"));
}
