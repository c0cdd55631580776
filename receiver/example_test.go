package receiver_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/client"
	"github.com/hookd-dev/hookd/receiver"
)

// Example_handler receives deliveries of eventCanceled.
func Example_handler() {
	secret := hookd.NewSecret() // the webhook's secret: os.Getenv("HOOKD_WEBHOOK_SECRET")
	v, err := receiver.NewVerifier(secret)
	if err != nil {
		panic(err)
	}
	h := receiver.NewHandler(v, func(ctx context.Context, d receiver.Delivery) error {
		p, err := d.Payload()
		if err != nil {
			return err
		}
		switch p := p.(type) {
		case *client.EventCanceled:
			fmt.Printf("event %d canceled: %s\n", p.EventID, p.Reason)
		}
		return nil
	})
	srv := httptest.NewServer(h) // http.Handle("/hooks", h)
	defer srv.Close()

	// What hookd sends:
	wh, _ := standardwebhooks.NewWebhook(secret)
	now := time.Now()
	sig, _ := wh.Sign(bodyID, now, []byte(body))
	req, _ := http.NewRequest("POST", srv.URL, bytes.NewReader([]byte(body)))
	req.Header.Set("webhook-id", bodyID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode)
	// Output:
	// event 7 canceled: Snow
	// 204
}
