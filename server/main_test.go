package server_test

import (
	"testing"

	"github.com/hookd-dev/hookd/internal/testkit"
)

// Every API answer these tests get is checked against the OpenAPI document.
func TestMain(m *testing.M) { testkit.Main(m) }
