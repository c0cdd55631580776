package testkit

import "testing"

// Maps checks that f, named name in a failure, maps each key of cases to
// its value: the table test of a function from string to string.
func Maps(t testing.TB, name string, f func(string) string, cases map[string]string) {
	t.Helper()
	for in, want := range cases {
		if got := f(in); got != want {
			t.Errorf("%s(%q) = %q, want %q", name, in, got, want)
		}
	}
}
