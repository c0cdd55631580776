package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/api"
	"github.com/hookd-dev/hookd/internal/testkit"
)

// docs holds the OpenAPI document each handler serves, read once.
var docs sync.Map // http.Handler → *testkit.OpenAPI

// openapiOf fetches GET /api/v1/openapi.json from h, without an API key.
func openapiOf(tb testing.TB, h http.Handler) *testkit.OpenAPI {
	tb.Helper()
	if d, ok := docs.Load(h); ok {
		return d.(*testkit.OpenAPI)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", testkit.OpenAPIPath, nil))
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json" {
		tb.Fatalf("GET %s without a key: %d %s %s", testkit.OpenAPIPath, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	d := parseDoc(tb, rec.Body.Bytes())
	docs.Store(h, d)
	return d
}

// parseDoc parses an OpenAPI document that the API made.
func parseDoc(tb testing.TB, raw []byte) *testkit.OpenAPI {
	tb.Helper()
	d, err := testkit.ParseOpenAPI(raw)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// TestOpenAPIListsEveryRoute: every endpoint the API serves is in the
// document, and every operation of the document is an endpoint; each
// lists the errors every request may get.
func TestOpenAPIListsEveryRoute(t *testing.T) {
	h, _ := newAPI(t)
	doc := openapiOf(t, h)
	var served, documented []string
	for _, p := range h.(*api.Handler).Routes() {
		served = append(served, p)
	}
	paths := doc.Doc()["paths"].(map[string]any)
	for path, item := range paths {
		for method, op := range item.(map[string]any) {
			if method == "parameters" {
				continue
			}
			documented = append(documented, strings.ToUpper(method)+" "+path)
			responses := op.(map[string]any)["responses"].(map[string]any)
			if path == testkit.OpenAPIPath {
				continue
			}
			for _, code := range []string{"401", "429", "500", "503"} {
				if responses[code] == nil {
					t.Errorf("%s %s does not list the %s every request may get", method, path, code)
				}
			}
			if body, ok := op.(map[string]any)["requestBody"]; ok && body != nil {
				for _, code := range []string{"400", "413", "415"} {
					if responses[code] == nil {
						t.Errorf("%s %s reads a body but does not list %s", method, path, code)
					}
				}
			}
		}
	}
	sort.Strings(served)
	sort.Strings(documented)
	if !slices.Equal(served, documented) {
		t.Errorf("the API serves\n  %s\nthe document has\n  %s", strings.Join(served, "\n  "), strings.Join(documented, "\n  "))
	}
}

// TestOpenAPIExamples: every example in the document is valid by its own
// schema, so a reader can copy them.
func TestOpenAPIExamples(t *testing.T) {
	h, _ := newAPI(t)
	doc := openapiOf(t, h)
	n := 0
	var walk func(v any, ptr string)
	walk = func(v any, ptr string) {
		switch v := v.(type) {
		case map[string]any:
			if _, ok := v["schema"]; ok && strings.Contains(ptr, "/content/") {
				var examples []any
				if ex, ok := v["example"]; ok {
					examples = append(examples, ex)
				}
				if exs, ok := v["examples"].(map[string]any); ok {
					for _, ex := range exs {
						examples = append(examples, ex.(map[string]any)["value"])
					}
				}
				for _, ex := range examples {
					b, _ := json.Marshal(ex)
					if err := doc.Validate(ptr+"/schema", b); err != nil {
						t.Errorf("the example at %s is not valid by its schema: %v\n%s", ptr, err, b)
					}
					n++
				}
			}
			for k, c := range v {
				walk(c, ptr+"/"+strings.NewReplacer("~", "~0", "/", "~1").Replace(k))
			}
		}
	}
	walk(doc.Doc()["paths"], "/paths")
	walk(doc.Doc()["components"], "/components")
	if n < 15 {
		t.Errorf("found %d examples; the document has more", n)
	}
}

// TestOpenAPICatalogue: the hook payloads in the document are the running
// catalogue's: a custom one shows, the built-in one is gone, and the
// trigger schema accepts exactly what POST /api/v1/triggers accepts.
func TestOpenAPICatalogue(t *testing.T) {
	cat, err := hookd.ParseCatalogue([]byte(`{"groups": [{"name": "Orders", "hooks": [
		{"name": "orderPaid", "description": "Called when an order is paid",
		 "fields": [{"name": "orderId", "type": "integer"}, {"name": "note", "type": "string", "required": false}]}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := api.OpenAPI(cat)
	if err != nil {
		t.Fatal(err)
	}
	doc := parseDoc(t, raw)
	schemas := doc.Doc()["components"].(map[string]any)["schemas"].(map[string]any)
	for _, want := range []string{"HookData.orderPaid", "Trigger.orderPaid", "Envelope.orderPaid", "HookData.webhookGreylisted", "Envelope.test"} {
		if schemas[want] == nil {
			t.Errorf("components.schemas has no %s", want)
		}
	}
	for _, gone := range []string{"HookData.eventCanceled", "Trigger.webhookGreylisted"} {
		if schemas[gone] != nil {
			t.Errorf("components.schemas has %s", gone)
		}
	}
	webhooks := doc.Doc()["webhooks"].(map[string]any)
	if webhooks["orderPaid"] == nil || webhooks["webhookRecovered"] == nil || webhooks["eventCanceled"] != nil {
		t.Errorf("webhooks has %v", keys(webhooks))
	}
	for _, c := range []struct {
		body  string
		valid bool
	}{
		{`{"hook":"orderPaid","data":{"orderId":7}}`, true},
		{`{"hook":"orderPaid","data":{"orderId":7,"note":"gift"},"timestamp":"2026-12-01T07:00:00Z"}`, true},
		{`[{"hook":"orderPaid","data":{"orderId":7}},{"hook":"orderPaid","data":{"orderId":8}}]`, true},
		{`{"hook":"orderPaid","data":{"orderId":"7"}}`, false},
		{`{"hook":"orderPaid","data":{}}`, false},
		{`{"hook":"orderPaid","data":{"orderId":7,"extra":1}}`, false},
		{`{"hook":"eventCanceled","data":{"eventId":7,"reason":"Snow"}}`, false},
		{`{"hook":"webhookRecovered","data":{"webhookId":"wh_1","url":"http://x"}}`, false},
		{`[]`, false},
	} {
		err := doc.Validate("/components/schemas/TriggerRequestBody", []byte(c.body))
		if (err == nil) != c.valid {
			t.Errorf("%s: valid by the document = %v, want %v (%v)", c.body, err == nil, c.valid, err)
		}
		if _, _, perr := cat.ParseTriggers([]byte(c.body), time.Now()); (perr == nil) != c.valid {
			t.Errorf("%s: accepted by the catalogue = %v, want %v (%v)", c.body, perr == nil, c.valid, perr)
		}
	}
}

// TestOpenAPICheckCatches: the check the API tests run on every answer
// fails when an answer and the document disagree.
func TestOpenAPICheckCatches(t *testing.T) {
	h, id := newAPI(t)
	doc := openapiOf(t, h)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/api/v1/webhooks/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+fuzzKey)
	h.ServeHTTP(rec, req)
	if err := doc.Check("GET", req.URL.Path, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
		t.Fatalf("the real answer: %v", err)
	}
	var w map[string]any
	json.Unmarshal(rec.Body.Bytes(), &w)
	for name, c := range map[string]struct {
		status int
		mutate func(map[string]any)
	}{
		"a field more":          {200, func(m map[string]any) { m["colour"] = "blue" }},
		"a field less":          {200, func(m map[string]any) { delete(m, "enabled") }},
		"a field's type":        {200, func(m map[string]any) { m["enabled"] = "yes" }},
		"a time not RFC3339":    {200, func(m map[string]any) { m["createdAt"] = "yesterday" }},
		"a status not listed":   {418, func(map[string]any) {}},
		"an error not in shape": {404, func(m map[string]any) {}},
	} {
		m := map[string]any{}
		for k, v := range w {
			m[k] = v
		}
		c.mutate(m)
		b, _ := json.Marshal(m)
		if err := doc.Check("GET", req.URL.Path, c.status, rec.Header(), b); err == nil {
			t.Errorf("%s: the check passed %d %s", name, c.status, b)
		}
	}
	if err := doc.Check("GET", "/api/v1/nothing", 200, http.Header{}, []byte(`{}`)); err == nil {
		t.Error("an answer from a path the document lacks passed")
	}
	if err := doc.Check("PUT", "/api/v1/webhooks", 405, http.Header{}, []byte(`{"error":{"code":"method_not_allowed","message":"x"}}`)); err == nil {
		t.Error("a 405 without Allow passed")
	}
	if err := doc.Check("GET", "/api/v1/hooks", 401, http.Header{"Content-Type": {"application/json"}}, []byte(`{"error":{"code":"unauthorized","message":"x"}}`)); err == nil {
		t.Error("a 401 without WWW-Authenticate passed")
	}
}

// TestOpenAPIGeneratedClientCompiles generates a Go client from the
// document with oapi-codegen and builds it.
func TestOpenAPIGeneratedClientCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped under -short: runs oapi-codegen and builds its output")
	}
	h, _ := newAPI(t)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", testkit.OpenAPIPath, nil))
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("openapi.json", rec.Body.String())
	write("go.mod", "module example.org/hookdclient\n\ngo 1.24\n")
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
	}
	run("run", "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@v2.8.2",
		"-generate", "types,client", "-package", "hookdclient", "-o", "client.gen.go", "openapi.json")
	run("mod", "tidy")
	run("build", "./...")
	run("vet", "./...")
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
