-- Issue 5: personal certificates (D4/D6/D8, M1, M6, I3, G1). Keep in step
-- with migrations/sqlite/0004_certificates.sql (same tables, same
-- columns): tests/migrations.rs fails if they drift. Secrets (server key
-- shares, the KMC escrow, signing sessions) are stored only as KeyVault
-- sealed bytes whose AAD names the row.

-- Uploaded pictures by SM3 of their bytes: one row per distinct upload.
CREATE TABLE blobs (
    hash BYTEA PRIMARY KEY,
    content_type TEXT NOT NULL,
    bytes BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);

-- CA back-office reviewers (M1), one CA organization each; their own
-- Argon2id credentials, unrelated to app users.
CREATE TABLE reviewers (
    id TEXT PRIMARY KEY,
    ca_id TEXT NOT NULL REFERENCES ca_organizations (id),
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- What the applicant pays, in fen, through a payment provider.
CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    state TEXT NOT NULL,
    provider TEXT NOT NULL,
    provider_ref TEXT,
    failure TEXT,
    created_at BIGINT NOT NULL,
    paid_at BIGINT
);
CREATE INDEX orders_user_id ON orders (user_id, created_at);

CREATE TABLE applications (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    previous_certificate_id TEXT,
    province_id TEXT NOT NULL REFERENCES provinces (id),
    platform_id TEXT NOT NULL REFERENCES trading_platforms (id),
    ca_id TEXT NOT NULL REFERENCES ca_organizations (id),
    validity_option_id TEXT NOT NULL REFERENCES validity_options (id),
    years BIGINT NOT NULL,
    fee_fen BIGINT NOT NULL,
    form_photo_hash BYTEA NOT NULL REFERENCES blobs (hash),
    signature_hash BYTEA NOT NULL REFERENCES blobs (hash),
    order_id TEXT NOT NULL REFERENCES orders (id),
    state TEXT NOT NULL,
    reject_reason TEXT,
    reviewer_id TEXT REFERENCES reviewers (id),
    submissions BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX applications_user_id ON applications (user_id, created_at);
CREATE INDEX applications_review ON applications (ca_id, state, updated_at);

-- The server's half of a two-party signing key (PROTOCOL.md §1.1), sealed.
CREATE TABLE signing_keys (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_id TEXT,
    application_id TEXT NOT NULL REFERENCES applications (id),
    public_key BYTEA NOT NULL,
    sealed_share BYTEA NOT NULL,
    state TEXT NOT NULL,
    pin_failures BIGINT NOT NULL,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX signing_keys_user_id ON signing_keys (user_id);

-- The KMC's escrowed encryption keys (§1.2), sealed whole.
CREATE TABLE encryption_keys (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    application_id TEXT NOT NULL REFERENCES applications (id),
    public_key BYTEA NOT NULL,
    sealed_escrow BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);

-- The server's half d_es of one split of an encryption key, per device.
CREATE TABLE decryption_shares (
    id TEXT PRIMARY KEY,
    encryption_key_id TEXT NOT NULL REFERENCES encryption_keys (id),
    signing_key_id TEXT NOT NULL REFERENCES signing_keys (id),
    sealed_share BYTEA NOT NULL,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX decryption_shares_signing_key ON decryption_shares (signing_key_id);

-- Boulder's issuance cycle: the serial and the exact TBSCertificate are
-- stored before anything is signed; the certificate row is written in the
-- transaction that moves the intent from intended to issued.
CREATE TABLE issuance_intents (
    id TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id),
    ca_id TEXT NOT NULL REFERENCES ca_organizations (id),
    usage TEXT NOT NULL,
    key_id TEXT NOT NULL,
    serial BYTEA NOT NULL UNIQUE,
    tbs BYTEA NOT NULL,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    completed_at BIGINT
);
CREATE INDEX issuance_intents_state ON issuance_intents (state, created_at);

CREATE TABLE certificates (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    application_id TEXT NOT NULL REFERENCES applications (id),
    intent_id TEXT NOT NULL UNIQUE REFERENCES issuance_intents (id),
    ca_id TEXT NOT NULL REFERENCES ca_organizations (id),
    usage TEXT NOT NULL,
    key_id TEXT NOT NULL,
    serial BYTEA NOT NULL UNIQUE,
    der BYTEA NOT NULL,
    not_before BIGINT NOT NULL,
    not_after BIGINT NOT NULL,
    revoked_at BIGINT,
    revocation_reason TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX certificates_user_id ON certificates (user_id, created_at);
CREATE INDEX certificates_ca_revoked ON certificates (ca_id, revoked_at);

-- At most one outstanding two-party signing session per key (§2): the
-- primary key on key_id refuses a second begin on any instance.
CREATE TABLE signing_sessions (
    key_id TEXT PRIMARY KEY REFERENCES signing_keys (id),
    id TEXT NOT NULL UNIQUE,
    purpose TEXT NOT NULL,
    sealed BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- CRL numbers per issuing CA, taken by one conditional UPDATE.
CREATE TABLE crl_numbers (
    ca_id TEXT PRIMARY KEY REFERENCES ca_organizations (id),
    last_number BIGINT NOT NULL
);

-- Real-name re-verification (a fresh face check) before a locked key is
-- unlocked (§4); each passed check is used once.
CREATE TABLE reverifications (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    face_session TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    used_at BIGINT
);
