//! Binary masks over the working picture: the morphology and the
//! connected components the extraction needs, and the intersection over
//! union it is scored by.

/// Which pixels of a picture belong to something (the seal), row by row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mask {
    width: usize,
    height: usize,
    bits: Vec<bool>,
}

/// A rectangle of pixels, `x0..x1` × `y0..y1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bounds {
    /// Left column.
    pub x0: usize,
    /// Top row.
    pub y0: usize,
    /// One past the right column.
    pub x1: usize,
    /// One past the bottom row.
    pub y1: usize,
}

impl Bounds {
    /// Width in pixels.
    pub fn width(&self) -> usize {
        self.x1 - self.x0
    }

    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.y1 - self.y0
    }
}

impl Mask {
    /// A mask of `width`×`height` holding the pixels `f(x, y)` is true of.
    pub fn from_fn(width: usize, height: usize, mut f: impl FnMut(usize, usize) -> bool) -> Mask {
        let mut bits = Vec::with_capacity(width * height);
        for y in 0..height {
            for x in 0..width {
                bits.push(f(x, y));
            }
        }
        Mask {
            width,
            height,
            bits,
        }
    }

    /// Width in pixels.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.height
    }

    /// Whether pixel (x, y) is in the mask.
    pub fn get(&self, x: usize, y: usize) -> bool {
        self.bits[y * self.width + x]
    }

    /// How many pixels are in the mask.
    pub fn count(&self) -> usize {
        self.bits.iter().filter(|&&b| b).count()
    }

    /// The smallest rectangle holding every pixel of the mask.
    pub fn bounds(&self) -> Option<Bounds> {
        let mut b: Option<Bounds> = None;
        for (i, _) in self.bits.iter().enumerate().filter(|&(_, &on)| on) {
            let (x, y) = (i % self.width, i / self.width);
            let r = b.get_or_insert(Bounds {
                x0: x,
                y0: y,
                x1: x + 1,
                y1: y + 1,
            });
            r.x0 = r.x0.min(x);
            r.x1 = r.x1.max(x + 1);
            r.y1 = y + 1;
        }
        b
    }

    /// Intersection over union with a mask of the same size (1 when both
    /// are empty).
    pub fn iou(&self, other: &Mask) -> f64 {
        assert_eq!((self.width, self.height), (other.width, other.height));
        let (mut both, mut either) = (0usize, 0usize);
        for (&a, &b) in self.bits.iter().zip(&other.bits) {
            both += usize::from(a && b);
            either += usize::from(a || b);
        }
        if either == 0 {
            1.0
        } else {
            both as f64 / either as f64
        }
    }

    /// Pixels in both masks.
    pub(crate) fn and(&self, other: &Mask) -> Mask {
        self.zip(other, |a, b| a && b)
    }

    /// Pixels in either mask.
    pub(crate) fn or(&self, other: &Mask) -> Mask {
        self.zip(other, |a, b| a || b)
    }

    fn zip(&self, other: &Mask, f: impl Fn(bool, bool) -> bool) -> Mask {
        Mask {
            width: self.width,
            height: self.height,
            bits: self
                .bits
                .iter()
                .zip(&other.bits)
                .map(|(&a, &b)| f(a, b))
                .collect(),
        }
    }

    /// Every pixel within `r` (a square window) of the mask.
    pub(crate) fn dilate(&self, r: usize) -> Mask {
        let rows = self.window(r, true, |n, _| n > 0);
        rows.window(r, false, |n, _| n > 0)
    }

    /// The pixels whose whole `r` window is in the mask.
    pub(crate) fn erode(&self, r: usize) -> Mask {
        let rows = self.window(r, true, |n, len| n == len);
        rows.window(r, false, |n, len| n == len)
    }

    /// Dilation then erosion: closes gaps narrower than 2r + 1.
    pub(crate) fn close(&self, r: usize) -> Mask {
        self.dilate(r).erode(r)
    }

    /// One separable pass of a (2r + 1) window along rows (`horizontal`)
    /// or columns: `keep(count in window, window length inside the
    /// picture)` decides each pixel. Running sums keep it linear in the
    /// picture, whatever `r`.
    fn window(&self, r: usize, horizontal: bool, keep: impl Fn(usize, usize) -> bool) -> Mask {
        let (lines, len) = if horizontal {
            (self.height, self.width)
        } else {
            (self.width, self.height)
        };
        let index = |line: usize, i: usize| {
            if horizontal {
                line * self.width + i
            } else {
                i * self.width + line
            }
        };
        let mut bits = vec![false; self.bits.len()];
        let mut sums = vec![0usize; len + 1];
        for line in 0..lines {
            for i in 0..len {
                sums[i + 1] = sums[i] + usize::from(self.bits[index(line, i)]);
            }
            for i in 0..len {
                let (lo, hi) = (i.saturating_sub(r), (i + r + 1).min(len));
                bits[index(line, i)] = keep(sums[hi] - sums[lo], hi - lo);
            }
        }
        Mask {
            width: self.width,
            height: self.height,
            bits,
        }
    }

    /// The 8-connected components: a label per pixel (0 = not in the mask,
    /// components numbered from 1) and how many there are.
    pub(crate) fn components(&self) -> (Vec<u32>, u32) {
        let (w, h) = (self.width, self.height);
        let mut labels = vec![0u32; w * h];
        let mut next = 0u32;
        let mut stack = Vec::new();
        for start in 0..w * h {
            if !self.bits[start] || labels[start] != 0 {
                continue;
            }
            next += 1;
            labels[start] = next;
            stack.push(start);
            while let Some(i) = stack.pop() {
                let (x, y) = (i % w, i / w);
                for ny in y.saturating_sub(1)..(y + 2).min(h) {
                    for nx in x.saturating_sub(1)..(x + 2).min(w) {
                        let j = ny * w + nx;
                        if self.bits[j] && labels[j] == 0 {
                            labels[j] = next;
                            stack.push(j);
                        }
                    }
                }
            }
        }
        (labels, next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(size: usize, x0: usize, y0: usize, side: usize) -> Mask {
        Mask::from_fn(size, size, |x, y| {
            (x0..x0 + side).contains(&x) && (y0..y0 + side).contains(&y)
        })
    }

    #[test]
    fn morphology_grows_shrinks_and_closes() {
        let m = square(20, 5, 5, 4);
        assert_eq!(m.dilate(1), square(20, 4, 4, 6));
        assert_eq!(m.erode(1), square(20, 6, 6, 2));
        let gap = m.or(&square(20, 10, 5, 4)); // one column apart
        assert_eq!(gap.count(), 32);
        let closed = gap.close(1);
        assert_eq!(closed.count(), 36, "the one-pixel gap is closed");
        assert_eq!(
            closed.bounds(),
            Some(Bounds {
                x0: 5,
                y0: 5,
                x1: 14,
                y1: 9
            })
        );
    }

    #[test]
    fn components_and_iou() {
        let two = square(20, 0, 0, 3).or(&square(20, 10, 10, 3));
        let (labels, n) = two.components();
        assert_eq!(n, 2);
        assert_ne!(labels[0], labels[10 * 20 + 10]);
        let a = square(20, 0, 0, 4);
        let b = square(20, 2, 0, 4);
        assert_eq!(a.iou(&b), 8.0 / 24.0);
        assert_eq!(a.iou(&a), 1.0);
        assert_eq!(a.and(&b).count(), 8);
    }
}
