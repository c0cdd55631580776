-- Grey-listing is per URL within an account (contract §4): webhooks of one
-- account with the same URL share a state; another account's failures never
-- grey-list that URL for you. url_states is keyed by (account_id, url).
--
-- The existing rows are dropped, not carried over: a row was earned by the
-- failures of every account's webhooks with that URL together, so it cannot
-- be given to one account, and copying it to each account with the URL
-- would grey-list the accounts that never failed. Grey-list state is
-- transient: at worst a failing URL is tried again once after the upgrade
-- (and grey-listed again after --greylist-after failures).
DROP TABLE url_states;
CREATE TABLE url_states (
	account_id           TEXT NOT NULL,
	url                  TEXT NOT NULL,
	consecutive_failures INTEGER NOT NULL,
	level                INTEGER NOT NULL,
	until                INTEGER,
	PRIMARY KEY (account_id, url)
) WITHOUT ROWID;
