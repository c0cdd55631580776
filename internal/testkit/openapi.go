package testkit

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// OpenAPIPath is where hookd serves its OpenAPI document.
const OpenAPIPath = "/api/v1/openapi.json"

// OpenAPI is an OpenAPI 3.1 document read for checking real answers
// against it: the status must be one the operation lists, the body must
// match that answer's JSON Schema (formats asserted) and the headers it
// marks required must be there, and match theirs.
type OpenAPI struct {
	raw   []byte
	doc   map[string]any
	comp  *jsonschema.Compiler
	mu    sync.Mutex
	cache map[string]*jsonschema.Schema // by JSON pointer
	paths []string
}

const openapiURL = "https://hookd.invalid/openapi.json"

// ParseOpenAPI reads an OpenAPI 3.1 document.
func ParseOpenAPI(raw []byte) (*OpenAPI, error) {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("the OpenAPI document is not JSON: %w", err)
	}
	doc, ok := v.(map[string]any)
	if !ok || doc["openapi"] == nil {
		return nil, errors.New("not an OpenAPI document")
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(openapiURL, doc); err != nil {
		return nil, err
	}
	o := &OpenAPI{raw: raw, doc: doc, comp: c, cache: map[string]*jsonschema.Schema{}}
	paths, _ := doc["paths"].(map[string]any)
	for p := range paths {
		o.paths = append(o.paths, p)
	}
	sort.Strings(o.paths)
	return o, nil
}

// Doc is the document, as parsed JSON (numbers as json.Number).
func (o *OpenAPI) Doc() map[string]any { return o.doc }

// Schema compiles the JSON Schema at pointer (e.g.
// "/components/schemas/Webhook") of the document.
func (o *OpenAPI) Schema(pointer string) (*jsonschema.Schema, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if s, ok := o.cache[pointer]; ok {
		return s, nil
	}
	s, err := o.comp.Compile(openapiURL + "#" + pointer)
	if err != nil {
		return nil, err
	}
	o.cache[pointer] = s
	return s, nil
}

// Validate checks a JSON value (as read by encoding/json into any, or raw
// JSON bytes) against the schema at pointer.
func (o *OpenAPI) Validate(pointer string, instance []byte) error {
	s, err := o.Schema(pointer)
	if err != nil {
		return err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(instance))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return s.Validate(v)
}

// Operation finds the path template of the document that path matches
// ("/api/v1/webhooks/wh_1" matches "/api/v1/webhooks/{id}"), the literal
// template first; "" when none.
func (o *OpenAPI) Operation(path string) string {
	segs := strings.Split(path, "/")
	best, bestParams := "", -1
	for _, tmpl := range o.paths {
		ts := strings.Split(tmpl, "/")
		if len(ts) != len(segs) {
			continue
		}
		params, ok := 0, true
		for i := range ts {
			if strings.HasPrefix(ts[i], "{") && strings.HasSuffix(ts[i], "}") {
				if segs[i] == "" {
					ok = false
					break
				}
				params++
			} else if ts[i] != segs[i] {
				ok = false
				break
			}
		}
		if ok && (bestParams < 0 || params < bestParams) {
			best, bestParams = tmpl, params
		}
	}
	return best
}

// Check holds one real answer to the document: method and path (without
// the query) of the request, the answer's status, header and body. A path
// the document does not have must be a 404 in the error shape, a method it
// does not list for the path a 405 with Allow.
func (o *OpenAPI) Check(method, path string, status int, header http.Header, body []byte) error {
	tmpl := o.Operation(path)
	if tmpl == "" {
		if status != http.StatusNotFound {
			return fmt.Errorf("%s %s: no such path in the document, but the answer is %d, not 404", method, path, status)
		}
		return o.checkError(body)
	}
	item := o.doc["paths"].(map[string]any)[tmpl].(map[string]any)
	m := strings.ToLower(method)
	if m == "head" {
		m = "get"
	}
	op, ok := item[m].(map[string]any)
	if !ok {
		if status != http.StatusMethodNotAllowed || header.Get("Allow") == "" {
			return fmt.Errorf("%s %s: the document has no %s for %s, but the answer is %d (want 405 with Allow)", method, path, method, tmpl, status)
		}
		return o.checkError(body)
	}
	opPtr := "/paths/" + escapePointer(tmpl) + "/" + m
	responses, _ := op["responses"].(map[string]any)
	code := strconv.Itoa(status)
	key := ""
	for _, k := range []string{code, code[:1] + "XX", "default"} {
		if _, ok := responses[k]; ok {
			key = k
			break
		}
	}
	if key == "" {
		return fmt.Errorf("%s %s: answered %d, which the document does not list for %s %s (body %s)", method, path, status, method, tmpl, clip(body))
	}
	resp, ptr, err := o.resolve(responses[key].(map[string]any), opPtr+"/responses/"+escapePointer(key))
	if err != nil {
		return err
	}
	where := fmt.Sprintf("%s %s: the %d answer", method, path, status)
	headers, _ := resp["headers"].(map[string]any)
	for name, hv := range headers {
		h, hptr, err := o.resolve(hv.(map[string]any), ptr+"/headers/"+escapePointer(name))
		if err != nil {
			return err
		}
		vals := header.Values(name)
		if len(vals) == 0 {
			if h["required"] == true {
				return fmt.Errorf("%s lacks the header %s that the document requires", where, name)
			}
			continue
		}
		if _, ok := h["schema"]; ok {
			s, err := o.Schema(hptr + "/schema")
			if err != nil {
				return err
			}
			if err := s.Validate(vals[0]); err != nil {
				return fmt.Errorf("%s: header %s: %q disagrees with the document: %v", where, name, vals[0], err)
			}
		}
	}
	content, _ := resp["content"].(map[string]any)
	if len(content) == 0 {
		if len(bytes.TrimSpace(body)) > 0 {
			return fmt.Errorf("%s has a body, the document says none: %s", where, clip(body))
		}
		return nil
	}
	mt, _, _ := mime.ParseMediaType(header.Get("Content-Type"))
	media, ok := content[mt].(map[string]any)
	if !ok {
		return fmt.Errorf("%s has Content-Type %q, which the document does not list", where, header.Get("Content-Type"))
	}
	if _, ok := media["schema"]; !ok {
		return nil
	}
	if err := o.Validate(ptr+"/content/"+escapePointer(mt)+"/schema", body); err != nil {
		return fmt.Errorf("%s disagrees with the document: %v\nbody: %s", where, err, clip(body))
	}
	return nil
}

func (o *OpenAPI) checkError(body []byte) error {
	if err := o.Validate("/components/schemas/Error", body); err != nil {
		return fmt.Errorf("an error answer is not in the Error shape: %v\nbody: %s", err, clip(body))
	}
	return nil
}

// resolve follows a local $ref of a response or header object.
func (o *OpenAPI) resolve(obj map[string]any, ptr string) (map[string]any, string, error) {
	for range 8 {
		ref, ok := obj["$ref"].(string)
		if !ok {
			return obj, ptr, nil
		}
		target, ok := strings.CutPrefix(ref, "#")
		if !ok {
			return nil, "", fmt.Errorf("$ref %q is not local", ref)
		}
		var cur any = o.doc
		for _, tok := range strings.Split(strings.TrimPrefix(target, "/"), "/") {
			tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
			m, _ := cur.(map[string]any)
			cur = m[tok]
		}
		next, ok := cur.(map[string]any)
		if !ok {
			return nil, "", fmt.Errorf("$ref %q leads nowhere", ref)
		}
		obj, ptr = next, target
	}
	return nil, "", errors.New("$ref too deep")
}

func escapePointer(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

func clip(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
}

// checkingTransport checks every answer of hookd's API under /api/v1
// against the OpenAPI document served by the same hookd (fetched once per
// origin, and again when an answer disagrees with the copy it has, in case
// another hookd listens there now).
type checkingTransport struct {
	base http.RoundTripper

	mu       sync.Mutex
	docs     map[string]*OpenAPI // by scheme://host
	failures []string
}

// answersChecked is the transport Main installs on http.DefaultClient.
var answersChecked = &checkingTransport{base: http.DefaultTransport, docs: map[string]*OpenAPI{}}

func (t *checkingTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

func (t *checkingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil || !strings.HasPrefix(req.URL.Path, "/api/v1/") || req.URL.Path == OpenAPIPath {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err := t.check(req, resp, body); err != nil {
		err = fmt.Errorf("the answer disagrees with %s: %w", OpenAPIPath, err)
		t.mu.Lock()
		t.failures = append(t.failures, err.Error())
		t.mu.Unlock()
		return nil, err
	}
	return resp, nil
}

func (t *checkingTransport) check(req *http.Request, resp *http.Response, body []byte) error {
	origin := req.URL.Scheme + "://" + req.URL.Host
	t.mu.Lock()
	doc := t.docs[origin]
	t.mu.Unlock()
	if doc != nil {
		if err := doc.Check(req.Method, req.URL.Path, resp.StatusCode, resp.Header, body); err == nil {
			return nil
		}
	}
	fresh, err := t.fetch(req, origin)
	if err != nil {
		return err
	}
	if doc != nil && bytes.Equal(doc.raw, fresh.raw) {
		fresh = doc
	}
	t.mu.Lock()
	t.docs[origin] = fresh
	t.mu.Unlock()
	return fresh.Check(req.Method, req.URL.Path, resp.StatusCode, resp.Header, body)
}

func (t *checkingTransport) fetch(orig *http.Request, origin string) (*OpenAPI, error) {
	req, err := http.NewRequestWithContext(orig.Context(), "GET", origin+OpenAPIPath, nil)
	if err != nil {
		return nil, err
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", OpenAPIPath, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", OpenAPIPath, resp.Status)
	}
	return ParseOpenAPI(raw)
}

// CheckAnswers makes http.DefaultClient (which Send and Call use) check
// every answer under /api/v1/ against the OpenAPI document of the hookd
// that gave it; an answer that disagrees is an error of the request, and
// Main fails the package's tests. Main calls it.
func CheckAnswers() {
	http.DefaultClient.Transport = answersChecked
}

// ReportAnswerFailures prints the answers that disagreed with the
// document since CheckAnswers, and returns the exit status a TestMain
// should use: 1 when there was one, else 0. Main calls it.
func ReportAnswerFailures() int {
	answersChecked.mu.Lock()
	f := slices.Clone(answersChecked.failures)
	answersChecked.mu.Unlock()
	if len(f) == 0 {
		return 0
	}
	fmt.Fprintf(os.Stderr, "FAIL: %d API answers disagree with %s:\n", len(f), OpenAPIPath)
	for i, s := range f {
		if i == 20 {
			fmt.Fprintf(os.Stderr, "…\n")
			break
		}
		fmt.Fprintf(os.Stderr, "  %s\n", s)
	}
	return 1
}
