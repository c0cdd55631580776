package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"time"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/app"
)

type triggerJSON struct {
	ID        string `json:"id"`
	Hook      string `json:"hook"`
	Timestamp string `json:"timestamp"`
}

// IdempotencyKeyHeader makes a trigger request safe to retry: the same key
// (per account, for 24 hours) gets the same answer and stores once.
const IdempotencyKeyHeader = "Idempotency-Key"

// idempotencyKey returns the request's Idempotency-Key ("" when absent), or
// a validation error when it is not 1–255 printable ASCII characters.
func idempotencyKey(r *http.Request) (string, error) {
	vs := r.Header.Values(IdempotencyKeyHeader)
	if len(vs) == 0 {
		return "", nil
	}
	bad := func(why string) error {
		return &hookd.Error{Code: hookd.EINVALID, Message: "the Idempotency-Key header " + why,
			Fields: map[string]string{"Idempotency-Key": why}}
	}
	if len(vs) > 1 {
		return "", bad("must be sent once")
	}
	k := vs[0]
	if len(k) == 0 || len(k) > 255 {
		return "", bad("must be 1 to 255 characters long")
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e {
			return "", bad("must hold printable ASCII characters only")
		}
	}
	return k, nil
}

func (h *Handler) postTriggers(w http.ResponseWriter, r *http.Request) {
	key, err := idempotencyKey(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	body, err := readBody(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	now := time.Now()
	ts, batch, err := h.app.Catalogue().ParseTriggers(body, now)
	if err != nil {
		h.error(w, r, err)
		return
	}
	if wait, err := h.limit.take(accountID(r.Context()), len(ts), now); err != nil {
		if wait > 0 {
			w.Header().Set("Retry-After", retryAfter(wait))
		}
		h.error(w, r, err)
		return
	}
	answer := func(ts []hookd.Trigger) []byte {
		if !batch {
			b, _ := json.Marshal(toTriggerJSON(ts[0])) // plain strings: cannot fail
			return append(b, '\n')
		}
		// Written by hand, as json.Marshal would write it: a batch of
		// 10,000 answers through reflection cost as much as storing it.
		b := make([]byte, 0, 16+len(ts)*96)
		b = append(b, `{"triggers":[`...)
		for i := range ts {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendTriggerJSON(b, ts[i])
		}
		return append(b, "]}\n"...)
	}
	if key == "" {
		if err := h.app.Trigger(r.Context(), accountID(r.Context()), ts); err != nil {
			h.error(w, r, err)
			return
		}
		h.accepted.Add(float64(len(ts)))
		writeRaw(w, http.StatusAccepted, answer(ts))
		return
	}
	sum := sha256.Sum256(body)
	status, out, replayed, err := h.app.TriggerIdempotent(r.Context(), accountID(r.Context()), app.TriggerRequest{
		Key: key, RequestHash: hex.EncodeToString(sum[:]), Answer: answer,
	}, ts)
	if err != nil {
		h.error(w, r, err)
		return
	}
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	} else {
		h.accepted.Add(float64(len(ts)))
	}
	writeRaw(w, status, out)
}

// writeRaw writes a JSON body that is already encoded.
func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

// appendTriggerJSON appends json.Marshal(toTriggerJSON(t)).
func appendTriggerJSON(b []byte, t hookd.Trigger) []byte {
	b = append(b, `{"id":`...)
	b = hookd.AppendJSONString(b, t.ID)
	b = append(b, `,"hook":`...)
	b = hookd.AppendJSONString(b, t.Hook)
	b = append(b, `,"timestamp":`...)
	b = hookd.AppendJSONString(b, hookd.FormatTime(t.Timestamp))
	return append(b, '}')
}

func toTriggerJSON(t hookd.Trigger) triggerJSON {
	return triggerJSON{ID: t.ID, Hook: t.Hook, Timestamp: hookd.FormatTime(t.Timestamp)}
}
