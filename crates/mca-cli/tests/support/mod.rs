//! What every test of the built `mca` binary needs: a scratch directory,
//! the binary with a clean `MCA_…` environment, servers that stop with the
//! test, and checks of a command's output.

#![allow(dead_code)] // each test file uses a different part

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The built binary.
pub const MCA: &str = env!("CARGO_BIN_EXE_mca");

/// A fresh directory for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mca-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `mca` with a clean `MCA_…` environment, in `dir`.
pub fn mca(dir: &Path) -> Command {
    let mut cmd = Command::new(MCA);
    cmd.current_dir(dir);
    for (name, _) in std::env::vars() {
        if name.starts_with("MCA_") {
            cmd.env_remove(name);
        }
    }
    cmd
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Fails the test, showing both streams, unless the command succeeded.
pub fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// The output of a command that must succeed.
pub fn ok(out: Output) -> Output {
    assert_ok(&out);
    out
}

/// The JSON a successful command printed.
pub fn json(out: Output) -> Value {
    serde_json::from_slice(&ok(out).stdout).unwrap()
}

/// A server process, killed when the test ends.
pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
    free_ports::<1>()[0]
}

/// `N` distinct free ports: every listener stays bound until all are
/// chosen, since the kernel hands a just-released port out again, and
/// two listeners of one `mca up` on one port make it exit.
pub fn free_ports<const N: usize>() -> [u16; N] {
    let listeners: [TcpListener; N] =
        std::array::from_fn(|_| TcpListener::bind("127.0.0.1:0").unwrap());
    listeners.map(|l| l.local_addr().unwrap().port())
}

pub fn wait_listening(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nothing listens on {port}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `mca up` in `dir` on `port`, the demo platform on `demo_port`; returns
/// once both listen.
pub fn up(dir: &Path, port: u16, demo_port: u16) -> Server {
    let mut cmd = mca(dir);
    cmd.args(["up", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--demo-listen", &format!("127.0.0.1:{demo_port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let server = Server(cmd.spawn().unwrap());
    wait_listening(port);
    wait_listening(demo_port);
    server
}

/// A PNG of `w`×`h` pixels of one RGBA colour.
pub fn png(path: &Path, w: u32, h: u32, rgba: [u8; 4]) {
    let file = std::fs::File::create(path).unwrap();
    let mut enc = png::Encoder::new(file, w, h);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header().unwrap();
    let data: Vec<u8> = (0..w * h).flat_map(|_| rgba).collect();
    writer.write_image_data(&data).unwrap();
}

/// A browser: one cookie, redirects followed.
pub struct Browser {
    http: reqwest::blocking::Client,
    base: String,
    /// Run on every page fetched (what no page may show).
    check: fn(&str),
}

impl Browser {
    /// A browser that runs `check` on every page it fetches.
    pub fn checking(base: &str, check: fn(&str)) -> Self {
        Browser {
            check,
            ..Browser::new(base)
        }
    }

    pub fn new(base: &str) -> Self {
        // The platform sets its cookie on the first page; a fixed one here
        // is the same to it (32 hex digits) and keeps the client simple.
        let cookie = format!(
            "mca_demo={}",
            hex::encode(mca_crypto::rand::bytes::<16>().unwrap())
        );
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::COOKIE, cookie.parse().unwrap());
        Browser {
            http: reqwest::blocking::Client::builder()
                .default_headers(headers)
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
            base: base.to_owned(),
            check: |_| {},
        }
    }

    pub fn get(&self, path: &str) -> String {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .unwrap();
        let page = r.text().unwrap();
        (self.check)(&page);
        page
    }

    pub fn post(&self, path: &str, form: &[(&str, &str)]) -> String {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .form(form)
            .send()
            .unwrap();
        let page = r.text().unwrap();
        (self.check)(&page);
        page
    }

    /// The current QR link of the scan on `page`, as the widget gets it.
    pub fn link(&self, page: &str) -> (String, String) {
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
