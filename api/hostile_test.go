package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/api"
	"github.com/hookd-dev/hookd/app"
	"github.com/hookd-dev/hookd/internal/sqlitetest"
	"github.com/hookd-dev/hookd/netguard"
)

// Hostile input: whatever the body, the API answers 2xx or a 4xx in the
// contract's error shape — never 5xx, never a panic — and reading a body
// costs memory bounded by MaxBody, not by what the client sends.

const fuzzKey = "hk_fuzz_key"

// noSender drops test deliveries and redeliveries.
type noSender struct{}

func (noSender) SendNow(hookd.Trigger, hookd.Webhook, hookd.Delivery) {}
func (noSender) ReleaseURL(string, string)                            {}

// newAPI returns the API handler over a real SQLite store with one account
// (key fuzzKey) and one webhook, whose ID it returns too. Webhook URLs are
// checked by a netguard.Guard whose DNS always fails, so that no input
// makes the test reach the network.
func newAPI(tb testing.TB) (http.Handler, string) {
	tb.Helper()
	ctx := context.Background()
	store := sqlitetest.Open(tb)
	now := time.Now().UTC().Truncate(time.Millisecond)
	acc := hookd.Account{ID: hookd.NewID(hookd.PrefixAccount), Name: "fuzz", CreatedAt: now}
	if _, err := store.Bootstrap(ctx, hookd.BootstrapParams{
		Account: acc,
		APIKey:  hookd.APIKey{ID: hookd.NewID(hookd.PrefixAPIKey), AccountID: acc.ID, Hash: hookd.HashAPIKey(fuzzKey), Prefix: hookd.APIKeyPrefix(fuzzKey), CreatedAt: now},
		Admin:   hookd.User{ID: hookd.NewID(hookd.PrefixUser), AccountID: acc.ID, Username: "admin", PasswordHash: "x", Admin: true, CreatedAt: now},
	}); err != nil {
		tb.Fatal(err)
	}
	noDNS := &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("no DNS in this test")
	}}
	a, err := app.New(app.Deps{Catalogue: hookd.BuiltinCatalogue(), Store: store, Guard: &netguard.Guard{AllowPrivate: true, Resolver: noDNS}, Sender: noSender{}, Now: time.Now})
	if err != nil {
		tb.Fatal(err)
	}
	a.Open()
	tb.Cleanup(a.Close)
	h := api.New(api.Config{App: a, Store: store})
	url, enabled := "http://192.0.2.1/hook", true
	w, err := a.CreateWebhook(ctx, acc.ID, app.WebhookInput{Name: &url, URL: &url, Hooks: &[]string{"eventAdded"}, Enabled: &enabled})
	if err != nil {
		tb.Fatal(err)
	}
	return h, w.ID
}

type errorShape struct {
	Error *struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

// serve sends one request with body and checks that the answer keeps the
// contract: 2xx with a JSON body, or 4xx with the error shape.
func serve(tb testing.TB, h http.Handler, method, path string, body []byte) (int, errorShape) {
	tb.Helper()
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+fuzzKey)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var es errorShape
	code := rec.Code
	if err := openapiOf(tb, h).Check(method, req.URL.Path, code, rec.Header(), rec.Body.Bytes()); err != nil {
		tb.Fatalf("%s %s %q: the answer disagrees with the OpenAPI document: %v", method, path, body, err)
	}
	switch {
	case code >= 200 && code < 300:
		if rec.Body.Len() > 0 && !json.Valid(rec.Body.Bytes()) {
			tb.Fatalf("%s %s %q: %d with a body that is not JSON: %s", method, path, body, code, rec.Body)
		}
	case code >= 400 && code < 500:
		if err := json.Unmarshal(rec.Body.Bytes(), &es); err != nil || es.Error == nil || es.Error.Code == "" || es.Error.Message == "" {
			tb.Fatalf("%s %s %q: %d %s is not the contract's error shape", method, path, body, code, rec.Body)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			tb.Fatalf("%s %s: error answered as %q", method, path, ct)
		}
	default:
		tb.Fatalf("%s %s %q: answered %d %s; want 2xx or 4xx", method, path, body, code, rec.Body)
	}
	return code, es
}

// fuzzBodies sends every body, from seeds on, to each endpoint ("METHOD
// /path", where {id} is the webhook's ID) and checks each answer with serve.
func fuzzBodies(f *testing.F, seeds []string, endpoints ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	h, id := newAPI(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, e := range endpoints {
			method, path, _ := strings.Cut(strings.ReplaceAll(e, "{id}", id), " ")
			serve(t, h, method, path, body)
		}
	})
}

func FuzzTriggerBody(f *testing.F) {
	fuzzBodies(f, []string{
		`{"hook":"eventCanceled","data":{"eventId":7,"reason":"Snow"}}`,
		`{"hook":"eventCanceled","data":{"eventId":7,"reason":"Snow"},"timestamp":"2026-12-01T07:00:00Z"}`,
		`[{"hook":"eventAdded","data":{"recurringId":1}},{"hook":"eventDeleted","data":{"eventId":2}}]`,
		`[{"hook":"eventAdded","data":{"recurringId":1}},{"hook":"eventDeleted","data":{}}]`,
		`[]`, `[1]`, `[[]]`, `{}`, `null`, `"x"`, `0`, ``, ` `, `{"hook":`,
		`{"hook":"eventAdded","data":{"recurringId":1e3}}`,
		`{"hook":"eventAdded","data":{"recurringId":99999999999999999999999999}}`,
		`{"hook":"eventAdded","data":{"recurringId":1},"timestamp":"0000-01-01T00:00:00Z"}`,
		`{"hook":"eventAdded","data":{"recurringId":1},"timestamp":"9999-12-31T23:59:59.999999999+14:00"}`,
		"{\"hook\":\"\xff\"}",
		`{"hook":"eventAdded","data":{"recurringId":1},"__proto__":{}}`,
		`{"hook":"eventAdded","data":{"recurringId":1},"hook":"eventDeleted"}`,
		`{"hook":"eventAdded","data":{"recurringId":1,"\u0072ecurringId":2}}`,
		`[{"hook":"eventAdded","data":{"recurringId":1}},{"hook":"eventAdded","data":{"recurringId":1},"data":{}}]`,
		`{"hook":"eventCanceled","data":{"eventId":1,"reason":"\ud800"}}`,
		`{"hook":"eventCanceled","data":{"eventId":1,"reason":"\udc00\ud83d"}}`,
		`{"hook":"eventCanceled","data":{"eventId":1,"reason":"\ud83d\ude00"}}`,
		`{"hook":"eventAdded","data":{"recurringId":9007199254740991}}`,
		`{"hook":"eventAdded","data":{"recurringId":-9007199254740992}}`,
		`{"hook":"eventAdded","data":{"recurringId":1,"\ud800":[]}}`,
	}, "POST /api/v1/triggers")
}

func FuzzWebhookBody(f *testing.F) {
	fuzzBodies(f, []string{
		`{"name":"Calendar","url":"https://192.0.2.10/hook","hooks":["eventAdded"]}`,
		`{"name":"Calendar","url":"https://192.0.2.10/hook","hooks":["eventAdded"],"enabled":false}`,
		`{"name":"","url":"ftp://x","hooks":["nope"]}`,
		`{"name":5,"url":[],"hooks":"eventAdded","enabled":"yes"}`,
		`{"name":"a","url":"http://user:pw@192.0.2.1/","hooks":[]}`,
		`{"name":"a","url":"http://receiver.example/","hooks":["eventAdded"]}`,
		`{"name":"a","url":"http://0x7f.1/","hooks":["eventAdded"]}`,
		`{"name":"a","url":"http://[::1%25eth0]/","hooks":["eventAdded"]}`,
		`{"name":"a","url":"http://192.0.2.1/","hooks":["eventAdded","eventAdded"],"secret":"x"}`,
		`{"enabled":true}`, `{}`, `[]`, `null`, `{"name":null}`, `{"hooks":[null]}`,
		`{"enabled":true,"enabled":false}`, `{"name":"a","NAME":"b"}`, `{"Enabled":false}`,
		`{"name":"\ud800"}`, `{"name":"a\tb"}`, `{"name":"a\u0085b"}`, `{"url":"http://192.0.2.1:0/"}`,
		`{"url":"http://192.0.2.1:65536/"}`, `{"url":"http://192.0.2.1:x/"}`, `{"hooks":["eventAdded","\udfff"]}`,
	}, "POST /api/v1/webhooks", "PATCH /api/v1/webhooks/{id}")
}

func FuzzKeyBody(f *testing.F) {
	fuzzBodies(f, []string{
		`{"name":"ci"}`, `{}`, `{"name":null}`, `{"name":5}`, `{"name":"a","name":"b"}`, `{"Name":"a"}`,
		`{"name":"\ud800"}`, `{"name":"a","x":1}`, `[]`, `null`,
	}, "POST /api/v1/keys")
}

// FuzzDeliveriesCursor: whatever the cursor, the answer is 200 or a 400
// naming it, and 200 only for a cursor shaped as hookd makes them.
func FuzzDeliveriesCursor(f *testing.F) {
	for _, s := range []string{
		hookd.NewID(hookd.PrefixDelivery), "", "dl_", "dl_8zzzzzzzzzzzzzzzzzzzzzzzzz", "wh_01m8xqxfsg3z4d2w83bg6hbkbg",
		"dl_' OR 1=1 --", "dl_%", "DL_01M8XQXFSG3Z4D2W83BG6HBKBG",
	} {
		f.Add(s)
	}
	h, _ := newAPI(f)
	f.Fuzz(func(t *testing.T, cursor string) {
		status, es := serve(t, h, "GET", "/api/v1/deliveries?cursor="+url.QueryEscape(cursor), nil)
		switch {
		case status == 200 && cursor != "" && !hookd.ValidID(hookd.PrefixDelivery, cursor):
			t.Fatalf("cursor %q accepted", cursor)
		case status == 400 && es.Error.Fields["cursor"] == "":
			t.Fatalf("cursor %q: 400 %+v does not name the cursor", cursor, es.Error)
		case status != 200 && status != 400:
			t.Fatalf("cursor %q: %d", cursor, status)
		}
	})
}

// TestHostileBodies sends bodies built to hurt: each gets a clear 4xx, and
// handling it allocates little beyond MaxBody however large it is.
func TestHostileBodies(t *testing.T) {
	h, id := newAPI(t)
	digits := strings.Repeat("7", 5000)
	var names strings.Builder // 1 MiB of distinct member names
	for i := 0; names.Len() < api.MaxBody-100; i++ {
		fmt.Fprintf(&names, `"n%d":0,`, i)
	}
	manyNames := strings.TrimSuffix(names.String(), ",")
	nested := strings.Repeat("[", 9000) + strings.Repeat("]", 9000)
	cases := []struct {
		name, method, path, body string
		status                   int
		code                     string
		field                    string // the field the error names, if any
	}{
		{"8 MiB trigger", "POST", "/api/v1/triggers",
			`{"hook":"eventAdded","data":{"recurringId":1},"x":"` + strings.Repeat("a", 8<<20) + `"}`, 413, "too_large", ""},
		{"8 MiB webhook", "POST", "/api/v1/webhooks",
			`{"name":"` + strings.Repeat("a", 8<<20) + `"}`, 413, "too_large", ""},
		{"100,000 [", "POST", "/api/v1/triggers", strings.Repeat("[", 100_000), 400, "bad_request", ""},
		{"100,000 [ in a webhook", "PATCH", "/api/v1/webhooks/" + id, `{"name":` + strings.Repeat("[", 100_000), 400, "bad_request", ""},
		{"100,000 { in data", "POST", "/api/v1/triggers",
			`{"hook":"eventAdded","data":` + strings.Repeat(`{"a":`, 100_000), 400, "bad_request", ""},
		{"9,000 levels, balanced", "POST", "/api/v1/triggers",
			`{"hook":"eventAdded","data":{"recurringId":` + nested + `}}`, 400, "validation_failed", "data.recurringId"},
		{"9,000 levels in a webhook", "POST", "/api/v1/webhooks",
			`{"name":"a","url":"http://192.0.2.1/","hooks":` + nested + `}`, 400, "validation_failed", "hooks"},
		{"not UTF-8", "POST", "/api/v1/triggers", "{\"hook\":\"eventAdded\",\"data\":{\"recurringId\":1},\"x\":\"\xc3\x28\"}", 400, "bad_request", ""},
		{"not UTF-8 in a webhook", "POST", "/api/v1/webhooks", "{\"name\":\"\xfe\xff\",\"url\":\"http://192.0.2.1/\",\"hooks\":[\"eventAdded\"]}", 400, "bad_request", ""},
		{"UTF-16", "POST", "/api/v1/triggers", "\xff\xfe{\x00}\x00", 400, "bad_request", ""},
		{"5,000-digit integer", "POST", "/api/v1/triggers",
			`{"hook":"eventCanceled","data":{"eventId":` + digits + `,"reason":"x"}}`, 400, "validation_failed", "data.eventId"},
		{"5,000-digit negative integer in a batch", "POST", "/api/v1/triggers",
			`[{"hook":"eventAdded","data":{"recurringId":1}},{"hook":"eventCanceled","data":{"eventId":-` + digits + `,"reason":"x"}}]`, 400, "validation_failed", "[1].data.eventId"},
		{"huge exponent", "POST", "/api/v1/triggers",
			`{"hook":"eventAdded","data":{"recurringId":1e999999999}}`, 400, "validation_failed", "data.recurringId"},
		{"5,000-digit fraction", "POST", "/api/v1/triggers",
			`{"hook":"eventAdded","data":{"recurringId":0.` + digits + `}}`, 400, "validation_failed", "data.recurringId"},
		{"5,000-digit enabled", "PATCH", "/api/v1/webhooks/" + id, `{"enabled":` + digits + `}`, 400, "validation_failed", "enabled"},
		{"100,000 names in a trigger", "POST", "/api/v1/triggers",
			`{"hook":"eventAdded","data":{"recurringId":1},` + manyNames + `}`, 400, "validation_failed", "n0"},
		{"100,000 names in data", "POST", "/api/v1/triggers",
			`{"hook":"eventAdded","data":{"recurringId":1,` + manyNames + `}}`, 400, "validation_failed", "data.n0"},
		{"100,000 names, the last twice", "POST", "/api/v1/triggers",
			`{"hook":"eventAdded","data":{"recurringId":1,` + manyNames + `,"n0":1}}`, 400, "validation_failed", "data.n0"},
		{"100,000 names in a webhook", "POST", "/api/v1/webhooks", `{` + manyNames + `}`, 400, "validation_failed", "n0"},
		{"100,000 names, the last twice, in a webhook", "PATCH", "/api/v1/webhooks/" + id, `{` + manyNames + `,"n7":1}`, 400, "validation_failed", "n7"},
		{"5,000-digit name", "POST", "/api/v1/webhooks",
			`{"name":` + digits + `,"url":"http://192.0.2.1/","hooks":["eventAdded"]}`, 400, "validation_failed", "name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := []byte(c.body)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			status, es := serve(t, h, c.method, c.path, body)
			runtime.ReadMemStats(&after)
			if status != c.status || es.Error.Code != c.code {
				t.Fatalf("got %d %s (%s), want %d %s", status, es.Error.Code, es.Error.Message, c.status, c.code)
			}
			if c.field != "" && es.Error.Fields[c.field] == "" {
				t.Errorf("error %q with fields %v does not name %s", es.Error.Message, es.Error.Fields, c.field)
			}
			if len(es.Error.Message) > 2000 {
				t.Errorf("the error message is %d bytes long; it should not echo the body", len(es.Error.Message))
			}
			// What a request may cost: reading up to MaxBody (the buffer
			// grows by doubling) and a few MB of slack.
			limit := uint64(3*min(len(body), api.MaxBody) + 4<<20)
			allocated := after.TotalAlloc - before.TotalAlloc
			heapGrew := int64(after.HeapInuse) - int64(before.HeapInuse)
			t.Logf("%d-byte body: allocated %d KiB, heap in use grew %d KiB", len(body), allocated>>10, heapGrew>>10)
			if allocated > limit {
				t.Errorf("allocated %d KiB for a %d KiB body; want at most %d KiB", allocated>>10, len(body)>>10, limit>>10)
			}
			if heapGrew > int64(limit) {
				t.Errorf("heap in use grew by %d KiB; want at most %d KiB", heapGrew>>10, limit>>10)
			}
		})
	}
}
