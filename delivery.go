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
	ID          string    `json:"id"`
	AccountID   string    `json:"-"`
	TriggerID   string    `json:"triggerId"`
	WebhookID   string    `json:"webhookId"`
	Hook        string    `json:"hook"`
	URL         string    `json:"url"`
	Status      string    `json:"status"`
	StatusCode  int       `json:"statusCode"`
	Error       string    `json:"error"`
	DurationMs  int64     `json:"durationMs"`
	AttemptedAt time.Time `json:"attemptedAt"`
	// Response is at most the first KiB of the receiver's answer.
	Response string `json:"response,omitempty"`
}

// MaxLoggedResponse is how much of a receiver's answer the log keeps.
const MaxLoggedResponse = 1024
