package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"hookd"
)

type triggerJSON struct {
	ID        string `json:"id"`
	Hook      string `json:"hook"`
	Timestamp string `json:"timestamp"`
}

// maxBatch is the most triggers one POST may carry.
const maxBatch = 10000

func (h *Handler) postTriggers(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	now := time.Now()
	errs := hookd.FieldErrors{}
	var ts []hookd.Trigger
	batch := body[0] == '['
	if batch {
		var items []json.RawMessage
		if err := json.Unmarshal(body, &items); err != nil {
			h.error(w, r, hookd.Errorf(hookd.EBADREQUEST, "the body must be a trigger object or an array of them: %v", err))
			return
		}
		if len(items) == 0 {
			h.error(w, r, hookd.Errorf(hookd.EINVALID, "the batch is empty; send at least one trigger"))
			return
		}
		if len(items) > maxBatch {
			h.error(w, r, hookd.Errorf(hookd.EINVALID, "a batch holds at most %d triggers (this one has %d); split it", maxBatch, len(items)))
			return
		}
		ts = make([]hookd.Trigger, len(items))
		for i, raw := range items {
			ts[i], _ = hookd.ParseTrigger(raw, "["+strconv.Itoa(i)+"].", now, errs)
		}
	} else {
		t, _ := hookd.ParseTrigger(body, "", now, errs)
		ts = []hookd.Trigger{t}
	}
	if err := errs.Err(); err != nil {
		h.error(w, r, err)
		return
	}
	if err := h.app.Trigger(r.Context(), accountID(r.Context()), ts); err != nil {
		h.error(w, r, err)
		return
	}
	if !batch {
		writeJSON(w, http.StatusAccepted, toTriggerJSON(ts[0]))
		return
	}
	out := make([]triggerJSON, len(ts))
	for i := range ts {
		out[i] = toTriggerJSON(ts[i])
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"triggers": out})
}

func toTriggerJSON(t hookd.Trigger) triggerJSON {
	return triggerJSON{ID: t.ID, Hook: t.Hook, Timestamp: hookd.FormatTime(t.Timestamp)}
}

func (h *Handler) getTrigger(w http.ResponseWriter, r *http.Request) {
	t, err := h.store.Trigger(r.Context(), accountID(r.Context()), r.PathValue("id"))
	if err != nil {
		h.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": t.ID, "hook": t.Hook, "timestamp": hookd.FormatTime(t.Timestamp),
		"receivedAt": hookd.FormatTime(t.ReceivedAt), "data": t.Data,
	})
}
