-- Claims give each account with pending triggers a turn (ClaimTriggers): they
-- list the accounts that have pending triggers by skipping along this index,
-- and read each one's oldest claimable triggers from it.
CREATE INDEX triggers_pending_account ON triggers (account_id, id) WHERE NOT done;
