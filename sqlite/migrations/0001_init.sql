-- hookd's first schema. Times are integer unix milliseconds in UTC; a NULL
-- time is "never" (no previous secret, not grey-listed).

CREATE TABLE accounts (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	created_at INTEGER NOT NULL
);

CREATE TABLE api_keys (
	id         TEXT PRIMARY KEY,
	account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	hash       TEXT NOT NULL UNIQUE,
	prefix     TEXT NOT NULL,
	created_at INTEGER NOT NULL
);

CREATE TABLE users (
	id            TEXT PRIMARY KEY,
	account_id    TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	username      TEXT NOT NULL UNIQUE,
	password_hash TEXT NOT NULL,
	admin         INTEGER NOT NULL DEFAULT 0,
	created_at    INTEGER NOT NULL
);
CREATE INDEX users_account ON users (account_id);

CREATE TABLE sessions (
	token_hash TEXT PRIMARY KEY,
	user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	csrf_token TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE webhooks (
	id              TEXT PRIMARY KEY,
	account_id      TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	name            TEXT NOT NULL,
	url             TEXT NOT NULL,
	hooks           TEXT NOT NULL, -- JSON array of hook names
	enabled         INTEGER NOT NULL,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	secret          TEXT NOT NULL,
	previous_secret TEXT NOT NULL DEFAULT '',
	previous_until  INTEGER
);
CREATE INDEX webhooks_account ON webhooks (account_id, created_at);
CREATE INDEX webhooks_url ON webhooks (url);

-- webhooks_version changes with every webhook write, so that a dispatcher
-- reloads the enabled webhooks only when one changed.
CREATE TABLE webhooks_version (
	version INTEGER NOT NULL
);
INSERT INTO webhooks_version (version) VALUES (0);
CREATE TRIGGER webhooks_version_insert AFTER INSERT ON webhooks
BEGIN UPDATE webhooks_version SET version = version + 1; END;
CREATE TRIGGER webhooks_version_update AFTER UPDATE ON webhooks
BEGIN UPDATE webhooks_version SET version = version + 1; END;
CREATE TRIGGER webhooks_version_delete AFTER DELETE ON webhooks
BEGIN UPDATE webhooks_version SET version = version + 1; END;

-- Triggers are written in large batches and read mostly by ID, so the table
-- is clustered by ID (IDs are time ordered: inserts append). Only pending
-- triggers are in the claim index.
CREATE TABLE triggers (
	id          TEXT PRIMARY KEY,
	account_id  TEXT NOT NULL,
	hook        TEXT NOT NULL,
	data        BLOB NOT NULL,
	timestamp   INTEGER NOT NULL,
	received_at INTEGER NOT NULL,
	done        INTEGER NOT NULL DEFAULT 0,
	lease_node  TEXT,
	lease_until INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX triggers_pending ON triggers (id, lease_until) WHERE done = 0;

-- Deliveries keep their webhook and trigger IDs after either is deleted: the
-- log is history.
CREATE TABLE deliveries (
	id           TEXT PRIMARY KEY,
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
	response     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX deliveries_account ON deliveries (account_id, id);
CREATE INDEX deliveries_webhook ON deliveries (webhook_id, id);
CREATE INDEX deliveries_trigger ON deliveries (trigger_id);
CREATE INDEX deliveries_attempted ON deliveries (account_id, attempted_at);

-- url_states holds only URLs that are not healthy; a success deletes the row.
CREATE TABLE url_states (
	url                  TEXT PRIMARY KEY,
	consecutive_failures INTEGER NOT NULL,
	level                INTEGER NOT NULL,
	until                INTEGER
);
