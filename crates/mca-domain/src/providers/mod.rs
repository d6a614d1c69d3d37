//! External providers behind traits, each with a development
//! implementation: SMS ([`SmsSender`]), face verification
//! ([`FaceVerifier`]) and payment ([`PaymentProvider`]). Real adapters (HTTP gateways) live outside the
//! domain and implement the same traits.

mod face;
mod payment;
mod sms;

pub use face::{DevFaceVerifier, FaceOutcome, FaceSession, FaceVerifier};
pub use payment::{DevPaymentProvider, PaymentOutcome, PaymentProvider};
pub use sms::{DevSmsSender, SmsSender};
