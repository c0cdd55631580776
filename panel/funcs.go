package panel

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/hookd-dev/hookd"
)

func (h *handler) funcs() template.FuncMap {
	return template.FuncMap{
		"asset":     h.assets.url,
		"hookTitle": hookTitle,
		"clock":     h.clock,
		"clockSec":  h.clockSec,
		"ago":       h.ago,
		"isoTime":   func(t time.Time) string { return hookd.FormatTime(t) },
		"fullTime":  h.fullTime,
		"ms":        formatMs,
		"plural":    plural,
		"hasPrefix": strings.HasPrefix,
		"outcome":   h.deliveryOutcome,
		"cause":     h.cause,
		"statusLabel": func(s string) string {
			if s == "" {
				return ""
			}
			return strings.ToUpper(s[:1]) + s[1:]
		},
	}
}

// hookTitle turns a hook name into words a person reads: "eventCanceled" is
// "Event canceled", "userRegisteredForEvent" is "User registered for event".
func hookTitle(name string) string {
	if name == hookd.TestHook {
		return "Test delivery"
	}
	var b strings.Builder
	for i, r := range name {
		switch {
		case i == 0:
			b.WriteRune(unicode.ToUpper(r))
		case unicode.IsUpper(r):
			b.WriteByte(' ')
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// clock is a short local time: "14:05" today, "2 Dec 14:05" this year,
// "2 Dec 2025 14:05" before.
func (h *handler) clock(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	lt, now := t.In(h.loc), h.now().In(h.loc)
	switch {
	case lt.YearDay() == now.YearDay() && lt.Year() == now.Year():
		return lt.Format("15:04")
	case lt.Year() == now.Year():
		return lt.Format("2 Jan 15:04")
	default:
		return lt.Format("2 Jan 2006 15:04")
	}
}

// clockSec is clock with seconds, for the delivery log.
func (h *handler) clockSec(t time.Time) string {
	s := h.clock(t)
	if s == "" {
		return ""
	}
	return s + t.In(h.loc).Format(":05")
}

// fullTime is the exact local time with seconds and zone, for titles.
func (h *handler) fullTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(h.loc).Format("Mon 2 Jan 2006 15:04:05 MST")
}

// ago says how long ago t was, roughly.
func (h *handler) ago(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := h.now().Sub(t)
	switch {
	case d < 10*time.Second:
		return "just now"
	case d < time.Minute:
		return fmt.Sprintf("%d seconds ago", int(d.Seconds()))
	case d < time.Hour:
		return plural(int(d.Minutes()), "minute", "minutes") + " ago"
	case d < 24*time.Hour:
		return plural(int(d.Hours()), "hour", "hours") + " ago"
	default:
		return h.clock(t)
	}
}

func formatMs(ms int64) string {
	if ms < 1000 {
		return fmt.Sprintf("%d ms", ms)
	}
	return fmt.Sprintf("%.1f s", float64(ms)/1000)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func itoa(n int) string { return strconv.Itoa(n) }
