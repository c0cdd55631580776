package storeutil

// Column lists and queries that read the same in both engines' SQL (the
// migrations of both give the tables these columns). Each engine scans them
// in this order.
const (
	AccountColumns  = `id, name, created_at`
	APIKeyColumns   = `id, account_id, name, hash, prefix, created_at, last_used_at`
	UserColumns     = `id, account_id, username, password_hash, admin, email, created_at`
	TriggerColumns  = `id, account_id, hook, data, timestamp, received_at`
	DeliveryColumns = `id, account_id, trigger_id, webhook_id, hook, url, status, status_code, error, duration_ms, attempted_at, response, response_headers, redelivery_of, signature, recovery_id`
	URLStateColumns = `account_id, url, consecutive_failures, level, until, last_error`

	// SelectURLStates reads URL states; a WHERE or ORDER BY may follow.
	SelectURLStates = `SELECT ` + URLStateColumns + ` FROM url_states`
	// SelectWebhooks reads webhooks with the grey-list state of their URL
	// within their account (NULLs when it is healthy); a WHERE or ORDER BY
	// may follow.
	SelectWebhooks = `SELECT w.id, w.account_id, w.name, w.url, w.hooks, w.enabled, w.created_at, w.updated_at,
	w.secret, w.previous_secret, w.previous_until, u.url, u.consecutive_failures, u.level, u.until, u.last_error
	FROM webhooks w LEFT JOIN url_states u ON u.account_id = w.account_id AND u.url = w.url`
)
