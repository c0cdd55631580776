package receiver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/hookd-dev/hookd/client"
)

// Delivery is a delivery's envelope:
// {"id", "hook", "timestamp", "data"}, and when this send was made.
type Delivery struct {
	client.Envelope
	// SentAt is this send's webhook-timestamp (zero when Decode had no
	// headers).
	SentAt time.Time `json:"-"`
}

// Decode reads a delivery's body (verify it first) and, when h is not nil,
// its webhook-timestamp; the webhook-id header must be the body's id.
func Decode(h http.Header, body []byte) (Delivery, error) {
	var d Delivery
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return Delivery{}, fmt.Errorf("receiver: the body is not a hookd delivery: %w", err)
	}
	if d.ID == "" || d.Hook == "" || len(d.Data) == 0 {
		return Delivery{}, errors.New("receiver: the body is not a hookd delivery: it lacks id, hook or data")
	}
	if h != nil {
		if id := h.Get(HeaderID); id != "" && id != d.ID {
			return Delivery{}, fmt.Errorf("receiver: the webhook-id header %q is not the body's id %q", id, d.ID)
		}
		if ts, err := strconv.ParseInt(h.Get(HeaderTimestamp), 10, 64); err == nil {
			d.SentAt = time.Unix(ts, 0).UTC()
		}
	}
	return d, nil
}

// Payload decodes Data into the client package's type of the hook
// (*client.EventCanceled for "eventCanceled", *client.WebhookGreylisted,
// *client.TestDelivery …). A hook it has no type for (one of a --catalogue
// file) comes back as client.Custom with Data a json.RawMessage; decode it
// with DecodeData.
func (d Delivery) Payload() (client.Payload, error) {
	p, ok := client.NewPayload(d.Hook)
	if !ok {
		return client.Custom{Hook: d.Hook, Data: d.Data}, nil
	}
	if err := json.Unmarshal(d.Data, p); err != nil {
		return nil, fmt.Errorf("receiver: the data of %s: %w", d.Hook, err)
	}
	return p, nil
}

// DecodeData decodes Data into v.
func (d Delivery) DecodeData(v any) error { return json.Unmarshal(d.Data, v) }
