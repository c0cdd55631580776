package hookd_test

import (
	"encoding/json"
	"testing"

	"github.com/hookd-dev/hookd"
)

func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "evt_01ABC", "2026-12-01T07:00:00.000Z", `a"b\c`, "<&>", "é\n\x01", "bad \xff utf-8", "\u2028"} {
		want, _ := json.Marshal(s)
		if got := hookd.AppendJSONString(nil, s); string(got) != string(want) {
			t.Errorf("appendJSONString(%q) = %s, want %s", s, got, want)
		}
	}
}
