-- The delivery log is read by time through its index by (account, ID):
-- delivery IDs are made at the attempt, so the account's rows from
-- hookd.DeliveryIDsFrom(since) hold every row attempted since then. The
-- index by (account, attempt time) cost every delivery written a sixth of
-- its index writes for reads that no longer use it (as SQLite's 0006).
DROP INDEX IF EXISTS deliveries_attempted;
