-- Trigger search (GET /api/v1/triggers) reads an account's triggers newest
-- first by trigger time, within a time range; the index serves that order,
-- the range and the cursor (timestamp, id). The hook and data.<field>
-- conditions are checked on the rows of the range: an index per payload
-- field cannot be made for fields hookd does not know in advance.
CREATE INDEX triggers_search ON triggers (account_id, timestamp, id);
