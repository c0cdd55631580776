-- Recover (issue 14): the sends a recovery queued, one per (webhook,
-- trigger), until the dispatcher records their delivery (in the same
-- transaction it deletes the item). Dispatchers lease items like triggers.
CREATE TABLE recovery_items (
	webhook_id    TEXT NOT NULL,
	trigger_id    TEXT NOT NULL,
	account_id    TEXT NOT NULL,
	recovery_id   TEXT NOT NULL,
	redelivery_of TEXT NOT NULL,
	queued_at     INTEGER NOT NULL,
	lease_node    TEXT,
	lease_until   INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (webhook_id, trigger_id)
) WITHOUT ROWID;
CREATE INDEX recovery_items_queue ON recovery_items (queued_at, trigger_id);
