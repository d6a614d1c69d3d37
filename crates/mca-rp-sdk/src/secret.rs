//! The two secrets a relying party's back end holds: its API secret (MACs
//! every request, checks webhooks) and each session's QR secret (makes the
//! animated QR frames). Both are 32 bytes, wiped on drop and never printed;
//! neither may reach a browser.

use core::fmt;

use zeroize::Zeroizing;

use crate::{Error, Result};

fn parse_32(hex_text: &str, what: &'static str) -> Result<Zeroizing<[u8; 32]>> {
    let mut out = Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(hex_text.trim(), out.as_mut_slice())
        .map_err(|_| Error::InvalidInput(what))?;
    Ok(out)
}

/// The relying party's API secret, as the operator registration (or a key
/// rotation) showed it once: 32 bytes, 64 hex digits.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiSecret(Zeroizing<[u8; 32]>);

impl ApiSecret {
    /// From the 64 hex digits `mca rp add` printed.
    pub fn from_hex(hex_text: &str) -> Result<Self> {
        parse_32(hex_text, "API secret (64 hex digits)").map(ApiSecret)
    }

    /// From the raw bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        ApiSecret(Zeroizing::new(bytes))
    }

    /// The key bytes (for the MAC functions of `mca_crypto::rp`).
    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for ApiSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiSecret(<redacted>)")
    }
}

/// A session's QR frame secret, returned by session creation only. Keep it
/// in the back end's own session store (e.g. via [`QrSecret::expose_hex`]
/// into an encrypted server-side session) to serve frames; never send it
/// to the browser.
#[derive(Clone, PartialEq, Eq)]
pub struct QrSecret(Zeroizing<[u8; 32]>);

impl QrSecret {
    /// From 64 hex digits (as the API sends it, or as stored by
    /// [`QrSecret::expose_hex`]).
    pub fn from_hex(hex_text: &str) -> Result<Self> {
        parse_32(hex_text, "QR secret (64 hex digits)").map(QrSecret)
    }

    /// From the raw bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        QrSecret(Zeroizing::new(bytes))
    }

    /// The key bytes.
    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }

    /// The key as hex, for the back end's own server-side storage.
    pub fn expose_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(*self.0))
    }
}

impl fmt::Debug for QrSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("QrSecret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_parse_from_hex_and_never_print() {
        let hex_text = "ab".repeat(32);
        let api = ApiSecret::from_hex(&hex_text).unwrap();
        assert_eq!(api.expose(), &[0xAB; 32]);
        let qr = QrSecret::from_hex(&hex_text).unwrap();
        assert_eq!(*qr.expose_hex(), hex_text);
        for printed in [format!("{api:?}"), format!("{qr:?}")] {
            assert!(
                !printed.contains("abab") && printed.contains("redacted"),
                "{printed}"
            );
        }
        for bad in ["", "ab", &"ab".repeat(33), &"zz".repeat(32)] {
            assert!(ApiSecret::from_hex(bad).is_err(), "{bad}");
            assert!(QrSecret::from_hex(bad).is_err(), "{bad}");
        }
    }
}
