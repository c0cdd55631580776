package hookd

import (
	"context"
	"time"
)

// Account owns webhooks, triggers, deliveries, API keys and panel users. An
// API key or a user sees only its own account's records.
type Account struct {
	ID        string
	Name      string
	CreatedAt time.Time
}

// APIKey authenticates API calls for one account. Only a SHA-256 hash of the
// key is stored: keys are long random strings, so a fast hash is enough.
type APIKey struct {
	ID        string
	AccountID string
	Name      string // what uses the key, e.g. "Calendar server"
	Hash      string // hex SHA-256 of the key
	Prefix    string // the first characters of the key, to recognise it
	CreatedAt time.Time
	// LastUsedAt is when a request last came with the key (to within the
	// key cache's 30 s); the zero time when never.
	LastUsedAt time.Time
}

// User signs in to the control panel.
type User struct {
	ID           string
	AccountID    string
	Username     string
	PasswordHash string // bcrypt
	Admin        bool
	// Email is where notifications go ("" for none); see ValidateEmail.
	Email     string
	CreatedAt time.Time
}

// Session is a signed-in panel user. The cookie holds a random token; only
// its hash is stored.
type Session struct {
	TokenHash string
	UserID    string
	CSRFToken string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// BootstrapParams is the first account, its API key and its admin user.
type BootstrapParams struct {
	Account Account
	APIKey  APIKey
	Admin   User
}

// ClaimParams asks for pending triggers whose lease is free.
type ClaimParams struct {
	Node  string    // who claims; recorded with the lease
	Now   time.Time // leases that end before Now are free
	Until time.Time // the new lease's end, after Now
	Limit int       // at most this many triggers
	// Busy are accounts ClaimTriggers leaves out: the dispatcher names
	// those whose sends already fill its queue, so that the others' triggers
	// are still claimed meanwhile. ClaimRecoveries ignores it.
	Busy []string
}

// RecordParams is one batch of delivery results, written in one transaction.
type RecordParams struct {
	// Deliveries are inserted, or replace the row with the same ID (a
	// pending test or redelivery that has now been sent).
	Deliveries []Delivery
	// DoneTriggers have every delivery recorded: they are never claimed again.
	DoneTriggers []string
	// DoneRecoveries are the recovery items whose delivery is in this
	// batch (or that can no longer be sent): they are deleted.
	DoneRecoveries []RecoveryKey
	// Outcomes update the grey-list state of their (account, URL) pairs
	// with Policy.
	Outcomes []URLOutcome
	Policy   GreylistPolicy
	// Tell, if not nil, makes the triggers that tell of the grey-list
	// changes the outcomes made (system hooks); they are stored, pending,
	// in the same transaction, so a change is told once, by the node whose
	// batch made it, and never lost.
	// The notices it returns (NoticeOf) are stored too, each replacing a
	// waiting notice of its webhook.
	Tell func(changes []GreylistChange) ([]Trigger, []Notice)
}

// URLOutcome is the result of one send to a URL for a webhook of an
// account (skipped sends have none): it changes that account's state of the
// URL only.
type URLOutcome struct {
	AccountID string
	URL       string
	OK        bool
	At        time.Time
	Error     string // why the send failed, in words (the delivery's Error); "" when OK
}

// Key returns the account and URL whose grey-list state the outcome changes.
func (o URLOutcome) Key() URLKey { return URLKey{o.AccountID, o.URL} }

// DeliveryFilter selects deliveries of one account, newest first.
type DeliveryFilter struct {
	AccountID string
	WebhookID string // optional
	TriggerID string // optional
	Status    string // optional
	Hook      string // optional
	// Since and Until bound the attempt time (AttemptedAt): Since
	// inclusive, Until exclusive; the zero time leaves that side open.
	Since, Until time.Time
	Limit        int    // defaults to 50
	Cursor       string // optional: deliveries older than this delivery ID
}

// DeliveryStat counts the deliveries of one webhook with one status in one
// minute.
type DeliveryStat struct {
	WebhookID string
	Minute    time.Time
	Status    string
	Count     int
}

// WebhookHealth is how one webhook's deliveries went since a time: how many
// had each outcome, and its newest failure.
type WebhookHealth struct {
	WebhookID                  string
	Delivered, Failed, Skipped int
	// LastFailure is the newest failed delivery of the period (by ID, made
	// at the attempt), nil when
	// none failed. Only the fields that say what happened are filled: ID,
	// WebhookID, Hook, Status, StatusCode, Error and AttemptedAt.
	LastFailure *Delivery
}

// IdempotencyRecord is the answer given to a trigger request made with an
// Idempotency-Key header. It is stored in the same transaction as the
// triggers, so that an answer and what it answers for are durable together,
// and a retry with the same key gets this answer again instead of storing
// the triggers twice.
type IdempotencyRecord struct {
	AccountID   string
	Key         string // as the producer sent it: 1–255 printable ASCII characters
	RequestHash string // hex SHA-256 of the request body
	Status      int    // the HTTP status answered
	Response    []byte // the body answered
	CreatedAt   time.Time
	ExpiresAt   time.Time // after this the key is free again
}

// IdempotencyTTL is how long an idempotency key is remembered.
const IdempotencyTTL = 24 * time.Hour

// Store keeps hookd's records. The sqlite and postgres packages implement it
// and one conformance suite (storetest) checks both. Every method takes ctx
// first; "not found" is an *Error with code ENOTFOUND; a store that cannot be
// reached or written returns an *Error with code EUNAVAILABLE.
//
// Store is the sum of the role interfaces below, so that a consumer can ask
// for only the records it uses (the ingester needs a TriggerStore).
type Store interface {
	AccountStore
	UserStore
	WebhookStore
	TriggerStore
	DeliveryStore
	GreylistStore
	RecoveryStore
	NoticeStore

	// Ping reports whether the store can be reached (liveness).
	Ping(ctx context.Context) error
	// Ready reports whether the store can serve (readiness): reachable,
	// writable (a real, committed write), and its migrations those this
	// hookd knows; EUNAVAILABLE with the reason when not.
	Ready(ctx context.Context) error
	Close() error
}

// AccountStore keeps accounts and their API keys.
type AccountStore interface {
	// Bootstrap creates the first account, API key and admin user when the
	// store has no account yet, and reports whether it did.
	Bootstrap(ctx context.Context, p BootstrapParams) (bool, error)
	CreateAccount(ctx context.Context, a *Account) error
	CreateAPIKey(ctx context.Context, k *APIKey) error
	// AccountByAPIKey finds the account of the key with this hash.
	AccountByAPIKey(ctx context.Context, hash string) (Account, error)
	// Accounts returns every account, oldest first.
	Accounts(ctx context.Context) ([]Account, error)
	// APIKeys returns the account's API keys, oldest first.
	APIKeys(ctx context.Context, accountID string) ([]APIKey, error)
	// DeleteAPIKey deletes one of the account's API keys and returns it:
	// ENOTFOUND when it has no such key, ECONFLICT when it is the account's
	// last key (an account always keeps one).
	DeleteAPIKey(ctx context.Context, accountID, id string) (APIKey, error)
	// TouchAPIKey records that the key with this hash was used at at
	// (a later time than the one stored only).
	TouchAPIKey(ctx context.Context, hash string, at time.Time) error
}

// UserStore keeps the control panel's users and their sessions.
type UserStore interface {
	CreateUser(ctx context.Context, u *User) error // ECONFLICT when the username is taken
	User(ctx context.Context, id string) (User, error)
	UserByUsername(ctx context.Context, username string) (User, error)
	Users(ctx context.Context, accountID string) ([]User, error)
	// DeleteUser deletes one of the account's users and their sessions and
	// returns it: ENOTFOUND when it has no such user, ECONFLICT when it is
	// the account's last administrator (an account always keeps one).
	DeleteUser(ctx context.Context, accountID, id string) (User, error)
	// SetAdmin makes one of the account's users an administrator or not
	// and returns it: ENOTFOUND, or ECONFLICT when that would leave the
	// account without an administrator.
	SetAdmin(ctx context.Context, accountID, id string, admin bool) (User, error)
	// SetPassword replaces a user's password hash and ends every session of
	// theirs but keepSession (a token hash; empty ends them all), in one
	// transaction: a changed password signs out whoever used the old one.
	SetPassword(ctx context.Context, userID, hash, keepSession string) error
	// SetEmail replaces a user's email address ("" for none).
	SetEmail(ctx context.Context, userID, email string) error
	CreateSession(ctx context.Context, s *Session) error
	Session(ctx context.Context, tokenHash string, now time.Time) (Session, error) // expired: ENOTFOUND
	DeleteSession(ctx context.Context, tokenHash string) error
}

// WebhookStore keeps webhooks.
type WebhookStore interface {
	CreateWebhook(ctx context.Context, w *Webhook) error
	Webhook(ctx context.Context, accountID, id string) (Webhook, error)
	Webhooks(ctx context.Context, accountID string) ([]Webhook, error) // oldest first
	UpdateWebhook(ctx context.Context, w *Webhook) error               // all fields but ID, AccountID, CreatedAt
	DeleteWebhook(ctx context.Context, accountID, id string) error
	// EnabledWebhooks returns the enabled webhooks of every account.
	EnabledWebhooks(ctx context.Context) ([]Webhook, error)
	// WebhooksVersion changes whenever any webhook is created, changed or
	// deleted, so a dispatcher reloads EnabledWebhooks only when needed.
	WebhooksVersion(ctx context.Context) (int64, error)
}

// TriggerStore keeps triggers, their leases and the idempotency records of
// the requests they came in.
type TriggerStore interface {
	// InsertTriggers stores triggers all-or-nothing; when it returns nil they
	// are durable.
	InsertTriggers(ctx context.Context, ts []Trigger) error
	// InsertTriggersIdempotent stores triggers and the idempotency records
	// of the requests they came in, all in one transaction. ECONFLICT, and
	// nothing stored, when a record that has not expired at its CreatedAt
	// already holds one of the (account, key) pairs. Expired records are
	// deleted in the same transaction.
	InsertTriggersIdempotent(ctx context.Context, keys []IdempotencyRecord, ts []Trigger) error
	// IdempotencyRecord returns the record of an account's key that has not
	// expired at now; ENOTFOUND when there is none.
	IdempotencyRecord(ctx context.Context, accountID, key string, now time.Time) (IdempotencyRecord, error)
	Trigger(ctx context.Context, accountID, id string) (Trigger, error)
	// SearchTriggers returns a page of the account's triggers that match f,
	// newest first by trigger time, each with its delivery counts, and the
	// cursor of the next page ("" on the last). A cursor that names no
	// trigger of the account is EINVALID.
	SearchTriggers(ctx context.Context, f TriggerFilter) ([]TriggerSummary, string, error)
	// ClaimTriggers leases pending triggers to p.Node. Each account with
	// claimable triggers (but those in p.Busy) gets a turn: at least its
	// share of p.Limit (or, with more accounts than p.Limit, the accounts
	// whose oldest claimable trigger is oldest get one each), its oldest
	// first; what the others leave of the limit is shared the same way
	// among the accounts that have more. The result is in ID order.
	ClaimTriggers(ctx context.Context, p ClaimParams) ([]Trigger, error)
	// ExtendLeases moves the lease end of triggers still held by node.
	ExtendLeases(ctx context.Context, node string, ids []string, until time.Time) error
	// SentWebhooks returns, per trigger ID, the webhooks that already have a
	// sent or skipped delivery of it, so a re-claimed trigger does not send
	// them again.
	SentWebhooks(ctx context.Context, triggerIDs []string) (map[string][]string, error)
	// PendingTriggers counts triggers not yet done.
	PendingTriggers(ctx context.Context) (int64, error)
	// OldestPendingTrigger returns when the oldest trigger not yet done was
	// received; the zero time when none is pending.
	OldestPendingTrigger(ctx context.Context) (time.Time, error)
}

// DeliveryStore keeps the delivery log.
type DeliveryStore interface {
	// InsertPendingDelivery stores a delivery with status pending that is about
	// to be sent at once (a test or a redelivery), and its trigger if not nil
	// (a test trigger, stored as done).
	InsertPendingDelivery(ctx context.Context, t *Trigger, d *Delivery) error
	// RecordDeliveries writes a batch of results in one transaction; the
	// outcomes change their URLs' grey-list states as FoldOutcomes says.
	RecordDeliveries(ctx context.Context, p RecordParams) error
	Delivery(ctx context.Context, accountID, id string) (Delivery, error)
	// Deliveries returns a page of deliveries and the cursor of the next page
	// ("" on the last page).
	Deliveries(ctx context.Context, f DeliveryFilter) ([]Delivery, string, error)
	// LastDeliveries returns the newest delivery of each of the account's
	// webhooks that has one.
	LastDeliveries(ctx context.Context, accountID string) (map[string]Delivery, error)
	// DeliveryStats counts the account's deliveries since a time by webhook,
	// minute and status.
	DeliveryStats(ctx context.Context, accountID string, since time.Time) ([]DeliveryStat, error)
	// WebhookHealth returns, in one query, the health since a time of each
	// of the account's webhooks that has a delivery attempted since then:
	// the webhooks list reads every row's health at once.
	WebhookHealth(ctx context.Context, accountID string, since time.Time) (map[string]WebhookHealth, error)

	// Prune deletes up to limit deliveries made before before, and up to
	// limit done triggers received before it, and returns how many rows it
	// deleted. Triggers not yet done are never deleted.
	Prune(ctx context.Context, before time.Time, limit int) (int64, error)
}

// RecoveryStore keeps the sends that recoveries queued until they are
// recorded (RecordDeliveries deletes them).
type RecoveryStore interface {
	// QueueRecovery queues an item for every trigger of the account with a
	// timestamp in [r.Since, r.Until) whose newest delivery to r.WebhookID
	// is failed or skipped, unless the webhook already has an item of that
	// trigger, in one transaction, and returns how many it queued. The
	// recovery itself is kept (with that count) in the same transaction, so
	// that Recovery can tell its progress.
	QueueRecovery(ctx context.Context, r Recovery) (int, error)
	// CountRecoverable counts what QueueRecovery(r) would queue now: the
	// same selection (one rule for the count shown before confirming and
	// the recover itself), leaving out sends already queued.
	CountRecoverable(ctx context.Context, r Recovery) (int, error)
	// Recovery returns one of the account's recoveries with its progress;
	// ENOTFOUND when it has no such recovery.
	Recovery(ctx context.Context, accountID, id string) (RecoveryProgress, error)
	// ClaimRecoveries leases queued items whose lease is free to p.Node,
	// oldest first; like ClaimTriggers, nodes never claim the same item
	// while its lease is live.
	ClaimRecoveries(ctx context.Context, p ClaimParams) ([]RecoveryItem, error)
	// ExtendRecoveries moves the lease end of the items still held by node
	// (until now hands them back).
	ExtendRecoveries(ctx context.Context, node string, keys []RecoveryKey, until time.Time) error
}

// GreylistStore keeps the grey-list states of URLs, one per URL within an
// account (RecordDeliveries changes them).
type GreylistStore interface {
	// URLStates returns every state that is not healthy, of every account,
	// each with its AccountID.
	URLStates(ctx context.Context) ([]URLState, error)
	// Greylist returns the account's states with a level above zero of the
	// URLs of its webhooks.
	Greylist(ctx context.Context, accountID string) ([]URLState, error)
	// ReleaseURL clears the account's state of a URL; other accounts'
	// states of the same URL are left alone. ENOTFOUND when none of the
	// account's webhooks has that URL.
	ReleaseURL(ctx context.Context, accountID, url string) error
}
