-- API keys get a name (what uses the key) so that a person can tell them
-- apart when listing or revoking them.
ALTER TABLE api_keys ADD COLUMN name TEXT NOT NULL DEFAULT '';
CREATE INDEX api_keys_account ON api_keys (account_id, id);
