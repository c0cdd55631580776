-- Recover's progress (issue 14). A recovery is kept with how many sends it
-- queued; its progress is counted from its items still queued and from the
-- deliveries its sends made, which name it (recovery_id; '' for every other
-- delivery, left out of the partial index so other writes pay nothing).
CREATE TABLE recoveries (
	id         TEXT PRIMARY KEY,
	account_id TEXT NOT NULL,
	webhook_id TEXT NOT NULL,
	since      INTEGER NOT NULL,
	until      INTEGER NOT NULL,
	queued     INTEGER NOT NULL,
	created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX recoveries_created ON recoveries (created_at);
ALTER TABLE deliveries ADD COLUMN recovery_id TEXT NOT NULL DEFAULT '';
CREATE INDEX deliveries_recovery ON deliveries (recovery_id) WHERE recovery_id <> '';
CREATE INDEX recovery_items_recovery ON recovery_items (recovery_id);
