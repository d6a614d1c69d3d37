//! Claiming and joining an enterprise with the built `mca` binary (issue
//! 12, B1–B6, C1–C4): against `mca up`, the command-line phone writes the
//! enterprise form, is refused a bad credit code in one Chinese line,
//! claims, pays, and lists the enterprise as being claimed; the reviewer
//! CLI saves the business licence with the other pictures, approves, and
//! the claimant downloads as admin. A second phone looks the enterprise
//! up, is refused a wrong admin in one Chinese line, joins and pays; the
//! admin lists and seals the request, the reviewer sees the seal verified
//! and saves letter and seal, approves, and the staff member downloads.
//! The whole story (rate limit, D1, D2 at relying parties) is the server's
//! `tests/enterprises.rs`; this is the binary's wiring.

mod support;

use support::*;

const NUMBER: &str = "13700137000";
const STAFF: &str = "13700137001";
const CODE: &str = "91330100799655058B";
const PIN: &str = "246810";

#[test]
fn claim_review_download_then_join_seal_review_download() {
    let dir = temp_dir("enterprises");
    let [port, demo_port] = free_ports();
    let url = format!("http://127.0.0.1:{port}");
    let _server = up(&dir, port, demo_port);
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
    png(&dir.join("unstamped.png"), 600, 800, [255, 250, 250, 255]);
    let stamped = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../mca-forms/testdata/stamped-form.jpg"
    );
    std::fs::copy(stamped, dir.join("form.jpg")).unwrap();
    let pictures = ["--licence", "licence.png", "--form-photo", "form.jpg"];

    // B3: the seal found in the stamped form, written out to check; a
    // photo without a red seal says so in one line.
    let preview = ["--form-photo", "form.jpg", "--out", "seal.png"];
    ok(phone(
        &[&["enterprise", "seal-preview"][..], &preview].concat(),
    ));
    assert!(
        std::fs::read(dir.join("seal.png"))
            .unwrap()
            .starts_with(b"\x89PNG")
    );
    let out = phone(&[
        "enterprise",
        "seal-preview",
        "--form-photo",
        "unstamped.png",
    ]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("红色印章") && stderr.lines().count() == 1,
        "{stderr}"
    );

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

    // Approved and downloaded, the claimant is the enterprise's admin.
    ok(reviewer(&["approve", &app_id]));
    let key = json(phone(&["download", &app_id, "--pin", PIN]));
    let admin_key = key["key_id"].as_str().unwrap().to_owned();

    // C1: a second phone finds the enterprise by its name and code.
    let staff = |args: &[&str]| {
        mca(&dir)
            .args(["phone", "--dir", "staff", "--server", &url])
            .args(args)
            .output()
            .unwrap()
    };
    ok(staff(&["login", "--phone", STAFF, "--dev-code"]));
    ok(staff(&[
        "verify-identity",
        "--name",
        "王五",
        "--id-number",
        "330102199003154562",
        "--dev-face",
        "pass",
    ]));
    let found = json(staff(&[
        "enterprise",
        "lookup",
        "--name",
        "杭州示例科技有限公司",
        "--credit-code",
        CODE,
        "--json",
    ]));
    let eid = found["id"].as_str().unwrap().to_owned();

    // C2: a wrong admin phone is refused in one Chinese line.
    let join = |admin_phone: &str, rest: &[&str]| {
        let mut args = vec![
            "enterprise",
            "join",
            "--enterprise",
            &eid,
            "--admin-name",
            "张三",
            "--admin-phone",
            admin_phone,
            "--permissions",
            "login,sign,seal",
            "--ca",
            "ZJCA",
        ];
        args.extend(rest);
        staff(&args)
    };
    let out = join("13900139000", &[]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("mca: ") && stderr.contains("管理员"),
        "{stderr}"
    );
    let joined = json(join(NUMBER, &["--json"]));
    assert_eq!(joined["subject"], "agent", "{joined}");
    let join_id = joined["id"].as_str().unwrap().to_owned();
    let paid = text(&ok(staff(&["pay", &join_id])).stdout);
    assert!(paid.contains("等待企业管理员确认并盖章"), "{paid}");

    // C3: the admin sees the request and seals its letter.
    let requests = text(&ok(phone(&["enterprise", "requests", "--enterprise", &eid])).stdout);
    assert!(
        requests.contains("王五") && requests.contains("登录、签名、签章"),
        "{requests}"
    );
    let requests = json(phone(&[
        "enterprise",
        "requests",
        "--enterprise",
        &eid,
        "--json",
    ]));
    let aid = requests[0]["authorization"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let sealed = text(
        &ok(phone(&[
            "enterprise",
            "seal",
            "--authorization",
            &aid,
            "--key",
            &admin_key,
            "--pin",
            PIN,
        ]))
        .stdout,
    );
    assert!(sealed.contains("已确认并盖章"), "{sealed}");

    // The reviewer sees the seal verified and saves letter and seal.
    let out = ok(reviewer(&["show", &join_id, "--save", "join"]));
    let item: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(item["authorization"]["seal_verified"], true, "{item}");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("管理员盖章 已验证"), "{stderr}");
    assert!(
        std::fs::read(dir.join("join/authorization-letter.pdf"))
            .unwrap()
            .starts_with(b"%PDF-")
    );
    assert!(
        !std::fs::read(dir.join("join/authorization-seal.p7s"))
            .unwrap()
            .is_empty()
    );

    // C4: approved, downloaded, the second phone's user is staff.
    ok(reviewer(&["approve", &join_id]));
    ok(staff(&["download", &join_id, "--pin", PIN]));
    let listed = text(&ok(staff(&["enterprise", "list"])).stdout);
    assert!(listed.contains("办事人员"), "{listed}");
    let authorizations = text(
        &ok(phone(&[
            "enterprise",
            "authorizations",
            "--enterprise",
            &eid,
        ]))
        .stdout,
    );
    assert!(
        authorizations.contains("王五") && authorizations.contains("生效中"),
        "{authorizations}"
    );

    // D1 and E1 from the command line: the admin invites a person; the
    // staff member asks for another enterprise certificate.
    let invited = text(
        &ok(phone(&[
            "enterprise",
            "invite",
            "--enterprise",
            &eid,
            "--name",
            "钱七",
            "--phone",
            "13600136009",
        ]))
        .stdout,
    );
    assert!(invited.contains("已邀请 钱七（136****6009）"), "{invited}");
    let asked = text(
        &ok(staff(&[
            "enterprise",
            "request-certificate",
            "--enterprise",
            &eid,
            "--permissions",
            "sign",
            "--ca",
            "ZJCA",
        ]))
        .stdout,
    );
    assert!(asked.contains("企业证书申请已创建"), "{asked}");

    // D3 from the command line: the admin's own new enterprise
    // certificate; staff may not ask for one.
    let d3 = [
        "enterprise",
        "new-certificate",
        "--enterprise",
        &eid,
        "--ca",
        "ZJCA",
    ];
    let created = text(&ok(phone(&d3)).stdout);
    assert!(created.contains("企业证书申请已创建"), "{created}");
    let refused = staff(&d3);
    assert!(!refused.status.success());
    let reason = text(&refused.stderr);
    assert!(reason.contains("not_enterprise_admin"), "{reason}");
}
