package hookd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Trigger is one "this happened" from the host platform: a hook, its data and
// when the action happened. It is delivered to every enabled webhook of its
// account that subscribes to its hook.
type Trigger struct {
	ID         string
	AccountID  string
	Hook       string
	Data       json.RawMessage
	Timestamp  time.Time // when the action happened
	ReceivedAt time.Time // when hookd accepted it
}

// MaxBatch is the most triggers one request may carry.
const MaxBatch = 10000

// TimeFormat is the format of every time in the API and in payloads.
const TimeFormat = "2006-01-02T15:04:05.000Z07:00"

// FormatTime renders t as RFC 3339 in UTC with milliseconds.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeFormat) }

// ParseTriggers validates, against the catalogue, the body of a POST /api/v1/triggers: one trigger
// object, or a JSON array of 1 to MaxBatch of them (batch true). Field errors
// of a batch are keyed with the element's index ("[3].data.eventId"); any
// error refuses the whole body. now is the default timestamp. The triggers
// have no ID or account yet.
func (c *Catalogue) ParseTriggers(body []byte, now time.Time) (ts []Trigger, batch bool, err error) {
	body = bytes.TrimSpace(body)
	errs := FieldErrors{}
	if len(body) == 0 || body[0] != '[' {
		t, _ := c.ParseTrigger(body, "", now, errs)
		return []Trigger{t}, false, errs.Err()
	}
	items, ok := splitArray(body)
	if !ok {
		err := json.Unmarshal(body, &items) // for its message
		return nil, true, Errorf(EBADREQUEST, "the body must be a trigger object or an array of them: %v", err)
	}
	if len(items) == 0 {
		return nil, true, Errorf(EINVALID, "the batch is empty; send at least one trigger")
	}
	if len(items) > MaxBatch {
		return nil, true, Errorf(EINVALID, "a batch holds at most %d triggers (this one has %d); split it", MaxBatch, len(items))
	}
	ts = make([]Trigger, len(items))
	for i, raw := range items {
		ts[i], _ = c.parseTrigger(raw, "["+strconv.Itoa(i)+"].", now, errs, true)
	}
	return ts, true, errs.Err()
}

// ParseTrigger validates, against the catalogue, one trigger object of a POST /api/v1/triggers body.
// Field errors are keyed with prefix (e.g. "[3]."). now is the default
// timestamp. The returned trigger has no ID or account yet.
func (c *Catalogue) ParseTrigger(raw json.RawMessage, prefix string, now time.Time, errs FieldErrors) (Trigger, bool) {
	return c.parseTrigger(raw, prefix, now, errs, false)
}

// parseTrigger is ParseTrigger; valid says raw is known to be valid JSON
// (an element splitArray found), so that a batch is not scanned twice.
func (c *Catalogue) parseTrigger(raw json.RawMessage, prefix string, now time.Time, errs FieldErrors, valid bool) (Trigger, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		// The example names the catalogue's first hook: the operator's own
		// with --catalogue (a catalogue has at least one before the system hooks).
		errs.Add(prefix+"trigger", `must be an object like {"hook": "`+c.hooks[0].Name+`", "data": {...}}`)
		return Trigger{}, false
	}
	if !valid && !json.Valid(raw) {
		var in map[string]json.RawMessage
		err := json.Unmarshal(raw, &in)
		errs.Add(prefix+"trigger", "is not valid JSON: "+err.Error())
		return Trigger{}, false
	}
	if !CheckJSON(raw, prefix, errs) {
		return Trigger{}, false // a body that reads two ways gets no other verdict
	}
	before := len(errs)
	var hookRaw, dataRaw, tsRaw []byte // nil: absent; CheckJSON refused a second one
	unknown := 0
	objectMembers(raw, func(k, v []byte) {
		switch string(k) {
		case "hook":
			hookRaw = v
		case "data":
			dataRaw = v
		case "timestamp":
			tsRaw = v
		default:
			if unknown++; unknown <= MaxUnknownFields {
				errs.Add(prefix+pathName(k), `is not a trigger field (use "hook", "data" and optionally "timestamp")`)
			}
		}
	})
	t := Trigger{Timestamp: now.UTC().Truncate(time.Millisecond)}
	var hook *Hook
	switch {
	case hookRaw == nil:
		errs.Add(prefix+"hook", "is required: the name of a hook from GET /api/v1/hooks")
	case hookRaw[0] != '"':
		errs.Add(prefix+"hook", "must be a string naming a hook from GET /api/v1/hooks")
	default:
		t.Hook = jsonString(hookRaw)
		var ok bool
		if hook, ok = c.Lookup(t.Hook); !ok {
			errs.Add(prefix+"hook", fmt.Sprintf("%q is not a hook; see GET /api/v1/hooks for the hook names", t.Hook))
		} else if hook.System {
			errs.Add(prefix+"hook", fmt.Sprintf("%q is a system hook: hookd itself sends it, producers cannot", t.Hook))
			hook = nil
		}
	}
	if tsRaw != nil {
		if tsRaw[0] != '"' {
			errs.Add(prefix+"timestamp", `must be an RFC 3339 time string such as "2026-12-01T07:00:00Z"`)
		} else {
			s := jsonString(tsRaw)
			if ts, err := time.Parse(time.RFC3339Nano, s); err != nil {
				errs.Add(prefix+"timestamp", fmt.Sprintf(`must be an RFC 3339 time such as "2026-12-01T07:00:00Z", not %q`, s))
			} else {
				t.Timestamp = ts.UTC().Truncate(time.Millisecond)
			}
		}
	}
	if dataRaw == nil {
		errs.Add(prefix+"data", "is required: an object with the hook's fields")
	} else if hook != nil {
		t.Data = hook.checkData(dataRaw, prefix, errs)
	}
	return t, len(errs) == before
}

// Envelope returns the JSON body POSTed to subscribers:
// {"id", "hook", "timestamp", "data"}. It is built once per trigger and
// shared by all of its deliveries.
func (t *Trigger) Envelope() []byte {
	data := t.Data
	if len(data) == 0 {
		data = json.RawMessage("{}")
	}
	b := make([]byte, 0, 64+len(t.ID)+len(t.Hook)+len(data))
	b = append(b, `{"id":"`...)
	b = append(b, t.ID...) // IDs are [0-9a-z_] only
	b = append(b, `","hook":"`...)
	b = append(b, t.Hook...) // hook names are catalogue names or "test"
	b = append(b, `","timestamp":"`...)
	b = t.Timestamp.UTC().AppendFormat(b, TimeFormat)
	b = append(b, `","data":`...)
	b = append(b, data...)
	b = append(b, '}')
	return b
}
