//! `mca up --lan`: the phone app from a real phone on the same network.
//! A phone grants the camera (scanning) and service workers only to a
//! secure context, so the server is also served over HTTPS on the LAN,
//! with a certificate from a local TLS root the phone is asked to trust.
//!
//! This is TLS for the browser (ECDSA P-256, what every phone accepts),
//! not the SM2 PKI of the product. The root is generated once into
//! `<data>/lan-tls/` (key 0600) and kept, so a phone installs it once; the
//! server certificate is reissued when the machine's addresses change or
//! a new year starts (it is valid two years from January 1st, under the
//! 825 days iOS accepts). The root is served for download over plain HTTP
//! (the phone cannot yet trust HTTPS), with a page saying how to install it.

use std::fs;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use axum::http::header;
use axum::response::IntoResponse;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};

use super::up::write_private;

/// Where the root certificate is downloaded from on the plain-HTTP port.
pub const ROOT_PATH: &str = "/mca-lan-root.crt";

/// The LAN TLS material of a data directory.
pub struct LanTls {
    /// The root certificate, DER (what a phone installs).
    pub root_der: Vec<u8>,
    /// The rustls configuration of the HTTPS listener.
    pub config: std::sync::Arc<rustls::ServerConfig>,
}

/// The machine's LAN address: the source address of a route to a public
/// address (a UDP "connect" sends nothing). `None` without a route.
pub fn lan_address() -> Option<IpAddr> {
    let socket = UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.1:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_unspecified()).then_some(ip)
}

fn current_year() -> i32 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // Days since 1970 to a civil year; exact enough at a year's resolution
    // except on the day around New Year, where either year is valid.
    1970 + i32::try_from(secs / 31_556_952).unwrap_or(0)
}

/// The root's identity; the same every time, so a stored root key signs
/// new server certificates as the issuer the phone trusts.
fn root_params(year: i32) -> anyhow::Result<CertificateParams> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    let mut name = DistinguishedName::new();
    name.push(DnType::OrganizationName, "Mobile CA development");
    name.push(
        DnType::CommonName,
        "Mobile CA 本机测试根证书 (mca up --lan)",
    );
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.not_before = rcgen::date_time_ymd(year, 1, 1);
    params.not_after = rcgen::date_time_ymd(year + 10, 1, 1);
    Ok(params)
}

fn server_params(names: &[String], year: i32) -> anyhow::Result<CertificateParams> {
    let mut params = CertificateParams::new(names.to_vec())?;
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, "mca up --lan");
    params.distinguished_name = name;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    params.not_before = rcgen::date_time_ymd(year, 1, 1);
    params.not_after = rcgen::date_time_ymd(year + 2, 1, 1);
    Ok(params)
}

/// The root (created on the first call) and a server certificate for
/// `addresses`, `localhost` and 127.0.0.1, in `<data_dir>/lan-tls/`.
pub fn prepare(data_dir: &Path, addresses: &[IpAddr]) -> anyhow::Result<LanTls> {
    let dir = data_dir.join("lan-tls");
    fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let year = current_year();
    let (root_pem, root_key) = match (
        fs::read_to_string(dir.join("root.pem")),
        fs::read_to_string(dir.join("root.key")),
    ) {
        (Ok(pem), Ok(key)) => (pem, KeyPair::from_pem(&key).context("lan-tls/root.key")?),
        _ => {
            let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
            let root = root_params(year)?.self_signed(&key)?;
            write_private(&dir.join("root.key"), key.serialize_pem().as_bytes())?;
            fs::write(dir.join("root.pem"), root.pem())?;
            (root.pem(), key)
        }
    };
    let mut names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    for ip in addresses {
        if !names.contains(&ip.to_string()) {
            names.push(ip.to_string());
        }
    }
    let wanted = format!("{year}\n{}\n", names.join("\n"));
    let issued = fs::read_to_string(dir.join("server-names.txt")).ok();
    if issued.as_deref() != Some(wanted.as_str()) || !dir.join("server.key").exists() {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let issuer = Issuer::new(root_params(year)?, &root_key);
        let server = server_params(&names, year)?.signed_by(&key, &issuer)?;
        let _ = fs::remove_file(dir.join("server.key"));
        write_private(&dir.join("server.key"), key.serialize_pem().as_bytes())?;
        fs::write(dir.join("server.pem"), server.pem())?;
        fs::write(dir.join("server-names.txt"), &wanted)?;
    }
    let chain = format!("{}{root_pem}", fs::read_to_string(dir.join("server.pem"))?);
    let key = fs::read(dir.join("server.key"))?;
    let config = mca_server::tls::server_config(chain.as_bytes(), &key)?;
    let root_der = pem_body(&root_pem).context("lan-tls/root.pem")?;
    Ok(LanTls { root_der, config })
}

fn pem_body(pem: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD.decode(body).ok()
}

/// The plain-HTTP router on which a phone downloads the root: a page
/// saying how to install it, and the certificate itself.
pub fn root_download(root_der: Vec<u8>, app_url: String) -> axum::Router {
    let page = format!(
        "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>安装本机测试根证书</title></head><body>\
<h1>安装本机测试根证书</h1>\
<p>手机要信任这台电脑上的 HTTPS，才能打开相机扫码。此证书只用于开发测试，试用结束后请删除。</p>\
<p><a href=\"{ROOT_PATH}\">下载根证书</a></p>\
<h2>iPhone / iPad</h2><ol><li>用 Safari 打开本页并下载，允许下载描述文件；</li>\
<li>设置 → 通用 → VPN与设备管理 → 安装该描述文件；</li>\
<li>设置 → 通用 → 关于本机 → 证书信任设置 → 打开“完全信任”。</li></ol>\
<h2>Android</h2><ol><li>下载证书；</li><li>设置 → 安全 → 加密与凭据 → 安装证书 → CA 证书，选择下载的文件。</li></ol>\
<p>然后打开 <a href=\"{app_url}\">{app_url}</a></p></body></html>\n"
    );
    axum::Router::new()
        .route(
            "/",
            axum::routing::get(move || async move {
                (
                    [
                        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                        (header::CONTENT_SECURITY_POLICY, "default-src 'none'"),
                    ],
                    page,
                )
                    .into_response()
            }),
        )
        .route(
            ROOT_PATH,
            axum::routing::get(move || async move {
                (
                    [
                        (header::CONTENT_TYPE, "application/x-x509-ca-cert"),
                        (
                            header::CONTENT_DISPOSITION,
                            "attachment; filename=\"mca-lan-root.crt\"",
                        ),
                    ],
                    root_der,
                )
                    .into_response()
            }),
        )
}

/// `text` as a QR code in the terminal (two modules per character cell).
pub fn terminal_qr(text: &str) -> anyhow::Result<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).context("QR code")?;
    Ok(code
        .render::<qrcode::render::unicode::Dense1x2>()
        .dark_color(qrcode::render::unicode::Dense1x2::Light)
        .light_color(qrcode::render::unicode::Dense1x2::Dark)
        .build())
}

/// The address a phone reaches `listen` at: the LAN address when `listen`
/// is every interface, else `listen`'s own.
pub fn reachable(listen: SocketAddr, lan: Option<IpAddr>) -> SocketAddr {
    match (listen.ip().is_unspecified(), lan) {
        (true, Some(ip)) => SocketAddr::new(ip, listen.port()),
        _ => listen,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_is_made_once_and_the_server_certificate_follows_the_addresses() {
        let dir = std::env::temp_dir().join(format!("mca-lan-tls-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let a: IpAddr = "192.168.1.5".parse().unwrap();
        let b: IpAddr = "10.0.0.7".parse().unwrap();
        let first = prepare(&dir, &[a]).unwrap();
        let server_a = fs::read(dir.join("lan-tls/server.pem")).unwrap();
        let again = prepare(&dir, &[a]).unwrap();
        assert_eq!(first.root_der, again.root_der);
        assert_eq!(fs::read(dir.join("lan-tls/server.pem")).unwrap(), server_a);
        let moved = prepare(&dir, &[b]).unwrap();
        assert_eq!(
            first.root_der, moved.root_der,
            "the phone keeps trusting it"
        );
        assert_ne!(fs::read(dir.join("lan-tls/server.pem")).unwrap(), server_a);
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(dir.join("lan-tls/root.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_terminal_qr_is_drawn_in_half_blocks() {
        let qr = terminal_qr("https://192.168.1.5:8443/app/").unwrap();
        assert!(qr.lines().count() > 10);
        assert!(qr.contains('▀') || qr.contains('▄'));
    }
}
