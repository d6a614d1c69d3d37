//! The operator's registry of relying parties and their API credentials:
//! a key id and a 32-byte HMAC-SM3 secret, shown once at creation or
//! rotation and stored only sealed by the [`KeyVault`].

use std::fmt;
use std::sync::Arc;

use zeroize::Zeroizing;

use crate::store::{RelyingPartyRecord, RpCredentialRecord, RpOperation, Store};
use crate::{
    Audit, Clock, DomainError, KeyVault, PlatformId, RelyingPartyId, Result, RpKeyId, SealedSecret,
};

/// How long the previous keys keep working after a rotation, so the
/// relying party can roll the new secret out without downtime.
pub const ROTATION_GRACE_SECS: i64 = 24 * 3600;
/// Most callback URLs per relying party.
pub const MAX_CALLBACK_URLS: usize = 5;

/// The AAD of a sealed API secret: the key and its owner, so a sealed
/// secret copied onto another credential row does not open.
pub(crate) fn key_aad(key: RpKeyId, rp: RelyingPartyId) -> Vec<u8> {
    format!("rp-key:{key}:{rp}").into_bytes()
}

/// What the operator registers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRelyingParty {
    /// What the app shows (1–64 characters).
    pub display_name: String,
    /// The trading platform of the catalogue it is, if any.
    pub platform_id: Option<PlatformId>,
    /// What it may request (at least one).
    pub allowed_operations: Vec<RpOperation>,
    /// Webhook targets: `https://…`, or `http://localhost…` /
    /// `http://127.0.0.1…` for development.
    pub callback_urls: Vec<String>,
}

/// A 32-byte API secret; `Debug` is redacted, and it is wiped on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiSecret(Zeroizing<[u8; 32]>);

impl ApiSecret {
    fn generate() -> Result<Self> {
        Ok(Self(Zeroizing::new(
            mca_crypto::rand::bytes().map_err(|_| DomainError::Internal("random source"))?,
        )))
    }

    /// The raw key bytes (the HMAC-SM3 key).
    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }

    /// Lower-case hex, the form handed to the relying party once.
    pub fn expose_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0.as_ref()))
    }
}

impl fmt::Debug for ApiSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiSecret(<redacted>)")
    }
}

/// A credential as handed out: only at creation and rotation.
#[derive(Clone, Debug)]
pub struct IssuedCredential {
    /// The key id to send with every request.
    pub key_id: RpKeyId,
    /// The secret.
    pub secret: ApiSecret,
}

/// Registers, rotates and disables relying parties.
#[derive(Clone)]
pub struct Registry {
    store: Arc<dyn Store>,
    vault: Arc<KeyVault>,
    clock: Arc<dyn Clock>,
    audit: Audit,
}

fn url_ok(url: &str) -> bool {
    let dev = ["http://localhost", "http://127.0.0.1"];
    let scheme_ok = url.starts_with("https://")
        || dev.iter().any(|p| {
            url.strip_prefix(p)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([':', '/']))
        });
    scheme_ok && url.len() <= 512 && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

impl Registry {
    /// The registry.
    pub fn new(
        store: Arc<dyn Store>,
        vault: Arc<KeyVault>,
        clock: Arc<dyn Clock>,
        audit: Audit,
    ) -> Self {
        Self {
            store,
            vault,
            clock,
            audit,
        }
    }

    async fn check(&self, new: &NewRelyingParty) -> Result<()> {
        let n = new.display_name.chars().count();
        if !(1..=64).contains(&n) || new.display_name.chars().any(char::is_control) {
            return Err(DomainError::InvalidInput("display_name"));
        }
        let ops = &new.allowed_operations;
        let distinct = ops.iter().enumerate().all(|(i, o)| !ops[..i].contains(o));
        if ops.is_empty() || !distinct {
            return Err(DomainError::InvalidInput("allowed_operations"));
        }
        if new.callback_urls.len() > MAX_CALLBACK_URLS
            || !new.callback_urls.iter().all(|u| url_ok(u))
        {
            return Err(DomainError::InvalidInput("callback_urls"));
        }
        if let Some(p) = new.platform_id
            && !self.store.platforms().await?.iter().any(|x| x.id == p)
        {
            return Err(DomainError::NotFound("trading platform"));
        }
        Ok(())
    }

    fn credential(&self, rp: RelyingPartyId) -> Result<(RpCredentialRecord, IssuedCredential)> {
        let key_id = RpKeyId::new();
        let secret = ApiSecret::generate()?;
        let sealed = self.vault.seal(&key_aad(key_id, rp), secret.expose())?;
        let record = RpCredentialRecord {
            key_id,
            rp_id: rp,
            sealed_secret: sealed.as_bytes().to_vec(),
            created_at: self.clock.now(),
            expires_at: None,
        };
        Ok((record, IssuedCredential { key_id, secret }))
    }

    /// Registers a relying party; its first credential is returned here
    /// and never again.
    pub async fn create(
        &self,
        new: &NewRelyingParty,
    ) -> Result<(RelyingPartyRecord, IssuedCredential)> {
        self.check(new).await?;
        let rp = RelyingPartyRecord {
            id: RelyingPartyId::new(),
            display_name: new.display_name.clone(),
            platform_id: new.platform_id,
            allowed_operations: new.allowed_operations.clone(),
            callback_urls: new.callback_urls.clone(),
            created_at: self.clock.now(),
            disabled_at: None,
        };
        let (record, issued) = self.credential(rp.id)?;
        self.store.insert_relying_party(&rp, &record).await?;
        self.audit
            .append(
                "operator",
                "rp_registered",
                &format!("rp:{}", rp.id),
                &format!("key:{}", issued.key_id),
            )
            .await?;
        Ok((rp, issued))
    }

    /// Issues a new credential; the previous ones keep working for
    /// [`ROTATION_GRACE_SECS`] (a leaked key: disable and re-register).
    pub async fn rotate(&self, id: RelyingPartyId) -> Result<IssuedCredential> {
        let rp = self.get(id).await?;
        if rp.disabled_at.is_some() {
            return Err(DomainError::RelyingPartyDisabled);
        }
        let (record, issued) = self.credential(id)?;
        let grace_end = self.clock.now().plus(ROTATION_GRACE_SECS);
        self.store.rotate_rp_credential(&record, grace_end).await?;
        self.audit
            .append(
                "operator",
                "rp_key_rotated",
                &format!("rp:{id}"),
                &format!("key:{}", issued.key_id),
            )
            .await?;
        Ok(issued)
    }

    /// Disables a relying party: every request and every scan of its
    /// sessions is refused from now on.
    pub async fn disable(&self, id: RelyingPartyId) -> Result<()> {
        if !self
            .store
            .disable_relying_party(id, self.clock.now())
            .await?
        {
            self.get(id).await?;
            return Ok(());
        }
        self.audit
            .append("operator", "rp_disabled", &format!("rp:{id}"), "")
            .await?;
        Ok(())
    }

    /// The relying party with this id.
    pub async fn get(&self, id: RelyingPartyId) -> Result<RelyingPartyRecord> {
        self.store
            .relying_party(id)
            .await?
            .ok_or(DomainError::NotFound("relying party"))
    }

    /// Every relying party, oldest first.
    pub async fn list(&self) -> Result<Vec<RelyingPartyRecord>> {
        Ok(self.store.relying_parties().await?)
    }

    /// Opens a stored credential's secret (request authentication and
    /// webhook signing).
    pub(crate) fn open(&self, c: &RpCredentialRecord) -> Result<Zeroizing<Vec<u8>>> {
        Ok(self.vault.open(
            &key_aad(c.key_id, c.rp_id),
            &SealedSecret::from_bytes(c.sealed_secret.clone()),
        )?)
    }

    /// The current API secret of a relying party (the one no rotation has
    /// set to expire), to sign its webhooks with.
    pub async fn webhook_key(&self, id: RelyingPartyId) -> Result<Zeroizing<Vec<u8>>> {
        let current = self
            .store
            .rp_credentials_of(id)
            .await?
            .into_iter()
            .filter(|c| c.expires_at.is_none())
            .max_by_key(|c| (c.created_at, c.key_id))
            .ok_or(DomainError::NotFound("relying party key"))?;
        self.open(&current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_urls_must_be_https_or_local() {
        for good in [
            "https://zjpubservice.example.cn/mca/callback",
            "http://localhost:8080/cb",
            "http://127.0.0.1/cb",
            "http://localhost",
        ] {
            assert!(url_ok(good), "{good}");
        }
        for bad in [
            "http://example.com/cb",
            "http://localhost.evil.com/cb",
            "ftp://x",
            "https://a b",
            "",
        ] {
            assert!(!url_ok(bad), "{bad}");
        }
        assert!(!url_ok(&format!("https://{}", "a".repeat(510))));
    }

    #[test]
    fn secrets_do_not_print() {
        let s = ApiSecret::generate().unwrap();
        assert_eq!(format!("{s:?}"), "ApiSecret(<redacted>)");
        assert_eq!(s.expose_hex().len(), 64);
    }
}
