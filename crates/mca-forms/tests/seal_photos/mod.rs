//! Photo-like pictures of a stamped application form with the seal's true
//! mask (B3's measurement): a form rendered flat (paper tint, table lines,
//! glyph-like print), a seal stamped over it with a known mask (round with
//! a star or oval; ring, arc text, a text line; ink density varying; black
//! print showing through it), then photographed: perspective and rotation
//! (sometimes upside down), area sampling, uneven light and a soft shadow,
//! a colour cast, blur, sensor noise and JPEG.
//!
//! Deterministic per seed; nothing here is used by the extraction.

#![allow(dead_code)] // each test binary uses a part

use std::f64::consts::{FRAC_PI_2, PI, TAU};

use mca_forms::seal_extraction::Mask;

/// A4 at 150 dpi: the flat page.
const PW: usize = 1240;
const PH: usize = 1754;

/// A generated photo.
pub struct Sample {
    /// The photo as JPEG.
    pub jpeg: Vec<u8>,
    /// Which photo pixels the seal covers.
    pub truth: Mask,
    /// What was done, for the report.
    pub recipe: String,
}

/// SplitMix64: small, seedable, good enough for test pictures.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..hi`.
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn int(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo) as u64) as usize
    }

    fn chance(&mut self, p: f64) -> bool {
        self.range(0.0, 1.0) < p
    }

    /// Roughly standard normal (a sum of four uniforms).
    fn normal(&mut self) -> f64 {
        (0..4).map(|_| self.range(-0.5, 0.5)).sum::<f64>() * 3f64.sqrt()
    }
}

/// The flat page: reflectance per channel and the seal's mask.
struct Page {
    refl: Vec<[f32; 3]>,
    seal: Vec<bool>,
}

impl Page {
    fn blank(paper: [f32; 3]) -> Page {
        Page {
            refl: vec![paper; PW * PH],
            seal: vec![false; PW * PH],
        }
    }

    /// A straight stroke of width `t` from a to b, `paint` applied to each
    /// pixel it covers.
    fn stroke(
        &mut self,
        a: (f64, f64),
        b: (f64, f64),
        t: f64,
        paint: &mut impl FnMut(&mut Page, usize),
    ) {
        let (x0, x1) = (a.0.min(b.0) - t, a.0.max(b.0) + t);
        let (y0, y1) = (a.1.min(b.1) - t, a.1.max(b.1) + t);
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let len2 = (dx * dx + dy * dy).max(1e-9);
        for y in (y0.max(0.0) as usize)..(y1.min(PH as f64 - 1.0).max(0.0) as usize + 1) {
            for x in (x0.max(0.0) as usize)..(x1.min(PW as f64 - 1.0).max(0.0) as usize + 1) {
                let (px, py) = (x as f64 + 0.5, y as f64 + 0.5);
                let s = (((px - a.0) * dx + (py - a.1) * dy) / len2).clamp(0.0, 1.0);
                let (ex, ey) = (px - a.0 - s * dx, py - a.1 - s * dy);
                if ex * ex + ey * ey <= t * t / 4.0 {
                    paint(self, y * PW + x);
                }
            }
        }
    }
}

/// A glyph: 3–6 strokes in the unit square (-0.5..0.5), like a Chinese
/// character's.
fn glyph(rng: &mut Rng) -> Vec<((f64, f64), (f64, f64))> {
    (0..rng.int(3, 7))
        .map(|_| match rng.int(0, 4) {
            0 => {
                let y = rng.range(-0.4, 0.4);
                ((rng.range(-0.45, -0.1), y), (rng.range(0.1, 0.45), y))
            }
            1 => {
                let x = rng.range(-0.4, 0.4);
                ((x, rng.range(-0.45, -0.1)), (x, rng.range(0.1, 0.45)))
            }
            _ => (
                (rng.range(-0.45, 0.45), rng.range(-0.45, 0.0)),
                (rng.range(-0.45, 0.45), rng.range(0.0, 0.45)),
            ),
        })
        .collect()
}

/// Black print: a glyph of `size` at (cx, cy).
fn print_glyph(page: &mut Page, rng: &mut Rng, cx: f64, cy: f64, size: f64) {
    let t = (size / 11.0).max(2.0);
    for (a, b) in glyph(rng) {
        let at = |p: (f64, f64)| (cx + p.0 * size, cy + p.1 * size);
        page.stroke(at(a), at(b), t, &mut |page, i| {
            page.refl[i] = [0.07, 0.07, 0.08];
        });
    }
}

fn print_line(page: &mut Page, rng: &mut Rng, x: f64, y: f64, chars: usize, size: f64) {
    for k in 0..chars {
        print_glyph(page, rng, x + (k as f64 + 0.5) * size * 1.1, y, size);
    }
}

/// The application form, flat.
fn form(rng: &mut Rng) -> Page {
    let papers = [
        [0.96, 0.96, 0.95],
        [0.97, 0.94, 0.84],
        [0.90, 0.90, 0.87],
        [0.93, 0.95, 0.98],
    ];
    let mut page = Page::blank(papers[rng.int(0, papers.len())]);
    let title = rng.int(8, 13);
    print_line(
        &mut page,
        rng,
        (PW as f64 - title as f64 * 50.0) / 2.0,
        130.0,
        title,
        46.0,
    );
    let line = |page: &mut Page, a, b| {
        page.stroke(a, b, 2.0, &mut |page, i| page.refl[i] = [0.1, 0.1, 0.1]);
    };
    for row in 0..=13 {
        let y = 240.0 + row as f64 * 85.0;
        line(&mut page, (100.0, y), (1140.0, y));
    }
    for x in [100.0, 330.0, 1140.0] {
        line(&mut page, (x, 240.0), (x, 240.0 + 13.0 * 85.0));
    }
    for row in 0..13 {
        let y = 240.0 + row as f64 * 85.0 + 42.0;
        let label = rng.int(3, 6);
        print_line(&mut page, rng, 120.0, y, label, 26.0);
        let value = rng.int(4, 25);
        print_line(&mut page, rng, 350.0, y, value, 26.0);
    }
    // Below the table, where the seal goes: 申请单位（盖章） and the date.
    print_line(&mut page, rng, 620.0, 1440.0, 9, 28.0);
    print_line(&mut page, rng, 700.0, 1560.0, 11, 28.0);
    print_line(&mut page, rng, 120.0, 1660.0, 30, 22.0);
    page
}

/// Stamps a seal near where the form asks for it; returns its recipe.
fn stamp(page: &mut Page, rng: &mut Rng) -> String {
    let r = rng.range(115.0, 165.0);
    let oval = rng.chance(0.25);
    let (ax, ay) = if oval { (1.0, 0.68) } else { (1.0, 1.0) };
    let (cx, cy) = (rng.range(720.0, 980.0), rng.range(1380.0, 1560.0));
    let turn = rng.range(-0.6, 0.6);
    let ink = [
        rng.range(0.78, 0.90) as f32,
        rng.range(0.08, 0.25) as f32,
        rng.range(0.10, 0.28) as f32,
    ];
    let density = rng.range(0.80, 1.0);
    let (fx, fy, phase) = (
        rng.range(0.01, 0.04),
        rng.range(0.01, 0.04),
        rng.range(0.0, TAU),
    );
    // Seal coordinates (unit radius, y down) to the page.
    let (c, s) = (turn.cos(), turn.sin());
    let to_page = |u: f64, v: f64| {
        let (u, v) = (u * ax * r, v * ay * r);
        (cx + u * c - v * s, cy + u * s + v * c)
    };
    let mut paint = |page: &mut Page, i: usize| {
        if page.seal[i] {
            return;
        }
        page.seal[i] = true;
        let (x, y) = ((i % PW) as f64, (i / PW) as f64);
        let d = (density + 0.08 * (x * fx + phase).sin() * (y * fy).cos()).min(1.0) as f32;
        for (r, k) in page.refl[i].iter_mut().zip(ink) {
            *r *= 1.0 - d * (1.0 - k);
        }
    };
    // The outer ring: a polygon of short strokes.
    let ring = rng.range(0.045, 0.07);
    let n = 180;
    for k in 0..n {
        let (a0, a1) = (k as f64 / n as f64 * TAU, (k + 1) as f64 / n as f64 * TAU);
        let rr = 1.0 - ring / 2.0;
        page.stroke(
            to_page(rr * a0.cos(), rr * a0.sin()),
            to_page(rr * a1.cos(), rr * a1.sin()),
            ring * r,
            &mut paint,
        );
    }
    let t = rng.range(0.04, 0.055) * r;
    let mut glyph_at = |page: &mut Page, rng: &mut Rng, u: f64, v: f64, size: f64, angle: f64| {
        let (gc, gs) = (angle.cos(), angle.sin());
        for (a, b) in glyph(rng) {
            let at = |p: (f64, f64)| {
                to_page(
                    u + (p.0 * gc - p.1 * gs) * size,
                    v + (p.0 * gs + p.1 * gc) * size,
                )
            };
            page.stroke(at(a), at(b), t, &mut paint);
        }
    };
    // Arc text over the top, then a line across the bottom (or middle).
    let chars = rng.int(8, 15);
    let span = rng.range(3.6, 4.6);
    for k in 0..chars {
        let phi = -span / 2.0 + span * (k as f64 + 0.5) / chars as f64;
        glyph_at(page, rng, 0.70 * phi.sin(), -0.70 * phi.cos(), 0.25, phi);
    }
    let line = rng.int(3, 6);
    let v = if oval { 0.25 } else { 0.58 };
    for k in 0..line {
        let u = (k as f64 + 0.5 - line as f64 / 2.0) * 0.22;
        glyph_at(page, rng, u, v, 0.2, 0.0);
    }
    if !oval {
        // The star: two triangles' worth of strokes from its centre.
        let star = 0.26;
        for k in 0..5 {
            let a = -FRAC_PI_2 + k as f64 * (TAU / 5.0);
            for w in [-0.12, 0.0, 0.12] {
                page.stroke(
                    to_page(
                        w * (a + FRAC_PI_2).cos() * star,
                        w * (a + FRAC_PI_2).sin() * star,
                    ),
                    to_page(star * a.cos(), star * a.sin()),
                    t * 1.1,
                    &mut paint,
                );
            }
        }
    }
    format!(
        "{} r={r:.0}px turn={turn:+.2}",
        if oval { "oval" } else { "round" }
    )
}

/// The homography mapping `from[i]` to `to[i]` (h33 = 1), by Gaussian
/// elimination.
fn homography(from: [(f64, f64); 4], to: [(f64, f64); 4]) -> [f64; 8] {
    let mut m = [[0f64; 9]; 8];
    for i in 0..4 {
        let ((x, y), (u, v)) = (from[i], to[i]);
        m[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -x * u, -y * u, u];
        m[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -x * v, -y * v, v];
    }
    for col in 0..8 {
        let pivot = (col..8)
            .max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))
            .unwrap();
        m.swap(col, pivot);
        for row in 0..8 {
            if row != col {
                let f = m[row][col] / m[col][col];
                let pivot_row = m[col];
                for (a, p) in m[row].iter_mut().zip(pivot_row).skip(col) {
                    *a -= f * p;
                }
            }
        }
    }
    std::array::from_fn(|i| m[i][8] / m[i][i])
}

fn apply(h: &[f64; 8], x: f64, y: f64) -> (f64, f64) {
    let w = h[6] * x + h[7] * y + 1.0;
    (
        (h[0] * x + h[1] * y + h[2]) / w,
        (h[3] * x + h[4] * y + h[5]) / w,
    )
}

/// Bilinear sample of the page at (x, y) in pixel units: colour and seal
/// coverage.
fn sample(page: &Page, x: f64, y: f64) -> ([f32; 3], f32) {
    let (fx, fy) = (
        (x - 0.5).clamp(0.0, PW as f64 - 1.001),
        (y - 0.5).clamp(0.0, PH as f64 - 1.001),
    );
    let (x0, y0) = (fx as usize, fy as usize);
    let (tx, ty) = ((fx - x0 as f64) as f32, (fy - y0 as f64) as f32);
    let mut colour = [0f32; 3];
    let mut seal = 0f32;
    for (dx, dy, wgt) in [
        (0, 0, (1.0 - tx) * (1.0 - ty)),
        (1, 0, tx * (1.0 - ty)),
        (0, 1, (1.0 - tx) * ty),
        (1, 1, tx * ty),
    ] {
        let i = (y0 + dy) * PW + x0 + dx;
        for (c, r) in colour.iter_mut().zip(page.refl[i]) {
            *c += wgt * r;
        }
        seal += wgt * f32::from(u8::from(page.seal[i]));
    }
    (colour, seal)
}

fn smoothstep(lo: f64, hi: f64, t: f64) -> f64 {
    let t = ((t - lo) / (hi - lo)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// Separable Gaussian blur of an RGB float picture.
fn blur(px: &mut [[f32; 3]], w: usize, h: usize, sigma: f64) {
    let radius = (3.0 * sigma).ceil() as isize;
    let kernel: Vec<f32> = (-radius..=radius)
        .map(|i| (-(i * i) as f64 / (2.0 * sigma * sigma)).exp() as f32)
        .collect();
    let total: f32 = kernel.iter().sum();
    let kernel: Vec<f32> = kernel.iter().map(|k| k / total).collect();
    for horizontal in [true, false] {
        let src = px.to_vec();
        for y in 0..h {
            for x in 0..w {
                let mut acc = [0f32; 3];
                for (k, wgt) in kernel.iter().enumerate() {
                    let o = k as isize - radius;
                    let (sx, sy) = if horizontal {
                        ((x as isize + o).clamp(0, w as isize - 1) as usize, y)
                    } else {
                        (x, (y as isize + o).clamp(0, h as isize - 1) as usize)
                    };
                    let p = src[sy * w + sx];
                    (0..3).for_each(|c| acc[c] += wgt * p[c]);
                }
                px[y * w + x] = acc;
            }
        }
    }
}

/// Photo number `seed`: with a seal unless `seal` is false.
pub fn photo(seed: u64, seal: bool) -> Sample {
    let mut rng = Rng::new(seed);
    let mut page = form(&mut rng);
    let mut recipe = if seal {
        stamp(&mut page, &mut rng)
    } else {
        "no seal".to_owned()
    };

    // The camera: the page as a perspective quad in the photo.
    // At most 1600 pixels high: the extraction's working size, so its mask
    // and the truth are pixel for pixel.
    let w = rng.int(900, 1201);
    let h = w * 4 / 3;
    let upside_down = rng.chance(0.15);
    let angle = rng.range(-0.2, 0.2) + if upside_down { PI } else { 0.0 };
    let fill = rng.range(0.78, 0.95) * h as f64 / PH as f64;
    let (cx, cy) = (
        w as f64 / 2.0 + rng.normal() * 15.0,
        h as f64 / 2.0 + rng.normal() * 15.0,
    );
    let corners = [
        (0.0, 0.0),
        (PW as f64, 0.0),
        (PW as f64, PH as f64),
        (0.0, PH as f64),
    ];
    let skew = 0.04 * w as f64;
    let quad = corners.map(|(x, y)| {
        let (u, v) = ((x - PW as f64 / 2.0) * fill, (y - PH as f64 / 2.0) * fill);
        (
            cx + u * angle.cos() - v * angle.sin() + rng.range(-skew, skew),
            cy + u * angle.sin() + v * angle.cos() + rng.range(-skew, skew),
        )
    });
    let to_page = homography(quad, corners);

    // Light: exposure, a gradient, vignetting, perhaps a soft shadow; a
    // colour cast (white balance).
    let exposure = rng.range(0.72, 1.05);
    let (gx, gy, grad) = (
        rng.range(-1.0, 1.0),
        rng.range(-1.0, 1.0),
        rng.range(0.0, 0.3),
    );
    let vignette = rng.range(0.0, 0.25);
    let shadow = rng.chance(0.6).then(|| {
        let (px, py, a) = (
            rng.range(0.2, 0.8) * w as f64,
            rng.range(0.2, 0.8) * h as f64,
            rng.range(0.0, TAU),
        );
        (
            px,
            py,
            a.cos(),
            a.sin(),
            rng.range(0.25, 0.5),
            rng.range(30.0, 150.0),
        )
    });
    let warmth = rng.range(-1.0, 1.0);
    let gains = [
        1.0 + 0.15 * warmth,
        1.0 + rng.range(-0.05, 0.05),
        1.0 - 0.22 * warmth,
    ];
    let table = if rng.chance(0.5) {
        [0.25, 0.25, 0.27]
    } else {
        [0.45, 0.30, 0.20]
    };

    let mut px = vec![[0f32; 3]; w * h];
    let mut truth = vec![false; w * h];
    for y in 0..h {
        for x in 0..w {
            // 2×2 samples a pixel: a camera pixel integrates an area.
            let (mut colour, mut cover) = ([0f32; 3], 0f32);
            for (ox, oy) in [(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)] {
                let (u, v) = apply(&to_page, x as f64 + ox, y as f64 + oy);
                let (c, s) = if (0.0..PW as f64).contains(&u) && (0.0..PH as f64).contains(&v) {
                    sample(&page, u, v)
                } else {
                    (table, 0.0)
                };
                (0..3).for_each(|k| colour[k] += c[k] / 4.0);
                cover += s / 4.0;
            }
            truth[y * w + x] = cover >= 0.5;
            let (nx, ny) = (x as f64 / w as f64 - 0.5, y as f64 / h as f64 - 0.5);
            let mut light = exposure
                * (1.0 - grad * (0.5 + 0.5 * (gx * nx + gy * ny)))
                * (1.0 - vignette * (nx * nx + ny * ny) * 2.0);
            if let Some((sx, sy, dc, ds, depth, width)) = shadow {
                let t = (x as f64 - sx) * dc + (y as f64 - sy) * ds;
                light *= 1.0 - depth * smoothstep(-width / 2.0, width / 2.0, t);
            }
            px[y * w + x] = std::array::from_fn(|k| colour[k] * (light * gains[k]) as f32);
        }
    }
    let sigma = rng.range(0.4, 1.3);
    blur(&mut px, w, h, sigma);
    let noise = rng.range(1.5, 6.0);
    let mut rgb = Vec::with_capacity(w * h * 3);
    for p in &px {
        let shared = rng.normal() * noise * 0.7;
        for &c in p {
            let v = c as f64 * 255.0 + shared + rng.normal() * noise * 0.5;
            rgb.push(v.round().clamp(0.0, 255.0) as u8);
        }
    }
    let quality = rng.int(60, 93) as u8;
    let mut jpeg = Vec::new();
    jpeg_encoder::Encoder::new(&mut jpeg, quality)
        .encode(&rgb, w as u16, h as u16, jpeg_encoder::ColorType::Rgb)
        .expect("a JPEG of the photo");
    recipe += &format!(
        "; {w}×{h}{} turn {:+.2}, shadow {}, warmth {warmth:+.2}, blur σ {sigma:.1}, noise {noise:.1}, JPEG q{quality}",
        if upside_down { " upside down," } else { "," },
        angle - if upside_down { PI } else { 0.0 },
        if shadow.is_some() { "yes" } else { "no" },
    );
    Sample {
        jpeg,
        truth: Mask::from_fn(w, h, |x, y| truth[y * w + x]),
        recipe,
    }
}
