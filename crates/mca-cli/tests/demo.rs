//! Every flow of the demo e-tendering platform end to end over HTTP (issue
//! 6): `mca up` serves Mobile CA and the demo platform; a browser is a
//! cookie-keeping HTTP client; the command-line phone scans each QR (it
//! takes the link the platform's frame endpoint serves, as the widget
//! draws it) and approves with its PIN. J2 scan-login, J1 scan-bind, J3
//! tender seal, K1 bidder authentication with the encryption certificate,
//! K2+K3 sealed and enveloped bid, K4 upload receipt, L1 hall login, L2
//! opening the bid in the window; and a refusal. No page shows the full
//! resident ID or an internal feature code (（J2）…); the sealed tender
//! shows the seal's own picture.

mod support;

use serde_json::Value;
use support::*;

const NUMBER: &str = "13500135000";
const PIN: &str = "778899";
const BID: &str = "投标报价：人民币玖拾捌万元整；工期：150日历天。";
const ID_NUMBER: &str = "11010519491231002X";

/// What no page of the platform may show: the full resident ID, or an
/// internal feature code such as （J2） or （K2 签章 + K3 数字信封）.
fn check_page(page: &str) {
    assert!(!page.contains(ID_NUMBER), "the full ID number: {page}");
    let chars: Vec<char> = page.chars().collect();
    let code = chars.windows(3).any(|w| {
        matches!(w[0], '（' | '，' | '、') && ('A'..='M').contains(&w[1]) && w[2].is_ascii_digit()
    });
    assert!(!code, "a feature code: {page}");
}

/// The bytes of the `data:` URL in the attribute `attr` of the element
/// with id `id`.
fn data_url(page: &str, id: &str, attr: &str) -> Vec<u8> {
    use base64::Engine;
    let element = page
        .split(&format!("id=\"{id}\""))
        .nth(1)
        .unwrap_or_else(|| panic!("no #{id}: {page}"));
    let value = element
        .split(&format!("{attr}=\""))
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let encoded = value.split(";base64,").nth(1).unwrap();
    base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .unwrap()
}

#[test]
fn every_demo_flow_with_the_command_line_phone() {
    let dir = temp_dir("demo");
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
    let review = |args: &[&str]| {
        mca(&dir)
            .args(["review", "--dir", "review", "--server", &url])
            .args(args)
            .output()
            .unwrap()
    };

    // A bidder with a certificate on the command-line phone.
    ok(phone(&["login", "--phone", NUMBER, "--dev-code"]));
    ok(phone(&[
        "verify-identity",
        "--name",
        "赵六",
        "--id-number",
        ID_NUMBER,
        "--dev-face",
        "pass",
    ]));
    png(&dir.join("photo.png"), 600, 800, [228, 228, 228, 255]);
    let app = json(phone(&[
        "apply",
        "--ca",
        "ZJCA",
        "--form-photo",
        "photo.png",
        "--json",
    ]));
    let app_id = app["id"].as_str().unwrap();
    ok(phone(&["pay", app_id]));
    ok(review(&[
        "add-reviewer",
        "--ca",
        "ZJCA",
        "--username",
        "demo-reviewer",
        "--display-name",
        "审核员",
        "--password",
        "Review-2026",
        "--operator-token-file",
        "mca-data/operator-token",
    ]));
    ok(review(&[
        "login",
        "--username",
        "demo-reviewer",
        "--password",
        "Review-2026",
    ]));
    ok(review(&["approve", app_id]));
    let key = json(phone(&["download", app_id, "--pin", PIN]));
    let key_id = key["key_id"].as_str().unwrap().to_owned();

    let approve = |link: &str| {
        let out = phone(&[
            "scan",
            "--link",
            link,
            "--approve",
            "--key",
            &key_id,
            "--pin",
            PIN,
        ]);
        ok(out);
    };
    let demo = format!("http://127.0.0.1:{demo_port}");

    // J2: scan-login creates the platform account of the holder.
    let browser = Browser::checking(&demo, check_page);
    let (scan, link) = browser.link(&browser.get("/login"));
    approve(&link);
    let dashboard = browser.get(&format!("/scan/{scan}/done"));
    assert!(dashboard.contains("赵六 已扫码登录"), "{dashboard}");

    // J1: the platform sends the account's holder (bidder1 is 张三); 赵六's
    // certificate is refused for it, on the phone and on the page.
    let other = Browser::checking(&demo, check_page);
    let page = other.post(
        "/login",
        &[("username", "bidder1"), ("password", "Demo-2026")],
    );
    assert!(page.contains("尚未绑定证书"), "{page}");
    let (scan, link) = other.link(&other.get("/bind"));
    let out = phone(&[
        "scan",
        "--link",
        &link,
        "--approve",
        "--key",
        &key_id,
        "--pin",
        PIN,
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("证书持有人与交易平台账户不一致"),
        "{}",
        text(&out.stderr)
    );
    let page = other.get(&format!("/scan/{scan}/done"));
    assert!(page.contains("证书持有人与当前账户不一致"), "{page}");
    assert!(!page.contains("已绑定"), "{page}");
    // …and bound to 赵六's own account.
    let own = Browser::checking(&demo, check_page);
    own.post(
        "/login",
        &[("username", "bidder2"), ("password", "Demo-2026")],
    );
    let (scan, link) = own.link(&own.get("/bind"));
    ok(phone(&["scan", "--link", &link, "--approve", "--pin", PIN]));
    let page = own.get(&format!("/scan/{scan}/done"));
    assert!(page.contains("已绑定 赵六 的证书"), "{page}");

    // J3: a tender announcement sealed (the seal verified by the SDK).
    // The phone lists it in Chinese with the document's SM3; a wrong PIN
    // says the attempts left and keeps the session, so `approve` (with the
    // only key, chosen by itself) is retried with the right PIN.
    let tender = "某某学校改造工程招标公告";
    let page = other.post("/tender/seal", &[("text", tender)]);
    let (scan, link) = other.link(&page);
    let shown = text(&ok(phone(&["scan", "--link", &link])).stdout);
    let sm3 = hex::encode(mca_crypto::sm3::sm3(tender.as_bytes()));
    assert!(shown.contains("招标公告（电子签章，SM3 "), "{shown}");
    assert!(
        shown.contains(&sm3[..8]) && shown.contains(&sm3[56..]),
        "{shown}"
    );
    assert!(!shown.contains("(seal)"), "{shown}");
    let out = phone(&["approve", "--pin", "000000"]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("wrong_pin") && stderr.contains("还可尝试4次"),
        "{stderr}"
    );
    let frame: Value = serde_json::from_str(&other.get(&format!("/scan/{scan}/frame"))).unwrap();
    assert_eq!(
        frame["state"], "confirming",
        "the page keeps waiting: {frame}"
    );
    ok(phone(&["approve", "--pin", PIN]));
    let page = other.get(&format!("/scan/{scan}/done"));
    assert!(page.contains("加盖电子签章，签章已验证"), "{page}");
    let picture = data_url(&page, "seal", "src");
    let signature = data_url(&page, "signature", "href");
    let (_, seal, _) = mca_pki::seal::v4::parse_signature(&signature).unwrap();
    assert_eq!(
        picture,
        seal.info.picture.data.as_bytes(),
        "the seal's own picture"
    );
    assert!(picture.starts_with(b"\x89PNG"));

    // K1: the bid-file tool authenticates the bidder, gets the encryption
    // certificate.
    let tool = Browser::checking(&demo, check_page);
    let (scan, link) = tool.link(&tool.get("/bidtool"));
    approve(&link);
    let page = tool.get(&format!("/scan/{scan}/done"));
    assert!(page.contains("已获取加密证书"), "{page}");

    // K2 + K3: sealed, signed, enveloped and uploaded.
    let page = tool.post(
        "/bidtool/bid",
        &[("file_name", "赵六投标文件.txt"), ("document", BID)],
    );
    let (scan, link) = tool.link(&page);
    approve(&link);
    let page = tool.get(&format!("/scan/{scan}/done"));
    assert!(page.contains("投标文件已签章、加密并上传"), "{page}");

    // K4: the upload receipt confirmed by scan.
    let (scan, link) = tool.link(&tool.get("/bidtool/confirm/0"));
    approve(&link);
    let page = tool.get(&format!("/scan/{scan}/done"));
    assert!(page.contains("已确认"), "{page}");
    assert!(!page.contains("扫码确认上传回执"), "confirmed once: {page}");

    // A refusal on the phone ends the session; the platform says so.
    let hall = Browser::checking(&demo, check_page);
    let (scan, link) = hall.link(&hall.get("/hall"));
    ok(phone(&["scan", "--link", &link, "--refuse"]));
    let page = hall.get(&format!("/scan/{scan}/done"));
    assert!(page.contains("拒绝"), "{page}");

    // L1 + L2: the hall login, then the bid opened in the window.
    let (scan, link) = hall.link(&hall.get("/hall"));
    approve(&link);
    let page = hall.get(&format!("/scan/{scan}/done"));
    assert!(page.contains("赵六投标文件.txt"), "{page}");
    let (scan, link) = hall.link(&hall.get("/hall/open/0"));
    approve(&link);
    let page = hall.get(&format!("/scan/{scan}/done"));
    assert!(
        page.contains(BID) && page.contains("id=\"opened\""),
        "the bid opened: {page}"
    );
}
