//! [`Authorities`]: the CA hierarchy (`mca_pki::ca::CaHierarchy`) of each
//! CA organization of the catalogue. The server loads them from their
//! encrypted key files at start; tests create them.

use std::collections::HashMap;
use std::sync::Arc;

use mca_pki::ca::CaHierarchy;

use crate::{CaId, DomainError, Result};

/// The issuing CAs by CA organization.
#[derive(Clone, Debug, Default)]
pub struct Authorities {
    cas: HashMap<CaId, Arc<CaHierarchy>>,
}

impl Authorities {
    /// No CA yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the hierarchy of a CA organization.
    pub fn insert(&mut self, ca: CaId, hierarchy: CaHierarchy) {
        self.cas.insert(ca, Arc::new(hierarchy));
    }

    /// The hierarchy of a CA organization.
    pub fn get(&self, ca: CaId) -> Result<&CaHierarchy> {
        self.cas
            .get(&ca)
            .map(|h| h.as_ref())
            .ok_or(DomainError::NotFound("issuing CA"))
    }

    /// Every CA organization with its hierarchy.
    pub fn iter(&self) -> impl Iterator<Item = (CaId, &CaHierarchy)> {
        self.cas.iter().map(|(id, h)| (*id, h.as_ref()))
    }
}
