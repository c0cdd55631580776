-- The answers to trigger requests made with an Idempotency-Key header, kept
-- for 24 hours so that a producer's retry gets the same answer instead of
-- storing its triggers twice. Written in the transaction that stores the
-- triggers; expired rows are deleted by the next keyed request.
CREATE TABLE idempotency_keys (
	account_id   TEXT NOT NULL,
	key          TEXT NOT NULL,
	request_hash TEXT NOT NULL,
	status       INTEGER NOT NULL,
	response     BLOB NOT NULL,
	created_at   INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL,
	PRIMARY KEY (account_id, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires_at);
