package hookd

import (
	"testing"
	"time"
)

func TestFloorID(t *testing.T) {
	at := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	floor := FloorID(PrefixDelivery, at)
	before, after := newIDAt(PrefixDelivery, at.Add(-time.Millisecond)), newIDAt(PrefixDelivery, at)
	if !(before < floor && floor <= after) {
		t.Errorf("FloorID = %s; an ID a millisecond earlier is %s and one made at that time %s", floor, before, after)
	}
	if len(floor) != len(after) || floor[:3] != "dl_" {
		t.Errorf("FloorID = %q, want the shape of %q", floor, after)
	}
}

func TestValidID(t *testing.T) {
	for range 100 {
		if id := NewID(PrefixDelivery); !ValidID(PrefixDelivery, id) {
			t.Fatalf("ValidID(%q) = false for an ID NewID made", id)
		}
	}
	largest := PrefixDelivery + "7zzzzzzzzzzzzzzzzzzzzzzzzz"
	for _, id := range []string{FloorID(PrefixDelivery, time.Unix(0, 0)), FloorID(PrefixDelivery, time.Now()), largest} {
		if !ValidID(PrefixDelivery, id) {
			t.Errorf("ValidID(%q) = false, want true", id)
		}
	}
	good := NewID(PrefixDelivery)
	for _, id := range []string{
		"", "dl_", good[3:], "wh_" + good[3:], "DL_" + good[3:], // prefix
		good[:len(good)-1], good + "0", // length
		PrefixDelivery + "8zzzzzzzzzzzzzzzzzzzzzzzzz",                                   // more than 128 bits
		good[:5] + "A" + good[6:], good[:5] + "i" + good[6:], good[:5] + "l" + good[6:], // not lower-case Crockford
		good[:5] + "o" + good[6:], good[:5] + "u" + good[6:], good[:5] + "-" + good[6:],
		good[:5] + "\x00" + good[6:], good[:28] + "é",
		"dl_' OR '1'='1", "dl_%",
	} {
		if ValidID(PrefixDelivery, id) {
			t.Errorf("ValidID(%q) = true, want false", id)
		}
	}
}
