//! What the integration tests share: finding the external tools and fonts
//! they need, and refusing to skip silently in CI.

#![allow(dead_code)] // each test binary uses a part

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;

use mca_forms::application_form::{ApplicationForm, FormDate};

/// Skips the calling test loudly, unless `CI` is set: there a missing
/// dependency is a broken test setup, so the test fails.
pub fn skip_or_fail(what: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set but {what} is missing: install it in scripts/test"
    );
    // Straight to the stderr handle: the test harness captures `eprintln!`
    // of passing tests, and this must be seen.
    let _ = writeln!(
        std::io::stderr(),
        "\n*** SKIPPED: {what} is not installed on this machine ***\n"
    );
}

/// Is `tool` (a poppler-utils command) on the PATH?
pub fn has_tool(tool: &str) -> bool {
    Command::new(tool).arg("-v").output().is_ok()
}

/// A CJK TrueType font installed on this machine, if any: the Kai (楷体)
/// of Debian `fonts-arphic-ukai` looks most like handwriting; the Hei of
/// `fonts-wqy-microhei` (installed by scripts/test), `fonts-wqy-zenhei` or
/// `fonts-noto-cjk` do as well.
pub fn cjk_font() -> Option<Vec<u8>> {
    [
        "/usr/share/fonts/truetype/arphic/ukai.ttc",
        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
        "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    ]
    .iter()
    .find_map(|path| std::fs::read(path).ok())
}

/// A scratch directory for files the tests hand to external tools.
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("mca-forms")
        .join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A filled form, as the server would pass it.
pub fn form() -> ApplicationForm {
    ApplicationForm {
        application_number: "MCA-20261124-000123".to_owned(),
        application_date: FormDate {
            year: 2026,
            month: 11,
            day: 24,
        },
        name: "欧阳明华".to_owned(),
        id_number: "11010519491231002X".to_owned(),
        phone: "13800138000".to_owned(),
        province: "浙江省".to_owned(),
        trading_platform: "浙江省公共资源交易服务平台".to_owned(),
        ca_organization: "浙江省数字安全证书管理有限公司".to_owned(),
        validity_years: 2,
        fee_fen: 30_050,
        enterprise: None,
    }
}
