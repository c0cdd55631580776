package hookd

import "encoding/json"

// schemaDialect is the JSON Schema draft every hook's schema is written in.
const schemaDialect = "https://json-schema.org/draft/2020-12/schema"

// schema returns the JSON Schema of the hook's data: an object of exactly
// its fields, the required ones required, each of its type; integers within
// ±MaxInteger and times as RFC 3339 date-time strings. ValidateData applies
// the same rules (a test holds them to a JSON Schema validator), and is
// stricter in one way a schema cannot say: an integer is written without a
// fraction or exponent (1.0 and 1e2 are refused).
func (h *Hook) schema() json.RawMessage {
	type prop struct {
		Type    string `json:"type"`
		Format  string `json:"format,omitempty"`
		Minimum *int64 `json:"minimum,omitempty"`
		Maximum *int64 `json:"maximum,omitempty"`
	}
	type object struct {
		Schema     string          `json:"$schema"`
		Title      string          `json:"title"`
		Desc       string          `json:"description,omitempty"`
		Type       string          `json:"type"`
		Properties map[string]prop `json:"properties"`
		Required   []string        `json:"required"`
		Additional bool            `json:"additionalProperties"`
	}
	lo, hi := int64(-MaxInteger), int64(MaxInteger)
	s := object{Schema: schemaDialect, Title: h.Name, Desc: h.Description, Type: "object",
		Properties: map[string]prop{}, Required: []string{}}
	for _, f := range h.Fields {
		var p prop
		switch f.Type {
		case Integer:
			p = prop{Type: "integer", Minimum: &lo, Maximum: &hi}
		case Time:
			p = prop{Type: "string", Format: "date-time"}
		default:
			p = prop{Type: string(f.Type)}
		}
		s.Properties[f.Name] = p
		if f.Required {
			s.Required = append(s.Required, f.Name)
		}
	}
	b, err := json.Marshal(s)
	if err != nil {
		panic(err) // only strings, integers and maps of them
	}
	return b
}
