package dispatch

import (
	"sync"
	"time"
)

// job is one send of one trigger to one webhook. It is kept small (two
// pointers, 16 bytes): a tick can queue millions of them.
type job struct {
	t *batchTrigger
	w *webhookEntry
}

// hostQueue holds the jobs waiting for one host (host:port).
type hostQueue struct {
	key      string
	jobs     []job
	head     int
	inflight int
	inReady  bool
	// slow is set until the host has answered within slowAfter, and again
	// when a send to it waits longer than that for its answer. A slow host's
	// sends wait in the slow lane: they do not hold the active slots the
	// other hosts' sends need. A host starts slow (unproven), so that a dead
	// host never takes active slots, not even for its first sends.
	slow bool
	// limit is how many sends to this host may be in flight: 1 at first,
	// then one more for every send to it that ends, up to perHost. It
	// doubles every round trip, as TCP's slow start: a healthy host is at
	// perHost within a few milliseconds, while a host that accepts
	// connections and never answers holds 1 connection for the first
	// delivery timeout, 2 for the next, and so on. A burst beside a hundred
	// dead hosts costs a hundred dials and goroutines, not thousands, and
	// a dead host with many URLs still gets its full share once its sends
	// keep timing out (so their URLs get grey-listed and its queue drains).
	limit int
}

func (h *hostQueue) waiting() int { return len(h.jobs) - h.head }

// flight is one send in progress.
type flight struct {
	h     *hostQueue
	start time.Time
	slow  bool // counted in the slow lane rather than the active sends
}

// scheduler hands out jobs so that at most perHost sends to one host run at
// once (fewer while the host has not answered, see hostQueue.limit) and
// hosts take turns. At most maxActive sends are active; a send that
// has had no answer for slowAfter moves to the slow lane (at most maxSlow
// sends), which frees its active slot, and later sends to its host start
// there until the host answers quickly again. Hosts that have not answered
// yet start there too. So a slow or dead host holds only its own share of
// connections and never the slots of the others.
type scheduler struct {
	mu        sync.Mutex
	cond      *sync.Cond
	perHost   int
	maxActive int
	maxSlow   int
	slowAfter time.Duration

	hosts   map[string]*hostQueue
	ready   []*hostQueue // hosts with waiting jobs and a free slot, in turn order
	queued  int
	active  int
	slow    int
	flights map[*flight]struct{}
	closed  bool
}

func newScheduler(perHost, maxActive, maxSlow int, slowAfter time.Duration) *scheduler {
	s := &scheduler{perHost: perHost, maxActive: maxActive, maxSlow: maxSlow, slowAfter: slowAfter,
		hosts: make(map[string]*hostQueue), flights: make(map[*flight]struct{})}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// push queues jobs; each job's host is its webhook's host.
func (s *scheduler) push(jobs []job) {
	if len(jobs) == 0 {
		return
	}
	s.mu.Lock()
	for _, j := range jobs {
		h := s.hosts[j.w.host]
		if h == nil {
			h = &hostQueue{key: j.w.host, slow: true, limit: 1}
			s.hosts[j.w.host] = h
		}
		h.jobs = append(h.jobs, j)
		s.queued++
		s.makeReady(h)
	}
	s.mu.Unlock()
	s.cond.Broadcast()
}

func (s *scheduler) makeReady(h *hostQueue) {
	if !h.inReady && h.waiting() > 0 && h.inflight < h.limit {
		h.inReady = true
		s.ready = append(s.ready, h)
	}
}

// pick returns the first ready host whose lane has room, in turn order.
func (s *scheduler) pick() int {
	fast, slow := s.active < s.maxActive, s.slow < s.maxSlow
	if fast && slow {
		if len(s.ready) > 0 {
			return 0
		}
		return -1
	}
	for i, h := range s.ready {
		if (h.slow && slow) || (!h.slow && fast) {
			return i
		}
	}
	return -1
}

// next blocks until a job may be sent, and returns it with its flight,
// which the caller hands back to done. ok is false once the scheduler is
// closed.
func (s *scheduler) next() (job, *flight, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := -1
	for !s.closed {
		if i = s.pick(); i >= 0 {
			break
		}
		s.cond.Wait()
	}
	if s.closed {
		return job{}, nil, false
	}
	h := s.ready[i]
	if i == 0 {
		s.ready[0] = nil
		s.ready = s.ready[1:]
	} else {
		s.ready = append(s.ready[:i], s.ready[i+1:]...)
	}
	h.inReady = false
	j := h.jobs[h.head]
	h.jobs[h.head] = job{}
	h.head++
	if h.head == len(h.jobs) {
		h.jobs, h.head = h.jobs[:0], 0
	} else if h.head > 1024 && h.head > len(h.jobs)/2 {
		n := copy(h.jobs, h.jobs[h.head:])
		clear(h.jobs[n:])
		h.jobs, h.head = h.jobs[:n], 0
	}
	h.inflight++
	s.queued--
	f := &flight{h: h, start: time.Now(), slow: h.slow}
	if f.slow {
		s.slow++
	} else {
		s.active++
	}
	s.flights[f] = struct{}{}
	s.makeReady(h) // round robin: back of the line
	return j, f, true
}

// hostAnswer is what the scheduler learns of a host from one send, for done.
type hostAnswer int

const (
	noSend   hostAnswer = iota // nothing went over the network (a grey-listed URL)
	answered                   // the host answered, whatever the status
	noAnswer                   // a timeout or connection error
)

// done ends a send.
func (s *scheduler) done(f *flight, a hostAnswer) {
	quick := time.Since(f.start) < s.slowAfter
	s.mu.Lock()
	delete(s.flights, f)
	if f.slow {
		s.slow--
	} else {
		s.active--
	}
	h := f.h
	h.inflight--
	if quick && a == answered {
		h.slow = false
	}
	if a != noSend {
		h.limit = min(s.perHost, h.limit+1)
	}
	if h.waiting() == 0 && h.inflight == 0 {
		delete(s.hosts, h.key)
		h.jobs = nil
	} else {
		s.makeReady(h)
	}
	s.mu.Unlock()
	s.cond.Broadcast()
}

// demote moves the sends waiting longer than slowAfter to the slow lane, as
// long as it has room, and marks their hosts slow.
func (s *scheduler) demote(now time.Time) {
	s.mu.Lock()
	n := 0
	for f := range s.flights {
		if !f.slow && now.Sub(f.start) >= s.slowAfter && s.slow < s.maxSlow {
			f.slow = true
			f.h.slow = true
			s.active--
			s.slow++
			n++
		}
	}
	s.mu.Unlock()
	if n > 0 {
		s.cond.Broadcast()
	}
}

// len returns the number of queued jobs not yet handed out.
func (s *scheduler) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queued
}

// close wakes every waiter and makes next return false. Queued jobs are
// dropped: their triggers are not done and will be claimed again.
func (s *scheduler) close() []job {
	s.mu.Lock()
	s.closed = true
	var dropped []job
	for _, h := range s.hosts {
		dropped = append(dropped, h.jobs[h.head:]...)
	}
	s.mu.Unlock()
	s.cond.Broadcast()
	return dropped
}
