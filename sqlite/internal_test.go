package sqlite

import (
	"database/sql"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/migration"
)

// OpenForTest opens the store at path or fails the test: how the tests of
// this package, inside it and outside (sqlite_test), open a store. The
// caller closes it.
func OpenForTest(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestDiskFull fills the database up to a page limit, as a full disk would,
// and checks that writes fail with EUNAVAILABLE and a message that says why.
func TestDiskFull(t *testing.T) {
	s := OpenForTest(t, filepath.Join(t.TempDir(), "hookd.db"))
	defer s.Close()
	if _, err := s.write.ExecContext(t.Context(), `PRAGMA max_page_count = 60`); err != nil {
		t.Fatal(err)
	}
	data := json.RawMessage(`{"reason":"` + strings.Repeat("x", 2000) + `"}`)
	var err error
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

// migratedBefore makes a database at path with the migrations before
// version applied and recorded, as an older hookd left it.
func migratedBefore(t *testing.T, path string, version int) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+escapePath(path))
	if err != nil {
		t.Fatal(err)
	}
	all, err := migration.List(migrations)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for _, m := range all {
		if m.Version >= version {
			break
		}
		if _, err := db.Exec(m.SQL); err != nil {
			t.Fatal(m.Name, err)
		}
		if _, err := db.Exec(`INSERT INTO schema_migrations VALUES (?, ?, 0)`, m.Version, m.Name); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// upgrade closes db and opens it as a Store, which applies the migrations
// it lacks; the test's end closes the store.
func upgrade(t *testing.T, db *sql.DB, path string) *Store {
	t.Helper()
	db.Close()
	s := OpenForTest(t, path)
	t.Cleanup(func() { s.Close() })
	return s
}

// TestMigrateDeliverySpans opens a database made before migration 0004,
// which replaced the delivery log's index by webhook with one span row per
// webhook, and checks that its existing log still filters by webhook.
func TestMigrateDeliverySpans(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hookd.db")
	db := migratedBefore(t, path, 4)
	// Three webhooks' deliveries, interleaved, written before the upgrade.
	var ids [3][]string
	for i := range 30 {
		id := hookd.NewID(hookd.PrefixDelivery)
		ids[i%3] = append(ids[i%3], id)
		_, err := db.Exec(`INSERT INTO deliveries (id, account_id, trigger_id, webhook_id, hook, url, status, attempted_at)
			VALUES (?, 'acc_1', ?, ?, 'eventCanceled', 'https://example.com/', 'delivered', 0)`,
			id, "tr_"+strconv.Itoa(i), "wh_"+strconv.Itoa(i%3))
		if err != nil {
			t.Fatal(err)
		}
	}
	s := upgrade(t, db, path)
	for w := range 3 {
		list, next, err := s.Deliveries(t.Context(), hookd.DeliveryFilter{AccountID: "acc_1", WebhookID: "wh_" + strconv.Itoa(w), Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 10 || next != "" || list[0].ID != ids[w][9] || list[9].ID != ids[w][0] {
			t.Errorf("webhook %d after the upgrade: %d deliveries (next %q), want its 10, newest first", w, len(list), next)
		}
	}
	// New deliveries widen the span.
	d := hookd.Delivery{ID: hookd.NewID(hookd.PrefixDelivery), AccountID: "acc_1", TriggerID: "tr_new", WebhookID: "wh_1",
		Hook: "eventCanceled", URL: "https://example.com/", Status: hookd.StatusFailed, AttemptedAt: time.Now()}
	if err := s.RecordDeliveries(t.Context(), hookd.RecordParams{Deliveries: []hookd.Delivery{d}}); err != nil {
		t.Fatal(err)
	}
	list, _, err := s.Deliveries(t.Context(), hookd.DeliveryFilter{AccountID: "acc_1", WebhookID: "wh_1", Limit: 2})
	if err != nil || len(list) != 2 || list[0].ID != d.ID || list[1].ID != ids[1][9] {
		t.Errorf("after a new delivery: %v %v, want it first", list, err)
	}
	if list, _, _ := s.Deliveries(t.Context(), hookd.DeliveryFilter{AccountID: "acc_2", WebhookID: "wh_1"}); len(list) != 0 {
		t.Errorf("another account sees %d of wh_1's deliveries", len(list))
	}
}

// TestMigrateGreylistPerAccount opens a database made before migration
// 0007, whose grey-list state was per URL and shared by every account, and
// checks that the upgrade drops that state (it cannot be given to one
// account): both accounts' webhooks with the grey-listed URL are healthy and
// sent to again, and new failures grey-list the failing account only.
func TestMigrateGreylistPerAccount(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hookd.db")
	db := migratedBefore(t, path, 7)
	const u = "https://shared.example/h"
	until := time.Now().Add(time.Hour).UnixMilli()
	for _, q := range []string{
		`INSERT INTO accounts (id, name, created_at) VALUES ('acc_a', 'a', 0), ('acc_b', 'b', 0)`,
		`INSERT INTO webhooks (id, account_id, name, url, hooks, enabled, created_at, updated_at, secret)
			VALUES ('wh_a', 'acc_a', 'a', '` + u + `', '["eventAdded"]', 1, 0, 0, 'whsec_a'),
			('wh_b', 'acc_b', 'b', '` + u + `', '["eventAdded"]', 1, 0, 0, 'whsec_b')`,
		`INSERT INTO url_states (url, consecutive_failures, level, until) VALUES ('` + u + `', 3, 1, ` + strconv.FormatInt(until, 10) + `)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	s := upgrade(t, db, path)
	if states, err := s.URLStates(t.Context()); err != nil || len(states) != 0 {
		t.Errorf("URLStates after the upgrade = %+v (%v), want none: the shared state is dropped", states, err)
	}
	for _, w := range []struct{ account, id string }{{"acc_a", "wh_a"}, {"acc_b", "wh_b"}} {
		got, err := s.Webhook(t.Context(), w.account, w.id)
		if err != nil || !got.Greylist.Healthy() {
			t.Errorf("webhook %s after the upgrade: Greylist %+v (%v), want healthy", w.id, got.Greylist, err)
		}
	}
	fail := hookd.URLOutcome{AccountID: "acc_a", URL: u, At: time.Now()}
	err := s.RecordDeliveries(t.Context(), hookd.RecordParams{Outcomes: []hookd.URLOutcome{fail, fail, fail}})
	if err != nil {
		t.Fatal(err)
	}
	for account, want := range map[string]int{"acc_a": 1, "acc_b": 0} {
		list, err := s.Greylist(t.Context(), account)
		if err != nil || len(list) != want {
			t.Errorf("Greylist(%s) after 3 failures of acc_a = %+v (%v), want %d entries", account, list, err, want)
		}
	}
}
