// Package storetest is the conformance suite of hookd.Store: every storage
// engine (sqlite, postgres) runs the same tests against a real database, so
// that hookd behaves the same on both.
//
// An engine's test calls Run with a function that opens a new, empty store:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) hookd.Store {
//			s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "hookd.db"))
//			if err != nil {
//				t.Fatal(err)
//			}
//			return s
//		})
//	}
package storetest

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
)

// Run runs the conformance suite. open must return a new, empty store for
// each subtest; Run closes it when the subtest ends.
func Run(t *testing.T, open func(t *testing.T) hookd.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s hookd.Store)
	}{
		{"Bootstrap", testBootstrap},
		{"AccountsAndAPIKeys", testAccountsAndAPIKeys},
		{"Users", testUsers},
		{"RemoveUsersKeepsAnAdmin", testRemoveUsersKeepsAnAdmin},
		{"TouchAPIKey", testTouchAPIKey},
		{"Sessions", testSessions},
		{"WebhookCRUD", testWebhookCRUD},
		{"WebhookAccountScoping", testWebhookAccountScoping},
		{"WebhooksVersion", testWebhooksVersion},
		{"EnabledWebhooks", testEnabledWebhooks},
		{"WebhookGreylistField", testWebhookGreylistField},
		{"InsertTriggers", testInsertTriggers},
		{"InsertTriggersAllOrNothing", testInsertTriggersAllOrNothing},
		{"Idempotency", testIdempotency},
		{"IdempotencyConcurrent", testIdempotencyConcurrent},
		{"ClaimTriggers", testClaimTriggers},
		{"ClaimTakesTurns", testClaimTakesTurns},
		{"ClaimRotates", testClaimRotates},
		{"ClaimSkipsDoneTriggers", testClaimSkipsDoneTriggers},
		{"ExtendLeases", testExtendLeases},
		{"SentWebhooks", testSentWebhooks},
		{"InsertPendingDelivery", testInsertPendingDelivery},
		{"RecordDeliveries", testRecordDeliveries},
		{"RecordDeliveriesGreylist", testRecordDeliveriesGreylist},
		{"Deliveries", testDeliveries},
		{"DeliveriesPagination", testDeliveriesPagination},
		{"DeliveriesDefaultLimit", testDeliveriesDefaultLimit},
		{"DeliveriesFind", testDeliveriesFind},
		{"SearchTriggers", testSearchTriggers},
		{"DeliveryExplained", testDeliveryExplained},
		{"GreylistLastError", testGreylistLastError},
		{"Recovery", testRecovery},
		{"RecoveryProgress", testRecoveryProgress},
		{"GreylistTell", testGreylistTell},
		{"Notices", testNotices},
		{"NoticesClaimedOnce", testNoticesClaimedOnce},
		{"UserEmail", testUserEmail},
		{"LastDeliveries", testLastDeliveries},
		{"DeliveryStats", testDeliveryStats},
		{"WebhookHealth", testWebhookHealth},
		{"Prune", testPrune},
		{"APIKeyManagement", testAPIKeyManagement},
		{"URLStates", testURLStates},
		{"Greylist", testGreylist},
		{"GreylistPerAccount", testGreylistPerAccount},
		{"ReleaseURL", testReleaseURL},
		{"Ping", testPing},
		{"ConcurrentInsertAndClaim", testConcurrentInsertAndClaim},
		{"ConcurrentOutcomes", testConcurrentOutcomes},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.fn(t, s)
		})
	}
}

// base is the suite's clock: tests pass times explicitly instead of sleeping.
var base = time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)

var policy = hookd.GreylistPolicy{After: 3, Base: time.Minute, Max: time.Hour}

func ctx(t *testing.T) context.Context { return t.Context() }

// must fails the test on an error.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// errOf is the error of a store call whose value is not wanted, so that a
// call expected to fail is checked in one line:
// wantCode(t, errOf(s.Webhook(…)), hookd.ENOTFOUND, …).
func errOf[T any](_ T, err error) error { return err }

// wantCode fails the test unless err is an application error with code.
func wantCode(t *testing.T, err error, code, doing string) {
	t.Helper()
	if got := hookd.ErrorCode(err); got != code {
		t.Fatalf("%s: got error %v (code %q), want code %q", doing, err, got, code)
	}
}

// sameTime fails the test unless got is want at millisecond precision, in UTC.
func sameTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	want = want.Truncate(time.Millisecond)
	if !got.Equal(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
	if !got.IsZero() && got.Location() != time.UTC {
		t.Errorf("%s is in %v, want UTC", what, got.Location())
	}
}

func account(t *testing.T, s hookd.Store, name string) hookd.Account {
	t.Helper()
	a := hookd.Account{ID: hookd.NewID(hookd.PrefixAccount), Name: name, CreatedAt: base}
	must(t, s.CreateAccount(ctx(t), &a))
	return a
}

func webhook(t *testing.T, s hookd.Store, accountID, url string, enabled bool, hooks ...string) hookd.Webhook {
	t.Helper()
	if len(hooks) == 0 {
		hooks = []string{"eventCanceled"}
	}
	w := hookd.Webhook{
		ID:        hookd.NewID(hookd.PrefixWebhook),
		AccountID: accountID,
		Name:      "hook " + url,
		URL:       url,
		Hooks:     hooks,
		Enabled:   enabled,
		CreatedAt: base,
		UpdatedAt: base,
		Secret:    hookd.NewSecret(),
	}
	must(t, s.CreateWebhook(ctx(t), &w))
	return w
}

func triggers(accountID string, n int, at time.Time) []hookd.Trigger {
	ts := make([]hookd.Trigger, n)
	for i := range ts {
		ts[i] = hookd.Trigger{
			ID:         hookd.NewID(hookd.PrefixTrigger),
			AccountID:  accountID,
			Hook:       "eventCanceled",
			Data:       triggerData(i, "Snow"),
			Timestamp:  at,
			ReceivedAt: at,
		}
	}
	return ts
}

// triggerData is the data of a trigger the suite and the benchmarks store:
// an event's ID and a reason, as an event hook's data has them.
func triggerData(eventID int, reason string) json.RawMessage {
	data, err := json.Marshal(struct {
		EventID int    `json:"eventId"`
		Reason  string `json:"reason"`
	}{eventID, reason})
	if err != nil {
		panic(err) // an int and a string always marshal
	}
	return data
}

func delivery(tr hookd.Trigger, w hookd.Webhook, status string, at time.Time) hookd.Delivery {
	d := hookd.Delivery{
		ID:          hookd.NewID(hookd.PrefixDelivery),
		AccountID:   w.AccountID,
		TriggerID:   tr.ID,
		WebhookID:   w.ID,
		Hook:        tr.Hook,
		URL:         w.URL,
		Status:      status,
		AttemptedAt: at,
	}
	switch status {
	case hookd.StatusDelivered:
		d.StatusCode, d.DurationMs = 200, 12
	case hookd.StatusFailed:
		d.StatusCode, d.DurationMs, d.Error = 500, 30, "the receiver answered 500 Internal Server Error"
	}
	return d
}

func ids[T any](xs []T, id func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = id(x)
	}
	return out
}

func triggerIDs(ts []hookd.Trigger) []string {
	return ids(ts, func(t hookd.Trigger) string { return t.ID })
}

func deliveryIDs(ds []hookd.Delivery) []string {
	return ids(ds, func(d hookd.Delivery) string { return d.ID })
}

func webhookIDs(ws []hookd.Webhook) []string {
	return ids(ws, func(w hookd.Webhook) string { return w.ID })
}

func sameIDs(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got %s\nwant %s", what, strings.Join(got, " "), strings.Join(want, " "))
	}
}

// reversed returns a copy of xs in reverse order.
func reversed[T any](xs []T) []T {
	out := slices.Clone(xs)
	slices.Reverse(out)
	return out
}
