-- Issue 12: enterprises (B–E). Keep in step with
-- migrations/sqlite/0009_enterprises.sql: tests/migrations.rs fails if
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
    legal_rep_id_sealed BYTEA NOT NULL,
    licence_hash BYTEA NOT NULL REFERENCES blobs (hash),
    state TEXT NOT NULL,
    claimant_id TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Admins and staff: one row per (enterprise, user).
CREATE TABLE enterprise_members (
    enterprise_id TEXT NOT NULL REFERENCES enterprises (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (enterprise_id, user_id)
);
CREATE INDEX enterprise_members_user ON enterprise_members (user_id);

-- Whom an application's certificate names: the applicant (person) or an
-- enterprise (a claim, B).
ALTER TABLE applications ADD COLUMN subject TEXT NOT NULL DEFAULT 'person';
ALTER TABLE applications ADD COLUMN enterprise_id TEXT REFERENCES enterprises (id);
