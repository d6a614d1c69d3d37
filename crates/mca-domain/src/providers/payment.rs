use std::sync::Mutex;

use async_trait::async_trait;

use crate::error::ProviderError;
use crate::store::Order;

/// What the payment provider answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaymentOutcome {
    /// Paid; the provider's transaction reference.
    Paid {
        /// E.g. the gateway's trade number.
        reference: String,
    },
    /// Declined; why (shown to nobody but the audit log).
    Declined {
        /// The provider's reason, without card or account data.
        reason: String,
    },
}

/// A payment gateway (fees of applications and recovery, G1). A real
/// gateway adapter lives outside the domain and implements this trait.
#[async_trait]
pub trait PaymentProvider: Send + Sync {
    /// The provider's name, stored on each order.
    fn name(&self) -> &'static str;

    /// Charges `order.amount_fen` for `order`; `Err` only when the provider
    /// cannot be reached (the order stays pending and may be retried).
    async fn charge(&self, order: &Order) -> Result<PaymentOutcome, ProviderError>;
}

/// The development payment provider: pays every order unless told to
/// decline the next ones.
#[derive(Debug, Default)]
pub struct DevPaymentProvider {
    decline_next: Mutex<u32>,
}

impl DevPaymentProvider {
    /// A provider that pays.
    pub fn new() -> Self {
        Self::default()
    }

    /// Declines the next `n` charges.
    pub fn decline_next(&self, n: u32) {
        *self.decline_next.lock().unwrap_or_else(|p| p.into_inner()) = n;
    }
}

#[async_trait]
impl PaymentProvider for DevPaymentProvider {
    fn name(&self) -> &'static str {
        "dev-payment"
    }

    async fn charge(&self, order: &Order) -> Result<PaymentOutcome, ProviderError> {
        let mut decline = self.decline_next.lock().unwrap_or_else(|p| p.into_inner());
        if *decline > 0 {
            *decline -= 1;
            return Ok(PaymentOutcome::Declined {
                reason: "declined by the development provider".into(),
            });
        }
        Ok(PaymentOutcome::Paid {
            reference: format!("dev-{}", order.id),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::OrderState;
    use crate::{OrderId, Timestamp, UserId};

    fn order() -> Order {
        Order {
            id: OrderId::new(),
            user_id: UserId::new(),
            purpose: "certificate_application".into(),
            amount_fen: 30_000,
            state: OrderState::Pending,
            provider: "dev-payment".into(),
            provider_ref: None,
            failure: None,
            created_at: Timestamp(0),
            paid_at: None,
        }
    }

    #[tokio::test]
    async fn pays_unless_told_to_decline() {
        let p = DevPaymentProvider::new();
        let o = order();
        assert_eq!(
            p.charge(&o).await.unwrap(),
            PaymentOutcome::Paid {
                reference: format!("dev-{}", o.id)
            }
        );
        p.decline_next(2);
        for _ in 0..2 {
            assert!(matches!(
                p.charge(&o).await.unwrap(),
                PaymentOutcome::Declined { .. }
            ));
        }
        assert!(matches!(
            p.charge(&o).await.unwrap(),
            PaymentOutcome::Paid { .. }
        ));
    }
}
