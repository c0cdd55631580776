// Package receiver is the kit for programs that receive hookd's webhooks:
// Verify checks a delivery's Standard Webhooks signature and timestamp,
// Decode reads its envelope and typed payload, and Handler wraps it all in
// an http.Handler that answers 401 to a bad signature, drops a delivery
// already handled (by webhook-id) and answers 2xx as soon as the work is
// done — or at once, with the work in the background.
package receiver

import (
	"crypto/hmac"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hookd-dev/hookd"
)

// The Standard Webhooks headers of a delivery.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// DefaultTolerance is how far a delivery's webhook-timestamp may be from
// the receiver's clock, either way (the Standard Webhooks' 5 minutes): an
// older one may be a captured delivery sent again.
const DefaultTolerance = 5 * time.Minute

// Errors of Verify; each is wrapped with details.
var (
	ErrMissingHeaders   = errors.New("missing webhook-id, webhook-timestamp or webhook-signature")
	ErrBadTimestamp     = errors.New("webhook-timestamp is not unix seconds")
	ErrTooOld           = errors.New("webhook-timestamp is too old")
	ErrTooNew           = errors.New("webhook-timestamp is in the future")
	ErrNoMatchingSecret = errors.New("no signature matches")
)

// Verifier checks deliveries signed with any of its secrets: during a
// rotation give it the new and the old one. It is safe for concurrent use.
type Verifier struct {
	signers []*hookd.Signer
	// Tolerance is how far webhook-timestamp may be from Now (defaults to
	// DefaultTolerance).
	Tolerance time.Duration
	// Now is the clock (defaults to time.Now).
	Now func() time.Time
}

// NewVerifier returns a verifier of the webhook's whsec_… secrets (one, or
// several while one is being replaced).
func NewVerifier(secrets ...string) (*Verifier, error) {
	if len(secrets) == 0 {
		return nil, errors.New("receiver: no secret: give the webhook's whsec_… secret")
	}
	v := &Verifier{Tolerance: DefaultTolerance, Now: time.Now}
	for i, s := range secrets {
		if !strings.HasPrefix(s, hookd.SecretPrefix) {
			s = hookd.SecretPrefix + s // the Standard Webhooks libraries take the bare base64 too
		}
		sg, err := hookd.NewSigner(s)
		if err != nil {
			return nil, fmt.Errorf("receiver: secret %d is not a whsec_ secret: %w", i+1, err)
		}
		v.signers = append(v.signers, sg)
	}
	return v, nil
}

// Verify checks a delivery with one secret; see Verifier.Verify.
func Verify(secret string, h http.Header, body []byte) error {
	v, err := NewVerifier(secret)
	if err != nil {
		return err
	}
	return v.Verify(h, body)
}

// Verify checks that body and the headers h are a delivery signed with one
// of v's secrets (any of the space-separated v1 signatures may match) and
// that webhook-timestamp is within Tolerance of Now. Pass the body exactly
// as received: a re-encoded JSON body does not verify.
func (v *Verifier) Verify(h http.Header, body []byte) error {
	id, tsText, sigs := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if id == "" || tsText == "" || sigs == "" {
		return ErrMissingHeaders
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %q", ErrBadTimestamp, tsText)
	}
	tol, now := v.Tolerance, time.Now
	if tol <= 0 {
		tol = DefaultTolerance
	}
	if v.Now != nil {
		now = v.Now
	}
	at, n := time.Unix(ts, 0), now()
	if n.Sub(at) > tol {
		return fmt.Errorf("%w: sent at %s, more than %s ago", ErrTooOld, at.UTC().Format(time.RFC3339), tol)
	}
	if at.Sub(n) > tol {
		return fmt.Errorf("%w: %s is more than %s ahead of this clock", ErrTooNew, at.UTC().Format(time.RFC3339), tol)
	}
	for _, sg := range v.signers {
		want := []byte(sg.Sign(id, ts, body))
		for _, got := range strings.Fields(sigs) {
			if hmac.Equal([]byte(got), want) {
				return nil
			}
		}
	}
	return ErrNoMatchingSecret
}
