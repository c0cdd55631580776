package notify_test

import (
	"testing"

	"github.com/hookd-dev/hookd/internal/testkit"
	"github.com/hookd-dev/hookd/notify"
)

func TestCause(t *testing.T) {
	testkit.Maps(t, "Cause", notify.Cause, map[string]string{
		"HTTP 500 Internal Server Error":                      "the server answered HTTP 500 Internal Server Error",
		"connection refused: nothing listens at that address": "connection refused: nothing listens at that address",
		"": "unknown",
	})
}
