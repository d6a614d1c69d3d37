-- Issue 12: enterprises (B–E). Keep in step with
-- migrations/postgres/0009_enterprises.sql: tests/migrations.rs fails if
-- they drift. One row per credit code (unique): a claim open or done
-- blocks every other claim of the same enterprise on every instance. The
-- legal representative's ID number is stored only sealed by the KeyVault
-- (AAD enterprise-legal-rep:<id>), with a masked copy.
CREATE TABLE enterprises (
    id TEXT PRIMARY KEY,
    credit_code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    legal_rep_name TEXT NOT NULL,
    legal_rep_id_masked TEXT NOT NULL,
    legal_rep_id_sealed BLOB NOT NULL,
    licence_hash BLOB NOT NULL REFERENCES blobs (hash),
    state TEXT NOT NULL,
    claimant_id TEXT NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Admins and staff: one row per (enterprise, user).
CREATE TABLE enterprise_members (
    enterprise_id TEXT NOT NULL REFERENCES enterprises (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (enterprise_id, user_id)
);
CREATE INDEX enterprise_members_user ON enterprise_members (user_id);

-- D2: an enterprise lets one person act for it on one trading platform.
-- Pending (asked for, its letter waiting for the admin's seal and the CA),
-- active from the holder's download, deleted by the admin. permissions is
-- a comma-separated list (login,sign,seal,encrypt,decrypt).
CREATE TABLE authorizations (
    id TEXT PRIMARY KEY,
    enterprise_id TEXT NOT NULL REFERENCES enterprises (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    platform_id TEXT NOT NULL REFERENCES trading_platforms (id),
    permissions TEXT NOT NULL,
    application_id TEXT NOT NULL REFERENCES applications (id),
    state TEXT NOT NULL,
    letter_hash BLOB REFERENCES blobs (hash),
    seal_hash BLOB REFERENCES blobs (hash),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX authorizations_enterprise ON authorizations (enterprise_id, created_at);
CREATE INDEX authorizations_holder ON authorizations (user_id, enterprise_id, state);
CREATE UNIQUE INDEX authorizations_application ON authorizations (application_id);

-- D1: the admin invites a person by name and phone; the invitation waits
-- for that phone's login. At most one open invitation per enterprise and
-- phone.
CREATE TABLE enterprise_invitations (
    id TEXT PRIMARY KEY,
    enterprise_id TEXT NOT NULL REFERENCES enterprises (id),
    name TEXT NOT NULL,
    phone TEXT NOT NULL,
    invited_by TEXT NOT NULL REFERENCES users (id),
    state TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX enterprise_invitations_phone ON enterprise_invitations (phone, state);
CREATE UNIQUE INDEX enterprise_invitations_open ON enterprise_invitations (enterprise_id, phone)
    WHERE state = 'open';

-- Whom an application's certificate names: the applicant (person), an
-- enterprise (a claim, B) or a person acting for one (agent, C/D2/E).
ALTER TABLE applications ADD COLUMN subject TEXT NOT NULL DEFAULT 'person';
ALTER TABLE applications ADD COLUMN enterprise_id TEXT REFERENCES enterprises (id);
