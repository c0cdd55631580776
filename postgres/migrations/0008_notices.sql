-- Notifications (issue 14): a panel user's optional email address, and per
-- webhook the notice waiting to be emailed (event_id '' when none) and when
-- its users were last told (the one-per-hour limit, kept across restarts
-- and nodes). Mailers lease a row like a trigger (FOR UPDATE SKIP LOCKED).
ALTER TABLE users ADD COLUMN email text NOT NULL DEFAULT '';

CREATE TABLE webhook_notices (
	webhook_id           text COLLATE "C" PRIMARY KEY,
	account_id           text COLLATE "C" NOT NULL,
	event_id             text COLLATE "C" NOT NULL DEFAULT '',
	kind                 text NOT NULL DEFAULT '',
	url                  text NOT NULL DEFAULT '',
	until                timestamptz,
	consecutive_failures integer NOT NULL DEFAULT 0,
	last_error           text NOT NULL DEFAULT '',
	event_at             timestamptz,
	attempts             integer NOT NULL DEFAULT 0,
	next_at              timestamptz,
	lease_node           text,
	lease_until          timestamptz,
	told                 text NOT NULL DEFAULT '',
	told_at              timestamptz
);
CREATE INDEX webhook_notices_waiting ON webhook_notices (event_at) WHERE event_id <> '';
