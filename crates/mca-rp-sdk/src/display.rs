//! What a platform may show of a verified result: the holder's resident ID
//! only masked (outside a review desk nobody needs the full number on a
//! screen), and the picture of the seal a document was sealed with.

use base64::Engine;

use crate::{Error, Result};

/// A resident ID number for screens: the six-digit region code and the
/// last four kept, the birth date and sequence hidden
/// (`330106********1236`). Shorter identifiers keep only their last two.
pub fn mask_id_number(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    let (head, tail) = if chars.len() >= 14 {
        (6, 4)
    } else {
        (0, chars.len().min(2))
    };
    let hidden = chars.len() - head - tail;
    chars[..head]
        .iter()
        .chain(std::iter::repeat_n(&'*', hidden))
        .chain(&chars[chars.len() - tail..])
        .collect()
}

/// The picture carried by a GB/T 38540 seal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealPicture {
    /// The seal's picture type: "PNG", "JPG", "GIF", "SVG" or "OFD".
    pub kind: String,
    /// The image bytes, as in the seal.
    pub data: Vec<u8>,
    /// Width in millimetres.
    pub width_mm: u32,
    /// Height in millimetres.
    pub height_mm: u32,
}

impl SealPicture {
    /// The picture of the seal inside a seal result (`SES_Signature`, the
    /// `Seal` item of a sign session). Verify the result first
    /// ([`Verifier::verify_sign`](crate::Verifier::verify_sign)): this only
    /// parses.
    pub fn of_signature(der: &[u8]) -> Result<Self> {
        let (_, seal, _) = mca_pki::seal::v4::parse_signature(der)
            .map_err(|e| Error::verification(format!("seal: {e}")))?;
        let p = seal.info.picture;
        Ok(SealPicture {
            kind: p.picture_type.to_string(),
            data: p.data.as_bytes().to_vec(),
            width_mm: p.width,
            height_mm: p.height,
        })
    }

    /// The media type a browser shows it as; `None` for OFD.
    pub fn media_type(&self) -> Option<&'static str> {
        match self.kind.to_ascii_uppercase().as_str() {
            "PNG" => Some("image/png"),
            "JPG" | "JPEG" => Some("image/jpeg"),
            "GIF" => Some("image/gif"),
            "SVG" => Some("image/svg+xml"),
            _ => None,
        }
    }

    /// A `data:` URL for an `<img src>` (allow `img-src data:` in a
    /// Content-Security-Policy); `None` for a type browsers cannot show.
    pub fn data_url(&self) -> Option<String> {
        let media = self.media_type()?;
        let encoded = base64::engine::general_purpose::STANDARD.encode(&self.data);
        Some(format!("data:{media};base64,{encoded}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resident_ids_keep_region_and_last_four() {
        assert_eq!(mask_id_number("330106199001011236"), "330106********1236");
        assert_eq!(mask_id_number("11010519491231002X"), "110105********002X");
        assert_eq!(mask_id_number("330106900101123"), "330106*****1123");
        assert_eq!(mask_id_number("12345678"), "******78");
    }

    #[test]
    fn data_url_of_a_png() {
        let p = SealPicture {
            kind: "PNG".into(),
            data: vec![0x89, b'P', b'N', b'G'],
            width_mm: 40,
            height_mm: 40,
        };
        assert_eq!(p.data_url().unwrap(), "data:image/png;base64,iVBORw==");
        let ofd = SealPicture {
            kind: "OFD".into(),
            ..p
        };
        assert_eq!(ofd.data_url(), None);
    }
}
