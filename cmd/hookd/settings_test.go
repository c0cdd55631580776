package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hookd-dev/hookd/internal/testkit"
	"github.com/hookd-dev/hookd/server"
)

// notYet are the contract's settings that hookd does not have yet, with the
// issue that adds each. The test fails once one exists, so that it leaves
// this list and is checked like the others.
var notYet = map[string]string{}

// docRow is one row of a settings table in Markdown: | `--flag` | `ENV` | default | meaning |.
type docRow struct {
	flags, envs []string
	def         string
}

var codeSpan = regexp.MustCompile("`([^`]*)`")

// settingsTable reads the first Markdown table after the heading that
// contains heading.
func settingsTable(t *testing.T, path, heading string) []docRow {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("read %s: %v", path, err)
	}
	testkit.Require(t, path, err == nil, "it is not beside this checkout")
	_, after, ok := strings.Cut(string(raw), heading)
	if !ok {
		t.Fatalf("%s has no heading %q", path, heading)
	}
	var rows []docRow
	inTable := false
	for _, line := range strings.Split(after, "\n") {
		if !strings.HasPrefix(line, "|") {
			if inTable {
				break
			}
			continue
		}
		inTable = true
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) < 4 || !strings.Contains(cells[0], "`--") {
			continue // the header and its rule
		}
		var r docRow
		for _, m := range codeSpan.FindAllStringSubmatch(cells[0], -1) {
			r.flags = append(r.flags, strings.TrimPrefix(m[1], "--"))
		}
		for _, m := range codeSpan.FindAllStringSubmatch(cells[1], -1) {
			r.envs = append(r.envs, m[1])
		}
		r.def = strings.TrimSpace(cells[2])
		if m := codeSpan.FindStringSubmatch(r.def); m != nil {
			r.def = m[1]
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		t.Fatalf("%s: no settings table after %q", path, heading)
	}
	return rows
}

// sameDefault reports whether a documented default means the setting's
// default value (durations compare as durations: 1m is 1m0s).
func sameDefault(doc string, s server.Setting) bool {
	cfg := server.DefaultConfig()
	v := s.Field(&cfg)
	if d, ok := v.(*time.Duration); ok {
		got, err := time.ParseDuration(doc)
		return err == nil && got == *d
	}
	want := server.FormatDefault(v)
	if want == "" {
		return doc == s.NoDefault
	}
	return doc == want
}

// TestSettingsTablesAgree holds the README's and the contract's settings
// tables and `hookd serve --help` to the one settings table
// (server.Settings, defaults from server.DefaultConfig).
func TestSettingsTablesAgree(t *testing.T) {
	settings := map[string]server.Setting{}
	for _, s := range server.Settings() {
		settings[s.Flag] = s
	}
	check := func(doc string, rows []docRow, mustListAll bool) {
		listed := map[string]bool{}
		for _, r := range rows {
			for i, f := range r.flags {
				listed[f] = true
				s, ok := settings[f]
				if !ok {
					if _, later := notYet[f]; later && doc == "CONTRACT.md" {
						continue
					}
					t.Errorf("%s lists --%s, which hookd serve does not have", doc, f)
					continue
				}
				if _, later := notYet[f]; later {
					t.Errorf("--%s exists now: take it off notYet in this test", f)
				}
				if i < len(r.envs) && r.envs[i] != s.Env {
					t.Errorf("%s: --%s reads %s, the code reads %s", doc, f, r.envs[i], s.Env)
				}
				if len(r.flags) == 1 && !sameDefault(r.def, s) {
					cfg := server.DefaultConfig()
					t.Errorf("%s: --%s defaults to %q, the code to %q", doc, f, r.def, server.FormatDefault(s.Field(&cfg)))
				}
			}
		}
		if mustListAll {
			for f := range settings {
				if !listed[f] {
					t.Errorf("%s does not list --%s", doc, f)
				}
			}
		}
	}
	check("README.md", settingsTable(t, filepath.Join("..", "..", "README.md"), "## Settings"), true)
	check("CONTRACT.md", settingsTable(t, filepath.Join("..", "..", "..", "shared", "CONTRACT.md"), "`hookd serve` settings"), false)

	var out bytes.Buffer
	if err := run(t.Context(), []string{"serve", "--help"}, &out, &out); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("serve --help: %v", err)
	}
	help := out.String()
	cfg := server.DefaultConfig()
	for _, s := range server.Settings() {
		loc := regexp.MustCompile(`\n  -` + s.Flag + `[ \n]`).FindStringIndex(help)
		if loc == nil {
			t.Errorf("serve --help does not show -%s:\n%s", s.Flag, help)
			continue
		}
		entry, _, _ := strings.Cut(help[loc[1]:], "\n  -")
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
			db := filepath.Join(t.TempDir(), "hookd.db")
			var out bytes.Buffer
			err := run(t.Context(), []string{"serve", "--db", db, "--addr", "127.0.0.1:0"}, &out, &out)
			var u usageError
			if !errors.As(err, &u) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("serve with %s=%q: %v, want a usage error (exit 2) saying %q", c.env, c.value, err, c.want)
			}
			if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("serve refused, yet the store %s was created (%v)", db, err)
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
	db := filepath.Join(t.TempDir(), "hookd.db")
	var out bytes.Buffer
	err := run(t.Context(), []string{"serve", "--db", db, "--addr", "127.0.0.1:0"}, &out, &out)
	var u usageError
	if !errors.As(err, &u) {
		t.Fatalf("serve with unreadable variables: %v, want a usage error (exit 2)", err)
	}
	for _, want := range []string{
		`HOOKD_BATCH_INTERVAL="fast" is not a duration such as 5s or 1m`,
		`HOOKD_MAX_CONCURRENCY="many" is not a whole number`,
		`HOOKD_ALLOW_PRIVATE_URLS="sometimes" is not true or false`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("serve with unreadable variables: %q does not say %q", err, want)
		}
	}
	if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("serve refused, yet the store %s was created (%v)", db, err)
	}
}

// TestHelpHidesTheSMTPPassword: --help shows a setting's value from the
// environment as its default; the SMTP URL's password is not shown.
func TestHelpHidesTheSMTPPassword(t *testing.T) {
	t.Setenv("HOOKD_SMTP_URL", "smtp://hookd:Sup3r-secret@mail.example.org:587")
	var out bytes.Buffer
	if err := run(t.Context(), []string{"serve", "--help"}, &out, &out); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("serve --help: %v", err)
	}
	if strings.Contains(out.String(), "Sup3r-secret") {
		t.Errorf("serve --help shows the SMTP password:\n%s", out.String())
	}
	if !strings.Contains(out.String(), `(default "smtp://hookd:xxxxx@mail.example.org:587")`) {
		t.Errorf("serve --help does not show the SMTP URL, redacted:\n%s", out.String())
	}
}
