package server_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/testkit"
)

// strictCase is one request of TestStrictParsing: a body or query and what
// the real server must answer.
type strictCase struct {
	name, method, path, body string
	status                   int
	field                    string // the field a 400 must name ("" for none)
	msg                      string // a part of that field's message
}

// TestStrictParsing tries each rule that makes input unambiguous (CONTRACT
// §2) with its neighbours, on every endpoint that takes a JSON body: what
// is refused is 400 in the error shape naming the field and the rule, and
// the neighbour that is fine is accepted.
func TestStrictParsing(t *testing.T) {
	e := start(t, nil)
	rc := testkit.NewReceiver(t, 200)
	wh := e.createWebhook("Strict", rc.URL+"/hook", "eventAdded")
	hookURL := rc.URL + "/hook"
	webhook := func(members string) string {
		return `{"name":"n","url":"` + hookURL + `","hooks":["eventAdded"]` + members + `}`
	}
	patch := "/api/v1/webhooks/" + wh.ID
	canceled := func(eventID, reason string) string {
		return `{"hook":"eventCanceled","data":{"eventId":` + eventID + `,"reason":` + reason + `}}`
	}
	const twice, unicode, caseSensitive = "appears twice", "must be valid Unicode", "names are case-sensitive"
	const lone = "is half of a UTF-16 surrogate pair"
	integerRange := "between -9007199254740991 and 9007199254740991"
	cases := []strictCase{
		// A member named twice, in every body and at any depth.
		{"trigger: hook twice", "POST", "/api/v1/triggers", `{"hook":"eventAdded","data":{"recurringId":1},"hook":"eventDeleted"}`, 400, "hook", twice},
		{"trigger: data twice", "POST", "/api/v1/triggers", `{"hook":"eventAdded","data":{"recurringId":1},"data":{"recurringId":2}}`, 400, "data", twice},
		{"trigger: timestamp twice", "POST", "/api/v1/triggers", `{"hook":"eventAdded","data":{"recurringId":1},"timestamp":"2026-12-01T07:00:00Z","timestamp":"2026-12-01T07:00:00Z"}`, 400, "timestamp", twice},
		{"trigger: a data field twice", "POST", "/api/v1/triggers", `{"hook":"eventAdded","data":{"recurringId":1,"recurringId":2}}`, 400, "data.recurringId", twice},
		{"trigger: twice, same value", "POST", "/api/v1/triggers", `{"hook":"eventAdded","data":{"recurringId":1,"recurringId":1}}`, 400, "data.recurringId", twice},
		{"trigger: twice, once escaped", "POST", "/api/v1/triggers", `{"hook":"eventAdded","data":{"recurringId":1,"\u0072ecurringId":1}}`, 400, "data.recurringId", twice},
		{"trigger: an unknown field twice", "POST", "/api/v1/triggers", `{"hook":"eventAdded","data":{"recurringId":1},"x":1,"x":1}`, 400, "x", twice},
		{"batch: a data field twice", "POST", "/api/v1/triggers", `[{"hook":"eventAdded","data":{"recurringId":1}},{"hook":"eventAdded","data":{"recurringId":1,"recurringId":2}}]`, 400, "[1].data.recurringId", twice},
		{"batch: hook twice", "POST", "/api/v1/triggers", `[{"hook":"eventAdded","hook":"eventAdded","data":{"recurringId":1}}]`, 400, "[0].hook", twice},
		{"batch: same names in two elements", "POST", "/api/v1/triggers", `[{"hook":"eventAdded","data":{"recurringId":1}},{"hook":"eventAdded","data":{"recurringId":1}}]`, 202, "", ""},
		{"trigger: names differing in case", "POST", "/api/v1/triggers", `{"hook":"eventAdded","data":{"recurringId":1,"RecurringId":2}}`, 400, "data.RecurringId", "not a field of eventAdded"},
		{"webhook: name twice", "POST", "/api/v1/webhooks", webhook(`,"name":"m"`), 400, "name", twice},
		{"webhook: url twice", "POST", "/api/v1/webhooks", webhook(`,"url":"` + hookURL + `"`), 400, "url", twice},
		{"webhook: hooks twice", "POST", "/api/v1/webhooks", webhook(`,"hooks":["eventDeleted"]`), 400, "hooks", twice},
		{"webhook: enabled twice", "POST", "/api/v1/webhooks", webhook(`,"enabled":true,"enabled":false`), 400, "enabled", twice},
		{"webhook: name in another case", "POST", "/api/v1/webhooks", webhook(`,"NAME":"m"`), 400, "NAME", caseSensitive},
		{"webhook: enabled in another case", "POST", "/api/v1/webhooks", webhook(`,"Enabled":false`), 400, "Enabled", caseSensitive},
		{"webhook: unknown field", "POST", "/api/v1/webhooks", webhook(`,"secret":"x"`), 400, "secret", "is not a field here (the fields are name, url, hooks, enabled)"},
		{"webhook: fine", "POST", "/api/v1/webhooks", webhook(`,"enabled":false`), 201, "", ""},
		{"patch: enabled twice", "PATCH", patch, `{"enabled":true,"enabled":false}`, 400, "enabled", twice},
		{"patch: name twice", "PATCH", patch, `{"name":"a","\u006eame":"b"}`, 400, "name", twice},
		{"patch: name in another case", "PATCH", patch, `{"Name":"a"}`, 400, "Name", caseSensitive},
		{"patch: fine", "PATCH", patch, `{"enabled":true}`, 200, "", ""},
		{"key: name twice", "POST", "/api/v1/keys", `{"name":"a","name":"b"}`, 400, "name", twice},
		{"key: name in another case", "POST", "/api/v1/keys", `{"NAME":"a"}`, 400, "NAME", caseSensitive},
		{"key: fine", "POST", "/api/v1/keys", `{"name":"ci"}`, 201, "", ""},

		// Strings are valid Unicode: no lone surrogate, no stray byte.
		{"trigger: lone high surrogate", "POST", "/api/v1/triggers", canceled("1", `"\ud800"`), 400, "data.reason", lone},
		{"trigger: lone low surrogate", "POST", "/api/v1/triggers", canceled("1", `"snow \uDFFF"`), 400, "data.reason", lone},
		{"trigger: pair the wrong way round", "POST", "/api/v1/triggers", canceled("1", `"\udc00\ud800"`), 400, "data.reason", lone},
		{"trigger: high then a letter", "POST", "/api/v1/triggers", canceled("1", `"\ud800\u0041"`), 400, "data.reason", lone},
		{"trigger: a pair", "POST", "/api/v1/triggers", canceled("1", `"\ud83d\ude00"`), 202, "", ""},
		{"trigger: an escaped backslash, then ud800", "POST", "/api/v1/triggers", canceled("1", `"\\ud800"`), 202, "", ""},
		{"trigger: U+FFFD itself", "POST", "/api/v1/triggers", canceled("1", `"\ufffd"`), 202, "", ""},
		{"trigger: in the hook name", "POST", "/api/v1/triggers", `{"hook":"\ud800","data":{}}`, 400, "hook", lone},
		{"trigger: in a member name", "POST", "/api/v1/triggers", `{"hook":"eventAdded","data":{"recurringId":1,"\ud800":1}}`, 400, "data.\uFFFD", "member name that is not valid Unicode"},
		{"batch: in the 2nd element", "POST", "/api/v1/triggers", "[" + canceled("1", `"a"`) + "," + canceled("1", `"\udbff"`) + "]", 400, "[1].data.reason", lone},
		{"trigger: not UTF-8", "POST", "/api/v1/triggers", canceled("1", "\"\xed\xa0\x80\""), 400, "", "not valid UTF-8"},
		{"webhook: in the name", "POST", "/api/v1/webhooks", `{"name":"\ud800","url":"` + hookURL + `","hooks":["eventAdded"]}`, 400, "name", unicode},
		{"webhook: in the URL", "POST", "/api/v1/webhooks", `{"name":"n","url":"` + hookURL + `\udc00","hooks":["eventAdded"]}`, 400, "url", unicode},
		{"webhook: in a hook", "POST", "/api/v1/webhooks", `{"name":"n","url":"` + hookURL + `","hooks":["eventAdded","\ud800"]}`, 400, "hooks[1]", unicode},
		{"webhook: not UTF-8", "POST", "/api/v1/webhooks", "{\"name\":\"\xff\",\"url\":\"" + hookURL + "\",\"hooks\":[\"eventAdded\"]}", 400, "", "not valid UTF-8"},
		{"patch: in the name", "PATCH", patch, `{"name":"a\ud800b"}`, 400, "name", unicode},
		{"key: in the name", "POST", "/api/v1/keys", `{"name":"\udfff"}`, 400, "name", unicode},

		// Integers are within ±(2^53-1).
		{"integer: 2^53-1", "POST", "/api/v1/triggers", canceled("9007199254740991", `"x"`), 202, "", ""},
		{"integer: -(2^53-1)", "POST", "/api/v1/triggers", canceled("-9007199254740991", `"x"`), 202, "", ""},
		{"integer: 2^53", "POST", "/api/v1/triggers", canceled("9007199254740992", `"x"`), 400, "data.eventId", integerRange},
		{"integer: -2^53", "POST", "/api/v1/triggers", canceled("-9007199254740992", `"x"`), 400, "data.eventId", integerRange},
		{"integer: 2^63-1", "POST", "/api/v1/triggers", canceled("9223372036854775807", `"x"`), 400, "data.eventId", integerRange},
		{"integer: 2^64", "POST", "/api/v1/triggers", canceled("18446744073709551616", `"x"`), 400, "data.eventId", integerRange},
		{"integer: in a batch", "POST", "/api/v1/triggers", "[" + canceled("1", `"x"`) + "," + canceled("-9999999999999999", `"x"`) + "]", 400, "[1].data.eventId", integerRange},
		{"integer: 1e3", "POST", "/api/v1/triggers", canceled("1e3", `"x"`), 400, "data.eventId", "without fraction or exponent"},

		// A webhook name has no control character.
		{"name: a tab", "POST", "/api/v1/webhooks", webhookNamed(hookURL, "a\tb"), 400, "name", "U+0009"},
		{"name: a line break", "POST", "/api/v1/webhooks", webhookNamed(hookURL, "a\nb"), 400, "name", "U+000A"},
		{"name: NUL", "POST", "/api/v1/webhooks", webhookNamed(hookURL, "a\x00b"), 400, "name", "U+0000"},
		{"name: U+001F", "POST", "/api/v1/webhooks", webhookNamed(hookURL, "a\x1f"), 400, "name", "U+001F"},
		{"name: an escape sequence", "POST", "/api/v1/webhooks", webhookNamed(hookURL, "\x1b[2Jred"), 400, "name", "U+001B"},
		{"name: DEL", "POST", "/api/v1/webhooks", webhookNamed(hookURL, "a\x7f"), 400, "name", "U+007F"},
		{"name: U+0080", "POST", "/api/v1/webhooks", webhookNamed(hookURL, "a\u0080"), 400, "name", "U+0080"},
		{"name: NEL", "POST", "/api/v1/webhooks", webhookNamed(hookURL, "a\u0085b"), 400, "name", "U+0085"},
		{"name: U+009F", "POST", "/api/v1/webhooks", webhookNamed(hookURL, "a\u009f"), 400, "name", "U+009F"},
		{"name: a line break in a PATCH", "PATCH", patch, `{"name":"a\r\nb"}`, 400, "name", "U+000D"},
		{"name: space, ~, NBSP, ÿ", "POST", "/api/v1/webhooks", webhookNamed(hookURL, "a ~\u00a0\u00ff"), 201, "", ""},

		// A URL port is 1 to 65535.
		{"port: 0", "POST", "/api/v1/webhooks", webhookAt("http://127.0.0.1:0/hook"), 400, "url", "port from 1 to 65535"},
		{"port: 65536", "POST", "/api/v1/webhooks", webhookAt("http://127.0.0.1:65536/hook"), 400, "url", "port from 1 to 65535"},
		{"port: 99999", "POST", "/api/v1/webhooks", webhookAt("http://127.0.0.1:99999/hook"), 400, "url", "port from 1 to 65535"},
		{"port: not a number", "POST", "/api/v1/webhooks", webhookAt("http://127.0.0.1:http/hook"), 400, "url", "port from 1 to 65535"},
		{"port: negative", "POST", "/api/v1/webhooks", webhookAt("http://127.0.0.1:-80/hook"), 400, "url", "port from 1 to 65535"},
		{"port: 0 in a PATCH", "PATCH", patch, `{"url":"http://[::1]:0/"}`, 400, "url", "port from 1 to 65535"},
		{"port: 65535", "POST", "/api/v1/webhooks", webhookAt("http://127.0.0.1:65535/hook"), 201, "", ""},
		{"port: 1", "POST", "/api/v1/webhooks", webhookAt("http://127.0.0.1:1/hook"), 201, "", ""},
	}
	// A cursor hookd did not make.
	good := hookd.NewID(hookd.PrefixDelivery)
	for _, c := range []struct {
		name, cursor string
		ok           bool
	}{
		{"a delivery ID", good, true},
		{"the smallest", hookd.FloorID(hookd.PrefixDelivery, time.Unix(0, 0)), true},
		{"a webhook ID", wh.ID, false},
		{"no prefix", good[3:], false},
		{"one character short", good[:len(good)-1], false},
		{"one character more", good + "0", false},
		{"upper case", strings.ToUpper(good), false},
		{"more than 128 bits", "dl_8zzzzzzzzzzzzzzzzzzzzzzzzz", false},
		{"a letter Crockford leaves out", good[:4] + "u" + good[5:], false},
		{"SQL", "dl_' OR '1'='1", false},
		{"a LIKE pattern", "dl_%", false},
		{"a number", "12", false},
	} {
		cs := strictCase{"cursor: " + c.name, "GET", "/api/v1/deliveries?cursor=" + url.QueryEscape(c.cursor), "", 400, "cursor", "is not a cursor hookd made"}
		if c.ok {
			cs.status, cs.field, cs.msg = 200, "", ""
		}
		cases = append(cases, cs)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var body any
			if c.body != "" {
				body = c.body
			}
			checkStrict(t, testkit.Call(t, c.method, e.url+c.path, testKey, body), c)
		})
	}
}

func webhookNamed(hookURL, name string) string {
	b, _ := json.Marshal(map[string]any{"name": name, "url": hookURL, "hooks": []string{"eventAdded"}})
	return string(b)
}

func webhookAt(u string) string { return `{"name":"n","url":"` + u + `","hooks":["eventAdded"]}` }

// checkStrict checks an answer against c.
func checkStrict(t *testing.T, a testkit.Answer, c strictCase) {
	t.Helper()
	if a.Status != c.status {
		t.Fatalf("%s %s %q: %d %s, want %d", c.method, c.path, c.body, a.Status, a.Body, c.status)
	}
	if a.Status < 400 {
		return
	}
	var ae apiError
	if err := json.Unmarshal(a.Body, &ae); err != nil || ae.Error.Code == "" || ae.Error.Message == "" {
		t.Fatalf("%d %s is not the contract's error shape", a.Status, a.Body)
	}
	if c.field == "" {
		if !strings.Contains(ae.Error.Message, c.msg) {
			t.Errorf("message %q does not say %q", ae.Error.Message, c.msg)
		}
		return
	}
	if ae.Error.Code != hookd.EINVALID {
		t.Errorf("code %s, want %s", ae.Error.Code, hookd.EINVALID)
	}
	if msg := ae.Error.Fields[c.field]; !strings.Contains(msg, c.msg) {
		t.Errorf("fields %q: %s is %q, want it to say %q", ae.Error.Fields, c.field, msg, c.msg)
	}
	if !strings.Contains(ae.Error.Message, c.field+" ") {
		t.Errorf("message %q does not name %s", ae.Error.Message, c.field)
	}
}
