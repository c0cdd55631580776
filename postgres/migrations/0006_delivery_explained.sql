-- Every delivery explainable (issue 14). A delivery keeps what cannot be
-- made again later: the webhook-signature header it was sent with (the
-- secrets rotate; the other headers and the body are made again from the
-- trigger and the attempt time), the answer's header (JSON, bounded), and
-- the delivery it re-sends. A URL's grey-list state keeps the error of its
-- newest failed send, so that a skipped delivery names the real failure.
ALTER TABLE deliveries ADD COLUMN response_headers text NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN redelivery_of text NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN signature text NOT NULL DEFAULT '';
ALTER TABLE url_states ADD COLUMN last_error text NOT NULL DEFAULT '';
