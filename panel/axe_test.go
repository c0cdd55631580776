package panel_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hookd-dev/hookd/internal/testkit"
)

// axeSource is axe-core's script. It comes from npm (testkit.NodeModules,
// once per machine, into the user's cache): it is a test tool, not part of
// hookd, so it is never committed.
func (b *browser) axeSource() string {
	b.t.Helper()
	src, err := os.ReadFile(filepath.Join(testkit.NodeModules(b.t, "axe-core@4"), "axe-core", "axe.min.js"))
	if err != nil {
		b.t.Fatalf("axe-core: %v", err)
	}
	return string(src)
}

// axeViolation is one rule axe-core found broken, with where.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  []any  `json:"target"`
		Summary string `json:"failureSummary"`
	} `json:"nodes"`
}

// axe runs axe-core on the page the browser shows now (WCAG 2.1 A and AA
// and axe's best practices) and fails the test with every violation, named
// by state. Any test that brings a page into a new state can call it.
func (b *browser) axe(state string) {
	b.t.Helper()
	if b.noScript {
		b.setScript(true)
		defer b.setScript(false)
	}
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	loaded, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof axe === "object"`))
	if !loaded {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](b.axeSource()+";true")); err != nil {
			b.t.Fatalf("loading axe-core into %s: %v", state, err)
		}
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, {
		runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
		resultTypes: ["violations"]
	}).then(r => JSON.stringify(r.violations))`, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("axe on %s: %v", state, err)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		b.t.Fatalf("axe on %s: %v", state, err)
	}
	if len(vs) == 0 {
		return
	}
	var msg strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&msg, "\n  %s (%s): %s", v.ID, v.Impact, v.Help)
		for _, n := range v.Nodes {
			fmt.Fprintf(&msg, "\n    at %v: %s", n.Target, strings.ReplaceAll(n.Summary, "\n", " "))
		}
	}
	b.shot("axe-failed")
	b.t.Errorf("axe-core finds %d violations on %s (%s):%s", len(vs), state, b.location(), msg.String())
}

// check saves screenshots of the page at 1280 px and at 375 px, runs
// axe-core at both widths, and leaves the browser at 1280 px.
func (b *browser) check(name string) {
	b.t.Helper()
	b.shot(name)
	b.axe(name)
	b.setViewport(375, 812)
	b.shot(name + "-375px")
	b.axe(name + " at 375 px")
	if w := eval[int](b, `document.documentElement.scrollWidth`); w > 375 {
		b.t.Errorf("at 375 px %s is %d px wide: it scrolls sideways", name, w)
	}
	b.setViewport(1280, 900)
}
