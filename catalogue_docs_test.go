package hookd_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
)

// The built-in hooks in docs/catalogue.md are generated from the catalogue
// between these two lines; TestCatalogueDocIsCurrent regenerates them and
// compares, and with HOOKD_UPDATE_DOCS=1 writes them.
const (
	docBegin = "<!-- begin: generated from the built-in catalogue by TestCatalogueDocIsCurrent; HOOKD_UPDATE_DOCS=1 go test -run TestCatalogueDocIsCurrent . rewrites it -->\n"
	docEnd   = "<!-- end: generated -->\n"
)

// exampleData is a hook's data with made-up values of the right types.
func exampleData(h *hookd.Hook) json.RawMessage {
	data := map[string]any{}
	for i, f := range h.Fields {
		switch f.Type {
		case hookd.Integer:
			data[f.Name] = 4711 + 10*i
		case hookd.Number:
			data[f.Name] = 12.5
		case hookd.Boolean:
			data[f.Name] = true
		case hookd.Time:
			data[f.Name] = "2026-12-01T08:00:00.000Z"
		default:
			data[f.Name] = map[string]string{
				"reason": "Snow", "newStatus": "published", "status": "approved", "statusText": "Approved",
				"webhookId": "wh_0b5x2gq1mz", "url": "https://crm.example.org/hooks",
				"lastError": "HTTP 503 Service Unavailable",
			}[f.Name]
		}
	}
	b, _ := json.Marshal(data) // ints, floats, bools and strings always encode
	return b
}

// catalogueDoc is the generated part of docs/catalogue.md.
func catalogueDoc(t *testing.T, c *hookd.Catalogue) string {
	var b strings.Builder
	for _, g := range c.Groups() {
		fmt.Fprintf(&b, "### %s\n\n", g.Name)
		if g.System {
			b.WriteString("Sent by hookd itself, in every catalogue; producers cannot post them.\n\n")
		}
		for _, h := range g.Hooks {
			fmt.Fprintf(&b, "#### `%s`\n\n%s.\n\n| field | type | required |\n|---|---|---|\n", h.Name, h.Description)
			for _, f := range h.Fields {
				req := "yes"
				if !f.Required {
					req = "no"
				}
				fmt.Fprintf(&b, "| `%s` | %s | %s |\n", f.Name, f.Type, req)
			}
			data := h.ValidateData(exampleData(h), "", hookd.FieldErrors{})
			if data == nil {
				t.Fatalf("the example data of %s is not valid", h.Name)
			}
			tr := hookd.Trigger{ID: "trg_0b5x2gq1mz7k", Hook: h.Name, Data: data,
				Timestamp: time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, tr.Envelope(), "", "  "); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "\n```json\n%s\n```\n\n", pretty.String())
		}
	}
	return b.String()
}

func TestCatalogueDocIsCurrent(t *testing.T) {
	const path = "docs/catalogue.md"
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i, j := bytes.Index(doc, []byte(docBegin)), bytes.Index(doc, []byte(docEnd))
	if i < 0 || j < i {
		t.Fatalf("%s has no generated part between %q and %q", path, docBegin, docEnd)
	}
	want := catalogueDoc(t, hookd.BuiltinCatalogue())
	got := string(doc[i+len(docBegin) : j])
	if got == want {
		return
	}
	if os.Getenv("HOOKD_UPDATE_DOCS") == "1" {
		out := string(doc[:i+len(docBegin)]) + want + string(doc[j:])
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("rewrote the built-in hooks in %s", path)
		return
	}
	t.Errorf("the built-in hooks in %s are not those of the catalogue; run HOOKD_UPDATE_DOCS=1 go test -run TestCatalogueDocIsCurrent .", path)
}

// TestCatalogueDocExample: the full example file in docs/catalogue.md is a
// catalogue hookd reads.
func TestCatalogueDocExample(t *testing.T) {
	doc, err := os.ReadFile("docs/catalogue.md")
	if err != nil {
		t.Fatal(err)
	}
	const mark = "<!-- example catalogue file -->\n```json\n"
	i := bytes.Index(doc, []byte(mark))
	if i < 0 {
		t.Fatal("docs/catalogue.md has no example catalogue file")
	}
	rest := doc[i+len(mark):]
	example := rest[:bytes.Index(rest, []byte("```"))]
	if _, err := hookd.ParseCatalogue(example); err != nil {
		t.Errorf("the example catalogue file does not load: %v", err)
	}
}
