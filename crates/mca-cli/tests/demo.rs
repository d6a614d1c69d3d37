//! Every flow of the demo e-tendering platform end to end over HTTP (issue
//! 6): `mca up` serves Mobile CA and the demo platform; a browser is a
//! cookie-keeping HTTP client; the command-line phone scans each QR (it
//! takes the link the platform's frame endpoint serves, as the widget
//! draws it) and approves with its PIN. J2 scan-login, J1 scan-bind, J3
//! tender seal, K1 bidder authentication with the encryption certificate,
//! K2+K3 sealed and enveloped bid, K4 upload receipt, L1 hall login, L2
//! opening the bid in the window; and a refusal.

mod support;

use support::*;

const NUMBER: &str = "13500135000";
const PIN: &str = "778899";
const BID: &str = "投标报价：人民币玖拾捌万元整；工期：150日历天。";

#[test]
fn every_demo_flow_with_the_command_line_phone() {
    let dir = temp_dir("demo");
    let (port, demo_port) = (free_port(), free_port());
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
        "verify-identity", "--name", "赵六", "--id-number", "11010519491231002X", "--dev-face", "pass",
    ]));
    png(&dir.join("photo.png"), 600, 800, [228, 228, 228, 255]);
    let app = json(phone(&["apply", "--ca", "ZJCA", "--form-photo", "photo.png", "--json"]));
    let app_id = app["id"].as_str().unwrap();
    ok(phone(&["pay", app_id]));
    ok(review(&[
        "add-reviewer", "--ca", "ZJCA", "--username", "demo-reviewer", "--display-name", "审核员",
        "--password", "Review-2026", "--operator-token-file", "mca-data/operator-token",
    ]));
    ok(review(&["login", "--username", "demo-reviewer", "--password", "Review-2026"]));
    ok(review(&["approve", app_id]));
    let key = json(phone(&["download", app_id, "--pin", PIN]));
    let key_id = key["key_id"].as_str().unwrap().to_owned();

    let approve = |link: &str| {
        let out = phone(&["scan", "--link", link, "--approve", "--key", &key_id, "--pin", PIN]);
        ok(out);
    };
    let demo = format!("http://127.0.0.1:{demo_port}");

    // J2: scan-login creates the platform account of the holder.
    let browser = Browser::new(&demo);
    let (scan, link) = browser.link(&browser.get("/login"));
    approve(&link);
    let dashboard = browser.get(&format!("/scan/{scan}/done"));
    assert!(dashboard.contains("赵六 已扫码登录"), "{dashboard}");

    // J1: a password account binds the certificate by scan.
    let other = Browser::new(&demo);
    let page = other.post("/login", &[("username", "bidder1"), ("password", "Demo-2026")]);
    assert!(page.contains("尚未绑定证书"), "{page}");
    let (scan, link) = other.link(&other.get("/bind"));
    approve(&link);
    let page = other.get(&format!("/scan/{scan}/done"));
    assert!(page.contains("已绑定"), "{page}");

    // J3: a tender announcement sealed (the seal verified by the SDK).
    let page = other.post("/tender/seal", &[("text", "某某学校改造工程招标公告")]);
    let (scan, link) = other.link(&page);
    approve(&link);
    let page = other.get(&format!("/scan/{scan}/done"));
    assert!(page.contains("加盖电子签章，签章已验证"), "{page}");

    // K1: the bid-file tool authenticates the bidder, gets the encryption
    // certificate.
    let tool = Browser::new(&demo);
    let (scan, link) = tool.link(&tool.get("/bidtool"));
    approve(&link);
    let page = tool.get(&format!("/scan/{scan}/done"));
    assert!(page.contains("已获取加密证书"), "{page}");

    // K2 + K3: sealed, signed, enveloped and uploaded.
    let page = tool.post("/bidtool/bid", &[("file_name", "赵六投标文件.txt"), ("document", BID)]);
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
    let hall = Browser::new(&demo);
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
    assert!(page.contains(BID) && page.contains("id=\"opened\""), "the bid opened: {page}");
}
