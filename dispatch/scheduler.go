package dispatch

import (
	"sync"
)

// job is one send of one trigger to one webhook.
type job struct {
	t          *batchTrigger
	w          *webhookEntry
	deliveryID string // set for a send that already has a pending row
}

// hostQueue holds the jobs waiting for one host (host:port).
type hostQueue struct {
	key      string
	jobs     []job
	head     int
	inflight int
	inReady  bool
}

func (h *hostQueue) waiting() int { return len(h.jobs) - h.head }

// scheduler hands jobs to a fixed pool of workers so that at most perHost
// sends to one host run at once, and hosts take turns: a slow or dead host
// holds only its own share of the workers and never delays the others.
type scheduler struct {
	mu      sync.Mutex
	cond    *sync.Cond
	perHost int
	hosts   map[string]*hostQueue
	ready   []*hostQueue // hosts with waiting jobs and a free slot, in turn order
	queued  int
	closed  bool
}

func newScheduler(perHost int) *scheduler {
	s := &scheduler{perHost: perHost, hosts: make(map[string]*hostQueue)}
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
			h = &hostQueue{key: j.w.host}
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
	if !h.inReady && h.waiting() > 0 && h.inflight < s.perHost {
		h.inReady = true
		s.ready = append(s.ready, h)
	}
}

// next blocks until a job may be sent, and returns it with its host queue,
// which the caller hands back to done. ok is false once the scheduler is
// closed.
func (s *scheduler) next() (job, *hostQueue, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.ready) == 0 && !s.closed {
		s.cond.Wait()
	}
	if s.closed {
		return job{}, nil, false
	}
	h := s.ready[0]
	s.ready[0] = nil
	s.ready = s.ready[1:]
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
	s.makeReady(h) // round robin: back of the line
	return j, h, true
}

// done ends a send to h's host.
func (s *scheduler) done(h *hostQueue) {
	s.mu.Lock()
	h.inflight--
	if h.waiting() == 0 && h.inflight == 0 {
		delete(s.hosts, h.key)
		h.jobs = nil
	} else {
		s.makeReady(h)
	}
	s.mu.Unlock()
	s.cond.Signal()
}

// len returns the number of queued jobs not yet handed to a worker.
func (s *scheduler) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queued
}

// close wakes every worker and makes next return false. Queued jobs are
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
