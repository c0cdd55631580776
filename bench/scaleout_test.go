package bench

import (
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookd-dev/hookd/internal/testkit"
)

// TestScaleOut runs the scale-out scenario small: real hookd nodes, each in
// a cgroup, on a fresh PostgreSQL database; every (trigger, webhook) pair
// arrives exactly once, the table has a row per step, and no node process
// or cgroup is left behind.
func TestScaleOut(t *testing.T) {
	dsn := testkit.PostgresDSN(t)
	bin := testkit.BuildHookd(t)
	testkit.Require(t, "a writable cgroup v1 cpu controller", probeCgroup() == nil,
		"the scenario holds each node to a share of a CPU in "+cgroupCPU+" (as root where cgroup v1 is mounted)")
	var out strings.Builder
	o := Options{DB: dsn, Scenario: "scale-out", Nodes: []int{1, 2}, NodeCPU: 0.5,
		ScaleWebhooks: 30, ScaleTriggers: 4, HookdBinary: bin}
	if err := o.check(); err != nil {
		t.Fatal(err)
	}
	o.setDefaults()
	steps, err := o.scaleOut(t.Context(), &out)
	if err != nil {
		t.Fatalf("scale-out: %v\n%s", err, out.String())
	}
	if len(steps) != 2 {
		t.Fatalf("%d steps, want 2:\n%s", len(steps), out.String())
	}
	for _, s := range steps {
		if s.Received != 120 || s.Duplicates != 0 {
			t.Errorf("%d nodes: %d of 120 pairs received, %d duplicates; want each once", s.Nodes, s.Received, s.Duplicates)
		}
		if s.PerSec <= 0 || s.HookdCPU <= 0 || s.WALBytes <= 0 {
			t.Errorf("%d nodes: a figure is missing: %+v", s.Nodes, s)
		}
	}
	table := out.String()
	for _, row := range []string{"\n1  ", "\n2  ", "knee:"} {
		if !strings.Contains(table, row) {
			t.Errorf("the report has no %q row:\n%s", strings.TrimSpace(row), table)
		}
	}
	left, _ := filepath.Glob(filepath.Join(cgroupCPU, "hookd-bench-*"))
	if len(left) > 0 {
		t.Errorf("cgroups left behind: %v", left)
	}
}

// TestScaleOutRefusesWhatItCannotRun: an unknown scenario, a step of no
// nodes and a store that is not PostgreSQL are refused before anything
// starts, saying what to give instead.
func TestScaleOutRefusesWhatItCannotRun(t *testing.T) {
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{Scenario: "scaleout"}, `--scenario "scaleout": the only one is scale-out`},
		{Options{Scenario: "scale-out", Nodes: []int{1, 0}}, "--nodes: 0: each step needs at least 1 node"},
		{Options{Scenario: "scale-out"}, "--scenario scale-out needs --db postgres://"},
	} {
		err := Run(t.Context(), c.o, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Run(%+v) = %v, want an error saying %q", c.o, err, c.want)
		}
	}
}
