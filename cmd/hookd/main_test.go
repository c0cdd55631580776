package main

import (
	"regexp"
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
	if len(listed) != 8 {
		t.Fatalf("hookd help lists %d commands, want 8:\n%s", len(listed), out.String())
	}
	for _, m := range listed {
		err := run(t.Context(), []string{m[1], "-h"}, &out, &errOut)
		if err != nil && strings.Contains(err.Error(), "unknown command") {
			t.Errorf("hookd help lists %q, which hookd does not run: %v", m[1], err)
		}
	}
}
