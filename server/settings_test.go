package server

import (
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hookd-dev/hookd/internal/testkit"
)

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Minute: "1m", 24 * time.Hour: "24h", 720 * time.Hour: "720h", 5 * time.Second: "5s",
		90 * time.Minute: "1h30m", 250 * time.Millisecond: "250ms", 0: "0s", time.Hour + time.Second: "1h0m1s",
	} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%s) = %q, want %q", d, got, want)
		}
		if back, err := time.ParseDuration(FormatDuration(d)); err != nil || back != d {
			t.Errorf("FormatDuration(%s) = %q does not parse back: %v, %v", d, FormatDuration(d), back, err)
		}
	}
}

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
func sameDefault(doc string, s Setting) bool {
	cfg := DefaultConfig()
	v := s.Field(&cfg)
	if d, ok := v.(*time.Duration); ok {
		got, err := time.ParseDuration(doc)
		return err == nil && got == *d
	}
	want := FormatDefault(v)
	if want == "" {
		return doc == s.NoDefault
	}
	return doc == want
}

// TestSettingsTablesAgree holds the README's and the contract's settings
// tables and `hookd serve --help` to the one settings table
// (Settings, defaults from DefaultConfig).
func TestSettingsTablesAgree(t *testing.T) {
	settings := map[string]Setting{}
	for _, s := range Settings() {
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
					cfg := DefaultConfig()
					t.Errorf("%s: --%s defaults to %q, the code to %q", doc, f, r.def, FormatDefault(s.Field(&cfg)))
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
	check("README.md", settingsTable(t, "../README.md", "## Settings"), true)
	check("CONTRACT.md", settingsTable(t, "../../shared/CONTRACT.md", "`hookd serve` settings"), false)
}
