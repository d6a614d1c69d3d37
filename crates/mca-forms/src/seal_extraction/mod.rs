//! B3: the red seal on a photographed, stamped application form, as a
//! transparent PNG the CA's seal maker can use.
//!
//! The photo is divided by the paper under it ([`picture`]), which leaves
//! what the ink does to the light. A seal pixel is then *red* (the red
//! channel well above green and blue) and *dark in green* (red ink absorbs
//! green). Where the decision is made matters: the edge of a stroke is put
//! half-way between the paper and the seal's own typical ink (half of its
//! median darkness), the point at which a pixel is half covered; redness
//! only says which dark pixels are ink of the seal rather than black
//! print, with a loose threshold because JPEG keeps colour at half the
//! resolution of brightness. The seal is the largest group of red strokes;
//! black print through it is taken back into it by closing gaps narrower
//! than a text stroke.
//!
//! Its accuracy is measured by `tests/seal_extraction.rs` on generated
//! photos (see docs/seal-extraction.md).

mod mask;
mod picture;

pub use mask::{Bounds, Mask};
pub use picture::WORKING_SIDE;

use crate::error::{Error, Result};
use crate::form_photo;
use crate::upload::ImageInfo;
use picture::Picture;

/// The red of the seal pictures we draw (the same as the seal maker's).
pub const SEAL_RED: [u8; 3] = [0xd0, 0x10, 0x10];

/// What [`extract`] found.
#[derive(Clone, Debug)]
pub struct ExtractedSeal {
    /// The seal as a transparent RGBA PNG, cropped to it with a margin.
    pub png: Vec<u8>,
    /// The seal's pixels in the working picture.
    pub mask: Mask,
    /// Where the PNG was cut from the working picture.
    pub crop: Bounds,
    /// Photo pixels per working pixel (1 for photos up to
    /// [`WORKING_SIDE`] pixels a side).
    pub scale: usize,
    /// The photo, checked as [`form_photo::validate_upload`] checks it
    /// (the same limits and errors): no need to check it again.
    pub photo: ImageInfo,
}

/// Finds the red seal in a form photo (JPEG or PNG, within
/// [`form_photo::LIMITS`]).
pub fn extract(photo: &[u8]) -> Result<ExtractedSeal> {
    let decoded = form_photo::LIMITS.decode_rgb(photo)?;
    let working = Picture::working(&decoded);
    let scale = (decoded.info.width as usize / working.width).max(1);
    let flat = working.over_paper();
    let mask = seal_mask(&flat).ok_or(Error::NoSeal)?;
    let (png, crop) = seal_png(&flat, &mask);
    Ok(ExtractedSeal {
        png,
        mask,
        crop,
        scale,
        photo: decoded.info,
    })
}

/// How red a pixel over paper is: red above the larger of green and blue.
fn redness(p: &[f32; 3]) -> f32 {
    p[0] - p[1].max(p[2])
}

/// How dark a pixel over paper is in green (0 = paper).
fn darkness(p: &[f32; 3]) -> f32 {
    (1.0 - p[1]).clamp(0.0, 1.0)
}

const CORE: f32 = 0.85;

/// The value below which `q` of `values` lie.
fn percentile(mut values: Vec<f32>, q: f32) -> f32 {
    let k = ((values.len() - 1) as f32 * q) as usize;
    *values.select_nth_unstable_by(k, f32::total_cmp).1
}

/// The seal's pixels, or `None` when no red seal is there.
fn seal_mask(flat: &Picture) -> Option<Mask> {
    let (w, h) = (flat.width, flat.height);
    let short = w.min(h);
    // The seal's own ink, from the pixels that are surely ink: redder
    // than anything brown (a wooden desk under the page is red-brown).
    let is_sure = |p: &[f32; 3]| redness(p) > 0.3 && darkness(p) > 0.3;
    let sure: Vec<&[f32; 3]> = flat.px.iter().filter(|p| is_sure(p)).collect();
    if sure.len() < w * h / 2000 {
        return None;
    }
    // The core of a stroke, not its edges: blur and thin strokes put
    // many sure pixels part-way, and their median would put the
    // half-way point too close to the paper.
    let red = percentile(sure.iter().map(|p| redness(p)).collect(), 0.5);
    let dark = percentile(sure.iter().map(|p| darkness(p)).collect(), CORE);
    let at = |x: usize, y: usize| &flat.px[y * w + x];
    let ink = Mask::from_fn(w, h, |x, y| {
        let p = at(x, y);
        darkness(p) > 0.5 * dark && redness(p) > 0.35 * red
    });

    // The group of strokes lying close together with the most sure ink,
    // of a seal's size: larger than a stray mark, smaller than the page.
    let (labels, groups) = ink.dilate((short / 120).max(2)).components();
    let mut sizes = vec![0usize; groups as usize + 1];
    for (i, &label) in labels.iter().enumerate() {
        if is_sure(&flat.px[i]) {
            sizes[label as usize] += 1;
        }
    }
    let mut order: Vec<usize> = (1..sizes.len()).collect();
    order.sort_by_key(|&g| std::cmp::Reverse(sizes[g]));
    let group = order.into_iter().take(3).find_map(|g| {
        let group = Mask::from_fn(w, h, |x, y| labels[y * w + x] as usize == g);
        let b = group.bounds()?;
        let (small, large) = (b.width().min(b.height()), b.width().max(b.height()));
        let seal_sized = sizes[g] >= w * h / 2000 && small >= short / 25 && large <= short * 7 / 10;
        seal_sized.then_some(b)
    })?;
    // The group found is the ring (or the outer strokes); everything red
    // inside it is the seal too — the star and a text line can be far
    // from the ring.
    let seal = Mask::from_fn(w, h, |x, y| {
        (group.x0..group.x1).contains(&x) && (group.y0..group.y1).contains(&y) && ink.get(x, y)
    });

    // Black print through the seal: dark pixels in gaps the width of a
    // text stroke.
    let print = Mask::from_fn(w, h, |x, y| darkness(at(x, y)) > 0.5);
    Some(seal.or(&seal.close((short / 300).max(2)).and(&print)))
}

/// The seal cut out with a margin: seal red, opaque on the mask, its
/// edge pixels as transparent as they are light (anti-aliased).
fn seal_png(flat: &Picture, seal: &Mask) -> (Vec<u8>, Bounds) {
    let (w, h) = (flat.width, flat.height);
    let b = seal.bounds().expect("a seal mask is never empty");
    let margin = b.width().max(b.height()) / 30 + 2;
    let crop = Bounds {
        x0: b.x0.saturating_sub(margin),
        y0: b.y0.saturating_sub(margin),
        x1: (b.x1 + margin).min(w),
        y1: (b.y1 + margin).min(h),
    };
    let edge = seal.dilate(1);
    let mut rgba = Vec::with_capacity(crop.width() * crop.height() * 4);
    for y in crop.y0..crop.y1 {
        for x in crop.x0..crop.x1 {
            let alpha = if seal.get(x, y) {
                255
            } else if edge.get(x, y) {
                let d = darkness(&flat.px[y * w + x]);
                (d.clamp(0.0, 0.5) * 255.0) as u8
            } else {
                0
            };
            rgba.extend_from_slice(&SEAL_RED);
            rgba.push(alpha);
        }
    }
    (encode_rgba(crop.width(), crop.height(), &rgba), crop)
}

fn encode_rgba(width: usize, height: usize, rgba: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width as u32, height as u32);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Balanced);
    // Writing to a Vec cannot fail, and the size matches the data.
    let mut writer = encoder.write_header().expect("PNG header into memory");
    writer
        .write_image_data(rgba)
        .expect("PNG data of the declared size");
    writer.finish().expect("PNG end into memory");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_of(width: u32, height: u32, f: impl Fn(u32, u32) -> [u8; 3]) -> Vec<u8> {
        let mut rgba = Vec::new();
        for y in 0..height {
            for x in 0..width {
                rgba.extend_from_slice(&f(x, y));
                rgba.push(255);
            }
        }
        encode_rgba(width as usize, height as usize, &rgba)
    }

    #[test]
    fn finds_a_red_ring_and_not_black_print() {
        let photo = png_of(800, 800, |x, y| {
            let (dx, dy) = (x as f32 - 400.0, y as f32 - 400.0);
            let r = (dx * dx + dy * dy).sqrt();
            if (100.0..110.0).contains(&r) {
                [200, 40, 40]
            } else if (600..700).contains(&x) && y % 20 < 3 {
                [20, 20, 20]
            } else {
                [245, 240, 230]
            }
        });
        let seal = extract(&photo).unwrap();
        let b = seal.mask.bounds().unwrap();
        assert!(b.x0.abs_diff(290) <= 2 && b.x1.abs_diff(510) <= 2, "{b:?}");
        assert!(!seal.mask.get(650, 1), "black print is not the seal");
        assert!(seal.png.starts_with(b"\x89PNG"));
    }

    #[test]
    fn a_photo_without_a_red_seal_is_refused() {
        let text = png_of(800, 800, |x, y| {
            if y % 30 < 4 && x % 50 < 40 {
                [30, 30, 30]
            } else {
                [240, 240, 240]
            }
        });
        assert_eq!(extract(&text).unwrap_err(), Error::NoSeal);
        assert_eq!(Error::NoSeal.upload_reason(), Some("no_seal"));
    }
}
