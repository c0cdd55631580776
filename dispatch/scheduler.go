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

// host is what the scheduler knows of one host (host:port), whichever
// accounts send to it: the per-host cap and slow start are the receiver's,
// not an account's.
type host struct {
	key      string
	inflight int
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
	// queues are the accounts' queues to this host: one, unless several
	// accounts have webhooks on it.
	queues []*hostQueue
}

func (h *host) open() bool { return h.inflight < h.limit }

// hostQueue holds the jobs of one account waiting for one host. Each
// account has its own queue, so that one account's backlog on a host does
// not stand in front of another's sends to it.
type hostQueue struct {
	key     string
	h       *host
	a       *account
	jobs    []job
	head    int
	inReady bool
}

func (q *hostQueue) waiting() int { return len(q.jobs) - q.head }

// account is one account's share of the scheduler: its host queues that
// may send, in turn order, and its sends in flight in each lane.
type account struct {
	key    string
	hosts  map[string]*hostQueue
	ready  []*hostQueue // queues with waiting jobs whose host had a free slot, in turn order
	inTurn bool
	queued int
	active int
	slow   int
}

// flight is one send in progress.
type flight struct {
	h     *hostQueue
	start time.Time
	slow  bool // counted in the slow lane rather than the active sends
}

// scheduler hands out jobs so that at most perHost sends to one host run at
// once (fewer while the host has not answered, see host.limit), accounts
// take turns, and each account's hosts take turns. At most maxActive sends
// are active; a send that has had no answer for slowAfter moves to the slow
// lane (at most maxSlow sends), which frees its active slot, and later
// sends to its host start there until the host answers quickly again.
// Hosts that have not answered yet start there too. So a slow or dead host
// holds only its own share of connections and never the slots of the
// others.
//
// While several accounts have sends waiting, none may start a send in a
// lane where it already holds its fair share (the lane's cap divided by
// the accounts waiting, rounded up): an account whose webhooks point at a
// thousand dead hosts cannot take the slow lane, nor the active slots,
// from another account's sends for longer than the sends it had in flight
// when the other's were queued (one delivery timeout). Alone, an account
// has every slot.
type scheduler struct {
	mu        sync.Mutex
	cond      *sync.Cond
	perHost   int
	maxActive int
	maxSlow   int
	slowAfter time.Duration

	hosts    map[string]*host
	accounts map[string]*account
	turn     []*account // accounts with a ready queue, in turn order
	waiting  int        // accounts with queued jobs
	queued   int
	active   int
	slow     int
	flights  map[*flight]struct{}
	closed   bool
}

func newScheduler(perHost, maxActive, maxSlow int, slowAfter time.Duration) *scheduler {
	s := &scheduler{perHost: perHost, maxActive: maxActive, maxSlow: maxSlow, slowAfter: slowAfter,
		hosts: make(map[string]*host), accounts: make(map[string]*account), flights: make(map[*flight]struct{})}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// push queues jobs; each job's account and host are its webhook's.
func (s *scheduler) push(jobs []job) {
	if len(jobs) == 0 {
		return
	}
	s.mu.Lock()
	var a *account
	for _, j := range jobs {
		if a == nil || a.key != j.w.AccountID { // one trigger's jobs are one account's
			a = s.account(j.w.AccountID)
		}
		q := a.hosts[j.w.host]
		if q == nil {
			q = s.queue(a, j.w.host)
		}
		q.jobs = append(q.jobs, j)
		s.queued++
		if a.queued++; a.queued == 1 {
			s.waiting++
		}
		s.makeReady(q)
	}
	s.mu.Unlock()
	s.cond.Broadcast()
}

func (s *scheduler) account(key string) *account {
	a := s.accounts[key]
	if a == nil {
		a = &account{key: key, hosts: make(map[string]*hostQueue)}
		s.accounts[key] = a
	}
	return a
}

func (s *scheduler) queue(a *account, key string) *hostQueue {
	h := s.hosts[key]
	if h == nil {
		h = &host{key: key, slow: true, limit: 1}
		s.hosts[key] = h
	}
	q := &hostQueue{key: key, h: h, a: a}
	h.queues = append(h.queues, q)
	a.hosts[key] = q
	return q
}

// makeReady puts q at the back of its account's turn, and its account at
// the back of the accounts' turn, when q has jobs its host may send.
func (s *scheduler) makeReady(q *hostQueue) {
	if !q.inReady && q.waiting() > 0 && q.h.open() {
		q.inReady = true
		q.a.ready = append(q.a.ready, q)
		if a := q.a; !a.inTurn {
			a.inTurn = true
			s.turn = append(s.turn, a)
		}
	}
}

// shares returns how many active and slow sends an account with jobs
// waiting may hold before it must leave the next slot to the others.
func (s *scheduler) shares() (active, slow int) {
	return share(s.maxActive, s.waiting), share(s.maxSlow, s.waiting)
}

// share is a fair share of a lane of slots among n accounts.
func share(slots, n int) int {
	if n > 1 {
		return (slots + n - 1) / n
	}
	return slots
}

// pick returns the first account in turn with a queue that may send now,
// and that queue's index in the account's turn; -1 when none may.
// An entry whose host has been filled meanwhile by another account's
// queue stays in turn: done makes it ready again.
func (s *scheduler) pick() (ai, qi int) {
	fastRoom, slowRoom := s.active < s.maxActive, s.slow < s.maxSlow
	if !fastRoom && !slowRoom {
		return -1, -1
	}
	shareActive, shareSlow := s.shares()
	for ai, a := range s.turn {
		fast, slow := fastRoom && a.active < shareActive, slowRoom && a.slow < shareSlow
		if !fast && !slow {
			continue
		}
		for qi, q := range a.ready {
			if q.h.open() && ((q.h.slow && slow) || (!q.h.slow && fast)) {
				return ai, qi
			}
		}
	}
	return -1, -1
}

// next blocks until a job may be sent, and returns it with its flight,
// which the caller hands back to done. ok is false once the scheduler is
// closed.
func (s *scheduler) next() (job, *flight, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ai, qi := -1, -1
	for !s.closed {
		if ai, qi = s.pick(); ai >= 0 {
			break
		}
		s.cond.Wait()
	}
	if s.closed {
		return job{}, nil, false
	}
	a := s.turn[ai]
	s.turn = remove(s.turn, ai)
	a.inTurn = false
	q := a.ready[qi]
	a.ready = remove(a.ready, qi)
	q.inReady = false
	j := q.jobs[q.head]
	q.jobs[q.head] = job{}
	q.head++
	if q.head == len(q.jobs) {
		q.jobs, q.head = q.jobs[:0], 0
	} else if q.head > 1024 && q.head > len(q.jobs)/2 {
		n := copy(q.jobs, q.jobs[q.head:])
		clear(q.jobs[n:])
		q.jobs, q.head = q.jobs[:n], 0
	}
	q.h.inflight++
	s.queued--
	if a.queued--; a.queued == 0 {
		s.waiting--
	}
	f := &flight{h: q, start: time.Now(), slow: q.h.slow}
	if f.slow {
		s.slow++
		a.slow++
	} else {
		s.active++
		a.active++
	}
	s.flights[f] = struct{}{}
	s.makeReady(q) // round robin: back of the line
	if !a.inTurn && len(a.ready) > 0 {
		a.inTurn = true
		s.turn = append(s.turn, a)
	}
	return j, f, true
}

// remove removes the i-th element of xs, keeping the order; removing the
// first (the common case) only moves the start, and removing the only one
// keeps the array, so that one account or one host taking turns alone
// does not allocate at every send.
func remove[T any](xs []*T, i int) []*T {
	if len(xs) == 1 {
		xs[0] = nil
		return xs[:0]
	}
	if i == 0 {
		xs[0] = nil
		return xs[1:]
	}
	return append(xs[:i], xs[i+1:]...)
}

// hostAnswer is what the scheduler learns of a host from one send, for done.
type hostAnswer int

const (
	noSend   hostAnswer = iota // nothing went over the network (a grey-listed URL)
	answered                   // the host answered, whatever the status
	noAnswer                   // a timeout or connection error
)

// done ends a send.
func (s *scheduler) done(f *flight, ans hostAnswer) {
	quick := time.Since(f.start) < s.slowAfter
	s.mu.Lock()
	delete(s.flights, f)
	a, h := f.h.a, f.h.h
	if f.slow {
		s.slow--
		a.slow--
	} else {
		s.active--
		a.active--
	}
	h.inflight--
	if quick && ans == answered {
		h.slow = false
	}
	if ans != noSend {
		h.limit = min(s.perHost, h.limit+1)
	}
	idle := h.inflight == 0
	for _, q := range h.queues {
		idle = idle && q.waiting() == 0
		s.makeReady(q)
	}
	if idle {
		s.forget(h)
	}
	s.mu.Unlock()
	s.cond.Broadcast()
}

// forget drops a host with nothing queued or in flight, and the accounts
// left with no host.
func (s *scheduler) forget(h *host) {
	delete(s.hosts, h.key)
	for _, q := range h.queues {
		q.jobs = nil
		a := q.a
		delete(a.hosts, h.key)
		if len(a.hosts) == 0 {
			delete(s.accounts, a.key)
		}
	}
	h.queues = nil
}

// demote moves the sends waiting longer than slowAfter to the slow lane, as
// long as it has room and their account has not its fair share of it, and
// marks their hosts slow.
func (s *scheduler) demote(now time.Time) {
	s.mu.Lock()
	n := 0
	for f := range s.flights {
		a := f.h.a
		if f.slow || now.Sub(f.start) < s.slowAfter || s.slow >= s.maxSlow {
			continue
		}
		sharing := s.waiting
		if a.queued == 0 && sharing > 0 {
			sharing++ // the others waiting, and a
		}
		if a.slow < share(s.maxSlow, sharing) {
			f.slow = true
			f.h.h.slow = true
			s.active--
			a.active--
			s.slow++
			a.slow++
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

// busy returns the accounts that have jobs queued.
func (s *scheduler) busy() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, a := range s.accounts {
		if a.queued > 0 {
			out = append(out, a.key)
		}
	}
	return out
}

// close wakes every waiter and makes next return false. Queued jobs are
// dropped: their triggers are not done and will be claimed again.
func (s *scheduler) close() []job {
	s.mu.Lock()
	s.closed = true
	var dropped []job
	for _, a := range s.accounts {
		for _, q := range a.hosts {
			dropped = append(dropped, q.jobs[q.head:]...)
		}
	}
	s.mu.Unlock()
	s.cond.Broadcast()
	return dropped
}
