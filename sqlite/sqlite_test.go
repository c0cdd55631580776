package sqlite_test

import (
	"path/filepath"
	"testing"

	"hookd"
	"hookd/sqlite"
	"hookd/storetest"
)

func open(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) hookd.Store {
		return open(t, filepath.Join(t.TempDir(), "hookd.db"))
	})
}
