-- The answers to trigger requests made with an Idempotency-Key header, kept
-- for 24 hours so that a producer's retry gets the same answer instead of
-- storing its triggers twice. Written in the transaction that stores the
-- triggers; expired rows are deleted by the next keyed request.
CREATE TABLE idempotency_keys (
	account_id   text NOT NULL,
	key          text NOT NULL,
	request_hash text NOT NULL,
	status       integer NOT NULL,
	response     bytea NOT NULL,
	created_at   timestamptz NOT NULL,
	expires_at   timestamptz NOT NULL,
	PRIMARY KEY (account_id, key)
);
CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires_at);
