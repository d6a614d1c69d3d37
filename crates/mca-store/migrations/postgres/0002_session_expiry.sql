-- Expired sessions are pruned at each login (Devices::register).
CREATE INDEX sessions_expires_at ON sessions (expires_at);
