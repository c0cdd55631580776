package hookd

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// hookNameRule is what a hook name (and a field name) of a catalogue file
// matches: the contract's rule, short and safe in URLs, element ids, logs
// and error keys.
var hookNameRule = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9._-]{0,63}$`)

// maxFileErrors is how many problems of a catalogue file are reported at
// once; the rest follow once those are fixed.
const maxFileErrors = 20

// catalogueFile, groupFile, hookFile and fieldFile are the file format
// (CONTRACT.md §2, Hooks); unknown keys are refused at every level.
type catalogueFile struct {
	Groups []json.RawMessage `json:"groups"`
}

type groupFile struct {
	Name  string            `json:"name"`
	Hooks []json.RawMessage `json:"hooks"`
}

type hookFile struct {
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Fields      []json.RawMessage `json:"fields"`
}

type fieldFile struct {
	Name     string    `json:"name"`
	Type     FieldType `json:"type"`
	Required *bool     `json:"required"`
}

// ParseCatalogue reads a catalogue file: {"groups": [{"name", "hooks":
// [{"name", "description", "fields": [{"name", "type", "required"?}]}]}]}.
// It is as strict as the rest of hookd's input (no duplicate member, no
// unknown key, no lone surrogate) and each error names the group, the hook
// and the field it is about. The system hooks are added to the result.
func ParseCatalogue(data []byte) (*Catalogue, error) {
	p := fileParser{hooks: map[string]bool{}}
	for _, h := range systemHooks() {
		p.hooks[h.Name] = true
	}
	groups := p.parse(data)
	if len(p.errs) > 0 {
		if len(p.errs) > maxFileErrors {
			n := len(p.errs) - maxFileErrors
			p.errs = append(p.errs[:maxFileErrors], fmt.Errorf("and %d more", n))
		}
		return nil, errors.Join(p.errs...)
	}
	return newCatalogue(groups), nil
}

type fileParser struct {
	errs  []error
	hooks map[string]bool // names taken: the system hooks and those read so far
}

func (p *fileParser) fail(where, format string, args ...any) {
	if where != "" {
		where += ": "
	}
	p.errs = append(p.errs, fmt.Errorf(where+format, args...))
}

// decode reads raw into v strictly: valid JSON, no duplicate member, no
// lone surrogate (CheckJSON), no unknown key. Problems under the member
// inner (a list decode's caller reads element by element) are left to
// that reading, which names the hook they are in.
func (p *fileParser) decode(where string, raw []byte, v any, inner string) bool {
	if !json.Valid(raw) {
		err := json.Unmarshal(raw, v)
		p.fail(where, "not valid JSON: %v", err)
		return false
	}
	errs := FieldErrors{}
	CheckJSON(raw, "", errs)
	bad := false
	for _, k := range slices.Sorted(maps.Keys(errs)) {
		if inner == "" || !strings.HasPrefix(k, inner+"[") {
			p.fail(where, "%s %s", k, errs[k])
			bad = true
		}
	}
	if bad {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		p.fail(where, "%s", strings.TrimPrefix(err.Error(), "json: "))
		return false
	}
	return true
}

func (p *fileParser) parse(data []byte) []Group {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		p.fail("", `the file must be a JSON object {"groups": [...]}`)
		return nil
	}
	var f catalogueFile
	if !p.decode("", data, &f, "groups") {
		return nil
	}
	if len(f.Groups) == 0 {
		p.fail("", `"groups" is missing or empty: a catalogue has at least one group of hooks`)
	}
	var groups []Group
	seen := map[string]bool{}
	for i, raw := range f.Groups {
		where := fmt.Sprintf("group %d", i+1)
		var g groupFile
		if !p.decode(where, raw, &g, "hooks") {
			continue
		}
		name := strings.TrimSpace(g.Name)
		switch {
		case name == "":
			p.fail(where, `"name" is missing or empty`)
			continue
		case name == SystemGroup:
			p.fail(where, "%q is the group of hookd's system hooks; give the group another name", name)
			continue
		case seen[name]:
			p.fail(where, "group %q is already defined; put its hooks in one group", name)
			continue
		}
		seen[name] = true
		where = fmt.Sprintf("group %q", name)
		if len(g.Hooks) == 0 {
			p.fail(where, `"hooks" is missing or empty: a group has at least one hook`)
		}
		grp := Group{Name: name}
		for j, raw := range g.Hooks {
			if h := p.hook(fmt.Sprintf("%s, hook %d", where, j+1), raw); h != nil {
				grp.Hooks = append(grp.Hooks, h)
			}
		}
		groups = append(groups, grp)
	}
	return groups
}

func (p *fileParser) hook(where string, raw []byte) *Hook {
	var probe struct {
		Name string `json:"name"`
	}
	if json.Unmarshal(raw, &probe) == nil && probe.Name != "" {
		where = fmt.Sprintf("hook %q", probe.Name)
	}
	var hf hookFile
	if !p.decode(where, raw, &hf, "") {
		return nil
	}
	before := len(p.errs)
	switch {
	case hf.Name == "":
		p.fail(where, `"name" is missing or empty`)
	case !hookNameRule.MatchString(hf.Name):
		p.fail(where, "the name must start with a letter and have 1 to 64 letters, digits, '.', '_' or '-' (%s)", hookNameRule)
	case hf.Name == TestHook:
		p.fail(where, "%q is the hook name of test deliveries; choose another", TestHook)
	case slices.ContainsFunc(systemHooks(), func(s Hook) bool { return s.Name == hf.Name }):
		p.fail(where, "is a system hook, sent by hookd itself; choose another name")
	case p.hooks[hf.Name]:
		p.fail(where, "is defined twice; hook names are unique across the catalogue")
	}
	p.hooks[hf.Name] = true
	h := &Hook{Name: hf.Name, Description: strings.TrimSpace(hf.Description), Fields: []Field{}}
	for k, raw := range hf.Fields {
		fw := fmt.Sprintf("%s, field %d", where, k+1)
		var ff fieldFile
		if !p.decode(fw, raw, &ff, "") {
			continue
		}
		if ff.Name != "" {
			fw = fmt.Sprintf("%s, field %q", where, ff.Name)
		}
		switch {
		case ff.Name == "":
			p.fail(fw, `"name" is missing or empty`)
		case !hookNameRule.MatchString(ff.Name):
			p.fail(fw, "the name must start with a letter and have 1 to 64 letters, digits, '.', '_' or '-'")
		case slices.ContainsFunc(h.Fields, func(f Field) bool { return f.Name == ff.Name }):
			p.fail(fw, "is defined twice in the hook")
		}
		if !slices.Contains(fileTypes, ff.Type) {
			p.fail(fw, "type %q is not one of %s", ff.Type, typeList())
		}
		h.Fields = append(h.Fields, Field{Name: ff.Name, Type: ff.Type, Required: ff.Required == nil || *ff.Required})
	}
	if len(p.errs) > before {
		return nil
	}
	return h
}

func typeList() string {
	s := make([]string, len(fileTypes))
	for i, t := range fileTypes {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}
