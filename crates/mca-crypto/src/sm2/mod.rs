//! SM2 (GB/T 32918): validated points, scalars, signatures and encryption
//! for keys held in one piece. The split keys of users live in `twoparty`.

pub mod encrypt;
pub mod point;
pub mod scalar;
pub mod sign;

pub use encrypt::{Ciphertext, encrypt};
pub use point::Point;
pub use sign::{DEFAULT_ID, PublicKey, SecretKey, Signature, digest, digest_with_id, z_a};
