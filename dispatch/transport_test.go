package dispatch

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
)

// recorder is a Transport that keeps the messages it is given and answers
// with answer.
type recorder struct {
	mu     sync.Mutex
	got    []Message
	answer func(Message) Attempt
}

func (r *recorder) Send(ctx context.Context, m Message) Attempt {
	if _, ok := ctx.Deadline(); !ok {
		return Attempt{Status: hookd.StatusFailed, Error: "the send has no deadline"}
	}
	r.mu.Lock()
	r.got = append(r.got, m)
	r.mu.Unlock()
	return r.answer(m)
}

// A Transport in Config replaces HTTP: it gets each send's URL, envelope and
// signing, and what it answers is recorded as the delivery.
func TestTransportReplacesHTTP(t *testing.T) {
	e := newEnv(t)
	ok, down := e.webhook("http://ok.receiver.test/hook"), e.webhook("http://down.receiver.test/hook")
	tr := e.trigger()
	rec := &recorder{answer: func(m Message) Attempt {
		if m.URL.Host == "ok.receiver.test" {
			return Attempt{Status: hookd.StatusDelivered, StatusCode: 204, Response: "thanks", Duration: 7 * time.Millisecond, Answered: true}
		}
		return Attempt{Status: hookd.StatusFailed, Error: "connection refused: nothing listens at that address"}
	}}
	cfg := e.config("node-a")
	cfg.Transport = rec
	e.tick(e.start(cfg))

	if len(rec.got) != 2 {
		t.Fatalf("the transport got %d messages, want 2", len(rec.got))
	}
	for _, m := range rec.got {
		w := ok
		if m.URL.String() == down.URL {
			w = down
		} else if m.URL.String() != ok.URL {
			t.Fatalf("message to %s, which no webhook has", m.URL)
		}
		signer, _ := hookd.NewSigner(w.Secret)
		if m.TriggerID != tr.ID || !m.Timestamp.Equal(e.clock.Now()) || !bytes.Equal(m.Body, tr.Envelope()) ||
			m.Signature() != signer.Sign(tr.ID, e.clock.Now().Unix(), tr.Envelope()) {
			t.Errorf("message to %s: trigger %s at %v, body %s: want trigger %s at %v, its envelope, signed with the webhook's secret",
				m.URL, m.TriggerID, m.Timestamp, m.Body, tr.ID, e.clock.Now())
		}
	}
	if ds := e.deliveries(ok.ID); len(ds) != 1 || ds[0].Status != hookd.StatusDelivered || ds[0].StatusCode != 204 ||
		ds[0].Response != "thanks" || ds[0].DurationMs != 7 {
		t.Errorf("deliveries to ok: %+v, want the transport's answer", ds)
	}
	if ds := e.deliveries(down.ID); len(ds) != 1 || ds[0].Status != hookd.StatusFailed || ds[0].StatusCode != 0 ||
		ds[0].Error != "connection refused: nothing listens at that address" {
		t.Errorf("deliveries to down: %+v, want the transport's failure", ds)
	}
	// A failure without an answer counts for the grey-list like any other.
	if st, err := e.urlState(down.URL); err != nil || st.ConsecutiveFailures != 1 {
		t.Errorf("down's state %+v (%v), want one failure", st, err)
	}
}
