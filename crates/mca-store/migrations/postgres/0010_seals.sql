-- Issue 13.2: the GB/T 38540 seals the CA's seal maker made: one line of
-- versions per owner (`certificate:<id>` for a personal seal,
-- `enterprise:<id>` for an enterprise's), the newest in use. An
-- enterprise's seal is remade, as a new version, when the certificates
-- allowed to use it change; (owner, version) is unique, so of instances
-- remaking at once one version wins. Keep in step with
-- migrations/sqlite/0010_seals.sql: tests/migrations.rs fails if they drift.
CREATE TABLE seals (
    es_id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    version BIGINT NOT NULL,
    signers TEXT NOT NULL,
    der BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (owner, version)
);
