// Package sqlitetest opens a real SQLite store in a test's temporary
// folder, for the tests of packages that need a store but not a running
// hookd (the dispatcher, the API, the notifications). It is the one copy
// of that setup; the store engine's own tests, which also reopen a file,
// have sqlite.OpenForTest.
package sqlitetest

import (
	"path/filepath"
	"testing"

	"github.com/hookd-dev/hookd/sqlite"
)

// Open opens a new, empty store in a folder of tb's own, closed when tb
// ends, or fails tb.
func Open(tb testing.TB) *sqlite.Store {
	tb.Helper()
	s, err := sqlite.Open(tb.Context(), filepath.Join(tb.TempDir(), "hookd.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}
