package hookd

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"
)

// CheckJSON enforces, on a JSON text that json.Valid accepts, the rules hookd
// adds to JSON syntax (I-JSON, RFC 7493) so that a body cannot be read two
// ways: an object names each member once, and every string, member names
// included, is valid Unicode (UTF-8 bytes, no lone UTF-16 surrogate in a
// \u escape). encoding/json accepts both: the last duplicate wins, and a
// lone surrogate or a stray byte silently becomes U+FFFD.
//
// It walks raw once, without decoding it, and adds the first problem to
// errs keyed by its path after prefix ("data.eventId", "[3].data.eventId",
// "body" for the whole text); it reports whether there was none. Every
// JSON body hookd accepts passes through it: ParseTrigger calls it on each
// trigger and the API on every other body.
func CheckJSON(raw []byte, prefix string, errs FieldErrors) bool {
	field, msg := strictProblem(raw)
	if msg == "" {
		return true
	}
	errs.Add(joinPath(strings.TrimSuffix(prefix, "."), field), msg)
	return false
}

// Messages of CheckJSON, shown after the field's path.
const (
	msgDuplicate = "appears twice; a JSON object must name each member once"
	msgUnicode   = "must be valid Unicode: "
	msgBadName   = "is a member name that is not valid Unicode: "
	whyNotUTF8   = "it holds bytes that are not UTF-8"
	whySurrogate = " is half of a UTF-16 surrogate pair without the other half"
)

// strictFrame is an open object or array on CheckJSON's way down.
type strictFrame struct {
	object bool
	index  int    // array: the current element
	name   []byte // object: the current member's name, decoded
	names  int    // where its names start in the walker's list (an array has none)
	seen   map[string]struct{}
}

// manyNames is how many names an object may have before duplicates are
// looked up in a map rather than by comparing with each earlier name.
const manyNames = 16

// strictProblem returns the path (below the text) and message of the first
// problem in raw, or "" and "".
func strictProblem(raw []byte) (field, msg string) {
	var stackBuf [16]strictFrame
	var namesBuf [manyNames * 2][]byte
	stack, names := stackBuf[:0], namesBuf[:0]
	expectName := false
	for i := 0; i < len(raw); {
		switch c := raw[i]; c {
		case '{':
			stack = append(stack, strictFrame{object: true, names: len(names)})
			expectName = true
			i++
		case '[':
			stack = append(stack, strictFrame{names: len(names)})
			expectName = false
			i++
		case '}', ']':
			if len(stack) > 0 {
				names = names[:stack[len(stack)-1].names]
				stack = stack[:len(stack)-1]
			}
			expectName = false
			i++
		case ',':
			if top := len(stack) - 1; top >= 0 {
				expectName = stack[top].object
				if !expectName {
					stack[top].index++
				}
			}
			i++
		case '"':
			end, bad := scanString(raw, i)
			if expectName && len(stack) > 0 {
				expectName = false
				f := &stack[len(stack)-1]
				name := memberName(raw[i:end])
				f.name = name
				if bad != "" {
					return strictPath(stack), msgBadName + bad
				}
				if f.seen != nil {
					if _, dup := f.seen[string(name)]; dup {
						return strictPath(stack), msgDuplicate
					}
					f.seen[string(name)] = struct{}{}
				} else {
					for _, n := range names[f.names:] {
						if bytes.Equal(n, name) {
							return strictPath(stack), msgDuplicate
						}
					}
					names = append(names, name)
					if len(names)-f.names > manyNames {
						f.seen = make(map[string]struct{}, 2*manyNames)
						for _, n := range names[f.names:] {
							f.seen[string(n)] = struct{}{}
						}
						names = names[:f.names]
					}
				}
			} else if bad != "" {
				return strictPath(stack), msgUnicode + bad
			}
			i = end
		default: // space, ':', a number, true, false, null
			i++
		}
	}
	return "", ""
}

// scanString returns the index after the string literal that starts at
// raw[i] == '"', and why it is not valid Unicode ("" when it is).
func scanString(raw []byte, i int) (end int, bad string) {
	j := i + 1
	for j < len(raw) {
		c := raw[j]
		switch {
		case c == '"':
			return j + 1, bad
		case c == '\\':
			if j+1 < len(raw) && raw[j+1] == 'u' {
				r, ok := hex4(raw, j+2)
				switch {
				case !ok:
				case r >= 0xd800 && r < 0xdc00:
					if r2, ok2 := hex4(raw, j+8); ok2 && raw[j+6] == '\\' && raw[j+7] == 'u' && r2 >= 0xdc00 && r2 < 0xe000 {
						j += 12
						continue
					}
					fallthrough
				case r >= 0xdc00 && r < 0xe000:
					if bad == "" {
						bad = `\u` + string(raw[j+2:j+6]) + whySurrogate
					}
					j += 6
					continue
				}
			}
			j += 2
		case c < utf8.RuneSelf:
			j++
		default:
			r, size := utf8.DecodeRune(raw[j:])
			if r == utf8.RuneError && size == 1 && bad == "" {
				bad = whyNotUTF8
			}
			j += size
		}
	}
	return len(raw), bad
}

// hex4 reads the 4 hex digits at raw[i:i+4].
func hex4(raw []byte, i int) (rune, bool) {
	if i < 0 || i+4 > len(raw) {
		return 0, false
	}
	var r rune
	for _, c := range raw[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// memberName returns a member name literal decoded: a slice of it when it
// has no escape (the usual case, no copy), a decoded copy otherwise, so
// that "\u0068ook" and "hook" are the same name.
func memberName(lit []byte) []byte {
	if len(lit) < 2 {
		return nil
	}
	inner := lit[1 : len(lit)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return inner
	}
	return []byte(jsonString(lit))
}

// longestName is how much of a member name a path shows.
const longestName = 64

// strictPath is the path to where the walk stopped: member names joined
// with ".", array indexes as "[i]".
func strictPath(stack []strictFrame) string {
	var b strings.Builder
	for _, f := range stack {
		if !f.object {
			b.WriteString("[" + strconv.Itoa(f.index) + "]")
			continue
		}
		if f.name == nil {
			break
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		name := strings.ToValidUTF8(string(f.name), "\uFFFD")
		if name == "" {
			name = `""`
		}
		if utf8.RuneCountInString(name) > longestName {
			name = string([]rune(name)[:longestName]) + "…"
		}
		b.WriteString(name)
	}
	return b.String()
}

// joinPath puts a path found inside a value under the value's own path.
func joinPath(base, field string) string {
	switch {
	case base == "" && field == "":
		return "body"
	case base == "":
		return field
	case field == "" || field[0] == '[':
		return base + field
	}
	return base + "." + field
}
