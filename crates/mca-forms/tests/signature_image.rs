//! Generated signatures drawn with a CJK font installed on this machine
//! (Debian `fonts-wqy-microhei`), read back by the PNG decoder.

mod common;

use mca_forms::signature_image::{from_name, validate_upload};
use mca_forms::{Error, ImageFormat};

/// Decodes `png` to RGBA and counts dark, opaque pixels.
fn ink_pixels(png: &[u8]) -> (u32, u32, usize) {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut buf).unwrap();
    assert_eq!(frame.color_type, png::ColorType::Rgba);
    let ink = buf[..frame.buffer_size()]
        .chunks_exact(4)
        .filter(|p| p[3] > 200 && u32::from(p[0]) + u32::from(p[1]) + u32::from(p[2]) < 300)
        .count();
    (frame.width, frame.height, ink)
}

#[test]
fn generated_signature_is_a_png_with_ink_that_passes_the_upload_check() {
    let Some(font) = common::cjk_font() else {
        return common::skip_or_fail("a CJK font (fonts-wqy-microhei)");
    };
    for name in ["张三", "欧阳明华", "阿卜杜·热合曼", "Li Lei"] {
        let png = from_name(name, &font).unwrap();
        std::fs::write(
            common::scratch("signature").join(format!("{name}.png")),
            &png,
        )
        .unwrap();
        let (width, height, ink) = ink_pixels(&png);
        // A stroke font at 120 px covers a few percent of its box with ink.
        assert!(
            ink > 500,
            "{name}: only {ink} ink pixels in {width}x{height}"
        );
        let info = validate_upload(&png).unwrap();
        assert_eq!(
            (info.format, info.width, info.height),
            (ImageFormat::Png, width, height)
        );
    }
}

#[test]
fn longer_names_give_wider_signatures() {
    let Some(font) = common::cjk_font() else {
        return common::skip_or_fail("a CJK font (fonts-wqy-microhei)");
    };
    let (short, _, short_ink) = ink_pixels(&from_name("王五", &font).unwrap());
    let (long, _, long_ink) = ink_pixels(&from_name("王五王五", &font).unwrap());
    assert!(long > short + 150, "{short} vs {long}");
    assert!(long_ink > short_ink * 3 / 2);
}

#[test]
fn a_character_the_font_lacks_is_an_error() {
    let Some(font) = common::cjk_font() else {
        return common::skip_or_fail("a CJK font (fonts-wqy-microhei)");
    };
    // A private-use code point: no font maps it.
    assert_eq!(
        from_name("张\u{E000}", &font),
        Err(Error::MissingGlyph('\u{E000}'))
    );
}
