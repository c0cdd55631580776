package main

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestUsageListsEachCommand: hookd help lists the commands, and each one
// it lists is one hookd runs (asked for its own help here).
func TestUsageListsEachCommand(t *testing.T) {
	var out, errOut strings.Builder
	if err := run(t.Context(), []string{"help"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	listed := regexp.MustCompile(`(?m)^  hookd (\w+) +\S`).FindAllStringSubmatch(out.String(), -1)
	if len(listed) != len(commands) {
		t.Fatalf("hookd help lists %d commands, want %d:\n%s", len(listed), len(commands), out.String())
	}
	for _, m := range listed {
		err := run(t.Context(), []string{m[1], "-h"}, &out, &errOut)
		if err != nil && strings.Contains(err.Error(), "unknown command") {
			t.Errorf("hookd help lists %q, which hookd does not run: %v", m[1], err)
		}
	}
}

// TestCommandsRefuseUnknownFlags: every command but version takes a flag
// it does not know, or an argument after its flags that it does not take,
// as a mistake in the command line: a usage error (exit status 2), before
// it does anything.
func TestCommandsRefuseUnknownFlags(t *testing.T) {
	var out strings.Builder
	for _, c := range commands {
		if c.name == "version" {
			continue
		}
		for _, args := range [][]string{{c.name, "--no-such-flag"}, {c.name, "extra"}} {
			switch c.name {
			case "keys", "accounts":
				args = slices.Insert(args, 1, "list")
			case "backup": // takes one argument, the file: a second is the extra one
				args = slices.Insert(args, 1, "copy.db")
			}
			err := run(t.Context(), args, &out, &out)
			var u usageError
			if !errors.As(err, &u) {
				t.Errorf("hookd %s: %v, want a usage error (exit 2)", strings.Join(args, " "), err)
			}
		}
	}
}
