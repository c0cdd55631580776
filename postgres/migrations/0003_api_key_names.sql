-- API keys get a name (what uses the key) so that a person can tell them
-- apart when listing or revoking them.
ALTER TABLE api_keys ADD COLUMN name text NOT NULL DEFAULT '';
