package hookd

import (
	"crypto/rand"
	"encoding/binary"
	"strings"
	"sync"
	"time"
)

// ID prefixes say what an ID names.
const (
	PrefixAccount  = "acc_"
	PrefixAPIKey   = "key_"
	PrefixWebhook  = "wh_"
	PrefixTrigger  = "tr_"
	PrefixDelivery = "dl_"
	PrefixUser     = "usr_"
	PrefixNotice   = "ntc_"
)

const crockford = "0123456789abcdefghjkmnpqrstvwxyz"

var idState struct {
	sync.Mutex
	ms   uint64
	rand [10]byte
}

// NewID returns prefix + a 26-character, lexically time-ordered ID (a ULID in
// lower-case Crockford base32). IDs made in one process are strictly
// increasing, so sorting by ID sorts by creation time.
func NewID(prefix string) string {
	return newIDAt(prefix, time.Now())
}

func newIDAt(prefix string, t time.Time) string {
	ms := uint64(t.UnixMilli())
	idState.Lock()
	if ms <= idState.ms {
		ms = idState.ms
		// Increment the 80-bit random part.
		for i := len(idState.rand) - 1; i >= 0; i-- {
			idState.rand[i]++
			if idState.rand[i] != 0 {
				break
			}
		}
	} else {
		idState.ms = ms
		_, _ = rand.Read(idState.rand[:])
		idState.rand[0] &= 0x7f // leave room to increment within the ms
	}
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], ms<<16)
	copy(b[6:], idState.rand[:])
	idState.Unlock()
	return encodeID(prefix, b)
}

// FloorID returns the smallest ID with prefix that can be made at t: every
// ID made before t sorts below it, every ID made at or after t does not.
func FloorID(prefix string, t time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(t.UnixMilli())<<16)
	return encodeID(prefix, b)
}

// deliveryIDSkew is how far apart a delivery's attempt time and the time in
// its ID may be: the ID is made at the attempt (or, for a test or a
// redelivery, just before it), by a node whose clock may disagree with
// another's by far less than this.
const deliveryIDSkew = time.Hour

// DeliveryIDsFrom and DeliveryIDsBefore bound the IDs of the deliveries
// attempted from since, or before until: a store scans an account's log by
// ID between them, and filters by attempt time, rather than keep an index
// by attempt time too.
func DeliveryIDsFrom(since time.Time) string {
	return FloorID(PrefixDelivery, since.Add(-deliveryIDSkew))
}

// DeliveryIDsBefore: see DeliveryIDsFrom.
func DeliveryIDsBefore(until time.Time) string {
	return FloorID(PrefixDelivery, until.Add(deliveryIDSkew))
}

func encodeID(prefix string, b [16]byte) string {
	out := make([]byte, len(prefix)+26)
	copy(out, prefix)
	dst := out[len(prefix):]
	// 128 bits as 26 base32 digits, most significant first (first digit has 3 bits).
	hi := binary.BigEndian.Uint64(b[:8])
	lo := binary.BigEndian.Uint64(b[8:])
	for i := 25; i >= 0; i-- {
		dst[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out)
}

// ValidID reports whether id is prefix followed by an ID as NewID makes
// them: 26 lower-case Crockford base32 digits whose first, holding the top
// 3 bits of 128, is 0 to 7. The API checks what a client passes back (a
// cursor) with it before the store sees it.
func ValidID(prefix, id string) bool {
	digits, ok := strings.CutPrefix(id, prefix)
	if !ok || len(digits) != 26 || digits[0] > '7' {
		return false
	}
	for i := 0; i < len(digits); i++ {
		if strings.IndexByte(crockford, digits[i]) < 0 {
			return false
		}
	}
	return true
}
