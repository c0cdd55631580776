package hookd

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// TriggerFilter selects triggers of one account for a search, newest first
// by trigger time (Timestamp, then ID).
type TriggerFilter struct {
	AccountID string
	Hook      string      // optional
	Since     time.Time   // optional: Timestamp at or after
	Until     time.Time   // optional: Timestamp before
	Data      []DataMatch // optional: every one must match
	Limit     int         // defaults to 50
	Cursor    string      // optional: the ID of the last trigger of the previous page
}

// DataMatch is one payload condition of a trigger search: the member Field
// of the trigger's data equals Value, compared as JSON values of the same
// type (the number 207 matches 207 and 207.0, never the string "207").
type DataMatch struct {
	Field string
	Value any // string, float64 or bool
}

// JSON returns the match's value as JSON text.
func (m DataMatch) JSON() string {
	b, _ := json.Marshal(m.Value) // a string, float64 or bool: cannot fail
	return string(b)
}

// MaxDataMatches is the most data.<field> conditions one search takes.
const MaxDataMatches = 4

var dataFieldName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// ParseDataMatch reads the query parameter data.<field>=<value> of a trigger
// search. The value is read as JSON when it is a JSON number, true, false or
// a quoted JSON string (so data.eventId=207 is the number and
// data.eventId="207" the string); any other value is the string as written
// (data.reason=Snow). problem says what is wrong with a refused one.
func ParseDataMatch(field, value string) (m DataMatch, problem string) {
	if !dataFieldName.MatchString(field) {
		return DataMatch{}, "is not a field name: letters, digits and _, starting with a letter or _"
	}
	m = DataMatch{Field: field, Value: value}
	switch {
	case value == "true" || value == "false":
		m.Value = value == "true"
	case strings.HasPrefix(value, `"`):
		var s string
		if err := json.Unmarshal([]byte(value), &s); err != nil {
			return DataMatch{}, `must be a JSON string when it starts with "`
		}
		m.Value = s
	case value != "" && json.Valid([]byte(value)) && (value[0] == '-' || value[0] >= '0' && value[0] <= '9'):
		f, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return DataMatch{}, "is not a number hookd can compare"
		}
		m.Value = f
	}
	return m, ""
}

// TriggerSummary is a trigger found by a search and the count of its
// deliveries (every attempt) by status.
type TriggerSummary struct {
	Trigger
	Deliveries DeliveryCounts
}

// DeliveryCounts counts deliveries by status.
type DeliveryCounts struct {
	Pending, Delivered, Failed, Skipped int
}

// Add counts n deliveries of status.
func (c *DeliveryCounts) Add(status string, n int) {
	switch status {
	case StatusPending:
		c.Pending += n
	case StatusDelivered:
		c.Delivered += n
	case StatusFailed:
		c.Failed += n
	case StatusSkipped:
		c.Skipped += n
	}
}
