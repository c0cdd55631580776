package testkit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
)

// Answer is what an HTTP request got back.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// Send sends one request as an API client does and reads the whole answer.
// body is nil or "" for none, a string or []byte sent as it is, or any
// other value sent as its JSON; a body goes with Content-Type
// application/json. key, when not empty, goes as a Bearer token. header
// holds more headers as name, value pairs. The error is for a request that
// got no answer (a refused connection, a process that is gone).
func Send(method, url, key string, body any, header ...string) (Answer, error) {
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		if b != "" {
			r = bytes.NewReader([]byte(b))
		}
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return Answer{}, fmt.Errorf("the request body: %w", err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		return Answer{}, err
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return Answer{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return Answer{Status: resp.StatusCode, Header: resp.Header, Body: raw}, err
}

// Call is Send for a request that must get an answer: the test fails if it
// gets none.
func Call(t testing.TB, method, url, key string, body any, header ...string) Answer {
	t.Helper()
	a, err := Send(method, url, key, body, header...)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return a
}
