//! `mca up --lan` (issue 11): the phone app over HTTPS on the LAN, trusted
//! through the local TLS root the phone downloads over plain HTTP, and
//! the QR code that opens it.

mod support;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use support::*;

#[test]
fn mca_up_lan_serves_the_app_over_https_under_the_root_it_hands_out() {
    let dir = temp_dir("lan");
    let ports: [u16; 4] = free_ports();
    let [port, demo_port, https_port, cert_port] = ports;
    let mut cmd = mca(&dir);
    cmd.args(["up", "--lan", "--lan-address", "127.0.0.1"])
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(["--demo-listen", &format!("127.0.0.1:{demo_port}")])
        .args(["--lan-listen", &format!("127.0.0.1:{https_port}")])
        .args(["--lan-cert-listen", &format!("127.0.0.1:{cert_port}")])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut server = Server(cmd.spawn().unwrap());
    let mut welcome = String::new();
    for line in BufReader::new(server.0.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        welcome.push_str(&line);
        welcome.push('\n');
        if line.starts_with("Stop with Ctrl-C") {
            break;
        }
    }
    for p in ports {
        wait_listening(p);
    }
    let app = format!("https://127.0.0.1:{https_port}/app/");
    assert!(
        welcome.contains(&format!("http://127.0.0.1:{port}/app/")),
        "{welcome}"
    );
    assert!(welcome.contains(&app), "{welcome}");
    assert!(
        welcome.contains(&format!("http://127.0.0.1:{cert_port}/")),
        "{welcome}"
    );
    let qr_lines = welcome
        .lines()
        .filter(|l| l.contains('▄') || l.contains('▀'))
        .count();
    assert!(qr_lines > 10, "a QR code in the terminal: {welcome}");

    // The phone downloads the root over plain HTTP: the one in the data dir.
    let plain = reqwest::blocking::Client::new();
    let root_der = plain
        .get(format!("http://127.0.0.1:{cert_port}/mca-lan-root.crt"))
        .send()
        .unwrap()
        .bytes()
        .unwrap();
    let root_pem = std::fs::read(dir.join("mca-data/lan-tls/root.pem")).unwrap();
    let root = reqwest::Certificate::from_pem(&root_pem).unwrap();
    assert_eq!(root_der[0], 0x30, "the download is the DER certificate");
    let page = plain
        .get(format!("http://127.0.0.1:{cert_port}/"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        page.contains("mca-lan-root.crt") && page.contains("证书信任设置"),
        "{page}"
    );

    // Without the root, HTTPS is refused; with it (and nothing else), the app.
    let untrusting = reqwest::blocking::Client::builder()
        .tls_built_in_root_certs(false)
        .build()
        .unwrap();
    assert!(
        untrusting.get(&app).send().is_err(),
        "only the local root vouches for it"
    );
    for host in ["127.0.0.1", "localhost"] {
        let trusting = reqwest::blocking::Client::builder()
            .tls_built_in_root_certs(false)
            .add_root_certificate(root.clone())
            .add_root_certificate(reqwest::Certificate::from_der(&root_der).unwrap())
            .build()
            .unwrap();
        let url = format!("https://{host}:{https_port}/app/");
        let response = trusting.get(&url).send().unwrap();
        assert_eq!(response.status(), 200, "{url}");
        let csp = response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(csp.contains("'wasm-unsafe-eval'"), "{csp}");
        assert!(response.text().unwrap().contains("<html"));
        // The same router: the API answers over HTTPS too.
        let health = trusting
            .get(format!("https://{host}:{https_port}/healthz"))
            .send()
            .unwrap();
        assert_eq!(health.status(), 200);
    }
    drop(server);

    // A second start keeps the root a phone already trusts.
    let mut cmd = mca(&dir);
    cmd.args(["up", "--lan", "--lan-address", "127.0.0.1"])
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(["--demo-listen", &format!("127.0.0.1:{demo_port}")])
        .args(["--lan-listen", &format!("127.0.0.1:{https_port}")])
        .args(["--lan-cert-listen", &format!("127.0.0.1:{cert_port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let _again = Server(cmd.spawn().unwrap());
    wait_listening(cert_port);
    let second = plain
        .get(format!("http://127.0.0.1:{cert_port}/mca-lan-root.crt"))
        .send()
        .unwrap()
        .bytes()
        .unwrap();
    assert_eq!(second, root_der);
}
