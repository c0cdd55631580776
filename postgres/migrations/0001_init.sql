-- hookd's first PostgreSQL schema: the same tables as the SQLite store's
-- 0001_init.sql. Times are timestamptz at millisecond precision; a NULL time
-- is "never" (no previous secret, not grey-listed, no lease). IDs and URLs
-- sort byte-wise (COLLATE "C"), as in SQLite: IDs are time ordered and the
-- delivery log pages by ID.

CREATE TABLE accounts (
	id         text COLLATE "C" PRIMARY KEY,
	name       text NOT NULL,
	created_at timestamptz NOT NULL
);

CREATE TABLE api_keys (
	id         text COLLATE "C" PRIMARY KEY,
	account_id text COLLATE "C" NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	hash       text NOT NULL UNIQUE,
	prefix     text NOT NULL,
	created_at timestamptz NOT NULL
);
CREATE INDEX api_keys_account ON api_keys (account_id);

CREATE TABLE users (
	id            text COLLATE "C" PRIMARY KEY,
	account_id    text COLLATE "C" NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	username      text NOT NULL UNIQUE,
	password_hash text NOT NULL,
	admin         boolean NOT NULL DEFAULT false,
	created_at    timestamptz NOT NULL
);
CREATE INDEX users_account ON users (account_id);

CREATE TABLE sessions (
	token_hash text PRIMARY KEY,
	user_id    text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	csrf_token text NOT NULL,
	created_at timestamptz NOT NULL,
	expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE webhooks (
	id              text COLLATE "C" PRIMARY KEY,
	account_id      text COLLATE "C" NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	name            text NOT NULL,
	url             text COLLATE "C" NOT NULL,
	hooks           text[] NOT NULL,
	enabled         boolean NOT NULL,
	created_at      timestamptz NOT NULL,
	updated_at      timestamptz NOT NULL,
	secret          text NOT NULL,
	previous_secret text NOT NULL DEFAULT '',
	previous_until  timestamptz
);
CREATE INDEX webhooks_account ON webhooks (account_id, created_at, id);
CREATE INDEX webhooks_url ON webhooks (url);

-- webhooks_version changes in the same transaction as every webhook write,
-- so that each node's dispatcher reloads the enabled webhooks at its next
-- tick after any node changed one. (A sequence would not do: it moves before
-- the change commits.)
CREATE TABLE webhooks_version (
	version bigint NOT NULL
);
INSERT INTO webhooks_version (version) VALUES (0);
CREATE FUNCTION webhooks_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE webhooks_version SET version = version + 1;
	RETURN NULL;
END $$;
CREATE TRIGGER webhooks_version_bump AFTER INSERT OR UPDATE OR DELETE ON webhooks
	FOR EACH STATEMENT EXECUTE FUNCTION webhooks_version_bump();

-- Only pending triggers are in the claim index. lease_until NULL: never
-- claimed.
CREATE TABLE triggers (
	id          text COLLATE "C" PRIMARY KEY,
	account_id  text COLLATE "C" NOT NULL,
	hook        text NOT NULL,
	data        bytea NOT NULL, -- the JSON exactly as received
	timestamp   timestamptz NOT NULL,
	received_at timestamptz NOT NULL,
	done        boolean NOT NULL DEFAULT false,
	lease_node  text,
	lease_until timestamptz
);
CREATE INDEX triggers_pending ON triggers (id) WHERE NOT done;

-- Deliveries keep their webhook and trigger IDs after either is deleted: the
-- log is history.
CREATE TABLE deliveries (
	id           text COLLATE "C" PRIMARY KEY,
	account_id   text COLLATE "C" NOT NULL,
	trigger_id   text COLLATE "C" NOT NULL,
	webhook_id   text COLLATE "C" NOT NULL,
	hook         text NOT NULL,
	url          text COLLATE "C" NOT NULL,
	status       text NOT NULL,
	status_code  integer NOT NULL DEFAULT 0,
	error        text NOT NULL DEFAULT '',
	duration_ms  bigint NOT NULL DEFAULT 0,
	attempted_at timestamptz NOT NULL,
	response     text NOT NULL DEFAULT ''
);
CREATE INDEX deliveries_account ON deliveries (account_id, id);
CREATE INDEX deliveries_webhook ON deliveries (webhook_id, id);
CREATE INDEX deliveries_trigger ON deliveries (trigger_id);
CREATE INDEX deliveries_attempted ON deliveries (account_id, attempted_at);

-- url_states holds only URLs that are not healthy; a success deletes the row.
-- Writers serialise per URL with a transaction-level advisory lock (see
-- RecordDeliveries), so that nodes recording outcomes of one URL at once
-- never lose a failure.
CREATE TABLE url_states (
	url                  text COLLATE "C" PRIMARY KEY,
	consecutive_failures integer NOT NULL,
	level                integer NOT NULL,
	until                timestamptz
);
