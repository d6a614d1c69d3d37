-- Issue 10.4: the CRL each issuing CA publishes, signed on a schedule and
-- after revocations and served from here by every instance instead of
-- signed per GET. Keep in step with migrations/postgres/0009_published_crls.sql:
-- tests/migrations.rs fails if they drift. A newer CRL replaces the row
-- only if its number is higher (one conditional upsert), so instances
-- publishing at once keep the newest. revoked_count is how many
-- revocations it lists: a sweep that counts more re-signs.
CREATE TABLE published_crls (
    ca_id TEXT PRIMARY KEY REFERENCES ca_organizations (id),
    crl_number INTEGER NOT NULL,
    this_update INTEGER NOT NULL,
    next_update INTEGER NOT NULL,
    revoked_count INTEGER NOT NULL,
    der BLOB NOT NULL
);
