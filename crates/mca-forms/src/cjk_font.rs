//! Chinese text in a PDF without embedding a font: the Adobe standard CJK
//! font `STSong-Light` as a Type0 font over `UniGB-UCS2-H` (text is UCS-2
//! big-endian, each code maps to an Adobe-GB1 CID). Viewers substitute an
//! installed Song (宋体) font, which is what iText and many Chinese
//! systems rely on; the PDF stays small and carries no font licence.
//!
//! No `/ToUnicode` map is written on purpose: readers derive Unicode from
//! the predefined CMap and the Adobe-GB1 collection, so a text extractor
//! recovering our text proves the encoding itself is right.
//!
//! Widths: we declare every ASCII CID (1–95) half an em wide and leave
//! everything else at the default full em, so our layout arithmetic
//! ([`width`]) and the viewer agree exactly.

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Chunk, Name, Rect, Ref, Str};

/// The resource name the page content uses for the font.
pub(crate) const RESOURCE: Name<'static> = Name(b"F1");

const BASE_FONT: Name<'static> = Name(b"STSong-Light");

/// Writes the Type0 font, its CIDFontType0 descendant and the descriptor
/// at `font`, `font + 1`, `font + 2`.
pub(crate) fn write(chunk: &mut Chunk, font: Ref) {
    let cid_font = font.next();
    let descriptor = cid_font.next();
    chunk
        .type0_font(font)
        .base_font(BASE_FONT)
        .encoding_predefined(Name(b"UniGB-UCS2-H"))
        .descendant_font(cid_font);
    let mut cid = chunk.cid_font(cid_font);
    cid.subtype(CidFontType::Type0)
        .base_font(BASE_FONT)
        .system_info(SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"GB1"),
            supplement: 2,
        })
        .font_descriptor(descriptor)
        .default_width(1000.0);
    cid.widths().same(1, 95, 500.0);
    drop(cid);
    // The metrics Acrobat's own STSong-Light-Acro descriptor carries (R's
    // grDevices writes the same); viewers use them to scale the substitute.
    chunk
        .font_descriptor(descriptor)
        .name(BASE_FONT)
        .flags(FontFlags::SERIF | FontFlags::SYMBOLIC)
        .bbox(Rect::new(-134.0, -254.0, 1001.0, 905.0))
        .italic_angle(0.0)
        .ascent(905.0)
        .descent(-254.0)
        .cap_height(626.0)
        .x_height(416.0)
        .stem_v(48.0);
}

/// Can this character be shown? UCS-2 reaches the BMP only, and control
/// and private-use characters have no glyph in Adobe-GB1. (Other BMP
/// characters outside GB 18030 would print blank; names from real-name
/// verification are GB 18030 text.)
pub(crate) fn printable(c: char) -> bool {
    let private_use = ('\u{E000}'..='\u{F8FF}').contains(&c);
    (c as u32) <= 0xFFFF && !c.is_control() && !private_use
}

/// `text` as UCS-2 big-endian, the byte form `UniGB-UCS2-H` expects.
/// Unprintable characters (rejected by validation before we get here)
/// become U+FFFD rather than corrupting the string.
pub(crate) fn encode(text: &str) -> Vec<u8> {
    text.chars()
        .flat_map(|c| {
            let unit = if printable(c) { c as u16 } else { 0xFFFD };
            unit.to_be_bytes()
        })
        .collect()
}

/// Advance of one character in ems (see the module doc).
fn advance(c: char) -> f32 {
    if (' '..='~').contains(&c) { 0.5 } else { 1.0 }
}

/// Width of `text` set at `size` points.
pub(crate) fn width(text: &str, size: f32) -> f32 {
    text.chars().map(advance).sum::<f32>() * size
}

/// Characters that must not begin a line (Chinese line-breaking rule,
/// 避头点): they stay on the line before, even if it runs a little long.
fn no_line_start(c: char) -> bool {
    "，。、；：？！）》」』”’,.;:?!)".contains(c)
}

/// Breaks `text` into lines no wider than `max` points at `size` points.
/// Chinese breaks between any two characters, so no word logic is needed;
/// a run of ASCII letters/digits is kept together when it fits on a line.
pub(crate) fn wrap(text: &str, size: f32, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        // The unbreakable unit starting here: an ASCII word or one character.
        let mut end = i + 1;
        if chars[i].is_ascii_alphanumeric() {
            while end < chars.len() && chars[end].is_ascii_alphanumeric() {
                end += 1;
            }
        }
        let unit: String = chars[i..end].iter().collect();
        let fits = width(&line, size) + width(&unit, size) <= max;
        if !fits && !line.is_empty() && !no_line_start(chars[i]) {
            lines.push(std::mem::take(&mut line));
        }
        line.push_str(&unit);
        i = end;
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_ucs2_big_endian() {
        assert_eq!(encode("A张"), vec![0x00, 0x41, 0x5F, 0x20]);
        assert_eq!(encode("\u{1}"), vec![0xFF, 0xFD]);
        assert_eq!(encode("𠀀"), vec![0xFF, 0xFD]);
        assert_eq!(encode("\u{E000}"), vec![0xFF, 0xFD]);
        assert!(printable('张') && printable('·') && printable('￥'));
    }

    #[test]
    fn ascii_is_half_width() {
        assert_eq!(width("ab", 10.0), 10.0);
        assert_eq!(width("张三", 10.0), 20.0);
    }

    #[test]
    fn wraps_within_width_and_keeps_everything() {
        let text = "本人已仔细阅读并同意遵守《电子认证业务规则》，所填信息真实、准确。";
        let lines = wrap(text, 10.0, 100.0);
        assert!(lines.len() > 2);
        assert_eq!(lines.concat(), text);
        for line in &lines {
            // A line may only overrun by the punctuation it pulled back.
            let trimmed = line.trim_end_matches(no_line_start);
            assert!(width(trimmed, 10.0) <= 100.0, "{line}");
        }
        assert!(lines[1..].iter().all(|l| !l.starts_with(no_line_start)));
    }

    #[test]
    fn keeps_ascii_words_together() {
        let lines = wrap("证书CPS2026规则", 10.0, 40.0);
        assert!(lines.iter().any(|l| l.contains("CPS2026")), "{lines:?}");
    }
}
