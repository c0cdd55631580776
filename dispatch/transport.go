package dispatch

import (
	"context"
	"net/url"
	"time"

	"github.com/hookd-dev/hookd"
)

// Transport makes one send of a delivery: the seam where another way of
// sending (or a retry policy wrapping the HTTP one) plugs in. The default,
// used when Config.Transport is nil, is an HTTP POST (http.go; to http://
// URLs with fasthttp, fasthttp.go).
//
// The dispatcher calls Send from many goroutines at once. ctx carries the
// deadline of the whole send (Config.Timeout); Send returns by then. A Message
// and what it points to are shared by other sends and must not be changed.
type Transport interface {
	Send(ctx context.Context, m Message) Attempt
}

// Message is one delivery to send: a trigger's envelope to one webhook's URL,
// and what signs it.
type Message struct {
	URL       *url.URL      // the webhook's URL, parsed once per webhook
	Body      []byte        // the envelope (contract §3), shared by the trigger's sends
	TriggerID string        // the webhook-id header
	Timestamp time.Time     // the time of this send: webhook-timestamp, and which secrets sign it
	Signer    *hookd.Signer // the webhook's secrets at Timestamp

	// signature is Signature() made once, when set.
	signature string
	// idHeader is []string{TriggerID}, made once per trigger so that its
	// sends do not allocate it (the HTTP transport makes one when it is nil).
	idHeader []string
}

// Signature returns the webhook-signature header value of m.
func (m *Message) Signature() string {
	if m.signature != "" {
		return m.signature
	}
	return m.Signer.Sign(m.TriggerID, m.Timestamp.Unix(), m.Body)
}

// Attempt is what one send came to.
type Attempt struct {
	Status     string // hookd.StatusDelivered or hookd.StatusFailed
	StatusCode int    // the receiver's HTTP status; 0 when there was no answer
	Error      string // why it failed, for a person; empty when delivered
	Response   string // the start of the answer, at most hookd.MaxLoggedResponse bytes
	// ResponseHeaders is the answer's header for the log (loggedHeaders);
	// "" when there was no answer.
	ResponseHeaders string
	// Signature is the webhook-signature header value sent; the dispatcher
	// sets it, not the transport.
	Signature string
	Duration  time.Duration
	// Answered is whether the receiver's host answered, whatever it said: the
	// scheduler gives a host that answers more connections (see host.limit in scheduler.go).
	Answered bool
}
