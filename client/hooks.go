package client

//go:generate go run ./internal/genhooks -o hooks_gen.go

// TestDelivery is the data of a test delivery (hook "test", data {}),
// sent by TestWebhook. It cannot be triggered.
type TestDelivery struct{}

// HookName returns "test".
func (TestDelivery) HookName() string { return "test" }
