-- Claims give each account with pending triggers a turn (ClaimTriggers): they
-- list the accounts that have pending triggers by skipping along this index,
-- and read each one's oldest claimable triggers from it. lease_until is in
-- it so that leased triggers are passed over without reading the table. It
-- replaces the index of pending triggers by ID alone, so that an insert and
-- a lease still update one index of pending triggers, not two; the oldest
-- pending trigger is the oldest of the accounts' first.
DROP INDEX triggers_pending;
CREATE INDEX triggers_pending_account ON triggers (account_id, id, lease_until) WHERE done = 0;
