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

use std::time::Duration;

use support::*;

use serde_json::Value;

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
    let element = page.split(&format!("id=\"{id}\"")).nth(1).unwrap_or_else(|| panic!("no #{id}: {page}"));
    let value = element.split(&format!("{attr}=\"")).nth(1).unwrap().split('"').next().unwrap();
    let encoded = value.split(";base64,").nth(1).unwrap();
    base64::engine::general_purpose::STANDARD.decode(encoded).unwrap()
}

/// A browser: one cookie, redirects followed.
struct Browser {
    http: reqwest::blocking::Client,
    base: String,
}

impl Browser {
    fn new(base: &str) -> Self {
        // The platform sets its cookie on the first page; a fixed one here
        // is the same to it (32 hex digits) and keeps the client simple.
        let cookie = format!("mca_demo={}", hex::encode(mca_crypto::rand::bytes::<16>().unwrap()));
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::COOKIE, cookie.parse().unwrap());
        Browser {
            http: reqwest::blocking::Client::builder()
                .default_headers(headers)
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
            base: base.to_owned(),
        }
    }

    fn get(&self, path: &str) -> String {
        let r = self.http.get(format!("{}{path}", self.base)).send().unwrap();
        let page = r.text().unwrap();
        check_page(&page);
        page
    }

    fn post(&self, path: &str, form: &[(&str, &str)]) -> String {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .form(form)
            .send()
            .unwrap();
        let page = r.text().unwrap();
        check_page(&page);
        page
    }

    /// The current QR link of the scan on `page`, as the widget gets it.
    fn link(&self, page: &str) -> (String, String) {
        let id = page
            .split("data-scan=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("no scan on the page: {page}"))
            .to_owned();
        let frame: Value = serde_json::from_str(&self.get(&format!("/scan/{id}/frame"))).unwrap();
        assert_eq!(frame["state"], "created", "{frame}");
        (id, frame["link"].as_str().unwrap().to_owned())
    }
}

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
        "verify-identity", "--name", "赵六", "--id-number", ID_NUMBER, "--dev-face", "pass",
    ]));
    png(&dir.join("photo.png"), 600, 800, [228, 228, 228, 255]);
    let app = json(phone(&["apply", "--ca", "ZJCA", "--form-photo", "photo.png"]));
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
    assert!(page.contains("110105********002X"), "the holder's ID masked: {page}");

    // J3: a tender announcement sealed (the seal verified by the SDK).
    let page = other.post("/tender/seal", &[("text", "某某学校改造工程招标公告")]);
    let (scan, link) = other.link(&page);
    approve(&link);
    let page = other.get(&format!("/scan/{scan}/done"));
    assert!(page.contains("加盖电子签章，签章已验证"), "{page}");
    let picture = data_url(&page, "seal", "src");
    let signature = data_url(&page, "signature", "href");
    let (_, seal, _) = mca_pki::seal::v4::parse_signature(&signature).unwrap();
    assert_eq!(picture, seal.info.picture.data.as_bytes(), "the seal's own picture");
    assert!(picture.starts_with(b"\x89PNG"));

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
