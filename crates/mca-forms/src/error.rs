//! The one error type of this crate. Every variant says what was wrong
//! with the input, carries no foreign types and no file contents, and has
//! a Chinese [`message`](Error::message) the server can show the user.

use std::fmt;

use crate::upload::{Limits, megabytes};

/// An application-form field, named in [`Error`]s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Field {
    /// The application number (申请编号).
    ApplicationNumber,
    /// The application date (申请日期).
    ApplicationDate,
    /// The applicant's name (姓名).
    Name,
    /// The resident ID number (身份证号码).
    IdNumber,
    /// The mobile phone number (手机号码).
    Phone,
    /// The province (所在省份).
    Province,
    /// The trading platform (交易平台).
    TradingPlatform,
    /// The certificate authority (发证机构).
    CaOrganization,
    /// The validity period in years (有效期).
    ValidityYears,
    /// The fee in fen (证书费用).
    Fee,
    /// The enterprise's registered name (企业名称).
    EnterpriseName,
    /// The unified social credit code (统一社会信用代码).
    CreditCode,
    /// The legal representative's name (法定代表人).
    LegalRepresentative,
    /// The legal representative's resident ID number.
    LegalRepresentativeId,
    /// What an authorization letter authorizes (授权事项).
    Permissions,
}

impl Field {
    /// The field's label on the form.
    pub fn label(self) -> &'static str {
        match self {
            Field::ApplicationNumber => "申请编号",
            Field::ApplicationDate => "申请日期",
            Field::Name => "姓名",
            Field::IdNumber => "身份证号码",
            Field::Phone => "手机号码",
            Field::Province => "所在省份",
            Field::TradingPlatform => "交易平台",
            Field::CaOrganization => "发证机构",
            Field::ValidityYears => "有效期",
            Field::Fee => "证书费用",
            Field::EnterpriseName => "企业名称",
            Field::CreditCode => "统一社会信用代码",
            Field::LegalRepresentative => "法定代表人",
            Field::LegalRepresentativeId => "法定代表人身份证号码",
            Field::Permissions => "授权事项",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Field::ApplicationNumber => "application number",
            Field::ApplicationDate => "application date",
            Field::Name => "name",
            Field::IdNumber => "ID number",
            Field::Phone => "phone",
            Field::Province => "province",
            Field::TradingPlatform => "trading platform",
            Field::CaOrganization => "CA organization",
            Field::ValidityYears => "validity years",
            Field::Fee => "fee",
            Field::EnterpriseName => "enterprise name",
            Field::CreditCode => "credit code",
            Field::LegalRepresentative => "legal representative",
            Field::LegalRepresentativeId => "legal representative's ID number",
            Field::Permissions => "permissions",
        };
        f.write_str(name)
    }
}

/// Which upload an image check was for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Upload {
    /// The handwritten signature picture (PNG).
    Signature,
    /// The photograph of the signed application form (JPEG or PNG).
    FormPhoto,
}

impl Upload {
    fn label(self) -> &'static str {
        match self {
            Upload::Signature => "签名图片",
            Upload::FormPhoto => "申请书照片",
        }
    }

    /// The limits its check applies.
    pub fn limits(self) -> &'static Limits {
        match self {
            Upload::Signature => &crate::signature_image::LIMITS,
            Upload::FormPhoto => &crate::form_photo::LIMITS,
        }
    }
}

/// Everything that can go wrong in this crate: always bad input, never a
/// fault of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A required field is empty (or only whitespace).
    #[error("{0} is empty")]
    EmptyField(Field),
    /// A field is longer than the form has room for.
    #[error("{field} is longer than {max} characters")]
    TooLong {
        /// The field.
        field: Field,
        /// Its maximum length in characters.
        max: usize,
    },
    /// A field has the wrong shape (digits, date, range) or holds a
    /// character the form cannot print (control or outside the BMP).
    #[error("{0} is malformed")]
    Malformed(Field),
    /// The fee is negative.
    #[error("fee is negative")]
    NegativeFee,
    /// The font given for the generated signature is not a TrueType or
    /// OpenType font (or collection).
    #[error("not a usable font")]
    InvalidFont,
    /// The font has no glyph for a character of the name.
    #[error("font has no glyph for {0:?}")]
    MissingGlyph(char),
    /// The upload is larger than its limit in bytes.
    #[error("{upload:?} upload is {size} bytes, more than {max}")]
    FileTooLarge {
        /// Which upload.
        upload: Upload,
        /// Its size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The upload is not an image of an accepted format (PNG for the
    /// signature, JPEG or PNG for the form photo).
    #[error("{0:?} upload is not an accepted image format")]
    UnsupportedFormat(Upload),
    /// The upload claims an accepted format but does not decode.
    #[error("{0:?} upload does not decode")]
    CorruptImage(Upload),
    /// The image is smaller or larger (in pixels) than allowed.
    #[error("{upload:?} upload is {width}x{height} pixels, outside the allowed size")]
    BadDimensions {
        /// Which upload.
        upload: Upload,
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// The signature picture has no ink: every pixel is transparent or
    /// near-white.
    #[error("signature picture is blank")]
    BlankSignature,
    /// The form photo shows no red seal (B3).
    #[error("no red seal found in the form photo")]
    NoSeal,
}

impl Error {
    /// A message for the user, in Chinese.
    pub fn message(&self) -> String {
        match self {
            Error::EmptyField(field) => format!("{}不能为空", field.label()),
            Error::TooLong { field, max } => format!("{}不能超过{max}个字符", field.label()),
            Error::Malformed(field) => format!("{}格式不正确", field.label()),
            Error::NegativeFee => "证书费用不能为负数".to_owned(),
            Error::InvalidFont => "签名字体不可用".to_owned(),
            Error::MissingGlyph(c) => format!("签名字体缺少字符“{c}”，请上传手写签名"),
            Error::FileTooLarge { upload, size, max } => format!(
                "{}过大：{}，上限 {}",
                upload.label(),
                megabytes(*size),
                megabytes(*max)
            ),
            Error::UnsupportedFormat(upload) => format!(
                "{}格式不支持：仅接受 {}",
                upload.label(),
                upload.limits().format_names(" 或 ")
            ),
            Error::CorruptImage(upload) => format!("{}已损坏，无法读取", upload.label()),
            Error::BadDimensions {
                upload,
                width,
                height,
            } => {
                let l = upload.limits();
                format!(
                    "{}尺寸不符：{width}×{height} 像素，须在 {}×{} 至 {}×{} 像素之间，且总像素不超过 {}",
                    upload.label(),
                    l.min.0,
                    l.min.1,
                    l.max.0,
                    l.max.1,
                    l.max_pixels
                )
            }
            Error::BlankSignature => "签名图片是空白的，请重新签名".to_owned(),
            Error::NoSeal => {
                "未在照片中找到红色印章，请在光线充足处将盖章页完整拍入后重新上传".to_owned()
            }
        }
    }
}

impl Error {
    /// Why an upload was refused, as a stable machine word (`too_large`,
    /// `unsupported_format`, `corrupt`, `bad_dimensions`, `blank`,
    /// `no_seal`); `None`
    /// for the errors that are not about an upload.
    pub fn upload_reason(&self) -> Option<&'static str> {
        Some(match self {
            Error::FileTooLarge { .. } => "too_large",
            Error::UnsupportedFormat(_) => "unsupported_format",
            Error::CorruptImage(_) => "corrupt",
            Error::BadDimensions { .. } => "bad_dimensions",
            Error::BlankSignature => "blank",
            Error::NoSeal => "no_seal",
            _ => return None,
        })
    }
}

/// This crate's result type.
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_messages_say_why_with_the_real_limits() {
        let too_large = Error::FileTooLarge {
            upload: Upload::FormPhoto,
            size: 11 * 1024 * 1024,
            max: crate::form_photo::MAX_UPLOAD_BYTES,
        };
        assert_eq!(too_large.message(), "申请书照片过大：11 MB，上限 10 MB");
        assert_eq!(
            Error::UnsupportedFormat(Upload::FormPhoto).message(),
            "申请书照片格式不支持：仅接受 JPEG 或 PNG"
        );
        assert_eq!(
            Error::UnsupportedFormat(Upload::Signature).message(),
            "签名图片格式不支持：仅接受 PNG"
        );
        let small = Error::BadDimensions {
            upload: Upload::FormPhoto,
            width: 599,
            height: 800,
        };
        assert_eq!(
            small.message(),
            "申请书照片尺寸不符：599×800 像素，须在 600×600 至 8192×8192 像素之间，且总像素不超过 25000000"
        );
        assert_eq!(small.upload_reason(), Some("bad_dimensions"));
        assert_eq!(Error::NegativeFee.upload_reason(), None);
    }
}
