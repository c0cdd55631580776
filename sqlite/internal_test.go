package sqlite

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hookd"
)

// TestDiskFull fills the database up to a page limit, as a full disk would,
// and checks that writes fail with EUNAVAILABLE and a message that says why.
func TestDiskFull(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "hookd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.write.ExecContext(t.Context(), `PRAGMA max_page_count = 60`); err != nil {
		t.Fatal(err)
	}
	data := json.RawMessage(`{"reason":"` + strings.Repeat("x", 2000) + `"}`)
	for i := range 1000 {
		ts := []hookd.Trigger{{ID: hookd.NewID(hookd.PrefixTrigger), AccountID: "acc_1", Hook: "eventCanceled",
			Data: data, Timestamp: time.Now()}}
		err = s.InsertTriggers(t.Context(), ts)
		if err != nil {
			break
		}
		if i == 999 {
			t.Fatal("the database never filled up")
		}
	}
	if hookd.ErrorCode(err) != hookd.EUNAVAILABLE {
		t.Fatalf("write to a full database: %v (code %q), want %q", err, hookd.ErrorCode(err), hookd.EUNAVAILABLE)
	}
	if msg := hookd.ErrorMessage(err); msg != "the store cannot be written: the disk is full" {
		t.Errorf("message = %q", msg)
	}
	// Reads still work.
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping of a full database: %v", err)
	}
}
