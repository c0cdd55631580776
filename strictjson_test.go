package hookd_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hookd-dev/hookd"
)

func TestCheckJSON(t *testing.T) {
	many := func(n int, dup bool) string {
		var b strings.Builder
		b.WriteString("{")
		for i := range n {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(`"k` + strconv.Itoa(i) + `":` + strconv.Itoa(i))
		}
		if dup {
			b.WriteString(`,"k7":0`)
		}
		b.WriteString("}")
		return b.String()
	}
	tests := []struct {
		name, body, prefix string
		field, msg         string // "" = accepted
	}{
		{"plain", `{"hook":"eventAdded","data":{"recurringId":1}}`, "", "", ""},
		{"same name in two objects", `{"a":{"x":1},"b":{"x":1},"x":[{"x":1},{"x":2}]}`, "", "", ""},
		{"names differing in case", `{"hook":1,"Hook":2,"HOOK":3}`, "", "", ""},
		{"names that are prefixes", `{"a":1,"ab":2,"a\"":3,"":4}`, "", "", ""},
		{"surrogate pair", `{"a":"\ud83d\ude00 \uD83D\uDE00"}`, "", "", ""},
		{"escaped backslash before u", `{"a":"\\ud800"}`, "", "", ""},
		{"BMP escapes", `{"a":"\u0000\u00e9\ud7ff\ue000\uffff"}`, "", "", ""},
		{"UTF-8", `{"é":"日本語 😀"}`, "", "", ""},
		{"16 names", many(16, false), "", "", ""},
		{"1,000 names", many(1000, false), "", "", ""},
		{"scalars", `[1,"x",true,null,-2.5e3]`, "", "", ""},

		{"top-level duplicate", `{"hook":"eventAdded","data":{},"hook":"eventDeleted"}`, "", "hook", "appears twice"},
		{"duplicate in data", `{"hook":"eventCanceled","data":{"eventId":1,"reason":"x","eventId":2}}`, "", "data.eventId", "appears twice"},
		{"duplicate in a batch element", `{"data":{"eventId":1,"eventId":1}}`, "[3].", "[3].data.eventId", "appears twice"},
		{"duplicate spelled with an escape", `{"hook":1,"\u0068ook":2}`, "", "hook", "appears twice"},
		{"duplicate with the same value", `{"a":null,"a":null}`, "", "a", "appears twice"},
		{"duplicate empty name", `{"":1,"":2}`, "", `""`, "appears twice"},
		{"duplicate deep in arrays", `{"a":[1,[{"b":{"c":1,"c":2}}]]}`, "", "a[1][0].b.c", "appears twice"},
		{"duplicate in the 2nd root element", `[{"a":1},{"a":1,"a":1}]`, "", "[1].a", "appears twice"},
		{"duplicate after a nested object", `{"a":{"b":1},"c":{},"a":2}`, "", "a", "appears twice"},
		{"duplicate after an array", `{"a":[],"a":1}`, "", "a", "appears twice"},
		{"duplicate after a nested array", `{"a":1,"b":[[1],{"c":[]}],"a":1}`, "", "a", "appears twice"},
		{"duplicate among 17 names", many(17, true), "", "k7", "appears twice"},
		{"duplicate among 1,000 names", many(1000, true), "", "k7", "appears twice"},
		{"names with every escape", `{"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00":1,"\"\\/\b\f\n\r\té😀x":2}`, "", "", ""},
		{"duplicate with every escape", `{"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00":1,"\"\\/\b\f\n\r\té😀":2}`, "", "\"\\/\b\f\n\r\té😀", "appears twice"},
		{"duplicate among 17 names, escaped", strings.Replace(many(17, true), `"k7":0}`, `"\u006b7":0}`, 1), "", "k7", "appears twice"},
		{"duplicate of a long name", `{"` + strings.Repeat("n", 500) + `":1,"` + strings.Repeat("n", 500) + `":2}`, "", strings.Repeat("n", 64) + "…", "appears twice"},

		{"lone high surrogate", `{"data":{"reason":"\ud800"}}`, "", "data.reason", `\ud800 is half of a UTF-16 surrogate pair`},
		{"lone low surrogate", `{"a":"x\uDC00y"}`, "", "a", `\uDC00 is half`},
		{"high then high", `{"a":"\ud800\ud800"}`, "", "a", `\ud800 is half`},
		{"high then BMP", `{"a":"\ud800\u0041"}`, "", "a", `\ud800 is half`},
		{"high at the end", `{"a":"\udbff"}`, "", "a", `\udbff is half`},
		{"low then high", `{"a":"\udc00\ud800"}`, "", "a", `\udc00 is half`},
		{"in an array", `{"a":["ok","\ud800"]}`, "", "a[1]", `is half`},
		{"in a batch element", `{"hook":"\udfff"}`, "[0].", "[0].hook", `is half`},
		{"in a member name", `{"data":{"\ud800":1}}`, "", "data.\uFFFD", "is a member name that is not valid Unicode"},
		{"root string", `"\ud800"`, "", "body", "must be valid Unicode"},
		{"invalid UTF-8", "{\"a\":\"\xff\"}", "", "a", "not UTF-8"},
		{"truncated UTF-8", "{\"a\":\"\xe6\x97\"}", "", "a", "not UTF-8"},
		{"UTF-8 encoded surrogate", "{\"a\":\"\xed\xa0\x80\"}", "", "a", "not UTF-8"},
		{"invalid UTF-8 in a name", "{\"\xc3\x28\":1}", "", "\uFFFD(", "member name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := hookd.FieldErrors{}
			ok := hookd.CheckJSON([]byte(tt.body), tt.prefix, errs)
			if tt.msg == "" {
				if !ok || len(errs) != 0 {
					t.Fatalf("CheckJSON(%s) = %v, want accepted", tt.body, errs)
				}
				return
			}
			if ok || len(errs) != 1 {
				t.Fatalf("CheckJSON(%s) accepted it (%v), want %s %s", tt.body, errs, tt.field, tt.msg)
			}
			if msg, found := errs[tt.field]; !found || !strings.Contains(msg, tt.msg) {
				t.Errorf("CheckJSON(%s) = %q, want %s: …%s…", tt.body, errs, tt.field, tt.msg)
			}
		})
	}
}

// FuzzCheckJSON compares CheckJSON with encoding/json's own reading: what
// it accepts has no object naming a member twice and is UTF-8, and a
// duplicate that encoding/json sees, it refuses.
func FuzzCheckJSON(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"a":1,"a":2}`, `{"a":{"b":1},"b":2}`, `[{"a":1},{"a":2}]`, `{"a":[{"b":1,"b":2}]}`,
		`{"\u0061":1,"a":2}`, `"\ud800"`, `{"a":"\ud800\udc00"}`, `{"a":"\\ud800"}`, "\"\xff\"",
		`{"":{"":{"":[]}},"":0}`, `[[],{},"",0]`, `{"a":[],"a":1}`, `{"a":{"b":[{}]},"b":2}`,
		`{"a":0,"b":0,"c":0,"d":0,"e":0,"f":0,"g":0,"h":0,"i":0,"j":0,"k":0,"l":0,"m":0,"n":0,"o":0,"p":0,"q":{"r":[]},"\u0061":1}`,
		`{"a":0,"b":0,"c":0,"d":0,"e":0,"f":0,"g":0,"h":0,"i":0,"j":0,"k":0,"l":0,"m":0,"n":0,"o":0,"p":0,"q":0,"\n":1,"\u000a":2}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !json.Valid(raw) {
			return
		}
		errs := hookd.FieldErrors{}
		ok := hookd.CheckJSON(raw, "", errs)
		if ok != (len(errs) == 0) {
			t.Fatalf("CheckJSON(%q) = %v with errors %v", raw, ok, errs)
		}
		dup, err := hasDuplicate(raw)
		if err != nil {
			t.Fatalf("%q: %v", raw, err)
		}
		if ok && (dup != "" || !utf8.Valid(raw)) {
			t.Fatalf("CheckJSON accepted %q (duplicate %q, UTF-8 %v)", raw, dup, utf8.Valid(raw))
		}
		if dup != "" && !strings.ContainsRune(dup, utf8.RuneError) && ok {
			t.Fatalf("CheckJSON accepted %q, where %q appears twice", raw, dup)
		}
	})
}

// hasDuplicate returns a member name that some object of raw holds twice,
// as encoding/json decodes the names.
func hasDuplicate(raw []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	type frame struct {
		object bool
		seen   map[string]bool
		isName bool // the next token of this object is a name
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if d, isDelim := tok.(json.Delim); isDelim {
			switch d {
			case '{':
				if top != nil && top.object {
					top.isName = true
				}
				stack = append(stack, &frame{object: true, seen: map[string]bool{}, isName: true})
			case '[':
				if top != nil && top.object {
					top.isName = true
				}
				stack = append(stack, &frame{})
			default:
				stack = stack[:len(stack)-1]
			}
			continue
		}
		if top == nil || !top.object {
			continue
		}
		if top.isName {
			name := tok.(string)
			if top.seen[name] {
				return name, nil
			}
			top.seen[name] = true
		}
		top.isName = !top.isName
	}
}

// TestValidateDataIsStrict: a hook's data checked on its own is read as
// strictly as within a trigger.
func TestValidateDataIsStrict(t *testing.T) {
	h, _ := hookd.BuiltinCatalogue().Lookup("eventCanceled")
	for body, want := range map[string]string{
		`{"eventId":1,"reason":"x","eventId":2}`:   "[2].data.eventId appears twice",
		`{"eventId":1,"reason":"\udc00"}`:          `[2].data.reason must be valid Unicode: \udc00 is half`,
		`{"eventId":9007199254740992,"reason":""}`: "[2].data.eventId must be an integer between -9007199254740991 and 9007199254740991",
	} {
		errs := hookd.FieldErrors{}
		if data := h.ValidateData([]byte(body), "[2].", errs); data != nil || !strings.Contains(errs.Err().Error(), want) {
			t.Errorf("ValidateData(%s) = %s, %v; want %q", body, data, errs, want)
		}
	}
	errs := hookd.FieldErrors{}
	if data := h.ValidateData([]byte(` {"reason":"\ud83d\ude00","eventId":1} `), "", errs); string(data) != `{"eventId":1,"reason":"😀"}` {
		t.Errorf("ValidateData = %s, %v", data, errs)
	}
}
