//! The enterprise rule of D2: a certificate acting for an enterprise may
//! serve only the trading platform its own authorization covers, for the
//! permissions it grants, while it is active. Personal certificates serve
//! any relying party. The server's source is
//! `enterprises::StoreAuthorizations` (the stored authorization of the
//! certificate's application); [`NoAuthorizations`] refuses every
//! enterprise use.

use async_trait::async_trait;

use super::content::{SessionContent, SignItemKind};
use crate::store::Permission;
use crate::{ApplicationId, PlatformId, Result};

/// For whom the certificate used in a session acts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActingFor {
    /// A personal certificate: the user for themself.
    Person,
    /// An enterprise certificate (admin or staff), issued for this
    /// application, whose authorization decides where it serves.
    Enterprise(ApplicationId),
}

/// Where enterprise certificates' authorizations come from.
#[async_trait]
pub trait PlatformAuthorizations: Send + Sync {
    /// Whether the certificate of `application` may now serve `platform`
    /// with every one of `needs`.
    async fn covers(
        &self,
        application: ApplicationId,
        platform: PlatformId,
        needs: &[Permission],
    ) -> Result<bool>;
}

/// No enterprise authorizations at all: every enterprise use is refused.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoAuthorizations;

#[async_trait]
impl PlatformAuthorizations for NoAuthorizations {
    async fn covers(&self, _: ApplicationId, _: PlatformId, _: &[Permission]) -> Result<bool> {
        Ok(false)
    }
}

/// The permissions a session needs: a login or binding, a confirmation
/// `login`; signatures `sign`, seals `seal`; handing over the encryption
/// certificate (to encrypt bids to it) `encrypt`; decryption `decrypt`.
pub fn needed(content: &SessionContent) -> Vec<Permission> {
    match content {
        SessionContent::Auth { .. } | SessionContent::Confirm { .. } => vec![Permission::Login],
        SessionContent::Cert { .. } => vec![Permission::Encrypt],
        SessionContent::Decrypt { .. } => vec![Permission::Decrypt],
        SessionContent::Sign { items } => {
            let mut out = Vec::new();
            for item in items {
                let p = if item.kind == SignItemKind::Seal {
                    Permission::Seal
                } else {
                    Permission::Sign
                };
                if !out.contains(&p) {
                    out.push(p);
                }
            }
            out
        }
    }
}

/// Whether `acting_for` may serve a relying party that is `platform` with
/// `needs`: a person always; an enterprise certificate only a platform its
/// authorization covers (a relying party that is no trading platform is
/// covered by none).
pub async fn is_authorized(
    source: &dyn PlatformAuthorizations,
    acting_for: &ActingFor,
    platform: Option<PlatformId>,
    needs: &[Permission],
) -> Result<bool> {
    match acting_for {
        ActingFor::Person => Ok(true),
        ActingFor::Enterprise(application) => {
            let Some(platform) = platform else {
                return Ok(false);
            };
            source.covers(*application, platform, needs).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Covers(ApplicationId, PlatformId, Permission);

    #[async_trait]
    impl PlatformAuthorizations for Covers {
        async fn covers(
            &self,
            a: ApplicationId,
            p: PlatformId,
            needs: &[Permission],
        ) -> Result<bool> {
            Ok(a == self.0 && p == self.1 && needs.iter().all(|n| *n == self.2))
        }
    }

    #[tokio::test]
    async fn enterprises_serve_only_covered_platforms_and_permissions() {
        let (app, covered, other) = (ApplicationId::new(), PlatformId::new(), PlatformId::new());
        let ent = ActingFor::Enterprise(app);
        let source = Covers(app, covered, Permission::Login);
        let login = [Permission::Login];
        let yes = |r: Result<bool>| r.unwrap();
        assert!(yes(is_authorized(
            &source,
            &ActingFor::Person,
            None,
            &login
        )
        .await));
        assert!(yes(
            is_authorized(&source, &ent, Some(covered), &login).await
        ));
        assert!(!yes(is_authorized(&source, &ent, Some(other), &login).await));
        assert!(!yes(is_authorized(&source, &ent, None, &login).await));
        let decrypt = [Permission::Decrypt];
        assert!(!yes(
            is_authorized(&source, &ent, Some(covered), &decrypt).await
        ));
        let another = ActingFor::Enterprise(ApplicationId::new());
        assert!(!yes(is_authorized(
            &source,
            &another,
            Some(covered),
            &login
        )
        .await));
        assert!(!yes(is_authorized(
            &NoAuthorizations,
            &ent,
            Some(covered),
            &login
        )
        .await));
    }
}
