package hookd

import (
	"context"
	"net/mail"
	"strings"
	"time"
)

// The kinds of notice: what a webhook's users are told of by email.
const (
	NoticeGreylisted = "greylisted" // its URL was grey-listed for the first time in a row of failures
	NoticeRecovered  = "recovered"  // its URL succeeded again after being grey-listed
)

// Notice is a grey-list change of one webhook that the users of its account
// are told of by email (contract §2, Notifications). A store keeps at most
// one waiting notice per webhook: a newer one replaces an older one not yet
// sent, so that a webhook that flaps tells its newest state, not each step.
type Notice struct {
	WebhookID           string
	AccountID           string
	Kind                string // NoticeGreylisted or NoticeRecovered
	URL                 string
	Until               time.Time // greylisted: when the next delivery is tried
	ConsecutiveFailures int       // greylisted: the failures in a row so far
	LastError           string    // greylisted: the newest failure, in words
	At                  time.Time // when the change was recorded

	// Set by ClaimNotices.
	ID       string // this notice, as distinct from a newer one of the webhook
	Attempts int    // sends of it tried, this claim included
	// Told is the kind of the last notice sent about the webhook ("" when
	// none was): a notice of the same kind tells nothing new.
	Told string
}

// NoticeOf returns the notice a grey-list change makes for one webhook
// with the URL, and whether it makes one: only the first grey-listing in a
// row of failures (level 0 to 1: later, longer periods of the same row are
// not news) and a recovery are told.
func NoticeOf(c GreylistChange, webhookID string, at time.Time) (Notice, bool) {
	n := Notice{ID: NewID(PrefixNotice), WebhookID: webhookID, AccountID: c.After.AccountID, URL: c.After.URL, At: at}
	switch {
	case c.Recovered():
		n.Kind = NoticeRecovered
	case c.Before.Level == 0:
		n.Kind, n.Until, n.ConsecutiveFailures, n.LastError = NoticeGreylisted, c.After.Until, c.After.ConsecutiveFailures, c.After.LastError
	default:
		return Notice{}, false
	}
	return n, true
}

// News reports whether the notice tells its webhook's users something they
// were not told last: a recovery when nobody was told of the grey-listing
// (or it was told already), or a second grey-listing with no recovery told
// between, is not news.
func (n Notice) News() bool {
	told := n.Told
	if told == "" {
		told = NoticeRecovered // nothing said: the users believe the webhook works
	}
	return n.Kind != told
}

// NoticeClaim asks for waiting notices that may be sent now.
type NoticeClaim struct {
	Node  string    // who claims; recorded with the lease
	Now   time.Time // leases and retry times before Now are free
	Until time.Time // the new lease's end
	// TellBefore is the rate limit: a webhook whose users were told of it
	// after TellBefore is not told again yet.
	TellBefore time.Time
	Limit      int
}

// NoticeResult is what became of a claimed notice.
type NoticeResult struct {
	// Sent says the webhook's users were told at At: the webhook is not
	// told again before At plus the rate limit.
	Sent bool
	At   time.Time
	// RetryAt, when not sent and not zero, is when the notice may be tried
	// again; zero: it is dropped (nothing to tell, or given up).
	RetryAt time.Time
	// Gone says the webhook was deleted: the store forgets it.
	Gone bool
}

// NoticeStore keeps the notices waiting to be emailed and when each webhook
// was last told of, so that the rate limit holds across restarts and nodes.
// RecordDeliveries stores the notices of RecordParams.Tell.
type NoticeStore interface {
	// ClaimNotices leases waiting notices that are due (see NoticeClaim),
	// oldest first, and counts the attempt; nodes never claim the same
	// notice while its lease is live.
	ClaimNotices(ctx context.Context, p NoticeClaim) ([]Notice, error)
	// FinishNotice records what became of a claimed notice and frees the
	// webhook's lease. A newer notice of the webhook stored meanwhile stays
	// waiting (though a sent one still starts the rate limit's hour).
	FinishNotice(ctx context.Context, n Notice, r NoticeResult) error
}

// ValidateEmail checks a user's email address, keyed "email": optional (""
// is none), one plain address such as name@example.org, as an SMTP server
// takes it in RCPT TO.
func ValidateEmail(email string, errs FieldErrors) {
	if email == "" {
		return
	}
	a, err := mail.ParseAddress(email)
	at := strings.LastIndexByte(email, '@')
	switch {
	case len(email) > 254:
		errs.Add("email", "can have at most 254 characters")
	case err != nil || a.Address != email || a.Name != "" || at < 1 || !strings.Contains(email[at:], ".") ||
		strings.ContainsFunc(email, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '<' || r == '>' }):
		errs.Add("email", "must be one address such as name@example.org")
	}
}
