//! The D2 source: the platforms a user's active authorizations of an
//! enterprise cover, read from the store at the time of each session.

use std::sync::Arc;

use async_trait::async_trait;

use crate::relying_parties::PlatformAuthorizations;
use crate::{CreditCode, PlatformId, Result, Store, UserId};

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
    async fn platforms(&self, user: UserId, enterprise: &CreditCode) -> Result<Vec<PlatformId>> {
        let Some(e) = self.store.enterprise_by_credit_code(enterprise).await? else {
            return Ok(Vec::new());
        };
        Ok(self.store.authorized_platforms(user, e.id).await?)
    }
}
