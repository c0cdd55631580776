-- Recover (issue 14): the sends a recovery queued, one per (webhook,
-- trigger), until the dispatcher records their delivery (in the same
-- transaction it deletes the item). Dispatchers lease items like triggers
-- (FOR UPDATE SKIP LOCKED).
CREATE TABLE recovery_items (
	webhook_id    text COLLATE "C" NOT NULL,
	trigger_id    text COLLATE "C" NOT NULL,
	account_id    text COLLATE "C" NOT NULL,
	recovery_id   text NOT NULL,
	redelivery_of text COLLATE "C" NOT NULL,
	queued_at     timestamptz NOT NULL,
	lease_node    text,
	lease_until   timestamptz NOT NULL DEFAULT '-infinity',
	PRIMARY KEY (webhook_id, trigger_id)
);
CREATE INDEX recovery_items_queue ON recovery_items (queued_at, trigger_id);
