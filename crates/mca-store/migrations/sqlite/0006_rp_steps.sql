-- Issue 6: the steps of approving a relying-party session with the
-- user's key, one row per item, so any instance can continue where
-- another left off. Keep in step with migrations/postgres/0006_rp_steps.sql:
-- tests/migrations.rs fails if they drift. Nothing here is secret: the
-- prepared structures are public, a content key only re-encrypted.

-- state: begun → (decrypt: signed →) done; prepared: the SES_Seal of a
-- seal step; result: JSON of the item's result once done.
CREATE TABLE rp_session_steps (
    session_id TEXT NOT NULL REFERENCES rp_sessions (id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    key_id TEXT NOT NULL,
    signing_session_id TEXT NOT NULL,
    state TEXT NOT NULL,
    prepared_at INTEGER NOT NULL,
    prepared BLOB,
    result BLOB,
    PRIMARY KEY (session_id, idx)
);
