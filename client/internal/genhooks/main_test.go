package main

import (
	"os"
	"testing"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/testkit"
)

// TestGeneratedFileIsCurrent: client/hooks_gen.go is what the generator
// makes of the built-in catalogue now; run go generate ./client if not.
func TestGeneratedFileIsCurrent(t *testing.T) {
	want, err := render(hookd.BuiltinCatalogue())
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../hooks_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatal("client/hooks_gen.go is not current: run go generate ./client")
	}
}

func TestGoName(t *testing.T) {
	testkit.Maps(t, "goName", goName, map[string]string{"eventId": "EventID", "Id": "ID", "statusText": "StatusText",
		"url": "URL", "consecutiveFailures": "ConsecutiveFailures", "order.paid-v2": "OrderPaidV2", "webhookId": "WebhookID"})
}
