//! Issue 10.14 and 10.15 with the built binary: `mca catalogue seed |
//! import | export` fill a fresh database (SQLite and PostgreSQL) that
//! `mca serve` then lists in the app API; a bad file stores nothing; an
//! import is idempotent. `mca audit verify` needs only the database: a
//! production configuration without keys is enough, and a tampered entry
//! fails with one line.

mod support;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};
use support::*;

fn catalogue(dir: &Path, url: &str, args: &[&str]) -> Output {
    mca(dir)
        .args(["catalogue", "--database", url])
        .args(args)
        .output()
        .unwrap()
}

/// Non-zero exit, one line on stderr naming `reason`.
fn fails_with(out: &Output, reason: &str) {
    assert!(
        !out.status.success(),
        "unexpected success: {}",
        text(&out.stdout)
    );
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("mca: ") && stderr.contains(reason),
        "{stderr}"
    );
}

fn exported(dir: &Path, url: &str) -> Value {
    json(catalogue(dir, url, &["export"]))
}

/// The catalogue the app API of `mca serve` on `url` lists.
fn served(dir: &Path, url: &str) -> Value {
    let port = free_port();
    let mut cmd = mca(dir);
    cmd.args(["serve"])
        .env("MCA_DEV_MODE", "true")
        .env("MCA_LISTEN", format!("127.0.0.1:{port}"))
        .env("MCA_DATABASE_URL", url)
        .env("MCA_KEY_ENCRYPTION_KEY", "00112233445566778899aabbccddeeff")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let _server = Server(cmd.spawn().unwrap());
    wait_listening(port);
    reqwest::blocking::get(format!("http://127.0.0.1:{port}/api/app/v1/catalogue"))
        .unwrap()
        .json()
        .unwrap()
}

fn story(dir: &Path, url: &str) {
    // A bad file is refused with where and why, and stores nothing.
    let bad = json!({"provinces": [{"code": "33", "name": "浙江省", "platforms": [
        {"name": "浙江省公共资源交易中心", "url": "https://ggzy.zj.gov.cn"},
        {"name": "杭州市公共资源交易中心", "url": "ftp://nope"}]}]});
    std::fs::write(dir.join("bad.json"), bad.to_string()).unwrap();
    fails_with(
        &catalogue(dir, url, &["import", "bad.json"]),
        "provinces[0].platforms[1]",
    );
    std::fs::write(dir.join("broken.json"), "{\"provinces\": [").unwrap();
    fails_with(
        &catalogue(dir, url, &["import", "broken.json"]),
        "not a catalogue file",
    );
    assert_eq!(
        exported(dir, url),
        json!({"provinces": [], "ca_organizations": []})
    );

    // The built-in seed, twice: the second adds nothing.
    let out = text(&ok(catalogue(dir, url, &["seed"])).stdout);
    assert!(out.contains("新增 13 项"), "{out}");
    let out = text(&ok(catalogue(dir, url, &["seed"])).stdout);
    assert!(out.contains("新增 0 项，修改 0 项"), "{out}");

    // Export → edit → import twice: the second import changes nothing.
    let mut file = exported(dir, url);
    assert_eq!(
        file["provinces"][0]["platforms"].as_array().unwrap().len(),
        4
    );
    file["provinces"]
        .as_array_mut()
        .unwrap()
        .push(json!({"code": "32", "name": "江苏省",
        "platforms": [{"name": "江苏省公共资源交易平台", "url": "http://jsggzy.jszwfw.gov.cn"}]}));
    let zjca = file["ca_organizations"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c["short_name"] == "ZJCA")
        .unwrap();
    file["ca_organizations"][zjca]["validity_options"][0]["price_fen"] = json!(25_000);
    std::fs::write(dir.join("edited.json"), file.to_string()).unwrap();
    let out = text(&ok(catalogue(dir, url, &["import", "edited.json"])).stdout);
    assert!(out.contains("新增 2 项，修改 1 项"), "{out}");
    let out = text(&ok(catalogue(dir, url, &["import", "edited.json"])).stdout);
    assert!(out.contains("新增 0 项，修改 0 项"), "{out}");
    let again = exported(dir, url);
    assert_eq!(again["provinces"].as_array().unwrap().len(), 2);
    assert_eq!(again["ca_organizations"], file["ca_organizations"]);

    // The app API of a server on that database lists it.
    let listed = served(dir, url);
    let names: Vec<&str> = listed["platforms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 5, "{listed}");
    assert!(names.contains(&"江苏省公共资源交易平台"), "{listed}");
    let zjca = listed["ca_organizations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["short_name"] == "ZJCA")
        .unwrap();
    assert!(
        listed["validity_options"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["ca_id"] == zjca["id"] && v["years"] == 1 && v["price_fen"] == 25_000),
        "{listed}"
    );
}

#[test]
fn catalogue_seed_import_export_on_sqlite() {
    let dir = temp_dir("catalogue");
    story(&dir, "sqlite://data/mca.db?mode=rwc");
}

#[test]
fn catalogue_seed_import_export_on_postgres() {
    let Ok(base) = std::env::var("MCA_TEST_POSTGRES_URL") else {
        eprintln!(
            "SKIPPED catalogue_seed_import_export_on_postgres: MCA_TEST_POSTGRES_URL is not set"
        );
        return;
    };
    // A fresh database: what `mca migrate` on a new deployment sees.
    let name = format!("mca_cli_catalogue_{}", std::process::id());
    let psql = |sql: &str| {
        let out = Command::new("psql")
            .args([base.as_str(), "-qc", sql])
            .output()
            .expect("psql on PATH");
        assert!(out.status.success(), "{}", text(&out.stderr));
    };
    psql(&format!("DROP DATABASE IF EXISTS {name}"));
    psql(&format!("CREATE DATABASE {name}"));
    let (prefix, _) = base.rsplit_once('/').unwrap();
    let dir = temp_dir("catalogue-pg");
    story(&dir, &format!("{prefix}/{name}"));
    psql(&format!("DROP DATABASE {name} WITH (FORCE)"));
}

#[test]
fn audit_verify_needs_only_the_database() {
    let dir = temp_dir("audit-only");
    let url = "sqlite://data/mca.db?mode=rwc";
    // An audit entry: the import of the seed.
    ok(catalogue(&dir, url, &["seed"]));
    // Production settings without a transport key or KEK: a server would
    // refuse them, a database check does not need them.
    std::fs::write(
        dir.join("production.toml"),
        format!("dev_mode = false\ndatabase_url = \"{url}\"\n"),
    )
    .unwrap();
    let verify = |args: &[&str]| {
        mca(&dir)
            .args(["audit", "verify"])
            .args(args)
            .output()
            .unwrap()
    };
    for args in [
        &["--config", "production.toml"][..],
        &["--database", url][..],
    ] {
        let out = ok(verify(args));
        assert!(
            text(&out.stdout).contains("audit chain intact: 1 entries"),
            "{}",
            text(&out.stdout)
        );
    }
    let out = Command::new("sqlite3")
        .args([
            "data/mca.db",
            "UPDATE audit_log SET detail = 'added 99 updated 0' WHERE seq = 1",
        ])
        .current_dir(&dir)
        .output()
        .expect("sqlite3 on PATH");
    assert!(out.status.success(), "{}", text(&out.stderr));
    fails_with(
        &verify(&["--config", "production.toml"]),
        "audit chain broken at entry 1",
    );
}
