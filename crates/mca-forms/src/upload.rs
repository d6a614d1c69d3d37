//! What the two upload checks share: the byte-size limit, recognising the
//! format by its signature bytes (never by a file name or a client's
//! content type), the pixel-size limits, and a full decode.
//!
//! Dimensions are checked from the header *before* the pixels are decoded,
//! so a small file claiming a huge image (a decompression bomb) is refused
//! without allocating for it.

use std::io::Cursor;

use crate::error::{Error, Result, Upload};

/// An image format this crate accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ImageFormat {
    /// PNG.
    Png,
    /// Baseline or progressive JPEG.
    Jpeg,
}

/// An upload that passed its checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImageInfo {
    /// The format the bytes are in.
    pub format: ImageFormat,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl ImageFormat {
    /// The format's usual name.
    pub fn name(self) -> &'static str {
        match self {
            ImageFormat::Png => "PNG",
            ImageFormat::Jpeg => "JPEG",
        }
    }
}

/// The limits of one kind of upload: what its check refuses, what an error
/// message states and what the API documentation publishes, from one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Which upload.
    pub upload: Upload,
    /// The formats accepted.
    pub formats: &'static [ImageFormat],
    /// Largest file, in bytes.
    pub max_bytes: usize,
    /// Smallest width and height.
    pub min: (u32, u32),
    /// Largest width and height.
    pub max: (u32, u32),
    /// Largest width × height (bounds the decoder's memory).
    pub max_pixels: u64,
}

/// A decoded PNG: 8-bit samples, `channels` a pixel (gray, gray+alpha,
/// RGB or RGBA), rows without padding.
pub(crate) struct DecodedPng {
    pub width: u32,
    pub height: u32,
    channels: usize,
    data: Vec<u8>,
}

impl DecodedPng {
    /// Every pixel as RGBA.
    pub(crate) fn rgba(&self) -> impl Iterator<Item = [u8; 4]> + '_ {
        self.data.chunks_exact(self.channels).map(|p| match *p {
            [l] => [l, l, l, 255],
            [l, a] => [l, l, l, a],
            [r, g, b] => [r, g, b, 255],
            [r, g, b, a, ..] => [r, g, b, a],
            [] => [0; 4],
        })
    }
}

/// A decoded JPEG in the decoder's pixel format.
pub(crate) struct DecodedJpeg {
    pub width: u32,
    pub height: u32,
    format: jpeg_decoder::PixelFormat,
    data: Vec<u8>,
}

impl DecodedJpeg {
    /// Every pixel as RGB (16-bit gray narrowed to its high byte; CMYK
    /// approximated by scaling each sample with the fourth, which is how
    /// the decoder hands Adobe's inverted CMYK back).
    pub(crate) fn rgb(&self) -> Box<dyn Iterator<Item = [u8; 3]> + '_> {
        use jpeg_decoder::PixelFormat;
        match self.format {
            PixelFormat::L8 => Box::new(self.data.iter().map(|&l| [l, l, l])),
            PixelFormat::L16 => Box::new(self.data.chunks_exact(2).map(|p| [p[0], p[0], p[0]])),
            PixelFormat::RGB24 => Box::new(self.data.chunks_exact(3).map(|p| [p[0], p[1], p[2]])),
            PixelFormat::CMYK32 => Box::new(self.data.chunks_exact(4).map(|p| {
                let k = u16::from(p[3]);
                let ch = |c: u8| (u16::from(c) * k / 255) as u8;
                [ch(p[0]), ch(p[1]), ch(p[2])]
            })),
        }
    }
}

/// A decoded photo as RGB, rows without padding.
pub(crate) struct DecodedRgb {
    pub info: ImageInfo,
    pub data: Vec<[u8; 3]>,
}

/// `bytes` in megabytes with at most one decimal, as people read file
/// sizes: `10 MB`, `5.2 MB`.
pub(crate) fn megabytes(bytes: usize) -> String {
    let tenths = (bytes as u64 * 10).div_ceil(1024 * 1024);
    match tenths % 10 {
        0 => format!("{} MB", tenths / 10),
        d => format!("{}.{d} MB", tenths / 10),
    }
}

impl Limits {
    /// The formats joined for a message, e.g. `JPEG 或 PNG` (`or` the
    /// joiner).
    pub(crate) fn format_names(&self, or: &str) -> String {
        let names: Vec<_> = self.formats.iter().map(|f| f.name()).collect();
        names.join(or)
    }

    /// The limits in English, for API documentation, e.g. `JPEG or PNG; at
    /// most 10 MB (10485760 bytes); 600×600 to 8192×8192 pixels, at most
    /// 25000000 pixels`.
    pub fn describe(&self) -> String {
        format!(
            "{}; at most {} ({} bytes); {}×{} to {}×{} pixels, at most {} pixels",
            self.format_names(" or "),
            megabytes(self.max_bytes),
            self.max_bytes,
            self.min.0,
            self.min.1,
            self.max.0,
            self.max.1,
            self.max_pixels
        )
    }

    /// The format of `bytes`, after the byte-size check.
    pub(crate) fn sniff(&self, bytes: &[u8]) -> Result<Option<ImageFormat>> {
        if bytes.len() > self.max_bytes {
            return Err(Error::FileTooLarge {
                upload: self.upload,
                size: bytes.len(),
                max: self.max_bytes,
            });
        }
        Ok(if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageFormat::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageFormat::Jpeg)
        } else {
            None
        })
    }

    fn dimensions(&self, width: u32, height: u32) -> Result<()> {
        let fits = (self.min.0..=self.max.0).contains(&width)
            && (self.min.1..=self.max.1).contains(&height)
            && u64::from(width) * u64::from(height) <= self.max_pixels;
        if fits {
            Ok(())
        } else {
            Err(Error::BadDimensions {
                upload: self.upload,
                width,
                height,
            })
        }
    }

    /// Decodes a whole PNG (every chunk's CRC and the image data).
    pub(crate) fn decode_png(&self, bytes: &[u8]) -> Result<DecodedPng> {
        let corrupt = |_| Error::CorruptImage(self.upload);
        let mut decoder = png::Decoder::new(Cursor::new(bytes));
        decoder.set_transformations(png::Transformations::normalize_to_color8());
        let header = decoder.read_header_info().map_err(corrupt)?;
        self.dimensions(header.width, header.height)?;
        let mut reader = decoder.read_info().map_err(corrupt)?;
        let size = reader
            .output_buffer_size()
            .ok_or(Error::CorruptImage(self.upload))?;
        let mut data = vec![0; size];
        let frame = reader.next_frame(&mut data).map_err(corrupt)?;
        // Reading to the end checks the chunks after the image data too.
        reader.finish().map_err(corrupt)?;
        data.truncate(frame.buffer_size());
        let channels = frame.color_type.samples();
        // `normalize_to_color8` expands palettes and narrows 16-bit samples;
        // anything else is a decoder surprise, not a picture we can judge.
        if frame.bit_depth != png::BitDepth::Eight || frame.color_type == png::ColorType::Indexed {
            return Err(Error::CorruptImage(self.upload));
        }
        Ok(DecodedPng {
            width: frame.width,
            height: frame.height,
            channels,
            data,
        })
    }

    /// Decodes a whole JPEG.
    pub(crate) fn decode_jpeg(&self, bytes: &[u8]) -> Result<DecodedJpeg> {
        let corrupt = |_| Error::CorruptImage(self.upload);
        let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes));
        decoder.read_info().map_err(corrupt)?;
        let info = decoder.info().ok_or(Error::CorruptImage(self.upload))?;
        let (width, height) = (u32::from(info.width), u32::from(info.height));
        self.dimensions(width, height)?;
        // Four bytes a pixel covers every output format (CMYK is widest).
        let budget = usize::try_from(self.max_pixels * 4).unwrap_or(usize::MAX);
        decoder.set_max_decoding_buffer_size(budget);
        let data = decoder.decode().map_err(corrupt)?;
        let format = decoder
            .info()
            .ok_or(Error::CorruptImage(self.upload))?
            .pixel_format;
        Ok(DecodedJpeg {
            width,
            height,
            format,
            data,
        })
    }

    /// Decodes a JPEG or PNG within these limits to RGB pixels, row by row.
    pub(crate) fn decode_rgb(&self, bytes: &[u8]) -> Result<DecodedRgb> {
        let (format, width, height, data) = match self.sniff(bytes)? {
            Some(ImageFormat::Png) => {
                let png = self.decode_png(bytes)?;
                let rgb = png.rgba().map(|[r, g, b, _]| [r, g, b]).collect();
                (ImageFormat::Png, png.width, png.height, rgb)
            }
            Some(ImageFormat::Jpeg) => {
                let jpeg = self.decode_jpeg(bytes)?;
                let rgb = jpeg.rgb().collect();
                (ImageFormat::Jpeg, jpeg.width, jpeg.height, rgb)
            }
            None => return Err(Error::UnsupportedFormat(self.upload)),
        };
        Ok(DecodedRgb {
            info: ImageInfo {
                format,
                width,
                height,
            },
            data,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A PNG of `width` × `height` filled with `pixel` (RGBA).
    pub(crate) fn png(width: u32, height: u32, pixel: [u8; 4]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().unwrap();
        let data: Vec<u8> = (0..width * height).flat_map(|_| pixel).collect();
        writer.write_image_data(&data).unwrap();
        writer.finish().unwrap();
        out
    }

    /// A PNG whose header claims `width` × `height` but whose image data is
    /// a few bytes: the shape of a decompression bomb.
    pub(crate) fn png_header_only(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = png(1, 1, [0, 0, 0, 255]);
        // IHDR data starts after the signature (8), length (4) and type (4).
        bytes[16..20].copy_from_slice(&width.to_be_bytes());
        bytes[20..24].copy_from_slice(&height.to_be_bytes());
        let crc = crc32(&bytes[12..29]);
        bytes[29..33].copy_from_slice(&crc.to_be_bytes());
        bytes
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &byte in data {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    /// 100 bytes, 2×2 to 10×10 pixels, at most 50 pixels.
    const SMALL: Limits = Limits {
        upload: Upload::FormPhoto,
        formats: &[ImageFormat::Jpeg, ImageFormat::Png],
        max_bytes: 100,
        min: (2, 2),
        max: (10, 10),
        max_pixels: 50,
    };

    #[test]
    fn sniffs_by_signature_bytes() {
        let sniff = |bytes: &[u8]| SMALL.sniff(bytes);
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest"), Ok(Some(ImageFormat::Png)));
        assert_eq!(
            sniff(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Ok(Some(ImageFormat::Jpeg))
        );
        assert_eq!(sniff(b"GIF89a"), Ok(None));
        assert_eq!(sniff(b""), Ok(None));
        assert!(matches!(
            sniff(&[0; 101]),
            Err(Error::FileTooLarge { size: 101, .. })
        ));
    }

    #[test]
    fn sizes_read_as_megabytes() {
        assert_eq!(megabytes(10 * 1024 * 1024), "10 MB");
        assert_eq!(megabytes(5_452_595), "5.2 MB");
        // Rounded up: a file just over the limit never reads as the limit.
        assert_eq!(megabytes(10 * 1024 * 1024 + 1), "10.1 MB");
    }

    #[test]
    fn pixel_count_is_bounded_as_well_as_each_side() {
        assert!(SMALL.dimensions(10, 5).is_ok());
        assert!(SMALL.dimensions(10, 6).is_err());
        assert!(SMALL.dimensions(1, 5).is_err());
        assert!(SMALL.dimensions(11, 2).is_err());
    }
}
