-- When each API key was last used, so that a person sees which keys are in
-- use before revoking one. NULL: not used since this column came.
ALTER TABLE api_keys ADD COLUMN last_used_at INTEGER;
