package hookd

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestObjectMembersMatchesEncodingJSON checks the scanner against a decode
// into a map, on the spellings a producer may send.
func TestObjectMembersMatchesEncodingJSON(t *testing.T) {
	for _, in := range []string{
		`{}`,
		` { } `,
		`{"a":1}`,
		`{"a" : 1 , "b":"x" }`,
		`{"a":{"b":[1,{"c":"}]"}],"d":null},"e":true,"f":-1.5e3}`,
		`{"a\"b":"c\\\"d","\u0068ook":"x"}`,
		`{"a":"<&>","b":"é","c":"\u2028"}`,
		`{"a":1,"a":2}`,
		"{\n\t\"a\":\n[ ]\r\n}",
	} {
		raw := []byte(in)
		if !json.Valid(raw) {
			t.Fatalf("%s is not valid JSON", in)
		}
		want := map[string]json.RawMessage{}
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatal(err)
		}
		got := map[string][]byte{}
		objectMembers(bytes.TrimSpace(raw), func(k, v []byte) { got[string(k)] = v })
		if len(got) != len(want) {
			t.Errorf("%s: members %q, want %q", in, got, want)
		}
		for k, v := range want {
			if !bytes.Equal(got[k], v) {
				t.Errorf("%s: member %q = %q, want %q", in, k, got[k], v)
			}
		}
	}
}

func TestPlainStringIsCanonical(t *testing.T) {
	for _, s := range []string{"Snow", "a b/c:d", "<", "&", "é", "\x01", `"`, `\`, "\u2028"} {
		lit, _ := json.Marshal(s)
		var back string
		_ = json.Unmarshal(lit, &back)
		if plainString(lit) && string(lit) != `"`+s+`"` {
			t.Errorf("plainString(%s) but json.Marshal changes it", lit)
		}
	}
}

func TestSplitArray(t *testing.T) {
	for _, in := range []string{`[]`, ` [ {"a":1} , [2,3],"x\"]",4.5e1,null ,true] `, `[{"a":[{"b":"]"}]}]`} {
		var want []json.RawMessage
		if err := json.Unmarshal([]byte(in), &want); err != nil {
			t.Fatal(err)
		}
		got, ok := splitArray([]byte(in))
		if !ok || len(got) != len(want) {
			t.Fatalf("splitArray(%s) = %q, %v; want %q", in, got, ok, want)
		}
		for i := range got {
			if string(got[i]) != string(want[i]) {
				t.Errorf("splitArray(%s)[%d] = %s, want %s", in, i, got[i], want[i])
			}
		}
	}
	for _, in := range []string{``, `{}`, `[1,]`, `[1`, `"[1]"`} {
		if _, ok := splitArray([]byte(in)); ok {
			t.Errorf("splitArray(%q) ok, want not ok", in)
		}
	}
}
