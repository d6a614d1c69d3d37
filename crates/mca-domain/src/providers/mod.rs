//! External providers behind traits, each with a development
//! implementation: SMS ([`SmsSender`]) and face verification
//! ([`FaceVerifier`]). Real adapters (HTTP gateways) live outside the
//! domain and implement the same traits.

mod face;
mod sms;

pub use face::{DevFaceVerifier, FaceOutcome, FaceSession, FaceVerifier};
pub use sms::{DevSmsSender, SmsSender};
