//! The photo as the extraction sees it: linear-ish RGB in 0..1 at a
//! working size, and the same picture divided by the paper under it.
//!
//! Dividing by the local paper colour is what makes one threshold work
//! across photos: it removes the white balance (a colour cast is a
//! per-channel gain), the exposure and the shadows (slow changes of that
//! gain over the page), and the paper's own tint, leaving only what the
//! ink does to the light.

use crate::upload::DecodedRgb;

/// Longest side the extraction works at. A seal on an A4 photo at this
/// size is still 250–400 pixels across, plenty for a seal picture, and a
/// 12-megapixel photo costs no more than a small one.
pub const WORKING_SIDE: usize = 1600;

/// An RGB picture, samples in 0..1, rows without padding.
#[derive(Clone, Debug)]
pub(crate) struct Picture {
    pub width: usize,
    pub height: usize,
    pub px: Vec<[f32; 3]>,
}

impl Picture {
    /// The decoded photo, shrunk by whole-pixel box averaging until its
    /// longest side is at most [`WORKING_SIDE`].
    pub fn working(photo: &DecodedRgb) -> Picture {
        let (w, h) = (photo.info.width as usize, photo.info.height as usize);
        let f = w.max(h).div_ceil(WORKING_SIDE).max(1);
        let (width, height) = ((w / f).max(1), (h / f).max(1));
        let mut px = vec![[0f32; 3]; width * height];
        let norm = 1.0 / (255.0 * (f * f) as f32);
        for y in 0..height {
            for x in 0..width {
                let mut sum = [0u32; 3];
                for sy in y * f..(y * f + f).min(h) {
                    for p in &photo.data[sy * w + x * f..sy * w + (x * f + f).min(w)] {
                        for c in 0..3 {
                            sum[c] += u32::from(p[c]);
                        }
                    }
                }
                px[y * width + x] = sum.map(|s| s as f32 * norm);
            }
        }
        Picture { width, height, px }
    }

    /// Each pixel divided by the paper colour around it (1 = paper).
    pub fn over_paper(&self) -> Picture {
        let paper = self.paper();
        let px = self
            .px
            .iter()
            .zip(&paper)
            .map(|(p, q)| std::array::from_fn(|c| (p[c] / q[c].max(0.03)).min(1.5)))
            .collect();
        Picture {
            width: self.width,
            height: self.height,
            px,
        }
    }

    /// The paper colour under every pixel: per block, the mean colour of
    /// its brightest 5 % (a seal or text is strokes with paper between
    /// them, so a block's brightest pixels are paper); a 3×3 median over
    /// blocks drops the few blocks that are all ink or off the page;
    /// bilinear between block centres follows shadows smoothly.
    fn paper(&self) -> Vec<[f32; 3]> {
        let (w, h) = (self.width, self.height);
        let b = (w.max(h) / 48).max(12);
        let (bw, bh) = (w.div_ceil(b), h.div_ceil(b));
        let mut blocks = vec![[1f32; 3]; bw * bh];
        let mut lum = Vec::with_capacity(b * b);
        for by in 0..bh {
            for bx in 0..bw {
                let (xs, ys) = (bx * b..((bx + 1) * b).min(w), by * b..((by + 1) * b).min(h));
                lum.clear();
                for y in ys.clone() {
                    lum.extend(self.px[y * w + xs.start..y * w + xs.end].iter().map(luma));
                }
                let k = lum.len() - 1 - lum.len() / 20;
                let threshold = *lum.select_nth_unstable_by(k, f32::total_cmp).1;
                let (mut sum, mut n) = ([0f32; 3], 0f32);
                for y in ys {
                    for p in &self.px[y * w + xs.start..y * w + xs.end] {
                        if luma(p) >= threshold {
                            (0..3).for_each(|c| sum[c] += p[c]);
                            n += 1.0;
                        }
                    }
                }
                blocks[by * bw + bx] = sum.map(|s| s / n);
            }
        }
        let blocks = median3x3(&blocks, bw, bh);
        let mut paper = vec![[0f32; 3]; w * h];
        for y in 0..h {
            let fy = ((y as f32 + 0.5) / b as f32 - 0.5).clamp(0.0, (bh - 1) as f32);
            let (y0, ty) = (fy as usize, fy.fract());
            let y1 = (y0 + 1).min(bh - 1);
            for x in 0..w {
                let fx = ((x as f32 + 0.5) / b as f32 - 0.5).clamp(0.0, (bw - 1) as f32);
                let (x0, tx) = (fx as usize, fx.fract());
                let x1 = (x0 + 1).min(bw - 1);
                let at = |bx: usize, by: usize| blocks[by * bw + bx];
                let (a, c, d, e) = (at(x0, y0), at(x1, y0), at(x0, y1), at(x1, y1));
                paper[y * w + x] = std::array::from_fn(|ch| {
                    let top = a[ch] + (c[ch] - a[ch]) * tx;
                    let bottom = d[ch] + (e[ch] - d[ch]) * tx;
                    top + (bottom - top) * ty
                });
            }
        }
        paper
    }
}

fn luma(p: &[f32; 3]) -> f32 {
    0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]
}

/// Per channel, the median of each block and its neighbours.
fn median3x3(blocks: &[[f32; 3]], bw: usize, bh: usize) -> Vec<[f32; 3]> {
    let mut out = vec![[0f32; 3]; blocks.len()];
    let mut window = Vec::with_capacity(9);
    for by in 0..bh {
        for bx in 0..bw {
            for c in 0..3 {
                window.clear();
                for y in by.saturating_sub(1)..(by + 2).min(bh) {
                    for x in bx.saturating_sub(1)..(bx + 2).min(bw) {
                        window.push(blocks[y * bw + x][c]);
                    }
                }
                let mid = window.len() / 2;
                out[by * bw + bx][c] = *window.select_nth_unstable_by(mid, f32::total_cmp).1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrinks_large_photos_and_divides_out_a_colour_cast() {
        // A warm-cast 3200×100 "paper" with a dark square: shrunk by 2,
        // the paper comes out white and the square keeps its contrast.
        let (w, h) = (3200u32, 100u32);
        let data = (0..w * h)
            .map(|i| {
                let (x, y) = (i % w, i / w);
                if (1000..1100).contains(&x) && (20..80).contains(&y) {
                    [100, 90, 70]
                } else {
                    [250, 225, 175]
                }
            })
            .collect();
        let picture = Picture::working(&DecodedRgb {
            info: crate::ImageInfo {
                format: crate::ImageFormat::Png,
                width: w,
                height: h,
            },
            data,
        });
        assert_eq!((picture.width, picture.height), (1600, 50));
        let flat = picture.over_paper();
        let paper = flat.px[10 * 1600 + 100];
        assert!(paper.iter().all(|&c| (c - 1.0).abs() < 0.02), "{paper:?}");
        let ink = flat.px[25 * 1600 + 525];
        assert!(ink.iter().all(|&c| (c - 0.4).abs() < 0.02), "{ink:?}");
    }
}
