-- The index of the delivery log by webhook (webhook_id, id) cost a page
-- write for nearly every row: a fan-out records one row for each of many
-- webhooks, and each webhook's entries sit on their own page, so a commit
-- of 500 rows rewrote ~500 index pages into the WAL. It is replaced by one
-- small row per webhook: the IDs of its first and newest deliveries. The
-- newest serves the webhooks list (LastDeliveries); the pair bounds the
-- scan of the account's log, newest first, that filters by webhook. A
-- fan-out's rows now update a few adjacent pages of this table instead.
CREATE TABLE webhook_delivery_span (
	webhook_id TEXT PRIMARY KEY,
	account_id TEXT NOT NULL,
	first_id   TEXT NOT NULL,
	last_id    TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO webhook_delivery_span (webhook_id, account_id, first_id, last_id)
	SELECT webhook_id, account_id, min(id), max(id) FROM deliveries GROUP BY webhook_id, account_id;
DROP INDEX deliveries_webhook;
