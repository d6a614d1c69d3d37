//! The audit log (M4): append-only, each entry chained to the previous one
//! by SM3, so changing, inserting or deleting any stored entry in the
//! middle breaks the chain at that entry.
//!
//! `hash = SM3(prev_hash ‖ canonical)`, where `canonical` is the domain tag
//! `MCA-AUDIT-V1`, `seq` and `at` as 8-byte big-endian integers, then
//! actor, action, subject and detail each as a 4-byte big-endian length and
//! its UTF-8 bytes (length prefixes make the encoding unambiguous). The
//! first entry's `prev_hash` is 32 zero bytes. Truncating the newest
//! entries is not detectable from the table alone: an operator anchors the
//! head by exporting the last hash (`mca audit verify` prints it).

use std::sync::Arc;

use serde::Serialize;

use crate::store::{AuditEntry, Store};
use crate::{Clock, DomainError, Result};

/// How many times `append` re-reads the head when another instance took
/// the next `seq` first.
const APPEND_RETRIES: usize = 32;
/// Entries read per page while verifying.
const VERIFY_PAGE: u32 = 500;

/// The canonical bytes of an entry (everything but the two hashes).
pub fn canonical_bytes(e: &AuditEntry) -> Vec<u8> {
    let mut out = b"MCA-AUDIT-V1".to_vec();
    out.extend_from_slice(&e.seq.to_be_bytes());
    out.extend_from_slice(&e.at.0.to_be_bytes());
    for field in [&e.actor, &e.action, &e.subject, &e.detail] {
        out.extend_from_slice(&(field.len() as u32).to_be_bytes());
        out.extend_from_slice(field.as_bytes());
    }
    out
}

/// The hash an entry must carry given its previous hash.
pub fn entry_hash(e: &AuditEntry) -> [u8; 32] {
    mca_crypto::sm3::sm3_parts(&[&e.prev_hash, &canonical_bytes(e)])
}

/// Why the chain is broken at an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChainBreak {
    /// `seq` does not follow the previous entry's (an entry is missing or
    /// was renumbered).
    Gap,
    /// `prev_hash` is not the previous entry's hash.
    PrevHashMismatch,
    /// The stored hash does not match the entry's contents.
    HashMismatch,
}

/// The result of [`Audit::verify`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ChainReport {
    /// Every link holds.
    Intact {
        /// Number of entries checked.
        entries: u64,
        /// The last entry's hash (hex), to anchor externally.
        head: String,
    },
    /// The first broken link.
    Broken {
        /// The `seq` of the first entry that fails.
        seq: i64,
        /// What fails there.
        reason: ChainBreak,
    },
}

/// Checks a run of entries continuing from `prev` (`(seq, hash)` of the
/// entry before them, `(0, zeros)` at the start). Returns the first break.
pub fn check_links(
    prev: &mut (i64, [u8; 32]),
    entries: &[AuditEntry],
) -> Option<(i64, ChainBreak)> {
    for e in entries {
        if e.seq != prev.0 + 1 {
            return Some((e.seq, ChainBreak::Gap));
        }
        if e.prev_hash != prev.1 {
            return Some((e.seq, ChainBreak::PrevHashMismatch));
        }
        if entry_hash(e) != e.hash {
            return Some((e.seq, ChainBreak::HashMismatch));
        }
        *prev = (e.seq, e.hash);
    }
    None
}

/// Appends and verifies audit entries.
#[derive(Clone)]
pub struct Audit {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

impl Audit {
    /// The audit log on `store`.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    /// Appends an entry. `actor` and `subject` are like `user:<id>`;
    /// `detail` must hold no secret (masked values only). Safe with several
    /// instances: a lost race for the next `seq` re-reads the head.
    pub async fn append(
        &self,
        actor: &str,
        action: &str,
        subject: &str,
        detail: &str,
    ) -> Result<AuditEntry> {
        for _ in 0..APPEND_RETRIES {
            let head = self.store.last_audit_entry().await?;
            let (seq, prev_hash) = head.map_or((1, [0; 32]), |h| (h.seq + 1, h.hash));
            let mut e = AuditEntry {
                seq,
                at: self.clock.now(),
                actor: actor.to_owned(),
                action: action.to_owned(),
                subject: subject.to_owned(),
                detail: detail.to_owned(),
                prev_hash,
                hash: [0; 32],
            };
            e.hash = entry_hash(&e);
            if self.store.insert_audit_entry(&e).await? {
                return Ok(e);
            }
        }
        Err(DomainError::Store(crate::StoreError::plain(
            crate::StoreErrorKind::Conflict,
            "append audit entry",
        )))
    }

    /// Walks the whole chain and reports the first broken link.
    pub async fn verify(&self) -> Result<ChainReport> {
        let mut prev = (0i64, [0u8; 32]);
        let mut count = 0u64;
        loop {
            let page = self.store.audit_entries(prev.0, VERIFY_PAGE).await?;
            if page.is_empty() {
                return Ok(ChainReport::Intact {
                    entries: count,
                    head: hex::encode(prev.1),
                });
            }
            if let Some((seq, reason)) = check_links(&mut prev, &page) {
                return Ok(ChainReport::Broken { seq, reason });
            }
            count += page.len() as u64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Timestamp;

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = [0u8; 32];
        (1..=n)
            .map(|seq| {
                let mut e = AuditEntry {
                    seq,
                    at: Timestamp(1_700_000_000 + seq),
                    actor: format!("user:{seq}"),
                    action: "login".into(),
                    subject: "device:x".into(),
                    detail: "138****5678".into(),
                    prev_hash: prev,
                    hash: [0; 32],
                };
                e.hash = entry_hash(&e);
                prev = e.hash;
                e
            })
            .collect()
    }

    type Tampering = (&'static str, fn(&mut AuditEntry));

    fn first_break(entries: &[AuditEntry]) -> Option<(i64, ChainBreak)> {
        check_links(&mut (0, [0; 32]), entries)
    }

    #[test]
    fn an_untouched_chain_verifies() {
        assert_eq!(first_break(&chain(5)), None);
    }

    #[test]
    fn tampering_any_field_of_any_entry_names_that_entry() {
        let n = 4;
        for target in 0..n as usize {
            let tamperings: [Tampering; 8] = [
                ("seq", |e| e.seq += 10),
                ("at", |e| e.at.0 += 1),
                ("actor", |e| e.actor.push('x')),
                ("action", |e| e.action = "logout".into()),
                ("subject", |e| e.subject.clear()),
                ("detail", |e| e.detail = "changed".into()),
                ("prev_hash", |e| e.prev_hash[0] ^= 1),
                ("hash", |e| e.hash[31] ^= 1),
            ];
            for (field, tamper) in tamperings {
                let mut entries = chain(n);
                let seq = entries[target].seq;
                tamper(&mut entries[target]);
                let (at, _) = first_break(&entries)
                    .unwrap_or_else(|| panic!("tampered {field} of entry {seq} not detected"));
                assert_eq!(at, entries[target].seq, "{field} of entry {seq}");
            }
        }
    }

    #[test]
    fn deleting_or_reordering_entries_is_detected() {
        let mut entries = chain(4);
        entries.remove(1);
        assert_eq!(first_break(&entries), Some((3, ChainBreak::Gap)));
        let mut entries = chain(4);
        entries.swap(1, 2);
        assert_eq!(first_break(&entries).map(|b| b.0), Some(3));
    }

    #[test]
    fn field_boundaries_are_unambiguous() {
        let a = &chain(1)[0];
        let mut b = a.clone();
        b.actor = format!("{}l", a.actor);
        b.action = a.action[1..].to_owned();
        assert_ne!(canonical_bytes(a), canonical_bytes(&b));
    }
}
