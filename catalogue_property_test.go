package hookd_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/hookd-dev/hookd"
)

// The property tests hold ParseTrigger's validation of a trigger's data to
// the hook's published JSON Schema: for every hook of the built-in and of a
// custom catalogue, random valid data is accepted, and every single-field
// mutation is refused with the field named, by hookd and by a JSON Schema
// validator alike.

// propertyRuns is how many random data objects each hook gets.
const propertyRuns = 200

func catalogues(t *testing.T) map[string]*hookd.Catalogue {
	t.Helper()
	custom, err := hookd.ParseCatalogue([]byte(customCatalogue))
	if err != nil {
		t.Fatal(err)
	}
	return map[string]*hookd.Catalogue{"built-in": hookd.BuiltinCatalogue(), "custom": custom}
}

// validator compiles a hook's schema with a JSON Schema validator that
// asserts formats (date-time), after checking it against the draft 2020-12
// meta-schema (Compile does).
func validator(t *testing.T, h *hookd.Hook) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(h.Schema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	url := "https://hookd.example/hooks/" + h.Name + ".json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatalf("%s: the schema is not valid JSON Schema 2020-12: %v\n%s", h.Name, err, h.Schema)
	}
	return s
}

// schemaAccepts reports whether the JSON Schema validator accepts data.
func schemaAccepts(t *testing.T, s *jsonschema.Schema, data string) bool {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", data, err)
	}
	return s.Validate(v) == nil
}

// hookdCheck validates data as POST /api/v1/triggers does (system hooks,
// which producers cannot post, through ValidateData) and returns the
// field errors.
func hookdCheck(c *hookd.Catalogue, h *hookd.Hook, data string) (json.RawMessage, hookd.FieldErrors) {
	errs := hookd.FieldErrors{}
	if h.System {
		return h.ValidateData(json.RawMessage(data), "", errs), errs
	}
	body := `{"hook": ` + strconv.Quote(h.Name) + `, "data": ` + data + `}`
	tr, _ := c.ParseTrigger(json.RawMessage(body), "", time.Now(), errs)
	return tr.Data, errs
}

// randomValue is a random valid JSON value of type t.
func randomValue(r *rand.Rand, t hookd.FieldType) string {
	switch t {
	case hookd.Integer:
		switch r.IntN(4) {
		case 0:
			return strconv.FormatInt(hookd.MaxInteger, 10)
		case 1:
			return strconv.FormatInt(-hookd.MaxInteger, 10)
		case 2:
			return strconv.Itoa(r.IntN(1000))
		}
		return strconv.FormatInt(r.Int64N(2*hookd.MaxInteger+1)-hookd.MaxInteger, 10)
	case hookd.Number:
		switch r.IntN(3) {
		case 0:
			return strconv.Itoa(r.IntN(2000) - 1000)
		case 1:
			return strconv.FormatFloat(r.NormFloat64()*1e6, 'g', -1, 64)
		}
		return strconv.FormatFloat(r.Float64(), 'e', -1, 64)
	case hookd.Boolean:
		return strconv.FormatBool(r.IntN(2) == 0)
	case hookd.Time:
		ts := time.Unix(r.Int64N(4e9), r.Int64N(1e9)).UTC()
		return `"` + ts.Format(time.RFC3339Nano) + `"`
	}
	alphabet := []rune("aZ 0\"\\/\n\té€😀<>&\u2028")
	var b strings.Builder
	for range r.IntN(12) {
		b.WriteRune(alphabet[r.IntN(len(alphabet))])
	}
	s, _ := json.Marshal(b.String())
	return string(s)
}

// wrongType is a valid JSON value of another type than t.
func wrongType(r *rand.Rand, t hookd.FieldType) string {
	others := map[hookd.FieldType][]string{
		hookd.Integer: {`"7"`, `true`, `[]`, `{}`},
		hookd.Number:  {`"1.5"`, `false`, `[1]`},
		hookd.Boolean: {`"true"`, `1`, `0`, `{}`},
		hookd.String:  {`7`, `true`, `["a"]`, `{"a": "b"}`},
		hookd.Time:    {`12`, `"yesterday"`, `"2026-12-01"`, `true`},
	}[t]
	return others[r.IntN(len(others))]
}

// object writes fields as a JSON object in a random order.
func object(r *rand.Rand, fields map[string]string) string {
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range fields {
			if !yield(n) {
				return
			}
		}
	})
	r.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = strconv.Quote(n) + ": " + fields[n]
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// validData is random valid data of h: every required field, each
// optional one half the time.
func validData(r *rand.Rand, h *hookd.Hook) map[string]string {
	d := map[string]string{}
	for _, f := range h.Fields {
		if f.Required || r.IntN(2) == 0 {
			d[f.Name] = randomValue(r, f.Type)
		}
	}
	return d
}

type mutation struct {
	name  string
	field string // the field the error must name
	apply func(d map[string]string)
}

// mutations are every single-field change of valid data d of h that
// makes it invalid.
func mutations(r *rand.Rand, h *hookd.Hook) []mutation {
	var ms []mutation
	for _, f := range h.Fields {
		ms = append(ms,
			mutation{"wrong type", f.Name, func(d map[string]string) { d[f.Name] = wrongType(r, f.Type) }},
			mutation{"null", f.Name, func(d map[string]string) { d[f.Name] = "null" }})
		if f.Required {
			ms = append(ms, mutation{"missing", f.Name, func(d map[string]string) { delete(d, f.Name) }})
		}
		if f.Type == hookd.Integer {
			ms = append(ms,
				mutation{"above 2^53-1", f.Name, func(d map[string]string) { d[f.Name] = strconv.FormatInt(hookd.MaxInteger+1+r.Int64N(1e6), 10) }},
				mutation{"below -(2^53-1)", f.Name, func(d map[string]string) { d[f.Name] = strconv.FormatInt(-hookd.MaxInteger-1-r.Int64N(1e6), 10) }},
				mutation{"fraction", f.Name, func(d map[string]string) { d[f.Name] = strconv.Itoa(r.IntN(100)) + ".5" }})
		}
	}
	extra := "extra" + strconv.Itoa(r.IntN(100))
	ms = append(ms, mutation{"extra field", extra, func(d map[string]string) { d[extra] = randomValue(r, hookd.String) }})
	return ms
}

func TestDataValidationIsTheSchema(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 13))
	for cname, c := range catalogues(t) {
		for _, h := range c.Hooks() {
			t.Run(cname+"/"+h.Name, func(t *testing.T) {
				s := validator(t, h)
				for range propertyRuns {
					d := validData(r, h)
					data := object(r, d)
					got, errs := hookdCheck(c, h, data)
					if len(errs) > 0 {
						t.Fatalf("valid data %s refused: %v", data, errs)
					}
					if !schemaAccepts(t, s, data) {
						t.Fatalf("valid data %s: hookd accepts it, the schema validator refuses it", data)
					}
					if !schemaAccepts(t, s, string(got)) {
						t.Fatalf("the stored form %s of %s does not fit the schema", got, data)
					}
					for _, m := range mutations(r, h) {
						md := validData(r, h)
						m.apply(md)
						bad := object(r, md)
						_, errs := hookdCheck(c, h, bad)
						if _, named := errs["data."+m.field]; !named {
							t.Fatalf("%s of %s: %s gave %v, want an error for data.%s", m.name, m.field, bad, errs, m.field)
						}
						if schemaAccepts(t, s, bad) {
							t.Fatalf("%s of %s: %s: hookd refuses it, the schema validator accepts it", m.name, m.field, bad)
						}
					}
				}
			})
		}
	}
}

// TestIntegersAreWrittenWhole: the one rule stricter than the schema. JSON
// Schema's "integer" is a value (1.0 is one); hookd wants the integer
// written as one, as the contract says (no fraction, no exponent).
func TestIntegersAreWrittenWhole(t *testing.T) {
	c := hookd.BuiltinCatalogue()
	h, _ := c.Lookup("eventAdded")
	for _, v := range []string{"1.0", "1e2", "10E0"} {
		data := `{"recurringId": ` + v + `}`
		if _, errs := hookdCheck(c, h, data); errs["data.recurringId"] == "" {
			t.Errorf("%s accepted", data)
		}
		if !schemaAccepts(t, validator(t, h), data) {
			t.Errorf("the schema validator refuses %s: the schema is stricter than this test says", data)
		}
	}
}

func TestSystemHooksCannotBePosted(t *testing.T) {
	for cname, c := range catalogues(t) {
		for _, name := range []string{hookd.HookWebhookGreylisted, hookd.HookWebhookRecovered} {
			body := fmt.Sprintf(`{"hook": %q, "data": {"webhookId": "wh_1", "url": "https://example.org"}}`, name)
			_, _, err := c.ParseTriggers([]byte(body), time.Now())
			if hookd.ErrorCode(err) != hookd.EINVALID || !strings.Contains(hookd.ErrorMessage(err)+fmt.Sprint(err.(*hookd.Error).Fields), "hookd itself sends it") {
				t.Errorf("%s: posting %s: %v, want a validation error saying hookd sends it", cname, name, err)
			}
		}
		errs := hookd.FieldErrors{}
		if hooks := c.ValidateHooks([]string{hookd.HookWebhookRecovered}, errs); len(errs) > 0 || len(hooks) != 1 {
			t.Errorf("%s: a webhook cannot subscribe to a system hook: %v", cname, errs)
		}
	}
}
