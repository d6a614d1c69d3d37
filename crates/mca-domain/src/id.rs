//! Typed identifiers. Each is a UUID v7 (time-ordered, so primary-key
//! indexes stay append-mostly) that serializes and is stored as its
//! hyphenated string, so the two database backends hold identical text.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh, time-ordered identifier.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Parses the hyphenated form; `None` for anything else.
            pub fn parse(s: &str) -> Option<Self> {
                Uuid::try_parse(s).ok().map(Self)
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.hyphenated())
            }
        }

        impl FromStr for $name {
            type Err = ();
            fn from_str(s: &str) -> Result<Self, ()> {
                Self::parse(s).ok_or(())
            }
        }
    };
}

typed_id!(
    /// A user account (A1: created at the first login).
    UserId
);
typed_id!(
    /// A registered phone device and its P-256 public key.
    DeviceId
);
typed_id!(
    /// One SMS code sent (stored only as a hash).
    CodeId
);
typed_id!(
    /// One inbox message (M3).
    MessageId
);
typed_id!(
    /// A province of the catalogue (M2).
    ProvinceId
);
typed_id!(
    /// A trading platform (交易平台) of the catalogue (M2).
    PlatformId
);
typed_id!(
    /// A CA organization (发证书机构) of the catalogue (M2).
    CaId
);
typed_id!(
    /// A validity option with its price (M2).
    ValidityOptionId
);

typed_id!(
    /// A certificate application (D4/D6/D8) under CA review (M1).
    ApplicationId
);
typed_id!(
    /// An enterprise (B–E), claimed or being claimed.
    EnterpriseId
);
typed_id!(
    /// An enterprise's authorization of a person on a platform (D2).
    AuthorizationId
);
typed_id!(
    /// An enterprise's invitation of a person (D1).
    InvitationId
);
typed_id!(
    /// A payment order for an application's fee.
    OrderId
);
typed_id!(
    /// A CA back-office reviewer account (M1).
    ReviewerId
);
typed_id!(
    /// The server's half of a two-party signing key (PROTOCOL.md §1.1).
    SigningKeyId
);
typed_id!(
    /// An escrowed encryption key of the KMC (PROTOCOL.md §1.2).
    EncryptionKeyId
);
typed_id!(
    /// One split of an encryption key: the server's half for one device.
    DecryptionShareId
);
typed_id!(
    /// An issuance intent: a serial reserved before anything is signed.
    IntentId
);
typed_id!(
    /// An issued certificate.
    CertificateId
);
typed_id!(
    /// An outstanding two-party signing session (PROTOCOL.md §2).
    SigningSessionId
);
typed_id!(
    /// A real-name re-verification (a fresh face check) before unlocking.
    ReverificationId
);
typed_id!(
    /// A registered relying party (业务系统, RP-API.md).
    RelyingPartyId
);
typed_id!(
    /// A relying party's API credential (key id + HMAC-SM3 secret).
    RpKeyId
);
typed_id!(
    /// One relying-party QR session (auth, sign, cert, decrypt, confirm).
    RpSessionId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_as_strings() {
        let id = UserId::new();
        assert_eq!(UserId::parse(&id.to_string()), Some(id));
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{id}\""));
        assert_eq!(serde_json::from_str::<UserId>(&json).unwrap(), id);
        assert_eq!(UserId::parse("not-a-uuid"), None);
        assert_eq!(UserId::parse(""), None);
    }
}
