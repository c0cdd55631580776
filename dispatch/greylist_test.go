package dispatch

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hookd-dev/hookd"
)

// After Policy.After failures in a row a URL's deliveries are recorded
// skipped, and no request reaches it, until its period ends; then the next
// one is tried, and its failure grey-lists the URL for twice as long. Other
// URLs are sent to all along.
func TestGreylistSkipsAFailingURLUntilItsPeriodEnds(t *testing.T) {
	e := newEnv(t)
	var failing, healthy atomic.Int64
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		failing.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer down.Close()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { healthy.Add(1) }))
	defer up.Close()
	bad, good := e.webhook(down.URL+"/hook"), e.webhook(up.URL+"/hook")
	cfg := e.config("node-a")
	cfg.Policy = hookd.GreylistPolicy{After: 2, Base: time.Minute, Max: time.Hour}
	d := e.start(cfg)

	// latest sends one trigger and returns the newest delivery to bad.
	latest := func() hookd.Delivery {
		t.Helper()
		e.trigger()
		e.tick(d)
		return e.deliveries(bad.ID)[0]
	}
	for i := range cfg.Policy.After {
		if dl := latest(); dl.Status != hookd.StatusFailed || dl.StatusCode != 500 {
			t.Fatalf("send %d: %s %d, want failed with 500", i+1, dl.Status, dl.StatusCode)
		}
	}
	listedAt := e.clock.Now()
	e.clock.Advance(cfg.Policy.Base - time.Second)
	dl := latest()
	if dl.Status != hookd.StatusSkipped || !strings.Contains(dl.Error, "grey-listed until") {
		t.Errorf("during the period: %s %q, want skipped as grey-listed", dl.Status, dl.Error)
	}
	if n := failing.Load(); n != int64(cfg.Policy.After) {
		t.Errorf("the grey-listed URL got %d requests, want %d", n, cfg.Policy.After)
	}

	e.clock.Advance(time.Second) // the period has ended
	if dl := latest(); dl.Status != hookd.StatusFailed {
		t.Errorf("after the period: %s, want tried (and failed)", dl.Status)
	}
	if n := failing.Load(); n != int64(cfg.Policy.After)+1 {
		t.Errorf("the URL got %d requests, want %d", n, cfg.Policy.After+1)
	}
	st, err := e.urlState(bad.URL)
	if err != nil {
		t.Fatal(err)
	}
	if want := listedAt.Add(cfg.Policy.Base + 2*cfg.Policy.Base); st.Level != 2 || !st.Until.Equal(want) {
		t.Errorf("after the failed try: level %d until %v, want level 2 until %v", st.Level, st.Until, want)
	}
	if n := healthy.Load(); n != 4 {
		t.Errorf("the healthy URL got %d of the 4 triggers", n)
	}
	for _, dl := range e.deliveries(good.ID) {
		if dl.Status != hookd.StatusDelivered {
			t.Errorf("healthy URL: delivery %s, want delivered", dl.Status)
		}
	}
}

// Grey-listing is per URL within an account (contract §4): one account's
// failures grey-list its own webhook, while another account's webhook with
// the same URL is still sent to. hookd_greylisted_urls counts each
// account's grey-listing of the URL.
func TestGreylistIsPerAccount(t *testing.T) {
	e := newEnv(t)
	other := e.otherAccount()
	var requests atomic.Int64
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer down.Close()
	mine, theirs := e.webhook(down.URL+"/hook"), other.webhook(down.URL+"/hook")
	reg := prometheus.NewRegistry()
	cfg := e.config("node-a")
	cfg.Policy = hookd.GreylistPolicy{After: 2, Base: time.Minute, Max: time.Hour}
	cfg.Metrics = NewMetrics(reg)
	d := e.start(cfg)
	greylisted := func() float64 {
		t.Helper()
		families, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range families {
			if f.GetName() == "hookd_greylisted_urls" {
				return f.GetMetric()[0].GetGauge().GetValue()
			}
		}
		t.Fatal("no hookd_greylisted_urls")
		return 0
	}

	for range cfg.Policy.After {
		e.trigger()
		e.tick(d)
	}
	// Mine is grey-listed; theirs, with the same URL, is sent to.
	e.trigger()
	other.trigger()
	e.tick(d)
	if dl := e.deliveries(mine.ID)[0]; dl.Status != hookd.StatusSkipped {
		t.Errorf("the failing account's delivery: %s, want skipped", dl.Status)
	}
	if dl := other.deliveries(theirs.ID); len(dl) != 1 || dl[0].Status != hookd.StatusFailed || dl[0].StatusCode != 500 {
		t.Errorf("the other account's deliveries: %+v, want one sent, failed with 500", dl)
	}
	if n := requests.Load(); n != int64(cfg.Policy.After)+1 {
		t.Errorf("the URL got %d requests, want %d: the other account's delivery must be sent", n, cfg.Policy.After+1)
	}
	if st, err := other.urlState(theirs.URL); err != nil || st.ConsecutiveFailures != 1 || st.Level != 0 {
		t.Errorf("the other account's state: %+v (%v), want its own single failure, not grey-listed", st, err)
	}
	if n := greylisted(); n != 1 {
		t.Errorf("hookd_greylisted_urls = %v, want 1", n)
	}

	// The other account's own failures grey-list it too: two grey-listings.
	for range cfg.Policy.After - 1 {
		other.trigger()
		e.tick(d)
	}
	e.tick(d) // its refresh sets the gauge
	if n := greylisted(); n != 2 {
		t.Errorf("hookd_greylisted_urls with the URL grey-listed in two accounts = %v, want 2", n)
	}
}

// A reload reads the store while people release URLs and sends fail: what
// changed here meanwhile wins over the store's older copy, the rest is the
// store's.
func TestGreylistReloadKeepsWhatChangedWhileItRead(t *testing.T) {
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	p := hookd.GreylistPolicy{}.WithDefaults()
	g := newGreylistView(p)
	released := hookd.URLKey{AccountID: "acc_1", URL: "http://released.example/"}
	failed := hookd.URLKey{AccountID: "acc_1", URL: "http://failed.example/"}
	other := hookd.URLKey{AccountID: "acc_1", URL: "http://other.example/"}
	stale := func(k hookd.URLKey) hookd.URLState {
		return hookd.URLState{AccountID: k.AccountID, URL: k.URL, Level: 2, ConsecutiveFailures: 9, Until: now.Add(time.Hour)}
	}
	g.reload(func() ([]hookd.URLState, error) { return []hookd.URLState{stale(released)}, nil })
	if st, ok := g.lookup(released); !ok || !st.Greylisted(now) {
		t.Fatalf("before: %+v %v, want grey-listed", st, ok)
	}
	g.reload(func() ([]hookd.URLState, error) {
		g.forget(released)                                          // a person releases it while the store is read
		g.update(failed, false, "HTTP 500", now)                    // a send fails meanwhile
		return []hookd.URLState{stale(released), stale(other)}, nil // the store, as read before both
	})
	if st, ok := g.lookup(released); ok {
		t.Errorf("released URL came back from the older read: %+v", st)
	}
	if st, ok := g.lookup(failed); !ok || st.ConsecutiveFailures != 1 || st.LastError != "HTTP 500" {
		t.Errorf("failed URL = %+v %v, want the failure kept", st, ok)
	}
	if _, ok := g.lookup(other); !ok {
		t.Error("a URL only the store knew was not loaded")
	}
	// The next reload takes the store as it is.
	g.reload(func() ([]hookd.URLState, error) { return nil, nil })
	if _, ok := g.lookup(failed); ok {
		t.Error("a reload after the change did not take the store's state")
	}
	// A failed read leaves the view as it was.
	g.update(failed, false, "HTTP 500", now)
	if _, err := g.reload(func() ([]hookd.URLState, error) { return nil, errors.New("database is locked") }); err == nil {
		t.Fatal("the read's error was lost")
	}
	if _, ok := g.lookup(failed); !ok {
		t.Error("a failed read emptied the view")
	}
}
