package hookd_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/hookd-dev/hookd"
)

func TestCatalogueIsTheSourceDocument(t *testing.T) {
	c := hookd.BuiltinCatalogue()
	var got []string
	producer := 0
	for _, g := range c.Groups() {
		got = append(got, fmt.Sprintf("%s %d", g.Name, len(g.Hooks)))
		for _, h := range g.Hooks {
			if !h.System {
				producer++
			}
			if h.Group != g.Name {
				t.Errorf("%s is in group %q, listed under %q", h.Name, h.Group, g.Name)
			}
		}
	}
	if producer != 16 {
		t.Errorf("the built-in catalogue has %d hooks producers send, the source document has 16", producer)
	}
	if want := "Events 8, Room bookings 5, Appointments 3, hookd 2"; strings.Join(got, ", ") != want {
		t.Errorf("groups = %s, want %s", strings.Join(got, ", "), want)
	}
	h, ok := hookd.BuiltinCatalogue().Lookup("appointmentCancelled")
	if !ok || len(h.Fields) != 1 || h.Fields[0].Name != "Id" || h.Fields[0].Type != hookd.Integer {
		t.Errorf("appointmentCancelled = %+v, want one integer field Id (capital I)", h)
	}
	h, _ = hookd.BuiltinCatalogue().Lookup("eventRescheduled")
	if got := len(h.Fields); got != 3 {
		t.Errorf("eventRescheduled has %d fields, want oldEventId, newEventId, reason", got)
	}
}

func TestParseTrigger(t *testing.T) {
	now := time.Date(2026, 12, 1, 7, 0, 0, 123456789, time.UTC)
	tests := []struct {
		name   string
		body   string
		errKey string // "" = valid
		errMsg string // substring of the field's message
		data   string // canonical data when valid
	}{
		{"valid", `{"hook":"eventCanceled","data":{"reason":"Snow","eventId":7}}`, "", "", `{"eventId":7,"reason":"Snow"}`},
		{"most negative and largest", `{"hook":"eventRescheduled","data":{"oldEventId":-9007199254740991,"newEventId":9007199254740991,"reason":""}}`, "", "", `{"oldEventId":-9007199254740991,"newEventId":9007199254740991,"reason":""}`},
		{"2^53", `{"hook":"eventCanceled","data":{"eventId":9007199254740992,"reason":"Snow"}}`, "data.eventId", "between -9007199254740991 and 9007199254740991", ""},
		{"-2^53", `{"hook":"eventCanceled","data":{"eventId":-9007199254740992,"reason":"Snow"}}`, "data.eventId", "between -9007199254740991 and 9007199254740991", ""},
		{"max int64", `{"hook":"eventCanceled","data":{"eventId":9223372036854775807,"reason":"Snow"}}`, "data.eventId", "between -9007199254740991 and 9007199254740991", ""},
		{"string escapes kept", `{"hook":"eventCanceled","data":{"eventId":1,"reason":"a\"b\u00e9"}}`, "", "", `{"eventId":1,"reason":"a\"bé"}`},
		{"integer as string", `{"hook":"eventCanceled","data":{"eventId":"7","reason":"Snow"}}`, "data.eventId", "must be an integer", ""},
		{"fraction", `{"hook":"eventCanceled","data":{"eventId":7.5,"reason":"Snow"}}`, "data.eventId", "without fraction", ""},
		{"exponent", `{"hook":"eventCanceled","data":{"eventId":1e3,"reason":"Snow"}}`, "data.eventId", "without fraction or exponent", ""},
		{"overflow", `{"hook":"eventCanceled","data":{"eventId":9223372036854775808,"reason":"Snow"}}`, "data.eventId", "between", ""},
		{"thousands of digits", `{"hook":"eventCanceled","data":{"eventId":` + strings.Repeat("9", 5000) + `,"reason":"Snow"}}`, "data.eventId", "between", ""},
		{"string as number", `{"hook":"eventCanceled","data":{"eventId":7,"reason":5}}`, "data.reason", "must be a string", ""},
		{"null", `{"hook":"eventCanceled","data":{"eventId":null,"reason":"x"}}`, "data.eventId", "must be an integer", ""},
		{"missing field", `{"hook":"eventCanceled","data":{"eventId":7}}`, "data.reason", "is required", ""},
		{"unknown field", `{"hook":"eventCanceled","data":{"eventId":7,"reason":"x","room":1}}`, "data.room", "not a field of eventCanceled", ""},
		{"lower-case id refused", `{"hook":"appointmentCreated","data":{"id":7}}`, "data.Id", "is required", ""},
		{"unknown hook", `{"hook":"eventMoved","data":{}}`, "hook", "not a hook", ""},
		{"missing hook", `{"data":{}}`, "hook", "is required", ""},
		{"missing data", `{"hook":"eventAdded"}`, "data", "is required", ""},
		{"data not object", `{"hook":"eventAdded","data":[1]}`, "data", "must be an object", ""},
		{"unknown top-level field", `{"hook":"eventAdded","data":{"recurringId":1},"extra":true}`, "extra", "not a trigger field", ""},
		{"bad timestamp", `{"hook":"eventAdded","data":{"recurringId":1},"timestamp":"yesterday"}`, "timestamp", "RFC 3339", ""},
		{"duplicate hook", `{"hook":"eventAdded","data":{"recurringId":1},"hook":"eventDeleted"}`, "hook", "appears twice", ""},
		{"duplicate data field", `{"hook":"eventCanceled","data":{"eventId":1,"reason":"x","eventId":2}}`, "data.eventId", "appears twice", ""},
		{"duplicate spelled with an escape", `{"hook":"eventCanceled","data":{"eventId":1,"reason":"x","\u0065ventId":2}}`, "data.eventId", "appears twice", ""},
		{"lone surrogate", `{"hook":"eventCanceled","data":{"eventId":1,"reason":"\udead"}}`, "data.reason", `\udead is half of a UTF-16 surrogate pair`, ""},
		{"invalid UTF-8", "{\"hook\":\"eventCanceled\",\"data\":{\"eventId\":1,\"reason\":\"\xff\"}}", "data.reason", "not UTF-8", ""},
		{"surrogate pair kept", `{"hook":"eventCanceled","data":{"eventId":1,"reason":"\ud83d\ude00"}}`, "", "", `{"eventId":1,"reason":"😀"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := hookd.FieldErrors{}
			tr, ok := hookd.BuiltinCatalogue().ParseTrigger(json.RawMessage(tt.body), "", now, errs)
			if tt.errKey == "" {
				if !ok || len(errs) > 0 {
					t.Fatalf("want valid, got errors %v", errs)
				}
				if string(tr.Data) != tt.data {
					t.Errorf("data = %s, want %s", tr.Data, tt.data)
				}
				if !tr.Timestamp.Equal(now.Truncate(time.Millisecond)) {
					t.Errorf("default timestamp = %v, want now at ms precision", tr.Timestamp)
				}
				return
			}
			if ok {
				t.Fatalf("want error on %s, got valid trigger", tt.errKey)
			}
			if msg, found := errs[tt.errKey]; !found || !strings.Contains(msg, tt.errMsg) {
				t.Errorf("errors = %v, want %s: …%s…", errs, tt.errKey, tt.errMsg)
			}
		})
	}
}

func TestParseTriggerTimestampAndPrefix(t *testing.T) {
	errs := hookd.FieldErrors{}
	tr, ok := hookd.BuiltinCatalogue().ParseTrigger(json.RawMessage(`{"hook":"eventAdded","data":{"recurringId":1},"timestamp":"2026-12-01T08:00:00.5+01:00"}`), "[3].", time.Now(), errs)
	if !ok {
		t.Fatal(errs)
	}
	if got := hookd.FormatTime(tr.Timestamp); got != "2026-12-01T07:00:00.500Z" {
		t.Errorf("timestamp = %s, want it in UTC with ms", got)
	}
	hookd.BuiltinCatalogue().ParseTrigger(json.RawMessage(`{"hook":"eventAdded","data":{"recurringId":"x"}}`), "[3].", time.Now(), errs)
	if _, ok := errs["[3].data.recurringId"]; !ok {
		t.Errorf("errors = %v, want the key prefixed with the batch index", errs)
	}
	err := errs.Err()
	if hookd.ErrorCode(err) != hookd.EINVALID || !strings.Contains(err.Error(), "[3].data.recurringId must be an integer") {
		t.Errorf("err = %v, want a validation error naming the field", err)
	}
}

func TestEnvelope(t *testing.T) {
	tr := hookd.Trigger{ID: "tr_1", Hook: "eventCanceled", Data: json.RawMessage(`{"eventId":7,"reason":"Snow"}`),
		Timestamp: time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)}
	want := `{"id":"tr_1","hook":"eventCanceled","timestamp":"2026-12-01T07:00:00.000Z","data":{"eventId":7,"reason":"Snow"}}`
	if got := string(tr.Envelope()); got != want {
		t.Errorf("envelope = %s\nwant       %s", got, want)
	}
	if !json.Valid(tr.Envelope()) {
		t.Error("envelope is not valid JSON")
	}
}

func TestGreylistPolicy(t *testing.T) {
	p := hookd.GreylistPolicy{After: 3, Base: time.Minute, Max: 24 * time.Hour}
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	s := hookd.URLState{URL: "https://example.org/h"}
	now := t0
	fail := func() { s = p.Apply(s, false, now) }

	fail()
	fail()
	if s.Greylisted(now) || s.Level != 0 || s.ConsecutiveFailures != 2 {
		t.Fatalf("after 2 failures: %+v, want counted but not grey-listed", s)
	}
	fail()
	if !s.Greylisted(now) || s.Level != 1 || !s.Until.Equal(now.Add(time.Minute)) {
		t.Fatalf("after 3 failures: %+v, want grey-listed for 1m at level 1", s)
	}
	// A send already in flight fails while grey-listed: no new period.
	now = now.Add(10 * time.Second)
	fail()
	if s.Level != 1 || !s.Until.Equal(t0.Add(time.Minute)) {
		t.Fatalf("failure during the period changed it: %+v", s)
	}
	// Each failure after a period ends doubles the period: 2m, 4m, 8m, …
	want := 2 * time.Minute
	for level := 2; level <= 12; level++ {
		now = s.Until // the period has ended; the next delivery is tried
		if s.Greylisted(now) {
			t.Fatalf("level %d: still grey-listed at the end of its period", level)
		}
		fail()
		if s.Level != level {
			t.Fatalf("level = %d, want %d", s.Level, level)
		}
		if got := s.Until.Sub(now); got != min(want, 24*time.Hour) {
			t.Fatalf("level %d period = %s, want %s", level, got, min(want, 24*time.Hour))
		}
		want *= 2
	}
	// 1m × 2^11 = 34h > 1 day: capped.
	if got := s.Until.Sub(now); got != 24*time.Hour {
		t.Errorf("period at level 12 = %s, want the 24h cap", got)
	}
	// One success clears count and level.
	s = p.Apply(s, true, s.Until)
	if !s.Healthy() || s.URL == "" {
		t.Errorf("after a success: %+v, want healthy with the URL kept", s)
	}
	if p.Period(100000) != 24*time.Hour {
		t.Errorf("Period overflows: %s", p.Period(100000))
	}
}

// A partly set policy takes each missing field from the default, field by
// field: a policy with only After set still grey-lists for the default 1m.
func TestGreylistPolicyDefaultsFieldByField(t *testing.T) {
	got := hookd.GreylistPolicy{After: 5}.WithDefaults()
	want := hookd.GreylistPolicy{After: 5, Base: time.Minute, Max: 24 * time.Hour}
	if got != want {
		t.Errorf("WithDefaults = %+v, want %+v", got, want)
	}
	if got := (hookd.GreylistPolicy{Base: time.Second}).WithDefaults(); got.After != 3 || got.Base != time.Second || got.Max != 24*time.Hour {
		t.Errorf("WithDefaults kept Base only = %+v", got)
	}
	if err := hookd.DefaultGreylistPolicy.Validate(); err != nil {
		t.Errorf("the default policy is invalid: %v", err)
	}
	bad := hookd.GreylistPolicy{After: 0, Base: time.Hour, Max: time.Minute}
	err := bad.Validate()
	if err == nil {
		t.Fatal("a policy with After 0 and Max < Base is valid")
	}
	for _, name := range []string{"--greylist-after", "--greylist-max"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("Validate() = %q, want it to name %s", err, name)
		}
	}
}

func TestSignatureVerifiesWithStandardWebhooksLibrary(t *testing.T) {
	secret := hookd.NewSecret()
	key, err := hookd.SecretKey(secret)
	if err != nil || len(key) < 24 {
		t.Fatalf("secret key: %d bytes, %v; want at least 24 random bytes", len(key), err)
	}
	old := hookd.NewSecret()
	body := []byte(`{"id":"tr_1","hook":"eventAdded","timestamp":"2026-12-01T07:00:00.000Z","data":{"recurringId":1}}`)
	ts := time.Now().Unix()
	for _, secrets := range [][]string{{secret}, {secret, old}} {
		s, err := hookd.NewSigner(secrets...)
		if err != nil {
			t.Fatal(err)
		}
		h := http.Header{}
		h.Set("webhook-id", "tr_1")
		h.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
		h.Set("webhook-signature", s.Sign("tr_1", ts, body))
		// A receiver that knows only one of the secrets accepts the delivery.
		for _, known := range secrets {
			wh, err := standardwebhooks.NewWebhook(known)
			if err != nil {
				t.Fatal(err)
			}
			if err := wh.Verify(body, h); err != nil {
				t.Errorf("standard-webhooks rejects our signature %q with %d secret(s): %v", h.Get("webhook-signature"), len(secrets), err)
			}
		}
		// A tampered body is rejected.
		wh, _ := standardwebhooks.NewWebhook(secret)
		if err := wh.Verify(append(body, ' '), h); err == nil {
			t.Error("a tampered body verified")
		}
	}
}

// TestSignatureOfEveryKeyLength: the signature is HMAC-SHA256 as crypto/hmac
// makes it, for keys shorter than, as long as and longer than SHA-256's
// block (an operator's own secret may be any length), and for concurrent
// signers sharing the reused hash states.
func TestSignatureOfEveryKeyLength(t *testing.T) {
	body := []byte(`{"id":"tr_1","hook":"eventAdded","data":{"recurringId":1}}`)
	var wg sync.WaitGroup
	for _, n := range []int{1, 24, 32, 63, 64, 65, 100, 200} {
		key := bytes.Repeat([]byte{byte(n)}, n)
		secrets := []string{hookd.SecretPrefix + base64.StdEncoding.EncodeToString(key), hookd.NewSecret()}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := hookd.NewSigner(secrets...)
			if err != nil {
				t.Error(err)
				return
			}
			for ts := int64(1700000000); ts < 1700000050; ts++ {
				var want []string
				for _, sec := range secrets {
					k, _ := hookd.SecretKey(sec)
					m := hmac.New(sha256.New, k)
					fmt.Fprintf(m, "tr_%d.%d.%s", n, ts, body)
					want = append(want, "v1,"+base64.StdEncoding.EncodeToString(m.Sum(nil)))
				}
				if got := s.Sign("tr_"+strconv.Itoa(n), ts, body); got != strings.Join(want, " ") {
					t.Errorf("key of %d bytes: signature %q, want %q", n, got, strings.Join(want, " "))
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestIDsAreOrdered(t *testing.T) {
	prev := ""
	for i := 0; i < 10000; i++ {
		id := hookd.NewID(hookd.PrefixDelivery)
		if len(id) != len(hookd.PrefixDelivery)+26 || id <= prev {
			t.Fatalf("id %q after %q: want 26 characters, strictly increasing", id, prev)
		}
		prev = id
	}
}

func TestValidateWebhookFields(t *testing.T) {
	errs := hookd.FieldErrors{}
	hookd.ValidateName("", errs)
	hookd.ValidateURL("ftp://example.org", errs)
	hookd.BuiltinCatalogue().ValidateHooks([]string{"eventAdded", "nope"}, errs)
	for _, k := range []string{"name", "url", "hooks"} {
		if errs[k] == "" {
			t.Errorf("no error for %s: %v", k, errs)
		}
	}
	errs = hookd.FieldErrors{}
	if u := hookd.ValidateURL("https://user:pw@example.org/h", errs); u != nil || !strings.Contains(errs["url"], "user name or password") {
		t.Errorf("user info accepted: %v", errs)
	}
	errs = hookd.FieldErrors{}
	hooks := hookd.BuiltinCatalogue().ValidateHooks([]string{"appointmentCreated", "eventAdded", "eventAdded"}, errs)
	if len(errs) > 0 || strings.Join(hooks, ",") != "eventAdded,appointmentCreated" {
		t.Errorf("hooks = %v (%v), want deduplicated in catalogue order", hooks, errs)
	}
	hookd.ValidateName(strings.Repeat("é", 200), errs)
	if len(errs) > 0 {
		t.Errorf("200 characters refused: %v", errs)
	}
	hookd.ValidateName(strings.Repeat("é", 201), errs)
	if errs["name"] == "" {
		t.Error("201 characters accepted")
	}
}

// TestValidateNameControlCharacters tries each class of control character
// (C0, DEL, C1) at its edges, and the characters next to them that are
// fine.
func TestValidateNameControlCharacters(t *testing.T) {
	for _, name := range []string{"Calendar", "Café ☕", "a b", "a\u00a0b", "a\u00ffb", "~", " padded ", "日本語", "😀"} {
		errs := hookd.FieldErrors{}
		if hookd.ValidateName(name, errs); len(errs) != 0 {
			t.Errorf("ValidateName(%q) = %v, want accepted", name, errs)
		}
	}
	for name, want := range map[string]string{
		"a\x00b": "U+0000", "a\tb": "U+0009", "line\nbreak": "U+000A", "a\rb": "U+000D", "a\x1fb": "U+001F",
		"a\x7fb": "U+007F", "a\u0080b": "U+0080", "a\u0085b": "U+0085", "a\u009fb": "U+009F", "\x1b[31mred": "U+001B",
		"tab\t": "U+0009",
	} {
		errs := hookd.FieldErrors{}
		hookd.ValidateName(name, errs)
		if msg := errs["name"]; !strings.Contains(msg, "must not contain control characters") || !strings.Contains(msg, want) {
			t.Errorf("ValidateName(%q) = %q, want it refused naming %s", name, msg, want)
		}
	}
	errs := hookd.FieldErrors{}
	if hookd.ValidateName("a\xffb", errs); !strings.Contains(errs["name"], "UTF-8") {
		t.Errorf("ValidateName of bytes that are not UTF-8 = %v, want refused", errs)
	}
}

// TestValidateURLPort tries ports at and past the edges of 1 to 65535.
func TestValidateURLPort(t *testing.T) {
	for _, raw := range []string{"https://example.org/", "https://example.org:1/", "https://example.org:65535/",
		"http://example.org:8080/h", "http://192.0.2.1:443/", "http://[2001:db8::1]:65535/", "http://example.org:080/",
		"http://example.org:/"} {
		errs := hookd.FieldErrors{}
		if u := hookd.ValidateURL(raw, errs); u == nil || len(errs) != 0 {
			t.Errorf("ValidateURL(%s) = %v, want accepted", raw, errs)
		}
	}
	for _, raw := range []string{"https://example.org:0/", "https://example.org:00000/", "https://example.org:65536/",
		"https://example.org:99999/", "https://example.org:4294967376/", "http://[2001:db8::1]:0/", "http://192.0.2.1:70000/",
		"https://example.org:abc/", "https://example.org:-1/", "https://example.org:+80/", "https://example.org:8o/"} {
		errs := hookd.FieldErrors{}
		if u := hookd.ValidateURL(raw, errs); u != nil || !strings.Contains(errs["url"], "port from 1 to 65535") {
			t.Errorf("ValidateURL(%s) = %q, want refused naming the port rule", raw, errs["url"])
		}
	}
}
