package main

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hookd-dev/hookd"
)

// runListen is a small webhook receiver for trying hookd out: it prints
// every delivery it receives and, given the webhook's secret, checks its
// signature the way a real receiver should.
func runListen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, f := newFlags("hookd listen", stderr)
	addr := fs.String("addr", "127.0.0.1:9000", "address to receive webhooks on")
	secret := fs.String("secret", "", "the webhook's whsec_… secret, to verify signatures")
	status := fs.Int("status", 200, "HTTP status to answer with (e.g. 500 to try failures and grey-listing)")
	if err := f.parse(args); err != nil {
		return err
	}
	var signer *hookd.Signer
	if *secret != "" {
		var err error
		if signer, err = hookd.NewSigner(*secret); err != nil {
			return usageError{fmt.Errorf("--secret: %v", err)}
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "hookd listen: receiving webhooks at http://%s/ (Ctrl-C to stop)\n", ln.Addr())
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		check := "signature not checked (no --secret)"
		if signer != nil {
			check = verify(signer, r.Header, body, time.Now())
		}
		fmt.Fprintf(stdout, "%s %s webhook-id=%s %s\n  %s\n", time.Now().UTC().Format(time.TimeOnly), r.URL.Path,
			r.Header.Get("webhook-id"), check, body)
		w.WriteHeader(*status)
	})}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// verify checks a delivery as the README tells receivers to: the signed
// content is id.timestamp.body, any of the space-separated v1 signatures
// may match, and the timestamp must be recent.
func verify(s *hookd.Signer, h http.Header, body []byte, now time.Time) string {
	id, tsText := h.Get("webhook-id"), h.Get("webhook-timestamp")
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return "INVALID: no webhook-timestamp"
	}
	if d := now.Sub(time.Unix(ts, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return "INVALID: timestamp too far from now"
	}
	want := s.Sign(id, ts, body)
	for _, got := range strings.Fields(h.Get("webhook-signature")) {
		if hmac.Equal([]byte(got), []byte(want)) {
			return "signature OK"
		}
	}
	return "INVALID signature"
}
