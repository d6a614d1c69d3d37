//! The application form PDF read back by an independent PDF reader
//! (poppler's `pdftotext` and `pdftoppm`, Debian `poppler-utils`): the text
//! we encoded for `STSong-Light`/`UniGB-UCS2-H` comes back as the same
//! Unicode, and the page renders at A4.

mod common;

use std::process::Command;

use mca_forms::application_form::{ApplicationForm, EnterpriseParty, render};

/// `pdftotext` of the form, whitespace removed (line breaks fall wherever
/// the layout wrapped the text).
fn extracted_text(name: &str) -> Option<String> {
    extracted_text_of(name, &common::form())
}

fn extracted_text_of(name: &str, form: &ApplicationForm) -> Option<String> {
    if !common::has_tool("pdftotext") {
        common::skip_or_fail("pdftotext (poppler-utils)");
        return None;
    }
    let dir = common::scratch(name);
    let pdf = dir.join("form.pdf");
    std::fs::write(&pdf, render(form).unwrap()).unwrap();
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    // Poppler reports any syntax problem on stderr even when it recovers.
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    Some(text.chars().filter(|c| !c.is_whitespace()).collect())
}

#[test]
fn pdftotext_reads_back_the_applicant_and_certificate() {
    let Some(text) = extracted_text("fields") else {
        return;
    };
    let form = common::form();
    for needle in [
        "数字证书申请表（个人）",
        form.name.as_str(),
        form.id_number.as_str(),
        form.phone.as_str(),
        form.trading_platform.as_str(),
        form.ca_organization.as_str(),
        form.application_number.as_str(),
        "2026年11月24日",
        "2年",
        "￥300.50元（大写：人民币叁佰元伍角）",
    ] {
        assert!(text.contains(needle), "{needle:?} not in {text}");
    }
}

#[test]
fn pdftotext_reads_back_the_declaration_and_signature_boxes() {
    let Some(text) = extracted_text("declaration") else {
        return;
    };
    for needle in [
        "本人自愿向浙江省数字安全证书管理有限公司（以下简称“发证机构”）申请个人数字证书，并郑重声明：",
        "本人已仔细阅读并同意遵守发证机构发布的《电子认证业务规则》（CPS）",
        "本人在本申请表中填写的信息以及提交的身份证明材料真实、准确、完整",
        "申请人签字：",
        "审核意见：",
        "发证机构（盖章）",
    ] {
        assert!(text.contains(needle), "{needle:?} not in {text}");
    }
}

#[test]
fn pdftotext_reads_back_the_enterprise_form() {
    let mut form = common::form();
    form.enterprise = Some(EnterpriseParty {
        name: "杭州示例科技有限公司".into(),
        credit_code: "91330100799655058B".into(),
        legal_representative: "李四".into(),
        legal_representative_id: "11010519491231002X".into(),
    });
    let Some(text) = extracted_text_of("enterprise", &form) else {
        return;
    };
    for needle in [
        "数字证书申请表（企业）",
        "一、企业信息",
        "杭州示例科技有限公司",
        "91330100799655058B",
        "李四",
        "二、经办人信息",
        form.name.as_str(),
        "企业数字证书（SM2签名证书及加密证书）",
        "本单位自愿向浙江省数字安全证书管理有限公司（以下简称“发证机构”）申请企业数字证书",
        "经办人签字：",
        "企业盖章：",
        "五、发证机构审核",
    ] {
        assert!(text.contains(needle), "{needle:?} not in {text}");
    }
}

#[test]
fn poppler_sees_one_a4_page_and_an_unembedded_stsong_font() {
    if !common::has_tool("pdfinfo") {
        return common::skip_or_fail("pdfinfo (poppler-utils)");
    }
    let pdf = common::scratch("info").join("form.pdf");
    std::fs::write(&pdf, render(&common::form()).unwrap()).unwrap();
    let run = |tool: &str| {
        let out = Command::new(tool).arg(&pdf).output().unwrap();
        assert!(out.status.success() && out.stderr.is_empty(), "{tool}");
        String::from_utf8(out.stdout).unwrap()
    };
    let info = run("pdfinfo");
    assert!(info.contains("Pages:           1\n"), "{info}");
    assert!(info.contains("595.28 x 841.89 pts (A4)"), "{info}");
    assert!(info.contains("数字证书申请表（个人）"), "{info}");
    let fonts = run("pdffonts");
    let line = fonts
        .lines()
        .find(|l| l.starts_with("STSong-Light"))
        .unwrap();
    let columns: Vec<&str> = line.split_whitespace().collect();
    // name, type (3 words), encoding, emb, sub, uni, ...
    assert_eq!(
        columns[1..8],
        ["CID", "Type", "0", "UniGB-UCS2-H", "no", "no", "no"]
    );
    assert_eq!(fonts.lines().count(), 3, "one font only: {fonts}");
}

#[test]
fn pdftoppm_renders_one_a4_page() {
    if !common::has_tool("pdftoppm") {
        return common::skip_or_fail("pdftoppm (poppler-utils)");
    }
    let dir = common::scratch("render");
    let pdf = dir.join("form.pdf");
    std::fs::write(&pdf, render(&common::form()).unwrap()).unwrap();
    let status = Command::new("pdftoppm")
        .args(["-png", "-r", "100", "-f", "1", "-l", "1"])
        .arg(&pdf)
        .arg(dir.join("page"))
        .status()
        .unwrap();
    assert!(status.success());
    let png = std::fs::read(dir.join("page-1.png")).unwrap();
    let info = png_size(&png);
    // A4 at 100 dpi is 827 × 1170 (rounded up) pixels.
    assert_eq!(info, (827, 1170));
}

fn png_size(png: &[u8]) -> (u32, u32) {
    let be = |b: &[u8]| u32::from_be_bytes(b.try_into().unwrap());
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    (be(&png[16..20]), be(&png[20..24]))
}

/// Every character the form shows has a glyph in the Adobe-GB1 collection,
/// judged by poppler's copy of the `UniGB-UCS2-H` CMap (Debian
/// `poppler-data`): a code outside it would print as a blank box.
#[test]
fn every_shown_character_is_in_the_unigb_ucs2_cmap() {
    let cmap_path = "/usr/share/poppler/cMap/Adobe-GB1/UniGB-UCS2-H";
    let Ok(cmap) = std::fs::read_to_string(cmap_path) else {
        return common::skip_or_fail("poppler-data's UniGB-UCS2-H CMap");
    };
    let mapped = mapped_codes(&cmap);
    assert!(mapped.len() > 20_000, "parsed only {} codes", mapped.len());

    let pdf = render(&common::form()).unwrap();
    let shown = shown_codes(&pdf);
    assert!(shown.len() > 200, "found only {} shown codes", shown.len());
    let missing: Vec<char> = shown
        .iter()
        .filter(|code| !mapped.contains(code))
        .map(|&code| char::from_u32(code.into()).unwrap_or('?'))
        .collect();
    assert!(missing.is_empty(), "not in UniGB-UCS2-H: {missing:?}");
}

/// The codes a CMap file maps, from its `cidrange` and `cidchar` sections.
fn mapped_codes(cmap: &str) -> std::collections::HashSet<u16> {
    let hex = |s: &str| u16::from_str_radix(s.trim_matches(['<', '>']), 16).ok();
    let mut codes = std::collections::HashSet::new();
    for line in cmap.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields[..] {
            [lo, hi, _cid] if lo.starts_with('<') && hi.starts_with('<') => {
                if let (Some(lo), Some(hi)) = (hex(lo), hex(hi)) {
                    codes.extend(lo..=hi);
                }
            }
            [code, _cid] if code.starts_with('<') => codes.extend(hex(code)),
            _ => {}
        }
    }
    codes
}

/// The UCS-2 codes of every hex string shown with `Tj` (the form's content
/// stream is not compressed). Pure-ASCII strings are written as literals;
/// ASCII is mapped by every GB1 CMap, so skipping them loses nothing.
fn shown_codes(pdf: &[u8]) -> Vec<u16> {
    let text = String::from_utf8_lossy(pdf);
    let mut codes = Vec::new();
    for (end, _) in text.match_indices("> Tj") {
        let start = text[..end].rfind('<').unwrap();
        let hex = &text[start + 1..end];
        for i in (0..hex.len()).step_by(4) {
            codes.push(u16::from_str_radix(&hex[i..i + 4], 16).unwrap());
        }
    }
    codes
}
