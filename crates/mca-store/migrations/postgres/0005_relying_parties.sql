-- Issue 6: relying parties and their QR sessions (RP-API.md). Keep in step
-- with migrations/sqlite/0005_relying_parties.sql (same tables, same
-- columns): tests/migrations.rs fails if they drift. API secrets and QR
-- secrets are stored only as KeyVault sealed bytes whose AAD names the row.

-- Registered by the operator; the display name is what the app shows.
-- allowed_operations: comma-separated (auth,sign,cert,decrypt,confirm);
-- callback_urls: newline-separated.
CREATE TABLE relying_parties (
    id TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    platform_id TEXT REFERENCES trading_platforms (id),
    allowed_operations TEXT NOT NULL,
    callback_urls TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    disabled_at BIGINT
);

-- API credentials: key id + sealed HMAC-SM3 secret; a rotated-away key
-- keeps working until expires_at.
CREATE TABLE rp_credentials (
    key_id TEXT PRIMARY KEY,
    rp_id TEXT NOT NULL REFERENCES relying_parties (id),
    sealed_secret BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT
);
CREATE INDEX rp_credentials_rp_id ON rp_credentials (rp_id, created_at);

-- A nonce is used once per relying party: the primary key refuses a replay
-- on any instance.
CREATE TABLE rp_nonces (
    rp_id TEXT NOT NULL REFERENCES relying_parties (id),
    nonce TEXT NOT NULL,
    seen_at BIGINT NOT NULL,
    PRIMARY KEY (rp_id, nonce)
);
CREATE INDEX rp_nonces_seen_at ON rp_nonces (seen_at);

-- QR sessions. Every state change is one conditional UPDATE; 'complete'
-- never changes. (rp_id, idempotency_key) makes creation idempotent.
CREATE TABLE rp_sessions (
    id TEXT PRIMARY KEY,
    rp_id TEXT NOT NULL REFERENCES relying_parties (id),
    operation TEXT NOT NULL,
    state TEXT NOT NULL,
    result TEXT,
    idempotency_key TEXT,
    request_hash BYTEA NOT NULL,
    public_token TEXT NOT NULL UNIQUE,
    sealed_secret BYTEA NOT NULL,
    content BYTEA NOT NULL,
    results BYTEA,
    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    device_id TEXT,
    created_at BIGINT NOT NULL,
    claim_deadline BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    scanned_at BIGINT,
    completed_at BIGINT,
    UNIQUE (rp_id, idempotency_key)
);
CREATE INDEX rp_sessions_completed_at ON rp_sessions (completed_at);
CREATE INDEX rp_sessions_expires_at ON rp_sessions (expires_at);
