// Package hookd is the domain of the hookd webhook delivery service: the hook
// catalogue, webhooks, triggers, deliveries, the grey-list policy, payload
// signing and the Store interface that the storage engines implement.
//
// This package does no I/O. Everything else in the module depends on it and
// never the reverse.
package hookd
