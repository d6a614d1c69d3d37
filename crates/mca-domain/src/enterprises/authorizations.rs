//! The D2 source: the stored authorization of an enterprise certificate's
//! application, read at the time of each session.

use std::sync::Arc;

use async_trait::async_trait;

use crate::relying_parties::PlatformAuthorizations;
use crate::store::{AuthorizationState, Permission};
use crate::{ApplicationId, PlatformId, Result, Store};

/// [`PlatformAuthorizations`] from the stored authorizations.
#[derive(Clone)]
pub struct StoreAuthorizations {
    store: Arc<dyn Store>,
}

impl StoreAuthorizations {
    /// The source over `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }
}

#[async_trait]
impl PlatformAuthorizations for StoreAuthorizations {
    async fn covers(
        &self,
        application: ApplicationId,
        platform: PlatformId,
        needs: &[Permission],
    ) -> Result<bool> {
        Ok(self
            .store
            .authorization_of_application(application)
            .await?
            .is_some_and(|a| {
                a.state == AuthorizationState::Active
                    && a.platform_id == platform
                    && needs.iter().all(|n| a.permissions.contains(n))
            }))
    }
}
