//! The signature picture that goes with an application (D4 "手写签名" /
//! "生成签名"): either the applicant's handwritten signature, drawn on the
//! phone and uploaded as a PNG ([`validate_upload`]), or one generated
//! from their name ([`from_name`]).
//!
//! Generating needs CJK glyph outlines, and no font ships with this crate:
//! the caller passes the bytes of a TrueType/OpenType font (or collection)
//! it has, e.g. Debian's `fonts-wqy-microhei`, named in its configuration.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};

use crate::error::{Error, Field, Result, Upload};
use crate::upload::{ImageFormat, ImageInfo, Limits};

/// Largest signature upload, in bytes (2 MB).
pub const MAX_UPLOAD_BYTES: usize = 2 * 1024 * 1024;

/// What [`validate_upload`] accepts (and it must contain ink).
pub const LIMITS: Limits = Limits {
    upload: Upload::Signature,
    formats: &[ImageFormat::Png],
    max_bytes: MAX_UPLOAD_BYTES,
    min: (100, 40),
    max: (4000, 4000),
    max_pixels: 4000 * 4000,
};

/// Longest name [`from_name`] draws, in characters.
pub const MAX_NAME_CHARS: usize = 20;

/// Glyph height of the generated signature, in pixels.
const EM: f32 = 120.0;
/// Blank border around the name.
const PAD: f32 = 24.0;
/// Forward slant of handwriting: horizontal shift per pixel of height.
const SLANT: f32 = 0.18;
/// Blue-black ink.
const INK: [u8; 3] = [0x1B, 0x22, 0x4C];

/// Checks a handwritten signature upload: a PNG of at most
/// [`MAX_UPLOAD_BYTES`], 100×40 to 4000×4000 pixels, that decodes fully and
/// has some ink (a pixel that is both opaque and dark).
pub fn validate_upload(png: &[u8]) -> Result<ImageInfo> {
    if LIMITS.sniff(png)? != Some(ImageFormat::Png) {
        return Err(Error::UnsupportedFormat(Upload::Signature));
    }
    let image = LIMITS.decode_png(png)?;
    if !image.rgba().any(is_ink) {
        return Err(Error::BlankSignature);
    }
    Ok(ImageInfo {
        format: ImageFormat::Png,
        width: image.width,
        height: image.height,
    })
}

/// Opaque enough and dark enough to be ink on white paper: black, blue and
/// red pens all count; white, transparent and light gray do not.
fn is_ink([r, g, b, a]: [u8; 4]) -> bool {
    let luma = (299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b)) / 1000;
    a >= 128 && luma < 160
}

/// Draws `name` in `font` as a signature: blue-black ink, slanted like
/// handwriting, on a transparent background; returns a PNG that
/// [`validate_upload`] accepts.
///
/// Errors: an empty or over-long name ([`MAX_NAME_CHARS`]) or one with
/// control characters, a font that does not parse, or a font without a
/// glyph for one of the name's characters (a rare character: the user
/// should upload a handwritten signature instead).
pub fn from_name(name: &str, font: &[u8]) -> Result<Vec<u8>> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::EmptyField(Field::Name));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(Error::TooLong {
            field: Field::Name,
            max: MAX_NAME_CHARS,
        });
    }
    if name.chars().any(char::is_control) {
        return Err(Error::Malformed(Field::Name));
    }
    let font = FontRef::try_from_slice(font).map_err(|_| Error::InvalidFont)?;
    if let Some(c) = name
        .chars()
        .find(|&c| !c.is_whitespace() && font.glyph_id(c).0 == 0)
    {
        return Err(Error::MissingGlyph(c));
    }
    let image = draw(name, &font.as_scaled(PxScale::from(EM))).ok_or(Error::InvalidFont)?;
    Ok(encode(&image))
}

/// An 8-bit RGBA picture being made.
struct Rgba {
    width: u32,
    height: u32,
    pixels: Vec<[u8; 4]>,
}

/// Rasterizes `name` onto an upright canvas, then slants it. `None` if the
/// font's metrics would make a picture [`validate_upload`] refuses.
fn draw<F: Font>(name: &str, font: &impl ScaleFont<F>) -> Option<Rgba> {
    // Handwriting runs its characters a little closer than type.
    let tracking = -0.04 * EM;
    let advance: f32 = name
        .chars()
        .map(|c| font.h_advance(font.glyph_id(c)) + tracking)
        .sum();
    let text_height = font.ascent() - font.descent();
    let slant = (text_height * SLANT).ceil();
    let width = (advance - tracking + 2.0 * PAD + slant).ceil().max(100.0);
    let height = (text_height + 2.0 * PAD).ceil();
    let (max_width, max_height) = LIMITS.max;
    if !(width <= max_width as f32 && (2.0 * PAD..=max_height as f32).contains(&height)) {
        return None;
    }
    let (width, height) = (width as u32, height as u32);

    let mut coverage = vec![0f32; (width * height) as usize];
    let baseline = PAD + font.ascent();
    let mut x = PAD;
    for c in name.chars() {
        let mut glyph = font.scaled_glyph(c);
        glyph.position = point(x, baseline);
        x += font.h_advance(glyph.id) + tracking;
        if c.is_whitespace() {
            continue;
        }
        let Some(outline) = font.outline_glyph(glyph) else {
            continue;
        };
        let bounds = outline.px_bounds();
        outline.draw(|gx, gy, c| {
            let px = bounds.min.x as i64 + i64::from(gx);
            let py = bounds.min.y as i64 + i64::from(gy);
            if (0..i64::from(width)).contains(&px) && (0..i64::from(height)).contains(&py) {
                let cell = &mut coverage[(py * i64::from(width) + px) as usize];
                *cell = (*cell + c).min(1.0);
            }
        });
    }
    let pixels = slanted(&coverage, width, height)
        .into_iter()
        .map(|c| [INK[0], INK[1], INK[2], (c * 255.0).round() as u8])
        .collect();
    Some(Rgba {
        width,
        height,
        pixels,
    })
}

/// Shears the coverage so the bottom row stays and the top moves right by
/// `SLANT` × height (linear interpolation between columns).
fn slanted(coverage: &[f32], width: u32, height: u32) -> Vec<f32> {
    let (w, h) = (width as usize, height as usize);
    let mut out = vec![0f32; w * h];
    for y in 0..h {
        let shift = (h - 1 - y) as f32 * SLANT;
        let (whole, frac) = (shift.floor() as usize, shift.fract());
        let row = &coverage[y * w..(y + 1) * w];
        for x in whole..w {
            let src = x - whole;
            let here = row[src] * (1.0 - frac);
            let left = if src > 0 { row[src - 1] * frac } else { 0.0 };
            out[y * w + x] = here + left;
        }
    }
    out
}

fn encode(image: &Rgba) -> Vec<u8> {
    let data: Vec<u8> = image.pixels.iter().flatten().copied().collect();
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, image.width, image.height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    // Writing into a Vec with matching dimensions cannot fail.
    let mut writer = encoder.write_header().expect("PNG header into memory");
    writer
        .write_image_data(&data)
        .expect("PNG data into memory");
    writer.finish().expect("PNG end into memory");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::upload::tests::{png, png_header_only};

    #[test]
    fn accepts_a_dark_signature_on_white_or_transparent() {
        let mut image = png(300, 100, [0, 0, 0, 0]);
        assert_eq!(validate_upload(&image), Err(Error::BlankSignature));
        image = png(300, 100, [255, 255, 255, 255]);
        assert_eq!(validate_upload(&image), Err(Error::BlankSignature));
        image = png(300, 100, [10, 10, 200, 255]);
        let info = validate_upload(&image).unwrap();
        assert_eq!(
            (info.format, info.width, info.height),
            (ImageFormat::Png, 300, 100)
        );
    }

    #[test]
    fn ink_means_opaque_and_dark() {
        assert!(is_ink([0, 0, 0, 255]));
        assert!(is_ink([200, 0, 0, 255]));
        assert!(!is_ink([0, 0, 0, 100]));
        assert!(!is_ink([200, 200, 200, 255]));
    }

    #[test]
    fn rejects_wrong_sizes() {
        let ink = [0, 0, 0, 255];
        for (w, h) in [(99, 40), (100, 39), (4001, 100)] {
            assert_eq!(
                validate_upload(&png(w, h, ink)),
                Err(Error::BadDimensions {
                    upload: Upload::Signature,
                    width: w,
                    height: h
                })
            );
        }
        validate_upload(&png(100, 40, ink)).unwrap();
        // A huge claimed size is refused from the header, before decoding.
        assert!(matches!(
            validate_upload(&png_header_only(100_000, 100_000)),
            Err(Error::BadDimensions { width: 100_000, .. })
        ));
    }

    #[test]
    fn rejects_oversized_files() {
        let mut big = png(300, 100, [0, 0, 0, 255]);
        big.resize(MAX_UPLOAD_BYTES + 1, 0);
        assert!(matches!(
            validate_upload(&big),
            Err(Error::FileTooLarge { .. })
        ));
    }

    #[test]
    fn rejects_other_formats_and_corrupt_pngs() {
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0];
        assert_eq!(
            validate_upload(&jpeg),
            Err(Error::UnsupportedFormat(Upload::Signature))
        );
        assert_eq!(
            validate_upload(b""),
            Err(Error::UnsupportedFormat(Upload::Signature))
        );
        assert_eq!(
            validate_upload(b"GIF89a..."),
            Err(Error::UnsupportedFormat(Upload::Signature))
        );

        let good = png(300, 100, [0, 0, 0, 255]);
        let truncated = &good[..good.len() - 20];
        assert_eq!(
            validate_upload(truncated),
            Err(Error::CorruptImage(Upload::Signature))
        );
        let mut flipped = good.clone();
        let idat = flipped.windows(4).position(|w| w == b"IDAT").unwrap();
        flipped[idat + 6] ^= 0x55;
        assert_eq!(
            validate_upload(&flipped),
            Err(Error::CorruptImage(Upload::Signature))
        );
        assert_eq!(
            validate_upload(&good[..8]),
            Err(Error::CorruptImage(Upload::Signature))
        );
    }

    #[test]
    fn no_prefix_of_a_png_panics() {
        let good = png(120, 50, [0, 0, 0, 255]);
        for end in 0..good.len() {
            assert!(validate_upload(&good[..end]).is_err(), "{end}");
        }
    }

    #[test]
    fn from_name_rejects_bad_names_before_touching_the_font() {
        assert_eq!(from_name("  ", b""), Err(Error::EmptyField(Field::Name)));
        assert_eq!(
            from_name(&"张".repeat(21), b""),
            Err(Error::TooLong {
                field: Field::Name,
                max: MAX_NAME_CHARS
            })
        );
        assert_eq!(
            from_name("张\u{7}三", b""),
            Err(Error::Malformed(Field::Name))
        );
        assert_eq!(from_name("张三", b"not a font"), Err(Error::InvalidFont));
        assert_eq!(from_name("张三", &[0; 64]), Err(Error::InvalidFont));
    }

    #[test]
    fn metrics_too_large_for_an_upload_are_refused() {
        let fonts = [
            "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
            "/usr/share/fonts/truetype/arphic/ukai.ttc",
        ];
        let Some(bytes) = fonts.iter().find_map(|p| std::fs::read(p).ok()) else {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI needs fonts-wqy-microhei"
            );
            let skipped = "\n*** SKIPPED: no CJK font (fonts-wqy-microhei) ***\n";
            let _ = std::io::Write::write_all(&mut std::io::stderr(), skipped.as_bytes());
            return;
        };
        let font = FontRef::try_from_slice(&bytes).unwrap();
        assert!(draw("张三", &font.as_scaled(PxScale::from(EM))).is_some());
        // 20 characters at 250 px are wider than 4000 pixels.
        let wide = "张".repeat(MAX_NAME_CHARS);
        assert!(draw(&wide, &font.as_scaled(PxScale::from(250.0))).is_none());
        assert!(draw("张", &font.as_scaled(PxScale::from(5000.0))).is_none());
    }

    #[test]
    fn slant_moves_the_top_right_and_keeps_the_bottom() {
        let (w, h) = (10, 11);
        let mut column = vec![0f32; w * h];
        for y in 0..h {
            column[y * w] = 1.0;
        }
        let out = slanted(&column, w as u32, h as u32);
        assert_eq!(out[(h - 1) * w], 1.0);
        assert_eq!(out[0], 0.0);
        let top: f32 = out[..w].iter().sum();
        assert!((top - 1.0).abs() < 1e-5, "ink is preserved: {top}");
    }
}
