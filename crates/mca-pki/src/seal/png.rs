//! A red circular seal picture as a PNG, drawn in code (no image crate):
//! an outer ring, an inner ring and a five-pointed star on a transparent
//! background. A 1-bit palette image (transparent, seal red) keeps it small
//! without a compressor: the pixels go into stored (uncompressed) deflate
//! blocks, which every PNG decoder accepts.

/// Draws a `size`×`size` seal picture.
pub fn circular_seal(size: u32) -> Vec<u8> {
    let c = size as f32 / 2.0;
    let row_len = size.div_ceil(8) as usize;
    let mut bits = vec![0u8; row_len * size as usize];
    for y in 0..size {
        for x in 0..size {
            let (dx, dy) = (x as f32 + 0.5 - c, y as f32 + 0.5 - c);
            let r = (dx * dx + dy * dy).sqrt() / c;
            let ring = (0.90..=0.98).contains(&r) || (0.80..=0.83).contains(&r);
            if ring || in_star(dx / c, dy / c, 0.35) {
                bits[y as usize * row_len + (x / 8) as usize] |= 0x80 >> (x % 8);
            }
        }
    }
    encode_bilevel(size, size, &bits)
}

/// Is (x, y) (unit coordinates, y down) inside a star of outer radius `r`?
fn in_star(x: f32, y: f32, r: f32) -> bool {
    use core::f32::consts::PI;
    let d = (x * x + y * y).sqrt();
    if d > r {
        return false;
    }
    // Polar test against the star's boundary between an outer and inner vertex.
    let angle = (x.atan2(-y) + 2.0 * PI) % (2.0 * PI / 5.0);
    let half = PI / 5.0;
    let t = (angle - half).abs() / half; // 0 at the inner vertex, 1 at the tip
    let inner = r * 0.382;
    d <= inner + (r - inner) * t
}

/// PNG of a 1-bit image (rows packed MSB first, each padded to a byte):
/// 0 = transparent, 1 = seal red.
fn encode_bilevel(width: u32, height: u32, bits: &[u8]) -> Vec<u8> {
    let row_len = width.div_ceil(8) as usize;
    let mut raw = Vec::with_capacity(bits.len() + height as usize);
    for row in bits.chunks(row_len) {
        raw.push(0); // filter: none
        raw.extend_from_slice(row);
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[1, 3, 0, 0, 0]); // 1-bit palette, no interlace
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"PLTE", &[0xff, 0xff, 0xff, 0xd0, 0x10, 0x10]);
    chunk(&mut out, b"tRNS", &[0x00, 0xff]);
    chunk(&mut out, b"IDAT", &zlib_stored(&raw));
    chunk(&mut out, b"IEND", &[]);
    out
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let mut blocks = data.chunks(65_535).peekable();
    if blocks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(block) = blocks.next() {
        out.push(u8::from(blocks.peek().is_none()));
        let len = block.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    out.extend_from_slice(&((b << 16) | a).to_be_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_and_signature_bytes() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        let png = circular_seal(64);
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[12..16], b"IHDR");
        assert!(png.ends_with(&[0xae, 0x42, 0x60, 0x82]), "IEND CRC");
    }
}
