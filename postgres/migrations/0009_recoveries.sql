-- Recover's progress (issue 14). A recovery is kept with how many sends it
-- queued; its progress is counted from its items still queued and from the
-- deliveries its sends made, which name it (recovery_id; '' for every other
-- delivery, left out of the partial index so other writes pay nothing).
CREATE TABLE recoveries (
	id         text COLLATE "C" PRIMARY KEY,
	account_id text COLLATE "C" NOT NULL,
	webhook_id text COLLATE "C" NOT NULL,
	since      timestamptz NOT NULL,
	until      timestamptz NOT NULL,
	queued     integer NOT NULL,
	created_at timestamptz NOT NULL
);
CREATE INDEX recoveries_created ON recoveries (created_at);
ALTER TABLE deliveries ADD COLUMN recovery_id text NOT NULL DEFAULT '';
CREATE INDEX deliveries_recovery ON deliveries (recovery_id) WHERE recovery_id <> '';
CREATE INDEX recovery_items_recovery ON recovery_items (recovery_id);
