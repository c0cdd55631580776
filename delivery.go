package hookd

import "time"

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
}

// MaxLoggedResponse is how much of a receiver's answer the log keeps.
const MaxLoggedResponse = 1024
