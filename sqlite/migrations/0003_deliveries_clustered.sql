-- The delivery log is hookd's hottest table: one row per attempt. Rebuilt
-- clustered by (account_id, id), WITHOUT ROWID: the rows themselves serve the
-- account's log newest first (and its cursor), and one row now costs four
-- b-trees instead of six (the rowid table, the id key, and four indexes).
-- IDs are time ordered, so inserts append. The other indexes keep what their
-- queries need: by webhook (filter, LastDeliveries), by trigger (filter,
-- SentWebhooks) and by attempt time (DeliveryStats). (0002 is the
-- idempotency keys.)
CREATE TABLE deliveries_new (
	id           TEXT NOT NULL,
	account_id   TEXT NOT NULL,
	trigger_id   TEXT NOT NULL,
	webhook_id   TEXT NOT NULL,
	hook         TEXT NOT NULL,
	url          TEXT NOT NULL,
	status       TEXT NOT NULL,
	status_code  INTEGER NOT NULL DEFAULT 0,
	error        TEXT NOT NULL DEFAULT '',
	duration_ms  INTEGER NOT NULL DEFAULT 0,
	attempted_at INTEGER NOT NULL,
	response     TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (account_id, id)
) WITHOUT ROWID;
INSERT INTO deliveries_new (id, account_id, trigger_id, webhook_id, hook, url, status, status_code, error,
	duration_ms, attempted_at, response)
	SELECT id, account_id, trigger_id, webhook_id, hook, url, status, status_code, error,
	duration_ms, attempted_at, response FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
CREATE INDEX deliveries_webhook ON deliveries (webhook_id, id);
CREATE INDEX deliveries_trigger ON deliveries (trigger_id);
CREATE INDEX deliveries_attempted ON deliveries (account_id, attempted_at);
