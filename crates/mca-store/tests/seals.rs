//! SealStore (issue 13.2) on SQLite and PostgreSQL: versions per owner,
//! the newest current, one winner per version.

mod support;

use mca_domain::store::*;
use mca_domain::*;
use support::{T0, on_each_backend};

fn version(owner: SealOwner, v: u32, signers: Vec<CertificateId>) -> SealRecord {
    SealRecord {
        es_id: format!("MCA-test-{}-{v}", owner.key()),
        owner,
        version: v,
        signers,
        der: vec![0x30, v as u8],
        created_at: T0,
    }
}

async fn seals(s: &dyn Store) {
    let enterprise = SealOwner::Enterprise(EnterpriseId::new());
    let person = SealOwner::Certificate(CertificateId::new());
    assert_eq!(s.current_seal(enterprise).await.unwrap(), None);

    let (a, b) = (CertificateId::new(), CertificateId::new());
    let first = version(enterprise, 1, vec![a]);
    assert!(s.insert_seal(&first).await.unwrap());
    // Another instance making version 1 too loses, and reads the winner.
    let rival = SealRecord {
        es_id: "MCA-test-rival".into(),
        ..version(enterprise, 1, vec![b])
    };
    assert!(!s.insert_seal(&rival).await.unwrap());
    assert_eq!(s.current_seal(enterprise).await.unwrap(), Some(first));

    let second = version(enterprise, 2, vec![a, b]);
    assert!(s.insert_seal(&second).await.unwrap());
    assert_eq!(s.current_seal(enterprise).await.unwrap(), Some(second));

    let own = version(person, 1, vec![a]);
    assert!(s.insert_seal(&own).await.unwrap());
    assert_eq!(s.current_seal(person).await.unwrap(), Some(own));
}

#[tokio::test]
async fn seal_versions_on_each_backend() {
    on_each_backend(|scratch| async move { seals(scratch.db.store().as_ref()).await }).await;
}
