//! Validated values. Each is built only by `X::parse`, so holding one means
//! it passed its rules; secrets among them have a redacted `Debug`.

mod credit_code;
mod id_number;
mod password;
mod person_name;
mod phone;
mod sms_code;

pub use credit_code::CreditCode;
pub use id_number::IdNumber;
pub use password::{Password, PasswordHash};
pub use person_name::PersonName;
pub use phone::Phone;
pub use sms_code::{CodePurpose, SmsCode};
