package hookd

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Webhook is a subscription: a name, a URL and the hooks it receives.
type Webhook struct {
	ID        string
	AccountID string
	Name      string
	URL       string
	Hooks     []string
	Enabled   bool
	CreatedAt time.Time
	UpdatedAt time.Time

	// Secret signs deliveries. PreviousSecret, until PreviousUntil, also signs
	// them so that receivers can switch after a rotation.
	Secret         string
	PreviousSecret string
	PreviousUntil  time.Time

	// Greylist is the grey-list state of the webhook's URL within its account
	// (shared by the account's webhooks with that URL); the zero state when
	// the URL is healthy. It is
	// read only: stores fill it in Webhook, Webhooks and EnabledWebhooks and
	// ignore it when saving a webhook; RecordDeliveries and ReleaseURL change
	// it.
	Greylist URLState
}

// Subscribes reports whether the webhook receives hook.
func (w *Webhook) Subscribes(hook string) bool {
	for _, h := range w.Hooks {
		if h == hook {
			return true
		}
	}
	return false
}

// Secrets returns the secrets that sign a delivery sent at now: the current
// one and, within the rotation overlap, the previous one.
func (w *Webhook) Secrets(now time.Time) []string {
	if w.PreviousSecret != "" && now.Before(w.PreviousUntil) {
		return []string{w.Secret, w.PreviousSecret}
	}
	return []string{w.Secret}
}

// RotationOverlap is how long the previous secret keeps signing after a
// rotation.
const RotationOverlap = 24 * time.Hour

// ValidateName checks a webhook name: 1 to 200 characters of valid UTF-8,
// none of them a control character (C0, DEL or C1), which would break the
// lines of a log, an email subject or a terminal that shows the name.
func ValidateName(name string, errs FieldErrors) {
	n := utf8.RuneCountInString(strings.TrimSpace(name))
	switch {
	case n == 0:
		errs.Add("name", "is required: give the webhook a name (1 to 200 characters)")
	case utf8.RuneCountInString(name) > 200:
		errs.Add("name", fmt.Sprintf("must be at most 200 characters (it has %d)", utf8.RuneCountInString(name)))
	case !utf8.ValidString(name):
		errs.Add("name", "must be valid UTF-8 text")
	default:
		for i, r := range []rune(name) {
			if r < 0x20 || (r >= 0x7f && r <= 0x9f) {
				errs.Add("name", fmt.Sprintf("must not contain control characters such as tabs or line breaks (character %d is U+%04X)", i+1, r))
				return
			}
		}
	}
}

// ValidateURL checks the form of a webhook URL: absolute http or https, a
// host, no user info. Whether its address is public is checked by netguard.
func ValidateURL(raw string, errs FieldErrors) *url.URL {
	if strings.TrimSpace(raw) == "" {
		errs.Add("url", "is required: the http or https address the notifications are sent to")
		return nil
	}
	if len(raw) > 2048 {
		errs.Add("url", "must be at most 2048 characters")
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		if strings.Contains(err.Error(), "invalid port") {
			errs.Add("url", portRule) // url.Parse refuses a port that is not digits
		} else {
			errs.Add("url", "is not a valid URL: "+strings.TrimPrefix(err.Error(), "parse "))
		}
		return nil
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		errs.Add("url", "must start with http:// or https://")
	case u.Host == "" || u.Hostname() == "":
		errs.Add("url", "must include a host name, as in https://example.org/hooks")
	case u.User != nil:
		errs.Add("url", "must not contain a user name or password; put credentials in the path or query instead")
	case u.Fragment != "":
		errs.Add("url", "must not contain a #fragment")
	case !validPort(u.Port()):
		errs.Add("url", portRule)
	default:
		return u
	}
	return nil
}

// portRule is the message for a URL whose port is not 1 to 65535.
const portRule = "must have a port from 1 to 65535 when it names one, as in https://example.org:8443/hooks"

// validPort reports whether port, the digits after the host's colon, is
// absent or 1 to 65535 (leading zeros allowed, as in URLs).
func validPort(port string) bool {
	if port == "" {
		return true
	}
	port = strings.TrimLeft(port, "0")
	if port == "" || len(port) > 5 {
		return false
	}
	n, err := strconv.Atoi(port)
	return err == nil && n <= 65535
}

// ValidateHooks checks a webhook's hook list against the catalogue and
// returns it without duplicates, in catalogue order. System hooks may be
// subscribed to.
func (c *Catalogue) ValidateHooks(hooks []string, errs FieldErrors) []string {
	if len(hooks) == 0 {
		errs.Add("hooks", "must list at least one hook; see GET /api/v1/hooks")
		return nil
	}
	want := make(map[string]bool, len(hooks))
	for _, h := range hooks {
		if _, ok := c.Lookup(h); !ok {
			errs.Add("hooks", fmt.Sprintf("%q is not a hook; see GET /api/v1/hooks for the hook names", h))
			return nil
		}
		want[h] = true
	}
	out := make([]string, 0, len(want))
	for _, h := range c.hooks {
		if want[h.Name] {
			out = append(out, h.Name)
		}
	}
	return out
}
