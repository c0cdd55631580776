package dispatch

import (
	"strconv"
	"testing"
	"time"
)

// jobsFor returns n jobs to host.
func jobsFor(host string, n int) []job {
	w := &webhookEntry{ID: "wh_" + host, host: host}
	t := &batchTrigger{}
	jobs := make([]job, n)
	for i := range jobs {
		jobs[i] = job{t: t, w: w}
	}
	return jobs
}

// take hands out every job the scheduler lets start now, without blocking.
func take(s *scheduler) []*flight {
	var fs []*flight
	for {
		s.mu.Lock()
		i, _ := s.pick()
		s.mu.Unlock()
		if i < 0 {
			return fs
		}
		_, f, _ := s.next()
		fs = append(fs, f)
	}
}

func countHost(fs []*flight, host string) int {
	n := 0
	for _, f := range fs {
		if f.h.key == host {
			n++
		}
	}
	return n
}

// A host that has not answered yet gets one connection; each round of
// answers doubles what it may have in flight, up to the per-host cap.
func TestSchedulerOpensAHostAsItAnswers(t *testing.T) {
	s := newScheduler(8, 100, 100, time.Hour)
	s.push(jobsFor("a:1", 100))
	fs := take(s)
	if len(fs) != 1 {
		t.Fatalf("an unproven host got %d sends at once, want 1", len(fs))
	}
	for _, want := range []int{2, 4, 8, 8} {
		for _, f := range fs {
			s.done(f, answered)
		}
		if fs = take(s); len(fs) != want {
			t.Fatalf("after answers: %d sends in flight, want %d", len(fs), want)
		}
	}
	// Sends that go nowhere (grey-listed) do not open it further; sends
	// that end without an answer do, a round per delivery timeout, so a
	// dead host with many URLs still drains.
	s = newScheduler(8, 100, 100, time.Hour)
	s.push(jobsFor("b:1", 100))
	fs = take(s)
	s.done(fs[0], noSend)
	if fs = take(s); len(fs) != 1 {
		t.Fatalf("after a grey-listed skip: %d sends in flight, want 1", len(fs))
	}
	s.done(fs[0], noAnswer)
	if fs = take(s); len(fs) != 2 {
		t.Fatalf("after a timeout: %d sends in flight, want 2", len(fs))
	}
}

// Hosts that accept connections and never answer hold one connection each,
// in the slow lane, however many deliveries wait for them; a healthy host
// still gets its full share of active slots.
func TestSchedulerDeadHostsHoldOneConnectionEach(t *testing.T) {
	s := newScheduler(64, 256, 1024, time.Hour)
	s.push(jobsFor("ok:1", 1))
	first := take(s)
	s.done(first[0], answered) // the healthy host has answered once
	for i := range 100 {
		s.push(jobsFor("dead:"+string(rune('a'+i%26))+string(rune('a'+i/26)), 10))
	}
	s.push(jobsFor("ok:1", 500))
	fs := take(s)
	dead := 0
	for _, f := range fs {
		if f.h.key != "ok:1" {
			dead++
			if !f.slow {
				t.Fatalf("a send to %s, which never answered, took an active slot", f.h.key)
			}
		}
	}
	if dead != 100 {
		t.Errorf("100 dead hosts with 10 deliveries each hold %d connections, want 100", dead)
	}
	// The healthy host doubles with every round of answers, to its cap of 64.
	for range 10 {
		for _, f := range fs {
			if f.h.key == "ok:1" {
				s.done(f, answered)
			}
		}
		fs = append(fs[:0], take(s)...)
	}
	s.mu.Lock()
	h := s.hosts["ok:1"]
	inflight, limit := h.inflight, h.limit
	s.mu.Unlock()
	if inflight != 64 || limit != 64 {
		t.Errorf("healthy host beside dead ones: %d in flight, limit %d; want 64 and 64", inflight, limit)
	}
}

// jobsOf returns n jobs of account to host.
func jobsOf(account, host string, n int) []job {
	jobs := jobsFor(host, n)
	w := *jobs[0].w
	w.AccountID = account
	for i := range jobs {
		jobs[i].w = &w
	}
	return jobs
}

// An account alone has the whole slow lane; once another account's sends
// wait, it gets no more than half, and the other gets each slot it frees.
func TestSchedulerSharesTheLanesBetweenAccounts(t *testing.T) {
	s := newScheduler(64, 8, 16, time.Hour)
	for i := range 100 {
		s.push(jobsOf("A", "dead:"+strconv.Itoa(i), 1))
	}
	a := take(s)
	if len(a) != 16 {
		t.Fatalf("account A alone got %d sends in the slow lane of 16, want 16", len(a))
	}
	for i := range 20 {
		s.push(jobsOf("B", "new:"+strconv.Itoa(i), 1))
	}
	if fs := take(s); len(fs) != 0 {
		t.Fatalf("with the slow lane full, %d more sends started", len(fs))
	}
	// Each of A's sends that ends leaves its slot to B, until B holds half.
	var b []*flight
	for i := range 8 {
		s.done(a[i], noAnswer)
		fs := take(s)
		if len(fs) != 1 || fs[0].h.a.key != "B" {
			t.Fatalf("after %d of A's sends ended, the freed slot went to %v, want one send of B", i+1, fs)
		}
		b = append(b, fs...)
	}
	s.done(a[8], noAnswer)
	fs := take(s)
	if len(fs) != 1 || fs[0].h.a.key != "A" {
		t.Fatalf("with B at half the slow lane, a slot A freed went to %v, want A's", fs)
	}
	// B's sends end: the 8 slots they free go to B's next hosts (new, so
	// slow too), not to A, which holds its half.
	for _, f := range b {
		s.done(f, answered)
	}
	fs = take(s)
	for _, f := range fs {
		if f.h.a.key != "B" {
			t.Fatalf("A got a slot B freed while holding half the slow lane")
		}
	}
	if len(fs) != 8 {
		t.Fatalf("after B's 8 sends ended, %d of B's started, want 8", len(fs))
	}
}

// Sends that wait too long move to the slow lane only up to their
// account's fair share of it while another account's sends wait, so that
// one account's hosts going dead do not fill the lane the other's new
// hosts start in.
func TestSchedulerDemotesNoAccountPastItsShare(t *testing.T) {
	s := newScheduler(64, 8, 4, time.Hour)
	var a []*flight
	for i := range 8 { // 8 hosts of A that have answered once, then hang
		host := "was-ok:" + strconv.Itoa(i)
		s.push(jobsOf("A", host, 2))
		first := take(s)
		s.done(first[0], answered)
		a = append(a, take(s)...)
	}
	for _, f := range a {
		if f.slow {
			t.Fatalf("a send to %s, which answered quickly, started in the slow lane", f.h.key)
		}
	}
	s.push(jobsOf("B", "new:1", 2)) // one starts, in the slow lane; one waits
	if fs := take(s); len(fs) != 1 || !fs[0].slow {
		t.Fatalf("B's new host: %d sends started, want 1 in the slow lane", len(fs))
	}
	s.demote(time.Now().Add(2 * time.Hour))
	demoted := 0
	for _, f := range a {
		if f.slow {
			demoted++
		}
	}
	if demoted != 2 {
		t.Errorf("%d of A's hanging sends moved to the slow lane of 4 beside B's, want 2 (half)", demoted)
	}
}
