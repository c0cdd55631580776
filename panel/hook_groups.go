package panel

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/hookd-dev/hookd"
)

// hookGroup is one group of the catalogue as the form and the list show it.
type hookGroup struct {
	Name     string // "Room bookings"
	ID       string // "room-bookings", for element ids
	AllLabel string // "All room booking hooks (5)"
	System   bool   // hookd's own hooks
	Hooks    []hookd.Hook
}

// hookGroups returns the catalogue's groups in its order, the names, ids
// and labels made from the group names: nothing about a particular
// catalogue is written in the panel.
func hookGroups(c *hookd.Catalogue) []hookGroup {
	used := map[string]bool{}
	var groups []hookGroup
	for _, g := range c.Groups() {
		hg := hookGroup{Name: g.Name, ID: groupID(g.Name, used), System: g.System}
		for _, hk := range g.Hooks {
			hg.Hooks = append(hg.Hooks, *hk)
		}
		hg.AllLabel = "All " + singular(g.Name) + " hooks (" + strconv.Itoa(len(hg.Hooks)) + ")"
		groups = append(groups, hg)
	}
	return groups
}

// groupID is a group name as an element id ("Room bookings" →
// "room-bookings"), made unique among used.
func groupID(name string, used map[string]bool) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	id := b.String()
	if id == "" {
		id = "group"
	}
	base := id
	for n := 2; used[id]; n++ {
		id = base + "-" + strconv.Itoa(n)
	}
	used[id] = true
	return id
}

// singular writes a group name as it reads inside "All … hooks": in lower
// case, a plain English plural in -s made singular ("Room bookings" →
// "room booking"); other names are kept as they are.
func singular(name string) string {
	s := strings.ToLower(name)
	if strings.HasSuffix(s, "s") && !strings.HasSuffix(s, "ss") && !strings.HasSuffix(s, "us") && !strings.HasSuffix(s, "is") {
		s = s[:len(s)-1]
	}
	return s
}

// hookSummary names a webhook's hooks for a person: a whole group becomes
// "All room booking hooks (5)", every hook producers send "All 16 hooks";
// the rest are listed by readable name. Hooks the catalogue lacks are not
// listed (the list flags them apart).
func hookSummary(c *hookd.Catalogue, names []string) []string {
	has := hookSet(names)
	var out []string
	every, producer := true, 0
	for _, g := range hookGroups(c) {
		all := true
		for _, hk := range g.Hooks {
			all = all && has[hk.Name]
		}
		if !g.System {
			every, producer = every && all, producer+len(g.Hooks)
		}
		if all {
			out = append(out, g.AllLabel)
			continue
		}
		for _, hk := range g.Hooks {
			if has[hk.Name] {
				out = append(out, hookTitle(hk.Name))
			}
		}
	}
	if every {
		// Every producer group is folded and listed first: one label for all.
		groups := 0
		for _, g := range c.Groups() {
			if !g.System {
				groups++
			}
		}
		out = append([]string{"All " + strconv.Itoa(producer) + " hooks"}, out[groups:]...)
	}
	return out
}

// hookSet is a webhook's hook names as a set, to ask of each hook of the
// catalogue whether the webhook has it.
func hookSet(names []string) map[string]bool {
	has := make(map[string]bool, len(names))
	for _, n := range names {
		has[n] = true
	}
	return has
}

// toggleGroup ticks every hook of group, or unticks them all when they
// already are.
func toggleGroup(c *hookd.Catalogue, selected []string, group string) []string {
	has := hookSet(selected)
	all := true
	for _, hk := range c.Hooks() {
		if hk.Group == group {
			all = all && has[hk.Name]
		}
	}
	for _, hk := range c.Hooks() {
		if hk.Group == group {
			has[hk.Name] = !all
		}
	}
	var out []string
	for _, hk := range c.Hooks() {
		if has[hk.Name] {
			out = append(out, hk.Name)
		}
	}
	return out
}
