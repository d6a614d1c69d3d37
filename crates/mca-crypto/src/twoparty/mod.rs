//! The two-party SM2 protocol of `PROTOCOL.md` (密钥拆分).
//!
//! A user's key d is never assembled. D = (1+d)⁻¹ = d_s · d_p mod n, with
//! d_s held by the server and d_p by the phone; P = D⁻¹·G − G.
//!
//! The modules are split by role, and each role's types hold only that
//! role's secret, so code on the phone cannot touch a server share and vice
//! versa:
//! - [`phone`]: key generation (§1.1), the PIN-masked share (§3), partial
//!   signatures (§2), blinding and unblinding for decryption (§5), applying
//!   a share refresh (§6).
//! - [`server`]: key generation (§1.1), signing sessions that finalize and
//!   verify (§2), the blinded decryption step gated by a verified signature
//!   (§5), share refresh with stale-clone detection (§6).
//! - [`kmc`]: the key management centre's encryption keys, escrowed whole
//!   and split per device (§1.2).
//! - [`transport`]: sealing s1, T2, ρ and delivered shares end to end (§7).
//! - [`messages`]: what travels between phone and server, with a stable
//!   JSON encoding (hex strings for points, scalars and bytes).

pub mod kmc;
pub mod messages;
pub mod phone;
pub mod server;
pub mod transport;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod vectors;
