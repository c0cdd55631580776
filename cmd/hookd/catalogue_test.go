package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeRefusesABadCatalogue: a catalogue file that cannot work stops
// serve with exit status 2 before it listens or creates the store, with a
// message naming the flag, the file, the hook and what is wrong.
func TestServeRefusesABadCatalogue(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "catalogue.json")
	if err := os.WriteFile(bad, []byte(`{"groups": [{"name": "Orders", "hooks": [
		{"name": "orderPaid", "fields": [{"name": "amount", "type": "float"}]}]}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		env  string
		want []string
	}{
		{"flag", []string{"--catalogue", bad}, "", []string{"--catalogue " + bad, `hook "orderPaid", field "amount"`, `type "float" is not one of`}},
		{"env", nil, bad, []string{"--catalogue " + bad, `hook "orderPaid"`}},
		{"missing file", []string{"--catalogue", filepath.Join(dir, "nope.json")}, "", []string{"--catalogue " + filepath.Join(dir, "nope.json"), "no such file"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.env != "" {
				t.Setenv("HOOKD_CATALOGUE", c.env)
			}
			db := filepath.Join(t.TempDir(), "hookd.db")
			args := append([]string{"serve", "--db", db, "--addr", "127.0.0.1:0"}, c.args...)
			err := run(t.Context(), args, io.Discard, io.Discard)
			var u usageError
			if !errors.As(err, &u) {
				t.Fatalf("serve %v: %v, want a usage error (exit status 2)", c.args, err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("serve refused, yet the store %s was created (%v)", db, err)
			}
		})
	}
}
