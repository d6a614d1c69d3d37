//! Mobile CA application-form documents for personal certificates (F1,
//! D4, E2): the printable application form the applicant signs by hand,
//! a signature picture generated from the applicant's name, and the checks
//! on the two pictures the applicant uploads.
//!
//! Pure functions from bytes and plain data to bytes: no file, network or
//! database access; the caller passes in everything (including the font
//! for generated signatures) and stores what comes out.
//!
//! # Layout
//! - [`application_form`] — the form's plain input data
//!   ([`ApplicationForm`](application_form::ApplicationForm), validated) and
//!   [`render`](application_form::render), which makes the one-page A4 PDF.
//! - [`signature_image`] — [`from_name`](signature_image::from_name) (name
//!   and a CJK font → PNG signature) and
//!   [`validate_upload`](signature_image::validate_upload) for handwritten
//!   signature PNGs.
//! - [`form_photo`] — [`validate_upload`](form_photo::validate_upload) for
//!   the photographed signed form (JPEG or PNG).
//! - [`seal_extraction`] — [`extract`](seal_extraction::extract): the red
//!   seal of a photographed stamped form as a transparent PNG (B3).
//! - `upload` — what both upload checks share: limits, format sniffing,
//!   decoding, [`ImageInfo`].
//! - `cjk_font` — Chinese text in PDF with the standard `STSong-Light`
//!   font (no embedded font): encoding, widths, line wrapping.
//! - `amount` — fen as yuan, and in Chinese capital numerals (大写).
//! - `error` — [`Error`], with a Chinese user [`message`](Error::message).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod amount;
pub mod application_form;
pub mod authorization_letter;
mod cjk_font;
mod error;
pub mod form_photo;
pub mod seal_extraction;
mod sheet;
pub mod signature_image;
mod upload;

pub use error::{Error, Field, Result, Upload};
pub use upload::{ImageFormat, ImageInfo, Limits};
