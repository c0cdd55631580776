package hookd_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/hookd-dev/hookd"
)

// TestErrorCodeAndMessage: an application error keeps its code and message
// however it is wrapped; any other error reads as internal, so that its
// cause (a path, a driver's words) stays in the logs; nil has neither.
func TestErrorCodeAndMessage(t *testing.T) {
	check := func(err error, code, msg string) {
		t.Helper()
		if gotCode, gotMsg := hookd.ErrorCode(err), hookd.ErrorMessage(err); gotCode != code || gotMsg != msg {
			t.Errorf("%v: code %q, message %q; want %q, %q", err, gotCode, gotMsg, code, msg)
		}
	}
	check(nil, "", "")
	check(hookd.Errorf(hookd.ENOTFOUND, "webhook %s not found", "wh_1"), hookd.ENOTFOUND, "webhook wh_1 not found")
	check(fmt.Errorf("saving: %w", hookd.Errorf(hookd.ECONFLICT, "taken")), hookd.ECONFLICT, "taken")
	check(errors.New("open /var/lib/hookd.db: disk full"), hookd.EINTERNAL, "internal error")
}
