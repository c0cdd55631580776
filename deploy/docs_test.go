package deploy

import (
	"os"
	"strings"
	"testing"
)

// docBlock returns the first fenced code block of the page docs/<page>
// after the line that ends with intro.
func docBlock(t *testing.T, page, intro string) string {
	t.Helper()
	raw, err := os.ReadFile("../docs/" + page)
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(raw), intro+"\n")
	if !ok {
		t.Fatalf("docs/%s has no line ending with %q", page, intro)
	}
	_, after, ok = strings.Cut(after, "```")
	_, after, ok1 := strings.Cut(after, "\n") // the fence's language, if any
	block, _, ok2 := strings.Cut(after, "```\n")
	if !ok || !ok1 || !ok2 {
		t.Fatalf("docs/%s: no code block after %q", page, intro)
	}
	return block
}

// replace replaces old, which must occur exactly once in s: a test that
// edits a documented snippet fails when the snippet changes under it.
func replace(t *testing.T, s, old, new string) string {
	t.Helper()
	if n := strings.Count(s, old); n != 1 {
		t.Fatalf("the snippet has %q %d times, want once:\n%s", old, n, s)
	}
	return strings.Replace(s, old, new, 1)
}
