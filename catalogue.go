package hookd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// FieldType is the JSON type of a payload field.
type FieldType string

const (
	// Integer is a JSON number with no fraction or exponent from
	// -MaxInteger to MaxInteger.
	Integer FieldType = "integer"
	// String is a JSON string of valid Unicode.
	String FieldType = "string"
)

// MaxInteger is the largest integer a payload may carry, 2^53-1: beyond it
// a receiver that reads JSON numbers as IEEE doubles (JavaScript, and many
// others by default) gets another number than the one sent. I-JSON (RFC
// 7493, 2.2) sets this range.
const MaxInteger = 1<<53 - 1

// Field is one field of a hook's payload data.
type Field struct {
	Name string    `json:"name"`
	Type FieldType `json:"type"`
}

// Hook is one entry of the catalogue: something that can happen on the host
// platform and that webhooks subscribe to.
type Hook struct {
	Name        string  `json:"name"`
	Group       string  `json:"group"`
	Description string  `json:"description"`
	Fields      []Field `json:"fields"`
}

// Hook groups, in the order the control panel shows them.
const (
	GroupEvents       = "Events"
	GroupRoomBookings = "Room bookings"
	GroupAppointments = "Appointments"
)

// Groups lists the hook groups in display order.
var Groups = []string{GroupEvents, GroupRoomBookings, GroupAppointments}

// TestHook is the hook name of a test delivery. It is not in the catalogue
// and cannot be triggered or subscribed to.
const TestHook = "test"

func ints(names ...string) []Field {
	f := make([]Field, len(names))
	for i, n := range names {
		f[i] = Field{Name: n, Type: Integer}
	}
	return f
}

// Catalogue is exactly the 16 hooks of the source document, with their
// payload fields as written there (note Id, capital I, for appointments).
var Catalogue = []Hook{
	{"eventAdded", GroupEvents, "Called when an event is added", ints("recurringId")},
	{"eventSeriesCanceled", GroupEvents, "Called when a whole event series is canceled",
		[]Field{{"recurringId", Integer}, {"reason", String}}},
	{"eventCanceled", GroupEvents, "Called when a single event or a single date in a series is canceled",
		[]Field{{"eventId", Integer}, {"reason", String}}},
	{"eventSeriesDeleted", GroupEvents, "Called when a whole event series is deleted", ints("recurringId")},
	{"eventDeleted", GroupEvents, "Called when a single event or a single date in a series is deleted", ints("eventId")},
	{"eventSeriesStatusChanged", GroupEvents, "Called each time an event's status is changed, for example when an event is submitted for review or when an event is published",
		[]Field{{"recurringId", Integer}, {"newStatus", String}}},
	{"eventRescheduled", GroupEvents, "Called when an event is rescheduled",
		[]Field{{"oldEventId", Integer}, {"newEventId", Integer}, {"reason", String}}},
	{"userRegisteredForEvent", GroupEvents, "Called when a user registers for an event", ints("registrationId", "eventId")},
	{"roomBookingNoShow", GroupRoomBookings, "Called when a room booking is marked no show", ints("bookingId")},
	{"roomBookingCreated", GroupRoomBookings, "Called when a room booking is created", ints("bookingId")},
	{"roomBookingUpdated", GroupRoomBookings, "Called when a room booking is updated", ints("bookingId")},
	{"roomBookingDeleted", GroupRoomBookings, "Called when a room booking is deleted", ints("bookingId")},
	{"roomBookingStatusChanged", GroupRoomBookings, "Called when the status is changed on a room booking",
		[]Field{{"bookingId", Integer}, {"status", String}, {"statusText", String}}},
	{"appointmentCreated", GroupAppointments, "Called when a new appointment is created", ints("Id")},
	{"appointmentUpdated", GroupAppointments, "Called when an existing appointment is updated", ints("Id")},
	{"appointmentCancelled", GroupAppointments, "Called when an appointment is cancelled", ints("Id")},
}

var hookIndex = func() map[string]*Hook {
	m := make(map[string]*Hook, len(Catalogue))
	for i := range Catalogue {
		m[Catalogue[i].Name] = &Catalogue[i]
	}
	return m
}()

// LookupHook returns the catalogue entry named name.
func LookupHook(name string) (*Hook, bool) {
	h, ok := hookIndex[name]
	return h, ok
}

// HookNames returns the catalogue's hook names in catalogue order.
func HookNames() []string {
	names := make([]string, len(Catalogue))
	for i, h := range Catalogue {
		names[i] = h.Name
	}
	return names
}

func (h *Hook) fieldNames() string {
	names := make([]string, len(h.Fields))
	for i, f := range h.Fields {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}

// ValidateData checks a trigger's data object against the hook's fields and
// returns it re-encoded compactly in catalogue field order. Field errors are
// keyed prefix+"data."+field. It reads raw as strictly as ParseTrigger
// (CheckJSON).
func (h *Hook) ValidateData(raw json.RawMessage, prefix string, errs FieldErrors) json.RawMessage {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '{' {
		if !json.Valid(raw) {
			var fields map[string]json.RawMessage
			err := json.Unmarshal(raw, &fields)
			errs.Add(prefix+"data", "must be a JSON object: "+err.Error())
			return nil
		}
		if !CheckJSON(raw, prefix+"data.", errs) {
			return nil
		}
	}
	return h.checkData(raw, prefix, errs)
}

// checkData is ValidateData for the data of a trigger that ParseTrigger has
// read as a whole (json.Valid and CheckJSON): the hot path does not read the
// data's bytes twice more.
func (h *Hook) checkData(raw json.RawMessage, prefix string, errs FieldErrors) json.RawMessage {
	if len(raw) == 0 || raw[0] != '{' {
		errs.Add(prefix+"data", fmt.Sprintf("must be an object with the fields of %s (%s)", h.Name, h.fieldNames()))
		return nil
	}
	ok := true
	// Hooks have at most a handful of fields: a slice beats a map.
	var vals [8][]byte
	var fields map[string][]byte // only for a hook with more fields than vals holds
	if len(h.Fields) > len(vals) {
		fields = make(map[string][]byte, len(h.Fields))
	}
	unknown := 0
	objectMembers(raw, func(name, v []byte) {
		for i, f := range h.Fields {
			if f.Name == string(name) {
				if fields != nil {
					fields[f.Name] = v
				} else {
					vals[i] = v
				}
				return
			}
		}
		ok = false
		if unknown++; unknown <= MaxUnknownFields {
			errs.Add(prefix+"data."+pathName(name), fmt.Sprintf("is not a field of %s (its fields are: %s)", h.Name, h.fieldNames()))
		}
	})
	var out bytes.Buffer
	if ok {
		out.Grow(len(raw)) // not for data refused already, however large
	}
	out.WriteByte('{')
	for i, f := range h.Fields {
		var v []byte
		if fields != nil {
			v = fields[f.Name]
		} else {
			v = vals[i]
		}
		if v == nil {
			ok = false
			errs.Add(prefix+"data."+f.Name, fmt.Sprintf("is required (%s)", f.Type))
			continue
		}
		if msg := checkValue(f.Type, v); msg != "" {
			ok = false
			errs.Add(prefix+"data."+f.Name, msg)
			continue
		}
		if i > 0 {
			out.WriteByte(',')
		}
		out.WriteByte('"')
		out.WriteString(f.Name)
		out.WriteString(`":`)
		if f.Type == String && !plainString(v) {
			// Re-encode so that the stored form is canonical (escapes, no
			// insignificant whitespace) whatever the producer sent; a plain
			// string already is.
			var s string
			_ = json.Unmarshal(v, &s)
			b, _ := json.Marshal(s)
			out.Write(b)
		} else {
			out.Write(v)
		}
	}
	out.WriteByte('}')
	if !ok {
		return nil
	}
	return out.Bytes()
}

// integerRange is the message for an integer outside ±MaxInteger.
var integerRange = fmt.Sprintf("must be an integer between %d and %d (±(2^53-1), the integers every JSON reader reads exactly)", -MaxInteger, MaxInteger)

func checkValue(t FieldType, v json.RawMessage) string {
	switch t {
	case Integer:
		if len(v) == 0 || !(v[0] == '-' || (v[0] >= '0' && v[0] <= '9')) {
			return "must be an integer"
		}
		if bytes.ContainsAny(v, ".eE") {
			return "must be an integer (a whole number without fraction or exponent)"
		}
		if n, err := strconv.ParseInt(string(v), 10, 64); err != nil || n < -MaxInteger || n > MaxInteger {
			return integerRange
		}
	case String:
		if len(v) == 0 || v[0] != '"' {
			return "must be a string"
		}
	}
	return ""
}
