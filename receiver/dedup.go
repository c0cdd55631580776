package receiver

import (
	"container/list"
	"context"
	"sync"
)

// Store remembers the webhook-ids handled, so that a delivery sent again (a
// redelivery, a recovery, the same trigger to two webhooks with one URL) is
// handled once. Give Handler a shared one (a database table with a unique
// key, Redis SET NX) when several processes receive.
type Store interface {
	// Claim records id as handled, or being handled, and says whether it
	// was new: false means a duplicate, to be acknowledged and dropped.
	Claim(ctx context.Context, id string) (bool, error)
	// Release forgets id, after its handling failed, so that the next
	// delivery of it is handled.
	Release(ctx context.Context, id string) error
}

// MemoryStore is a Store in memory that keeps the newest Size ids (least
// recently claimed forgotten first). Safe for concurrent use.
type MemoryStore struct {
	size  int
	mu    sync.Mutex
	order *list.List // of ids, newest at the front
	ids   map[string]*list.Element
}

// DefaultMemorySize is the number of ids a MemoryStore keeps by default:
// at about 100 bytes an id, 10 MB.
const DefaultMemorySize = 100_000

// NewMemoryStore returns a MemoryStore of size ids (DefaultMemorySize when
// size <= 0).
func NewMemoryStore(size int) *MemoryStore {
	if size <= 0 {
		size = DefaultMemorySize
	}
	return &MemoryStore{size: size, order: list.New(), ids: map[string]*list.Element{}}
}

// Claim implements Store.
func (m *MemoryStore) Claim(_ context.Context, id string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.ids[id]; ok {
		m.order.MoveToFront(e)
		return false, nil
	}
	m.ids[id] = m.order.PushFront(id)
	for m.order.Len() > m.size {
		old := m.order.Back()
		m.order.Remove(old)
		delete(m.ids, old.Value.(string))
	}
	return true, nil
}

// Release implements Store.
func (m *MemoryStore) Release(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.ids[id]; ok {
		m.order.Remove(e)
		delete(m.ids, id)
	}
	return nil
}

// Len is the number of ids remembered.
func (m *MemoryStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.order.Len()
}
