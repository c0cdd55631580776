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
	for _, c := range []struct {
		err       error
		code, msg string
	}{
		{nil, "", ""},
		{hookd.Errorf(hookd.ENOTFOUND, "webhook %s not found", "wh_1"), hookd.ENOTFOUND, "webhook wh_1 not found"},
		{fmt.Errorf("saving: %w", hookd.Errorf(hookd.ECONFLICT, "taken")), hookd.ECONFLICT, "taken"},
		{errors.New("open /var/lib/hookd.db: disk full"), hookd.EINTERNAL, "internal error"},
	} {
		if code, msg := hookd.ErrorCode(c.err), hookd.ErrorMessage(c.err); code != c.code || msg != c.msg {
			t.Errorf("%v: code %q, message %q; want %q, %q", c.err, code, msg, c.code, c.msg)
		}
	}
}
