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
