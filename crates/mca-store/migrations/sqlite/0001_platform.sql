-- Issue 4: accounts, SMS codes, devices, sessions, real-name verification,
-- catalogue, inbox and audit log. Keep in step with
-- migrations/postgres/0001_platform.sql (same tables, same columns):
-- tests/migrations.rs fails if they drift. Ids are UUID v7 text;
-- timestamps are unix seconds (UTC); money is integer fen.

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    phone TEXT NOT NULL UNIQUE,
    password_hash TEXT,
    verified_at INTEGER,
    created_at INTEGER NOT NULL
);

CREATE TABLE sms_codes (
    id TEXT PRIMARY KEY,
    phone TEXT NOT NULL,
    purpose TEXT NOT NULL,
    code_hash BLOB NOT NULL,
    client_ip TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    consumed_at INTEGER
);
CREATE INDEX sms_codes_phone ON sms_codes (phone, purpose, created_at);
CREATE INDEX sms_codes_client_ip ON sms_codes (client_ip, created_at);
CREATE INDEX sms_codes_expires_at ON sms_codes (expires_at);

CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    public_key BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX devices_user_id ON devices (user_id);

CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_id TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_device_id ON sessions (device_id);

CREATE TABLE device_nonces (
    device_id TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    nonce TEXT NOT NULL,
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (device_id, nonce)
);
CREATE INDEX device_nonces_seen_at ON device_nonces (seen_at);

CREATE TABLE identities (
    user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    id_number_masked TEXT NOT NULL,
    id_number_sealed BLOB NOT NULL,
    state TEXT NOT NULL,
    face_session TEXT,
    updated_at INTEGER NOT NULL
);

CREATE TABLE provinces (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE trading_platforms (
    id TEXT PRIMARY KEY,
    province_id TEXT NOT NULL REFERENCES provinces (id),
    name TEXT NOT NULL UNIQUE,
    url TEXT NOT NULL
);

CREATE TABLE ca_organizations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    short_name TEXT NOT NULL UNIQUE
);

CREATE TABLE validity_options (
    id TEXT PRIMARY KEY,
    ca_id TEXT NOT NULL REFERENCES ca_organizations (id),
    years INTEGER NOT NULL,
    price_fen INTEGER NOT NULL,
    UNIQUE (ca_id, years)
);

CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    action_name TEXT,
    action_target TEXT,
    created_at INTEGER NOT NULL,
    read_at INTEGER
);
CREATE INDEX messages_user_id ON messages (user_id, created_at);

CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash BLOB NOT NULL,
    hash BLOB NOT NULL
);
