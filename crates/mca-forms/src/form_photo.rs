//! The photograph of the printed, signed application form (D4: "拍照上传").
//!
//! Limits fit what phones send: a 12-megapixel camera gives 4000×3000
//! JPEGs of 2–6 MB, so we take up to 10 MB, 8192 pixels a side and 25
//! megapixels (which bounds the decoded image at 100 MB), and at least
//! 600 pixels a side so that the handwriting on an A4 page stays legible.

use crate::error::{Error, Result, Upload};
use crate::upload::{ImageFormat, ImageInfo, Limits};

/// Largest form photo, in bytes (10 MB).
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

/// What [`validate_upload`] accepts.
pub const LIMITS: Limits = Limits {
    upload: Upload::FormPhoto,
    formats: &[ImageFormat::Jpeg, ImageFormat::Png],
    max_bytes: MAX_UPLOAD_BYTES,
    min: (600, 600),
    max: (8192, 8192),
    max_pixels: 25_000_000,
};

/// Checks a form photo upload: a JPEG or PNG within the limits above that
/// decodes fully.
pub fn validate_upload(bytes: &[u8]) -> Result<ImageInfo> {
    let (format, (width, height)) = match LIMITS.sniff(bytes)? {
        Some(ImageFormat::Jpeg) => {
            let jpeg = LIMITS.decode_jpeg(bytes)?;
            (ImageFormat::Jpeg, (jpeg.width, jpeg.height))
        }
        Some(ImageFormat::Png) => {
            let image = LIMITS.decode_png(bytes)?;
            (ImageFormat::Png, (image.width, image.height))
        }
        None => return Err(Error::UnsupportedFormat(Upload::FormPhoto)),
    };
    Ok(ImageInfo {
        format,
        width,
        height,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::upload::tests::{png, png_header_only};

    #[test]
    fn accepts_a_png_photo() {
        let info = validate_upload(&png(600, 800, [240, 240, 240, 255])).unwrap();
        assert_eq!(
            (info.format, info.width, info.height),
            (ImageFormat::Png, 600, 800)
        );
    }

    #[test]
    fn rejects_small_huge_and_unknown_images() {
        assert!(matches!(
            validate_upload(&png(599, 800, [0, 0, 0, 255])),
            Err(Error::BadDimensions {
                upload: Upload::FormPhoto,
                width: 599,
                ..
            })
        ));
        assert!(matches!(
            validate_upload(&png_header_only(8000, 8000)),
            Err(Error::BadDimensions {
                width: 8000,
                height: 8000,
                ..
            })
        ));
        assert_eq!(
            validate_upload(b"%PDF-1.7"),
            Err(Error::UnsupportedFormat(Upload::FormPhoto))
        );
        let mut big = vec![0xFF, 0xD8, 0xFF];
        big.resize(MAX_UPLOAD_BYTES + 1, 0);
        assert!(matches!(
            validate_upload(&big),
            Err(Error::FileTooLarge { .. })
        ));
    }

    #[test]
    fn rejects_a_jpeg_header_without_image_data() {
        let header_only = [
            0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0, 1, 1, 0,
        ];
        assert_eq!(
            validate_upload(&header_only),
            Err(Error::CorruptImage(Upload::FormPhoto))
        );
    }
}
