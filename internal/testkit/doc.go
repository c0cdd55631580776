// Package testkit holds the helpers that the tests of every hookd package
// share: a real HTTP receiver, polling with a deadline, a log buffer that
// many goroutines may write to, the hookd binary built once and started as
// a process, an API client call, a real SMTP server, the rule for tests that need something
// this machine may lack (skip, or fail when HOOKD_REQUIRE_ALL=1), and the
// opt-in for tests that run only when asked.
//
// It is imported only by _test.go files. It imports no hookd package: what
// it knows of hookd is the public contract (`hookd serve --addr`, GET
// /healthz, API keys as Bearer tokens); whatever else a helper needs of the
// product (an API key, the flags, a status) is a parameter.
package testkit
