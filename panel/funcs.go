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
		"asset":        h.assets.url,
		"hookTitle":    hookTitle,
		"clock":        h.clock,
		"clockSec":     h.clockSec,
		"ago":          h.ago,
		"isoTime":      func(t time.Time) string { return hookd.FormatTime(t) },
		"fullTime":     h.fullTime,
		"ms":           formatMs,
		"plural":       plural,
		"add":          func(a, b int) int { return a + b },
		"confirm":      newConfirmForm,
		"actions":      newFormActions,
		"errorSummary": newErrorSummary,
		"release":      newReleaseForm,
		"hasPrefix":    strings.HasPrefix,
		"outcome":      h.deliveryOutcome,
		"cause":        h.cause,
		"zone":         h.zone,
		"helpURL":      func() string { return helpURL },
		"statusLabel":  upperFirst, // a delivery status as a label: "Delivered"
	}
}

// helpURL is the panel's guide, linked from every page.
const helpURL = "https://github.com/hookd-dev/hookd/blob/main/docs/panel.md"

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
	// The catalogue spells it both ways in hook names (eventCanceled,
	// appointmentCancelled); labels use one spelling.
	return strings.ReplaceAll(b.String(), "cancelled", "canceled")
}

// clock is a short time in the panel's zone, with the zone: "14:05 UTC"
// today, "2 Dec 14:05 UTC" this year, "2 Dec 2025 14:05 UTC" before.
func (h *handler) clock(t time.Time) string { return h.clockLayout(t, "15:04") }

// clockSec is clock with seconds, for the delivery log.
func (h *handler) clockSec(t time.Time) string { return h.clockLayout(t, "15:04:05") }

func (h *handler) clockLayout(t time.Time, hm string) string {
	if t.IsZero() {
		return ""
	}
	lt, now := t.In(h.loc), h.now().In(h.loc)
	switch {
	case lt.YearDay() == now.YearDay() && lt.Year() == now.Year():
		return lt.Format(hm + " MST")
	case lt.Year() == now.Year():
		return lt.Format("2 Jan " + hm + " MST")
	default:
		return lt.Format("2 Jan 2006 " + hm + " MST")
	}
}

// zone names the time zone the panel shows times in: "UTC", or
// "Europe/Berlin (CET)".
func (h *handler) zone() string {
	abbr := h.now().In(h.loc).Format("MST")
	name := h.loc.String()
	if name == "" || name == "Local" || name == abbr || name == "UTC" {
		return abbr
	}
	return name + " (" + abbr + ")"
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

// formActions is the row that ends a form (template "actions"; "buttons"
// is the row's content): its submit button, which says Label, styled Kind
// (primary or danger), and a Cancel link back to Cancel. Class is the row's
// other classes ("sticky-actions"), if any.
type formActions struct {
	Label, Kind, Cancel, Class string
}

func newFormActions(label, kind, cancel string, class ...string) formActions {
	return formActions{Label: label, Kind: kind, Cancel: cancel, Class: strings.Join(class, " ")}
}

// confirmForm is the form of a confirmation page (template "confirm"): a
// POST to Action, ended by Actions.
type confirmForm struct {
	CSRF, Action string
	Actions      formActions
}

func newConfirmForm(csrf, action, label, kind, cancel string) confirmForm {
	return confirmForm{CSRF: csrf, Action: action, Actions: newFormActions(label, kind, cancel)}
}

// errorSummary is the box above a form that was refused (template
// "errorSummary"): what was not done, and each field's error linked to its
// field, in the order the form has them.
type errorSummary struct {
	Heading string
	Fields  []fieldLink
}

// fieldLink is one field's error and the id of the field it links to.
type fieldLink struct{ ID, Text string }

// newErrorSummary makes the summary of errs, nil when there are none (the
// form was not refused). fields are pairs of an error's key in errs and the
// id of its field; an error of a key not listed is left out of the
// summary (the form shows it where it belongs).
func newErrorSummary(heading string, errs map[string]string, fields ...string) (*errorSummary, error) {
	if len(fields)%2 != 0 {
		return nil, fmt.Errorf("errorSummary: fields come in pairs of key and id, got %q", fields)
	}
	if len(errs) == 0 {
		return nil, nil
	}
	s := &errorSummary{Heading: heading}
	for i := 0; i < len(fields); i += 2 {
		if text := errs[fields[i]]; text != "" {
			s.Fields = append(s.Fields, fieldLink{ID: fields[i+1], Text: text})
		}
	}
	return s, nil
}

// releaseForm is the "Resume now" button of a webhook in a list (template
// "release"), there while its URL is grey-listed or waiting; Back is the
// page to come back to, "" for the webhook list.
type releaseForm struct {
	CSRF    string
	Webhook webhookRow
	Back    string
}

func newReleaseForm(csrf string, wh webhookRow, back string) releaseForm {
	return releaseForm{CSRF: csrf, Webhook: wh, Back: back}
}
