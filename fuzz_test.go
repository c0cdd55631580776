package hookd_test

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hookd-dev/hookd"
)

// FuzzParseTrigger feeds ParseTrigger any bytes. It must never panic, and a
// trigger it accepts must read one way only (no name twice, valid Unicode)
// and encode to a valid envelope whose data holds exactly the hook's
// fields, each of its type. The seeds in
// testdata/fuzz/FuzzParseTrigger run with plain `go test`.
func FuzzParseTrigger(f *testing.F) {
	for _, s := range []string{
		`{"hook":"eventCanceled","data":{"eventId":7,"reason":"Snow"}}`,
		`{"hook":"eventRescheduled","data":{"oldEventId":-1,"newEventId":9007199254740991,"reason":"\u00e9\n<&>"},"timestamp":"2026-12-01T07:00:00.123456Z"}`,
		`{"hook":"eventRescheduled","data":{"oldEventId":-9007199254740992,"newEventId":9223372036854775807,"reason":""}}`,
		`{"hook":"eventAdded","data":{"recurringId":-0}}`,
		`{"hook":"eventCanceled","data":{"eventId":1,"reason":"\ud800"}}`,
		`{"hook":"eventCanceled","data":{"eventId":1,"reason":"\udc00\ud800"}}`,
		`{"hook":"eventCanceled","data":{"eventId":1,"reason":"\ud83d\ude00\\ud800"}}`,
		"{\"hook\":\"eventCanceled\",\"data\":{\"eventId\":1,\"reason\":\"\xed\xa0\x80\"}}",
		`{"hook":"eventAdded","data":{"recurringId":1,"\u0072ecurringId":1}}`,
		`{"hook":"eventAdded","data":{"recurringId":1},"timestamp":"2026-12-01T07:00:00Z","timestamp":"2026-12-01T07:00:00Z"}`,
		`{"hook":"eventAdded","data":{"recurringId":1,"\ud800":1}}`,
		`{"hook":"appointmentCreated","data":{"Id":0}}`,
		`{"hook":"roomBookingStatusChanged","data":{"bookingId":1,"status":"ok","statusText":"Con\"firmed"}}`,
		` { "hook" : "eventAdded" , "data" : { "recurringId" : 1 } } `,
		`{"hook":"eventAdded","data":{"recurringId":1},"hook":"eventDeleted"}`,
		`{"hook":"eventAdded","data":{"recurringId":1,"recurringId":2}}`,
		`{"hook":"eventAdded","data":{"recurringId":1.0}}`,
		`{"hook":"eventAdded","data":{"recurringId":9223372036854775808}}`,
		`{"hook":"eventAdded","data":{"recurringId":"1"}}`,
		`{"hook":"eventAdded","data":[]}`,
		`{"hook":"test","data":{}}`,
		`{"hook":"eventAdded","data":{"recurringId":1},"timestamp":"yesterday"}`,
		`{"hook":"eventAdded","data":{"recurringId":1},"extra":true}`,
		`{"hook":"eventAdded","data":{"recurringId":1}`,
		`[{"hook":"eventAdded"}]`,
		`{"hook":"\ud800","data":{}}`,
		`{"\u0068ook":"eventAdded","data":{"recurringId":1}}`,
		`{"hook":"eventSeriesCanceled","data":{"recurringId":1,"reason":"\\\"\/\b\f\n\r\t"}}`,
		``,
		`null`,
	} {
		f.Add([]byte(s))
	}
	now := time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw []byte) {
		errs := hookd.FieldErrors{}
		tr, ok := hookd.BuiltinCatalogue().ParseTrigger(raw, "[0].", now, errs)
		if !ok {
			if len(errs) == 0 {
				t.Fatal("refused without a field error")
			}
			return
		}
		if len(errs) != 0 {
			t.Fatalf("accepted with field errors %v", errs)
		}
		// Strict: what is accepted reads one way only.
		if dup, err := hasDuplicate(raw); err != nil || dup != "" {
			t.Fatalf("accepted %q, where %q appears twice (%v)", raw, dup, err)
		}
		if !utf8.Valid(raw) {
			t.Fatalf("accepted %q, which is not UTF-8", raw)
		}
		if !bytes.ContainsRune(raw, utf8.RuneError) && !bytes.Contains(bytes.ToLower(raw), []byte(`\ufffd`)) &&
			bytes.ContainsRune(tr.Data, utf8.RuneError) {
			t.Fatalf("accepted %q as %s: a lone surrogate became U+FFFD", raw, tr.Data)
		}
		hook, found := hookd.BuiltinCatalogue().Lookup(tr.Hook)
		if !found {
			t.Fatalf("accepted unknown hook %q", tr.Hook)
		}
		tr.ID = hookd.NewID(hookd.PrefixTrigger)
		env := tr.Envelope()
		if !json.Valid(env) {
			t.Fatalf("envelope is not valid JSON: %s", env)
		}
		dec := json.NewDecoder(bytes.NewReader(env))
		dec.UseNumber()
		var got struct {
			ID, Hook, Timestamp string
			Data                map[string]any
		}
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("envelope %s: %v", env, err)
		}
		if got.ID != tr.ID || got.Hook != tr.Hook || got.Timestamp != hookd.FormatTime(tr.Timestamp) {
			t.Fatalf("envelope %s does not match the trigger %+v", env, tr)
		}
		if len(got.Data) != len(hook.Fields) {
			t.Fatalf("data %s has %d fields, %s has %d", tr.Data, len(got.Data), hook.Name, len(hook.Fields))
		}
		for _, fl := range hook.Fields {
			v, present := got.Data[fl.Name]
			if !present {
				t.Fatalf("data %s lacks %s", tr.Data, fl.Name)
			}
			switch fl.Type {
			case hookd.Integer:
				n, isNum := v.(json.Number)
				if !isNum {
					t.Fatalf("%s = %v, want an integer", fl.Name, v)
				}
				if i, err := strconv.ParseInt(string(n), 10, 64); err != nil || i < -hookd.MaxInteger || i > hookd.MaxInteger {
					t.Fatalf("%s = %s, not an integer within ±(2^53-1)", fl.Name, n)
				}
			case hookd.String:
				if _, isStr := v.(string); !isStr {
					t.Fatalf("%s = %v, want a string", fl.Name, v)
				}
			}
		}
		// The stored form is canonical: encoding it again changes nothing
		// but the order of the members.
		var m map[string]any
		dec = json.NewDecoder(bytes.NewReader(tr.Data))
		dec.UseNumber()
		_ = dec.Decode(&m)
		again, _ := json.Marshal(m)
		if len(again) != len(tr.Data) {
			t.Fatalf("data %s is not compact and canonical (json.Marshal gives %s)", tr.Data, again)
		}
	})
}
