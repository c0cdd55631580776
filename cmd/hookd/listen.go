package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/receiver"
)

// runListen is a small webhook receiver for trying hookd out and for
// developing a receiver: it prints every delivery it receives, checks its
// signature with the receiver kit when given the webhook's secret, and
// with --forward relays the verified ones, unchanged, to a local handler
// and answers hookd with what that handler answered.
func runListen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, f := newFlags("hookd listen", stderr)
	addr := fs.String("addr", "127.0.0.1:9000", "address to receive webhooks on")
	secret := fs.String("secret", "", "the webhook's whsec_… secret, to verify signatures (during a rotation: the secrets, comma-separated)")
	status := fs.Int("status", 200, "HTTP status to answer with (e.g. 500 to try failures and grey-listing); with --forward, the handler's status is answered")
	forward := fs.String("forward", "", "relay each verified delivery, headers and body unchanged, to this URL (a handler under development, e.g. http://127.0.0.1:3000/hooks); needs --secret")
	if err := f.parse(args); err != nil {
		return err
	}
	var v *receiver.Verifier
	if *secret != "" {
		var err error
		if v, err = receiver.NewVerifier(strings.Split(*secret, ",")...); err != nil {
			return usageError{fmt.Errorf("--secret: %v", err)}
		}
	}
	if *forward != "" {
		// The form a webhook's URL must have: the handler is where hookd
		// itself will deliver once it is deployed.
		errs := hookd.FieldErrors{}
		if hookd.ValidateURL(*forward, errs) == nil {
			return usageError{fmt.Errorf("--forward %q: want an http or https URL, e.g. http://127.0.0.1:3000/hooks (the URL %s)", *forward, errs["url"])}
		}
		if v == nil {
			return usageError{errors.New("--forward relays verified deliveries only: give the webhook's secret with --secret")}
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "hookd listen: receiving webhooks at http://%s/ (Ctrl-C to stop)\n", ln.Addr())
	relay := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		check, verified := "signature not checked (no --secret)", false
		if v != nil {
			if err := v.Verify(r.Header, body); err != nil {
				check = "INVALID: " + err.Error()
			} else {
				check, verified = "signature OK", true
			}
		}
		fmt.Fprintf(stdout, "%s %s webhook-id=%s %s\n  %s\n", time.Now().UTC().Format(time.TimeOnly), r.URL.Path,
			r.Header.Get("webhook-id"), check, body)
		if *forward == "" {
			w.WriteHeader(*status)
			return
		}
		if !verified {
			http.Error(w, "invalid signature: not forwarded", http.StatusUnauthorized)
			return
		}
		code, answer, err := relayTo(r.Context(), relay, *forward, r.Header, body)
		if err != nil {
			fmt.Fprintf(stdout, "  forward to %s failed: %v\n", *forward, err)
			http.Error(w, "the local handler did not answer", http.StatusBadGateway)
			return
		}
		fmt.Fprintf(stdout, "  forwarded to %s: %d\n", *forward, code)
		w.WriteHeader(code)
		w.Write(answer)
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

// relayTo POSTs a delivery to target with its Standard Webhooks headers,
// so the handler there can verify it itself, and returns its answer (the
// first 64 KiB of the body).
func relayTo(ctx context.Context, c *http.Client, target string, h http.Header, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	for _, k := range []string{"Content-Type", "User-Agent", receiver.HeaderID, receiver.HeaderTimestamp, receiver.HeaderSignature} {
		if v := h.Get(k); v != "" {
			req.Header.Set(k, v)
		}
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, answer, nil
}
