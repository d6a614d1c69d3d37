//! Claiming an enterprise with the built `mca` binary (issue 12, B1–B4):
//! against `mca up`, the command-line phone writes the enterprise form,
//! is refused a bad credit code in one Chinese line, claims, pays, and
//! lists the enterprise as being claimed; the reviewer CLI saves the
//! business licence with the other pictures. The whole story (review,
//! 重新申请, download, admin) is the server's `tests/enterprises.rs`.

mod support;

use support::*;

const NUMBER: &str = "13700137000";
const CODE: &str = "91330100799655058B";

#[test]
fn claim_form_bad_code_claim_list_review() {
    let dir = temp_dir("enterprises");
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let _server = up(&dir, port, free_port());
    let phone = |args: &[&str]| {
        mca(&dir)
            .args(["phone", "--dir", "phone", "--server", &url])
            .args(args)
            .output()
            .unwrap()
    };
    let enterprise = |command: &str, code: &str, rest: &[&str]| {
        let mut args = vec!["enterprise", command, "--ca", "ZJCA"];
        args.extend([
            "--name",
            "杭州示例科技有限公司",
            "--credit-code",
            code,
            "--legal-rep",
            "李四",
            "--legal-rep-id",
            "330106198001011235",
        ]);
        args.extend(rest);
        phone(&args)
    };

    ok(phone(&["login", "--phone", NUMBER, "--dev-code"]));
    ok(phone(&[
        "verify-identity",
        "--name",
        "张三",
        "--id-number",
        "11010519491231002X",
        "--dev-face",
        "pass",
    ]));

    ok(enterprise("claim-form", CODE, &["--out", "claim.pdf"]));
    assert!(
        std::fs::read(dir.join("claim.pdf"))
            .unwrap()
            .starts_with(b"%PDF-")
    );

    png(&dir.join("licence.png"), 800, 600, [250, 240, 230, 255]);
    png(&dir.join("form.png"), 600, 800, [255, 250, 250, 255]);
    let pictures = ["--licence", "licence.png", "--form-photo", "form.png"];

    // The check character is wrong: refused before anything is stored.
    let out = enterprise("claim", "91330100799655058C", &pictures);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("mca: ") && stderr.contains("统一社会信用代码"),
        "{stderr}"
    );

    let mut args = pictures.to_vec();
    args.push("--json");
    let app = json(enterprise("claim", CODE, &args));
    assert_eq!(app["subject"], "enterprise", "{app}");
    let app_id = app["id"].as_str().unwrap().to_owned();

    let mine = json(phone(&["enterprise", "list", "--json"]));
    assert_eq!(mine[0]["state"], "claiming", "{mine}");
    assert_eq!(mine[0]["credit_code"], CODE);
    let listed = text(&ok(phone(&["enterprise", "list"])).stdout);
    assert!(
        listed.contains(CODE) && listed.contains("认领中"),
        "{listed}"
    );

    // Paid, the reviewer sees the enterprise and saves its licence.
    ok(phone(&["pay", &app_id]));
    let reviewer = |args: &[&str]| {
        mca(&dir)
            .args(["review", "--dir", "review", "--server", &url])
            .args(args)
            .output()
            .unwrap()
    };
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
    let item = json(reviewer(&["show", &app_id, "--save", "pictures"]));
    assert_eq!(item["enterprise"]["credit_code"], CODE, "{item}");
    assert_eq!(
        std::fs::read(dir.join("pictures/licence.png")).unwrap(),
        std::fs::read(dir.join("licence.png")).unwrap()
    );
}
