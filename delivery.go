package hookd

import (
	"strconv"
	"time"
)

// Delivery statuses.
const (
	StatusPending   = "pending"   // queued to be sent now (test and redeliver)
	StatusDelivered = "delivered" // the receiver answered 2xx in time
	StatusFailed    = "failed"    // any other answer, a timeout or a connection error
	StatusSkipped   = "skipped"   // the URL was grey-listed; nothing was sent
)

// ValidStatus reports whether s is a delivery status.
func ValidStatus(s string) bool {
	switch s {
	case StatusPending, StatusDelivered, StatusFailed, StatusSkipped:
		return true
	}
	return false
}

// Delivery is one attempt to send one trigger to one webhook.
type Delivery struct {
	ID          string
	AccountID   string
	TriggerID   string
	WebhookID   string
	Hook        string
	URL         string
	Status      string
	StatusCode  int
	Error       string
	DurationMs  int64
	AttemptedAt time.Time
	// Response is at most the first KiB of the receiver's answer.
	Response string
	// ResponseHeaders is the answer's header as a JSON object of lists of
	// values ("" when there was no answer), at most MaxLoggedHeaders bytes:
	// the headers that do not fit are left out.
	ResponseHeaders string
	// RedeliveryOf is the delivery this one sends again: "" for the
	// trigger's first send to the webhook.
	RedeliveryOf string
	// Signature is the webhook-signature header value sent ("" when
	// nothing was sent). It is the one header of a send the log keeps: the
	// others are made again from the trigger and AttemptedAt (the
	// webhook-timestamp is its unix second), but the secrets that signed it
	// may have been rotated since.
	Signature string
	// RecoveryID is the recovery whose send this is ("" when none), so that
	// a recovery's progress is counted from the deliveries it made.
	RecoveryID string
}

// MaxLoggedResponse is how much of a receiver's answer the log keeps.
const MaxLoggedResponse = 1024

// MaxLoggedHeaders is how much of a receiver's answer's header the log
// keeps, as JSON.
const MaxLoggedHeaders = 2048

// Header is one header of a request, by name.
type Header struct{ Name, Value string }

// SentHeaders returns the headers the delivery was sent with, in the order
// hookd sends them (contract §3), or nil when nothing was sent (skipped or
// pending). Of them only the signature is stored: the others are made
// again from the trigger ID and the attempt time, as the dispatcher made
// them (webhook-timestamp is the attempt's unix second); the body is the
// trigger's Envelope.
func (d Delivery) SentHeaders() []Header {
	if d.Signature == "" {
		return nil
	}
	return []Header{
		{"Content-Type", "application/json"},
		{"User-Agent", "hookd/" + Version},
		{"webhook-id", d.TriggerID},
		{"webhook-timestamp", strconv.FormatInt(d.AttemptedAt.Unix(), 10)},
		{"webhook-signature", d.Signature},
	}
}
