//! Form photos as JPEGs made by an independent encoder: poppler's
//! `pdftoppm -jpeg` rendering our own application form, the closest thing
//! to a phone's photo of it that this machine can produce.

mod common;

use std::process::Command;

use mca_forms::application_form::render;
use mca_forms::{Error, ImageFormat, Upload, form_photo, signature_image};

/// The form rendered as a JPEG at `dpi`, with `options` for `-jpegopt`,
/// in a scratch directory of the calling test's own (tests run in
/// parallel).
fn form_jpeg(test: &str, dpi: u32, options: &str) -> Option<Vec<u8>> {
    if !common::has_tool("pdftoppm") {
        common::skip_or_fail("pdftoppm (poppler-utils)");
        return None;
    }
    let dir = common::scratch(&format!("{test}-{dpi}-{options}"));
    let pdf = dir.join("form.pdf");
    std::fs::write(&pdf, render(&common::form()).unwrap()).unwrap();
    let status = Command::new("pdftoppm")
        .args([
            "-jpeg",
            "-jpegopt",
            options,
            "-r",
            &dpi.to_string(),
            "-singlefile",
        ])
        .arg(&pdf)
        .arg(dir.join("photo"))
        .status()
        .unwrap();
    assert!(status.success());
    Some(std::fs::read(dir.join("photo.jpg")).unwrap())
}

#[test]
fn accepts_baseline_and_progressive_jpegs() {
    for options in ["quality=85", "quality=85,progressive=y"] {
        let Some(jpeg) = form_jpeg("accepts", 100, options) else {
            return;
        };
        let info = form_photo::validate_upload(&jpeg).unwrap();
        assert_eq!(
            (info.format, info.width, info.height),
            (ImageFormat::Jpeg, 827, 1170)
        );
    }
}

#[test]
fn rejects_a_jpeg_too_small_to_read() {
    let Some(jpeg) = form_jpeg("too_small", 40, "quality=85") else {
        return;
    };
    assert!(matches!(
        form_photo::validate_upload(&jpeg),
        Err(Error::BadDimensions {
            upload: Upload::FormPhoto,
            ..
        })
    ));
}

#[test]
fn a_jpeg_is_not_a_signature() {
    let Some(jpeg) = form_jpeg("not_a_signature", 100, "quality=85") else {
        return;
    };
    assert_eq!(
        signature_image::validate_upload(&jpeg),
        Err(Error::UnsupportedFormat(Upload::Signature))
    );
}

#[test]
fn damaged_jpegs_are_errors_not_panics() {
    let Some(jpeg) = form_jpeg("damaged", 100, "quality=85") else {
        return;
    };
    let truncated = &jpeg[..jpeg.len() / 2];
    assert_eq!(
        form_photo::validate_upload(truncated),
        Err(Error::CorruptImage(Upload::FormPhoto))
    );
    // Every header prefix, and one flipped byte at a spread of offsets: an
    // error or (for flips in entropy-coded data) a still-decodable image,
    // never a panic.
    for end in 0..jpeg.len().min(700) {
        assert!(form_photo::validate_upload(&jpeg[..end]).is_err());
    }
    for offset in (2..jpeg.len()).step_by(jpeg.len() / 40) {
        let mut damaged = jpeg.clone();
        damaged[offset] ^= 0xA5;
        let _ = form_photo::validate_upload(&damaged);
    }
}
