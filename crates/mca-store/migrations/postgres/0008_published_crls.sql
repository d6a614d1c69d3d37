-- Issue 10.4: the CRL each issuing CA publishes, signed on a schedule and
-- after revocations and served from here by every instance instead of
-- signed per GET. Keep in step with migrations/sqlite/0009_published_crls.sql:
-- tests/migrations.rs fails if they drift. A newer CRL replaces the row
-- only if its number is higher (one conditional upsert), so instances
-- publishing at once keep the newest. revoked_count is how many
-- revocations it lists: a sweep that counts more re-signs.
CREATE TABLE published_crls (
    ca_id TEXT PRIMARY KEY REFERENCES ca_organizations (id),
    crl_number BIGINT NOT NULL,
    this_update BIGINT NOT NULL,
    next_update BIGINT NOT NULL,
    revoked_count BIGINT NOT NULL,
    der BYTEA NOT NULL
);
