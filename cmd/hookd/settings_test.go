package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookd-dev/hookd/server"
)

// TestServeHelpShowsEachSetting: `hookd serve --help` shows each setting
// of the one settings table (server.Settings) with its default (from
// server.DefaultConfig) and its variable.
func TestServeHelpShowsEachSetting(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), []string{"serve", "--help"}, &out, &out); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("serve --help: %v", err)
	}
	help := out.String()
	// Each flag's entry starts a line with "  -" and its name, then a space
	// (its kind) or a new line (its help).
	entries := map[string]string{}
	for _, e := range strings.Split(help, "\n  -")[1:] {
		if i := strings.IndexAny(e, " \n"); i > 0 {
			entries[e[:i]] = e[i:]
		}
	}
	cfg := server.DefaultConfig()
	for _, s := range server.Settings() {
		entry, ok := entries[s.Flag]
		if !ok {
			t.Errorf("serve --help does not show -%s:\n%s", s.Flag, help)
			continue
		}
		want := server.FormatDefault(s.Field(&cfg))
		if want == "" {
			want = s.NoDefault
		}
		if want != "false" && !strings.Contains(entry, "(default "+want+")") && !strings.Contains(entry, `(default "`+want+`")`) {
			t.Errorf("serve --help: -%s does not say its default %s:\n%s", s.Flag, want, entry)
		}
		if !strings.Contains(entry, s.Env) {
			t.Errorf("serve --help: -%s does not name %s", s.Flag, s.Env)
		}
	}
}

// refusedServe runs `hookd serve` on a new store, which it must refuse with
// a usage error (exit status 2) before the store is created, and returns
// that error; what names the case in failures.
func refusedServe(t *testing.T, what string) error {
	t.Helper()
	db := filepath.Join(t.TempDir(), "hookd.db")
	var out bytes.Buffer
	err := run(t.Context(), []string{"serve", "--db", db, "--addr", "127.0.0.1:0"}, &out, &out)
	var u usageError
	if !errors.As(err, &u) {
		t.Fatalf("serve %s: %v, want a usage error (exit 2)", what, err)
	}
	if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("serve refused, yet the store %s was created (%v)", db, err)
	}
	return err
}

// TestServeRefusesWeakChosenCredentials: a chosen API key under 32
// characters or admin password under 10 stops serve with exit status 2 and
// a message naming the variable, before the store is created.
func TestServeRefusesWeakChosenCredentials(t *testing.T) {
	for _, c := range []struct{ env, value, want string }{
		{"HOOKD_API_KEY", "my-secret-key", "HOOKD_API_KEY needs at least 32 characters"},
		{"HOOKD_ADMIN_PASSWORD", "abc", "HOOKD_ADMIN_PASSWORD needs at least 10 characters"},
		{"HOOKD_ADMIN_PASSWORD", strings.Repeat("é", 40), "HOOKD_ADMIN_PASSWORD can have at most 72 bytes"},
	} {
		t.Run(c.env, func(t *testing.T) {
			t.Setenv(c.env, c.value)
			what := fmt.Sprintf("with %s=%q", c.env, c.value)
			if err := refusedServe(t, what); !strings.Contains(err.Error(), c.want) {
				t.Errorf("serve %s: %v, want it to say %q", what, err, c.want)
			}
		})
	}
}

// TestServeReadsVariablesAsTheirSettings: a HOOKD_* variable becomes its
// setting (a flag given too wins), and variables that do not read as their
// setting's kind stop serve with exit status 2, each named with what it
// should be, before the store is created.
func TestServeReadsVariablesAsTheirSettings(t *testing.T) {
	t.Setenv("HOOKD_NODE", "node-from-env")
	t.Setenv("HOOKD_LOG_LEVEL", "debug")
	t.Setenv("HOOKD_MAX_PER_HOST", "7")
	t.Setenv("HOOKD_LEASE", "45s")
	t.Setenv("HOOKD_ALLOW_PRIVATE_URLS", "true")
	cfg := server.DefaultConfig()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	if err := serveFlags(fs, &cfg).parse([]string{"--log-level", "warn"}); err != nil {
		t.Fatal(err)
	}
	if cfg.Node != "node-from-env" || cfg.LogLevel != "warn" || cfg.MaxPerHost != 7 || cfg.Lease != 45*time.Second || !cfg.AllowPrivateURLs {
		t.Errorf("settings from the variables (and --log-level warn): %+v", cfg)
	}

	t.Setenv("HOOKD_BATCH_INTERVAL", "fast")
	t.Setenv("HOOKD_MAX_CONCURRENCY", "many")
	t.Setenv("HOOKD_ALLOW_PRIVATE_URLS", "sometimes")
	err := refusedServe(t, "with unreadable variables")
	for _, want := range []string{
		`HOOKD_BATCH_INTERVAL="fast" is not a duration such as 5s or 1m`,
		`HOOKD_MAX_CONCURRENCY="many" is not a whole number`,
		`HOOKD_ALLOW_PRIVATE_URLS="sometimes" is not true or false`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("serve with unreadable variables: %q does not say %q", err, want)
		}
	}
}

// TestHelpHidesPasswords: --help shows a setting's value from the
// environment as its default; a password in it (the SMTP URL's, the
// PostgreSQL URL's) is not shown, by serve nor by the commands that work on
// the store directly.
func TestHelpHidesPasswords(t *testing.T) {
	t.Setenv("HOOKD_SMTP_URL", "smtp://hookd:Sup3r-secret@mail.example.org:587")
	t.Setenv("HOOKD_DB", "postgres://hookd:Db-s3cret@db.example.org:5432/hookd")
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"serve", "--help"}, []string{`(default "smtp://hookd:xxxxx@mail.example.org:587")`, `(default "postgres://hookd:xxxxx@db.example.org:5432/hookd")`}},
		{[]string{"backup", "--help"}, []string{`(default "postgres://hookd:xxxxx@db.example.org:5432/hookd")`}},
		{[]string{"password", "--help"}, []string{`(default "postgres://hookd:xxxxx@db.example.org:5432/hookd")`}},
	} {
		var out bytes.Buffer
		if err := run(t.Context(), c.args, &out, &out); !errors.Is(err, flag.ErrHelp) {
			t.Fatalf("%s: %v", strings.Join(c.args, " "), err)
		}
		if strings.Contains(out.String(), "Sup3r-secret") || strings.Contains(out.String(), "Db-s3cret") {
			t.Errorf("%s shows a password:\n%s", strings.Join(c.args, " "), out.String())
		}
		for _, w := range c.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%s does not show %s:\n%s", strings.Join(c.args, " "), w, out.String())
			}
		}
	}
}
