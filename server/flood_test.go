package server_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestSignInFloodLeavesAPIResponsive measures what a flood of sign-ins
// costs the API: 32 clients, each from its own loopback address (so the
// per-address throttle lets each fail 20 times), post invented usernames as
// fast as they can while another client times GET /api/v1/webhooks. The
// bcrypt slots keep hashing to half the cores, so the API's median stays
// within 2× its idle median. A measurement, not a unit test: it runs with
// HOOKD_BENCH=1 and prints its figures.
func TestSignInFloodLeavesAPIResponsive(t *testing.T) {
	if os.Getenv("HOOKD_BENCH") != "1" {
		t.Skip("a measurement: set HOOKD_BENCH=1 to run it")
	}
	e := start(t, nil)
	idle := e.apiMedian(200)

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := floodClient(fmt.Sprintf("127.0.0.%d", 10+i))
			csrf := formToken(t, c, e.url+"/login")
			for n := 0; ctx.Err() == nil; n++ {
				resp, err := postForm(c, e.url+"/login", csrf, "username", fmt.Sprintf("nobody-%d-%d", i, n), "password", "guess-guess")
				if err != nil {
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if m := csrfField.FindSubmatch(b); m != nil {
					csrf = string(m[1]) // each answer's form has a fresh token
				}
				mu.Lock()
				codes[resp.StatusCode]++
				mu.Unlock()
			}
		}()
	}
	time.Sleep(500 * time.Millisecond) // let the flood fill the bcrypt slots
	during := e.apiMedian(200)
	cancel()
	wg.Wait()
	t.Logf("API p50 idle %s, during a 32-client sign-in flood %s (%.2f×); sign-in answers %v", idle, during, float64(during)/float64(idle), codes)
	if during > 2*idle+time.Millisecond {
		t.Errorf("API p50 during the flood %s, want within 2× idle (%s) plus 1 ms", during, idle)
	}
}

// apiMedian times n GET /api/v1/webhooks and returns the median.
func (e *env) apiMedian(n int) time.Duration {
	e.t.Helper()
	ds := make([]time.Duration, n)
	for i := range ds {
		start := time.Now()
		if code, _ := e.getWebhooks("Bearer " + testKey); code != 200 {
			e.t.Fatalf("GET /api/v1/webhooks: %d", code)
		}
		ds[i] = time.Since(start)
	}
	slices.Sort(ds)
	return ds[n/2]
}

// floodClient is a panelClient whose connections come from local, a
// loopback address of its own.
func floodClient(local string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	return panelClient(&http.Transport{DialContext: d.DialContext})
}
