// Package client is a Go client of hookd's REST API (/api/v1): every
// endpoint, typed hooks of the built-in catalogue (EventCanceled{EventID: 7,
// Reason: "Snow"}), batches, and calls that are safe to retry — a trigger
// request carries an Idempotency-Key, so that sending it again after a
// timeout or a 503 never stores it twice, and Retry-After is honoured up to
// a bound. Errors are *Error values with hookd's code, message and fields.
//
// It uses only the standard library.
package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Client calls one hookd's API with one API key. It is safe for concurrent
// use.
type Client struct {
	base    string
	key     string
	http    *http.Client
	retries int
	maxWait time.Duration
	sleep   func(ctx context.Context, d time.Duration) error
}

// Option sets an optional setting of a Client.
type Option func(*Client)

// WithHTTPClient sends requests with hc (defaults to a client with a 30 s
// timeout).
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.http = hc } }

// WithRetries sets how many times a call is sent again after a 429, a 503,
// or (for calls safe to repeat) a lost connection. Defaults to 3; 0 sends
// each call once.
func WithRetries(n int) Option { return func(c *Client) { c.retries = max(0, n) } }

// WithMaxRetryWait bounds how long the client waits before one retry
// (defaults to 30 s). An answer whose Retry-After asks for longer is
// returned as it is, an *Error with RetryAfter set.
func WithMaxRetryWait(d time.Duration) Option { return func(c *Client) { c.maxWait = d } }

// New returns a client of the hookd at baseURL (e.g.
// "http://127.0.0.1:8080") with apiKey.
func New(baseURL, apiKey string, opts ...Option) *Client {
	c := &Client{
		base: strings.TrimRight(baseURL, "/"), key: apiKey,
		http:    &http.Client{Timeout: 30 * time.Second},
		retries: 3, maxWait: 30 * time.Second,
		sleep: func(ctx context.Context, d time.Duration) error {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		},
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Error codes of hookd's API (Error.Code).
const (
	CodeValidationFailed     = "validation_failed"
	CodeBadRequest           = "bad_request"
	CodeUnauthorized         = "unauthorized"
	CodeNotFound             = "not_found"
	CodeMethodNotAllowed     = "method_not_allowed"
	CodeConflict             = "conflict"
	CodeIdempotencyKeyReused = "idempotency_key_reused"
	CodeTooLarge             = "too_large"
	CodeUnsupportedMediaType = "unsupported_media_type"
	CodeRateLimited          = "rate_limited"
	CodeUnavailable          = "unavailable"
	CodeInternal             = "internal"
)

// Error is an error answer of the API.
type Error struct {
	Status  int    // the HTTP status
	Code    string // one of the Code constants
	Message string // what went wrong and what to do, for a person
	// Fields has one message per invalid field, keyed by its path ("name",
	// "data.eventId", "[3].data.eventId" in a batch); nil for other errors.
	Fields map[string]string
	// RetryAfter is the answer's Retry-After (429, 503), 0 when absent.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	return fmt.Sprintf("hookd: %d %s: %s", e.Status, e.Code, e.Message)
}

// ErrorCode returns the Code of an *Error in err's chain, "" for other
// errors.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// IsNotFound says whether err is a 404 of the API.
func IsNotFound(err error) bool { return ErrorCode(err) == CodeNotFound }

// request is one call.
type request struct {
	method, path string
	query        url.Values
	body         any // marshalled as JSON; []byte sent as it is
	header       http.Header
	// repeatable: sending it twice does what sending it once does (GET,
	// PATCH, DELETE, and a trigger with its Idempotency-Key), so it is
	// sent again after a lost connection too.
	repeatable bool
}

// do sends r, retries as the settings allow, and decodes a 2xx JSON answer
// into out (when not nil). It returns the answer's header.
func (c *Client) do(ctx context.Context, r request, out any) (http.Header, error) {
	var body []byte
	switch b := r.body.(type) {
	case nil:
	case []byte:
		body = b
	default:
		var err error
		if body, err = json.Marshal(b); err != nil {
			return nil, fmt.Errorf("hookd: the request body: %w", err)
		}
	}
	u := c.base + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, r.method, u, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		if body == nil {
			req.Body, req.ContentLength = nil, 0
		} else {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", "hookd-go-client")
		if c.key != "" {
			req.Header.Set("Authorization", "Bearer "+c.key)
		}
		for k, vs := range r.header {
			req.Header[k] = vs
		}
		resp, err := c.http.Do(req)
		if err != nil {
			if ctx.Err() != nil || !r.repeatable || attempt >= c.retries {
				return nil, err
			}
			if err := c.sleep(ctx, backoff(attempt)); err != nil {
				return nil, err
			}
			continue
		}
		raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
		resp.Body.Close()
		if err != nil {
			if !r.repeatable || attempt >= c.retries {
				return nil, err
			}
			continue
		}
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			if out != nil && len(raw) > 0 {
				if err := json.Unmarshal(raw, out); err != nil {
					return resp.Header, fmt.Errorf("hookd: %s %s: the answer is not what was expected: %w", r.method, r.path, err)
				}
			}
			return resp.Header, nil
		}
		apiErr := parseError(resp, raw)
		// 429 and 503 store nothing: any call may be sent again.
		if (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) && attempt < c.retries {
			wait := apiErr.RetryAfter
			if wait == 0 {
				wait = backoff(attempt)
			}
			if wait <= c.maxWait {
				if err := c.sleep(ctx, wait); err != nil {
					return resp.Header, apiErr
				}
				continue
			}
		}
		return resp.Header, apiErr
	}
}

// backoff is the wait before retry n+1 when the server named none: 250 ms
// doubling, at most 4 s.
func backoff(n int) time.Duration {
	return min(250*time.Millisecond<<n, 4*time.Second)
}

func parseError(resp *http.Response, raw []byte) *Error {
	e := &Error{Status: resp.StatusCode}
	var body struct {
		Error struct {
			Code    string            `json:"code"`
			Message string            `json:"message"`
			Fields  map[string]string `json:"fields"`
		} `json:"error"`
	}
	if json.Unmarshal(raw, &body) == nil && body.Error.Code != "" {
		e.Code, e.Message, e.Fields = body.Error.Code, body.Error.Message, body.Error.Fields
	} else {
		e.Code, e.Message = "", strings.TrimSpace(resp.Status+" "+string(raw[:min(len(raw), 200)]))
	}
	if s := resp.Header.Get("Retry-After"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n >= 0 {
			e.RetryAfter = time.Duration(n) * time.Second
		} else if t, err := http.ParseTime(s); err == nil {
			e.RetryAfter = max(0, time.Until(t))
		}
	}
	return e
}

// newIdempotencyKey is a fresh random Idempotency-Key.
func newIdempotencyKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "hookd-go-" + hex.EncodeToString(b)
}
