package hookd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

func (h *Hook) fieldNames() string {
	names := make([]string, len(h.Fields))
	for i, f := range h.Fields {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}

// ValidateData checks a trigger's data object against the hook's schema and
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
// data's bytes twice more. It applies the hook's schema: an object, only
// the hook's fields, every required one, each of its type.
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
	first := true
	for i, f := range h.Fields {
		var v []byte
		if fields != nil {
			v = fields[f.Name]
		} else {
			v = vals[i]
		}
		if v == nil {
			if f.Required {
				ok = false
				errs.Add(prefix+"data."+f.Name, fmt.Sprintf("is required (%s)", f.Type))
			}
			continue
		}
		if msg := checkValue(f.Type, v); msg != "" {
			ok = false
			errs.Add(prefix+"data."+f.Name, msg)
			continue
		}
		if !first {
			out.WriteByte(',')
		}
		first = false
		out.WriteByte('"')
		out.WriteString(f.Name)
		out.WriteString(`":`)
		if (f.Type == String || f.Type == Time) && !plainString(v) {
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

// checkValue checks one value, a JSON token or a whole value that CheckJSON
// has read, against its field's type; "" when it fits.
func checkValue(t FieldType, v json.RawMessage) string {
	number := len(v) > 0 && (v[0] == '-' || (v[0] >= '0' && v[0] <= '9'))
	switch t {
	case Integer:
		if !number {
			return "must be an integer"
		}
		if bytes.ContainsAny(v, ".eE") {
			return "must be an integer (a whole number without fraction or exponent)"
		}
		if n, err := strconv.ParseInt(string(v), 10, 64); err != nil || n < -MaxInteger || n > MaxInteger {
			return integerRange
		}
	case Number:
		if !number {
			return "must be a number"
		}
	case Boolean:
		if s := string(v); s != "true" && s != "false" {
			return "must be true or false"
		}
	case String:
		if len(v) == 0 || v[0] != '"' {
			return "must be a string"
		}
	case Time:
		if len(v) == 0 || v[0] != '"' {
			return `must be an RFC 3339 time string such as "2026-12-01T07:00:00.000Z"`
		}
		if _, err := time.Parse(time.RFC3339Nano, jsonString(v)); err != nil {
			return fmt.Sprintf(`must be an RFC 3339 time such as "2026-12-01T07:00:00.000Z", not %s`, v)
		}
	}
	return ""
}
