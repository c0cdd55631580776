package dispatch

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
)

// Micro-benchmarks of fan-out selection and the scheduler. End-to-end
// figures are in BENCHMARKS.md (hookd bench); no timing is asserted here.

func benchWebhooks(n, hosts int) []hookd.Webhook {
	ws := make([]hookd.Webhook, n)
	for i := range ws {
		ws[i] = hookd.Webhook{ID: hookd.NewID(hookd.PrefixWebhook), AccountID: "acc_1", Name: "w",
			URL:   "http://127.0.0.1:" + strconv.Itoa(9000+i%hosts) + "/hooks/" + strconv.Itoa(i),
			Hooks: []string{"eventCanceled"}, Enabled: true, Secret: hookd.NewSecret()}
	}
	return ws
}

// BenchmarkFanOutSelection builds the jobs of one trigger to 100,000
// webhooks, as fanOut does.
func BenchmarkFanOutSelection(b *testing.B) {
	snap := newSnapshot(benchWebhooks(100000, 4))
	bt := &batchTrigger{Trigger: hookd.Trigger{ID: "tr_1", AccountID: "acc_1", Hook: "eventCanceled"}}
	b.ReportAllocs()
	for b.Loop() {
		subs := snap.subscribers("acc_1", "eventCanceled")
		jobs := make([]job, 0, len(subs))
		for _, w := range subs {
			jobs = append(jobs, job{t: bt, w: w})
		}
	}
	b.ReportMetric(float64(b.N*100000)/b.Elapsed().Seconds(), "jobs/s")
}

// BenchmarkScheduler pushes jobs for 4 hosts and has 64 goroutines take and
// finish them, as the sender does.
func BenchmarkScheduler(b *testing.B) { benchScheduler(b, 1) }

// BenchmarkSchedulerAccounts is BenchmarkScheduler with the jobs of 16
// accounts (each one trigger's jobs, so one push), sharing the 4 hosts.
func BenchmarkSchedulerAccounts(b *testing.B) { benchScheduler(b, 16) }

func benchScheduler(b *testing.B, accounts int) {
	ws := benchWebhooks(1024, 4)
	for i := range ws {
		ws[i].AccountID = "acc_" + strconv.Itoa(i*accounts/len(ws))
	}
	bt := &batchTrigger{Trigger: hookd.Trigger{ID: "tr_1"}}
	s := newScheduler(64, 256, 1024, time.Second)
	done := make(chan struct{})
	for range 64 {
		go func() {
			for {
				_, f, ok := s.next()
				if !ok {
					done <- struct{}{}
					return
				}
				s.done(f, answered)
			}
		}()
	}
	jobs := make([]job, len(ws))
	for i, w := range ws {
		jobs[i] = job{t: bt, w: newWebhookEntry(w)}
	}
	per := len(jobs) / accounts
	b.ReportAllocs()
	b.ResetTimer()
	for sent := 0; sent < b.N; sent += len(jobs) {
		for i := 0; i < len(jobs) && sent+i < b.N; i += per {
			s.push(jobs[i:min(i+per, b.N-sent)])
		}
		for s.len() > 0 {
			time.Sleep(10 * time.Microsecond)
		}
	}
	b.StopTimer()
	s.close()
	for range 64 {
		<-done
	}
}

func BenchmarkSignDelivery(b *testing.B) {
	e := newWebhookEntry(benchWebhooks(1, 1)[0])
	t := hookd.Trigger{ID: hookd.NewID(hookd.PrefixTrigger), Hook: "eventCanceled",
		Data: []byte(`{"eventId":7,"reason":"Snow"}`), Timestamp: time.Now()}
	body := t.Envelope()
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		_ = e.signer(now).Sign(t.ID, now.Unix(), body)
	}
}

// BenchmarkPost is one signed send through the HTTP transport to a local
// receiver over keep-alive connections, as the workers make them (the
// deadline and the receiver's cost included).
func BenchmarkPost(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
	}))
	defer srv.Close()
	d, err := New(settings(openStore(b)))
	if err != nil {
		b.Fatal(err)
	}
	w := newWebhookEntry(hookd.Webhook{ID: "wh_1", URL: srv.URL + "/hooks/1", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})
	bt := &batchTrigger{Trigger: hookd.Trigger{ID: hookd.NewID(hookd.PrefixTrigger), Hook: "eventCanceled",
		Data: json.RawMessage(`{"eventId":7,"reason":"Snow on the roads"}`), Timestamp: time.Now()}}
	bt.prepare()
	b.ReportAllocs()
	for b.Loop() {
		if a := d.attempt(job{t: bt, w: w}, time.Now()); a.Status != hookd.StatusDelivered {
			b.Fatal(a.Error)
		}
	}
}
