//! Issue 10.4 and 10.5 over HTTP, on SQLite and on PostgreSQL: the CRL is
//! published (at start-up, after a revocation, by the sweep when due) and
//! served from the database with caching headers, never signed per GET;
//! OCSP answers CertIDs hashed with SHA-1 (OpenSSL's default), SHA-256 and
//! SM3, each checked with the real `openssl ocsp` and `openssl crl`.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use mca_domain::Clock;
use mca_pki::crl::Crl;
use mca_store::scratch::{POSTGRES_URL_VAR, Scratch};
use support::TestServer;

const NUMBER: &str = "13600136000";
const PIN: &str = "246810";

struct Fetched {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

async fn get_crl(server: &TestServer, if_none_match: Option<&str>) -> Fetched {
    let mut req = server.http().get(format!("{}/crl/zjca.crl", server.base));
    if let Some(tag) = if_none_match {
        req = req.header("if-none-match", tag);
    }
    let r = req.send().await.unwrap();
    Fetched {
        status: r.status().as_u16(),
        headers: r.headers().clone(),
        body: r.bytes().await.unwrap().to_vec(),
    }
}

fn number(crl: &Crl) -> u64 {
    crl.number().expect("a cRLNumber")
}

/// A scratch directory with the issuing CA and root as PEM files.
async fn openssl_dir(server: &TestServer, name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("mca-pki-pub-{name}-{}", mca_domain::UserId::new()));
    std::fs::create_dir_all(&dir).unwrap();
    let chain = reqwest::get(format!("{}/ca/zjca/chain.pem", server.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let end = "-----END CERTIFICATE-----";
    let issuing = &chain[..chain.find(end).unwrap() + end.len()];
    std::fs::write(dir.join("issuing.pem"), format!("{issuing}\n")).unwrap();
    std::fs::write(dir.join("chain.pem"), &chain).unwrap();
    dir
}

fn openssl(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl on PATH")
}

/// `openssl ocsp` against the running server with `hash` (`None`: its
/// default, SHA-1) for `cert.pem`: the status line it prints for it. The
/// response's signature is checked with our verifier under the issuing CA:
/// OpenSSL 3.0 verifies an OCSP response's SM2 signature with an empty
/// SM2 ID instead of the standard one, so `-noverify` (docs/pki.md).
fn openssl_ocsp(dir: &Path, url: &str, hash: Option<&str>) -> String {
    // The digest option applies to the `-cert` after it.
    let mut args = vec!["ocsp", "-issuer", "issuing.pem"];
    args.extend(hash);
    args.extend(["-cert", "cert.pem", "-url", url]);
    args.extend([
        "-noverify",
        "-no_nonce",
        "-resp_text",
        "-respout",
        "resp.der",
    ]);
    let out = openssl(dir, &args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "openssl ocsp {hash:?}: {stdout}\n{stderr}"
    );
    let issuing = std::fs::read_to_string(dir.join("issuing.pem")).unwrap();
    let issuing = mca_pki::cert::Certificate::from_pem(&issuing).unwrap();
    let der = std::fs::read(dir.join("resp.der")).unwrap();
    mca_pki::ocsp::verify_response(&der, issuing.public_key()).expect("signed by the issuing CA");
    let expected_hash = match hash {
        None => "sha1",
        Some(h) => &h[1..],
    };
    assert!(
        stdout.contains(&format!("Hash Algorithm: {expected_hash}")),
        "the CertID answered as asked: {stdout}"
    );
    stdout
        .lines()
        .find(|l| l.starts_with("cert.pem: "))
        .unwrap_or_else(|| panic!("no status line: {stdout}"))
        .to_owned()
}

/// `openssl` blocks its thread: the tests run on a multi-threaded runtime
/// so the server keeps answering meanwhile.
async fn story(scratch: Scratch) {
    let config = support::certificate_config(&scratch.db).await;
    let server = TestServer::start_with(&scratch.db, config.clone()).await;

    // Start-up published a CRL; 100 GETs serve it and take no number.
    let first = get_crl(&server, None).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.headers["content-type"], "application/pkix-crl");
    let crl = Crl::from_der(&first.body).unwrap();
    let n = number(&crl);
    for _ in 0..100 {
        let again = get_crl(&server, None).await;
        assert_eq!(again.body, first.body, "served as published");
    }
    let etag = first.headers["etag"].to_str().unwrap().to_owned();
    assert_eq!(etag, format!("\"zjca-{n}\""));
    let cache = first.headers["cache-control"].to_str().unwrap();
    let max_age: i64 = cache
        .strip_prefix("public, max-age=")
        .unwrap()
        .parse()
        .unwrap();
    assert!((0..=3600).contains(&max_age), "{cache}");
    let modified =
        httpdate::parse_http_date(first.headers["last-modified"].to_str().unwrap()).unwrap();
    let modified = modified
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((modified - server.clock.now().0).abs() <= 1, "thisUpdate");
    let unchanged = get_crl(&server, Some(&etag)).await;
    assert_eq!((unchanged.status, unchanged.body.len()), (304, 0));

    // A certificate; OpenSSL asks its status with SHA-1, SHA-256 and SM3.
    let phone = server.registered(NUMBER).await;
    phone
        .submit_identity("张三", "11010519491231002X")
        .await
        .unwrap();
    phone.verify_face(Some(true)).await.unwrap();
    let (_key, cert) = support::certified::issued(&server, &phone, PIN).await;
    let dir = openssl_dir(&server, scratch.db.backend()).await;
    std::fs::write(dir.join("cert.pem"), cert.to_pem()).unwrap();
    let url = format!("{}/ocsp/zjca", server.base);
    for hash in [None, Some("-sha256"), Some("-sm3")] {
        assert_eq!(openssl_ocsp(&dir, &url, hash), "cert.pem: good", "{hash:?}");
    }

    // A revocation publishes a new CRL at once, listing the serial.
    let listed = phone.certificates().await.unwrap();
    let id = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["pem"].as_str() == Some(cert.to_pem().as_str()))
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .unwrap();
    phone.revoke(&id, Some("key_compromise")).await.unwrap();
    let after = get_crl(&server, Some(&etag)).await;
    assert_eq!(after.status, 200, "the old ETag no longer matches");
    let revoked = Crl::from_der(&after.body).unwrap();
    assert!(number(&revoked) > n);
    assert!(revoked.lookup(cert.serial()).is_some());
    assert_eq!(get_crl(&server, None).await.body, after.body);
    for hash in [None, Some("-sha256"), Some("-sm3")] {
        let line = openssl_ocsp(&dir, &url, hash);
        assert_eq!(line, "cert.pem: revoked", "{hash:?}");
    }

    // OpenSSL 3 reads the published CRL: its number and the serial. (It
    // checks the SM2 signature with an empty SM2 ID, so the signature is
    // checked with our verifier under the issuing CA.)
    std::fs::write(dir.join("crl.der"), &after.body).unwrap();
    let out = openssl(
        &dir,
        &["crl", "-inform", "DER", "-in", "crl.der", "-noout", "-text"],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&hex::encode_upper(cert.serial())),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "X509v3 CRL Number: \n                {}",
            number(&revoked)
        )),
        "{stdout}"
    );
    let issuing = std::fs::read_to_string(dir.join("issuing.pem")).unwrap();
    let issuing = mca_pki::cert::Certificate::from_pem(&issuing).unwrap();
    revoked.verify(issuing.public_key()).unwrap();

    // Before the refresh interval nothing is due; after it, another
    // instance's sweep re-signs once, and this instance serves that CRL.
    let other = mca_server::wiring::state_with_clock(
        &config,
        scratch.db.store(),
        Arc::new(server.clock.clone()),
    )
    .await
    .unwrap();
    assert_eq!(other.certs.revocation.publish_due().await.unwrap(), 0);
    server.clock.advance(3600);
    assert_eq!(
        other.certs.revocation.publish_due().await.unwrap(),
        2,
        "both CAs"
    );
    assert_eq!(other.certs.revocation.publish_due().await.unwrap(), 0);
    let refreshed = Crl::from_der(&get_crl(&server, None).await.body).unwrap();
    assert_eq!(number(&refreshed), number(&revoked) + 1);
    assert!(refreshed.lookup(cert.serial()).is_some());

    let _ = std::fs::remove_dir_all(&dir);
    server.finish(scratch).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crl_published_and_ocsp_for_openssl_on_sqlite() {
    story(Scratch::sqlite().await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crl_published_and_ocsp_for_openssl_on_postgres() {
    let Some(scratch) = Scratch::postgres_from_env().await.unwrap() else {
        eprintln!(
            "SKIPPED crl_published_and_ocsp_for_openssl_on_postgres: {POSTGRES_URL_VAR} is not set"
        );
        return;
    };
    story(scratch).await;
}
