//! The enterprise rule of D2: a certificate acting for an enterprise may
//! serve only the trading platforms an authorization covers. Personal
//! certificates serve any relying party. The server's source is
//! `enterprises::StoreAuthorizations` (the stored, active authorizations);
//! [`NoAuthorizations`] refuses every enterprise use (tests of sessions
//! that need no enterprises).

use async_trait::async_trait;

use crate::{CreditCode, PlatformId, Result, UserId};

/// For whom the certificate used in a session acts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActingFor {
    /// A personal certificate: the user for themself.
    Person,
    /// An enterprise certificate (admin or staff) of this enterprise.
    Enterprise(CreditCode),
}

/// Where the platforms a user may serve for an enterprise come from.
#[async_trait]
pub trait PlatformAuthorizations: Send + Sync {
    /// The trading platforms `user`'s authorizations for `enterprise`
    /// currently cover.
    async fn platforms(&self, user: UserId, enterprise: &CreditCode) -> Result<Vec<PlatformId>>;
}

/// No enterprise authorizations at all: every enterprise use is refused.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoAuthorizations;

#[async_trait]
impl PlatformAuthorizations for NoAuthorizations {
    async fn platforms(&self, _: UserId, _: &CreditCode) -> Result<Vec<PlatformId>> {
        Ok(Vec::new())
    }
}

/// Whether `acting_for` may serve a relying party that is `platform`: a
/// person always; an enterprise only a platform its authorizations name
/// (a relying party that is no trading platform is covered by none).
pub async fn is_authorized(
    source: &dyn PlatformAuthorizations,
    user: UserId,
    acting_for: &ActingFor,
    platform: Option<PlatformId>,
) -> Result<bool> {
    match acting_for {
        ActingFor::Person => Ok(true),
        ActingFor::Enterprise(enterprise) => {
            let Some(platform) = platform else {
                return Ok(false);
            };
            Ok(source
                .platforms(user, enterprise)
                .await?
                .contains(&platform))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Covers(PlatformId);

    #[async_trait]
    impl PlatformAuthorizations for Covers {
        async fn platforms(&self, _: UserId, _: &CreditCode) -> Result<Vec<PlatformId>> {
            Ok(vec![self.0])
        }
    }

    #[tokio::test]
    async fn enterprises_serve_only_covered_platforms() {
        let (user, covered, other) = (UserId::new(), PlatformId::new(), PlatformId::new());
        let ent = ActingFor::Enterprise(CreditCode::parse("91330100799655058B").unwrap());
        let source = Covers(covered);
        assert!(
            is_authorized(&source, user, &ActingFor::Person, None)
                .await
                .unwrap()
        );
        assert!(
            is_authorized(&source, user, &ent, Some(covered))
                .await
                .unwrap()
        );
        assert!(
            !is_authorized(&source, user, &ent, Some(other))
                .await
                .unwrap()
        );
        assert!(!is_authorized(&source, user, &ent, None).await.unwrap());
        assert!(
            !is_authorized(&NoAuthorizations, user, &ent, Some(covered))
                .await
                .unwrap()
        );
    }
}
