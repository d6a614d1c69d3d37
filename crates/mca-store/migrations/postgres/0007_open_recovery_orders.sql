-- At most one open (pending or paid, not yet used) recovery order per user
-- (G1), across instances: the column holds the user id while the order is
-- open and NULL once it failed or was used, and the unique index refuses a
-- second open one (NULLs are distinct on both backends). Orders made before
-- this migration stay NULL, so existing duplicates are kept as they are.
ALTER TABLE orders ADD COLUMN open_recovery_of TEXT;
CREATE UNIQUE INDEX orders_open_recovery_of ON orders (open_recovery_of);
