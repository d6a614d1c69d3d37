//! What each signing step signs, prepared so that the same inputs give the
//! same bytes (the finish rebuilds what the phone signed), and the
//! SignedData or seal assembled from the verified signature.

use mca_pki::cert::Certificate;
use mca_pki::gmt0010::signed::{self, PreparedSignedData};
use mca_pki::seal::v4;
use mca_pki::signer::ToBeSigned;

use super::Approvals;
use crate::certificates::issuance::der_time;
use crate::relying_parties::content::{SessionContent, SignItemKind};
use crate::relying_parties::results::ItemResult;
use crate::relying_parties::sessions::RpSession;
use crate::{DomainError, Result, Timestamp};

/// The structure a signing step makes from its signature.
pub(super) enum Prepared {
    /// A plain SM2 signature over these bytes.
    Plain(Vec<u8>),
    /// A GM/T 0010 SignedData.
    SignedData(PreparedSignedData),
    /// A GB/T 38540 seal signature.
    Seal(v4::PreparedSignature),
}

impl Prepared {
    pub(super) fn message(&self) -> &[u8] {
        match self {
            Prepared::Plain(m) => m,
            Prepared::SignedData(p) => p.message(),
            Prepared::Seal(p) => p.message(),
        }
    }

    pub(super) fn assemble(self, signature: &mca_crypto::sm2::Signature) -> Result<ItemResult> {
        let failed = |_| DomainError::Internal("assemble signed structure");
        Ok(match self {
            Prepared::Plain(_) => ItemResult::Signature(signature.to_der()),
            Prepared::SignedData(p) => {
                ItemResult::SignedData(p.assemble(signature).map_err(failed)?)
            }
            Prepared::Seal(p) => ItemResult::Seal(p.assemble(signature).map_err(failed)?),
        })
    }
}

fn digest32(data: &[u8]) -> Result<[u8; 32]> {
    data.try_into()
        .map_err(|_| DomainError::InvalidInput("data"))
}

fn pki(_: mca_pki::Error) -> DomainError {
    DomainError::Internal("prepare signed structure")
}

impl Approvals {
    /// What step `index` of a signing session signs, prepared at `at`
    /// (with a seal step's stored seal): the same inputs give the same
    /// bytes, so the finish rebuilds what the phone signed.
    pub(super) fn prepare(
        s: &RpSession,
        index: u32,
        cert: &Certificate,
        at: Timestamp,
        seal: Option<&[u8]>,
    ) -> Result<Prepared> {
        if let Some(bytes) = s.signed_bytes() {
            return Ok(Prepared::Plain(bytes));
        }
        let SessionContent::Sign { items } = &s.content else {
            return Err(DomainError::InvalidInput("step"));
        };
        let item = items
            .get(index as usize)
            .ok_or(DomainError::InvalidInput("step"))?;
        let time = der_time(at)?;
        Ok(match item.kind {
            SignItemKind::RawData => Prepared::Plain(item.data.clone()),
            SignItemKind::SignedDataDetached => Prepared::SignedData(
                signed::prepare_for_digest(&digest32(&item.data)?, cert, time).map_err(pki)?,
            ),
            SignItemKind::SignedDataAttached => {
                Prepared::SignedData(signed::prepare(&item.data, cert, true, time).map_err(pki)?)
            }
            SignItemKind::Seal => {
                let seal = seal.ok_or(DomainError::Internal("seal step without its seal"))?;
                let seal = v4::Seal::from_der(seal).map_err(pki)?;
                Prepared::Seal(
                    v4::prepare_signature_for_digest(
                        &seal,
                        &digest32(&item.data)?,
                        // IA5 only: the session and item, not the label.
                        &format!("mca:rp-session:{}:{index}", s.id),
                        cert,
                        time,
                    )
                    .map_err(pki)?,
                )
            }
            // A caller-supplied digest could be another relying party's
            // login challenge: never signed (refused at creation too).
            SignItemKind::Digest => return Err(DomainError::InvalidInput("digest")),
        })
    }
}
