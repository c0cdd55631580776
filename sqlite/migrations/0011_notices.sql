-- Notifications (issue 14): a panel user's optional email address, and per
-- webhook the notice waiting to be emailed (event_id '' when none) and when
-- its users were last told (the one-per-hour limit, kept across restarts
-- and nodes). Mailers lease a row like a trigger.
ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';

CREATE TABLE webhook_notices (
	webhook_id           TEXT PRIMARY KEY,
	account_id           TEXT NOT NULL,
	event_id             TEXT NOT NULL DEFAULT '',
	kind                 TEXT NOT NULL DEFAULT '',
	url                  TEXT NOT NULL DEFAULT '',
	until                INTEGER,
	consecutive_failures INTEGER NOT NULL DEFAULT 0,
	last_error           TEXT NOT NULL DEFAULT '',
	event_at             INTEGER,
	attempts             INTEGER NOT NULL DEFAULT 0,
	next_at              INTEGER,
	lease_node           TEXT,
	lease_until          INTEGER,
	told                 TEXT NOT NULL DEFAULT '',
	told_at              INTEGER
) WITHOUT ROWID;
CREATE INDEX webhook_notices_waiting ON webhook_notices (event_at) WHERE event_id <> '';
