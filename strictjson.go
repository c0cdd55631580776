package hookd

import (
	"bytes"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// CheckJSON enforces, on a JSON text that json.Valid accepts, the rules hookd
// adds to JSON syntax (I-JSON, RFC 7493) so that a body cannot be read two
// ways: an object names each member once, and every string, member names
// included, is valid Unicode (UTF-8 bytes, no lone UTF-16 surrogate in a
// \u escape). encoding/json accepts both: the last duplicate wins, and a
// lone surrogate or a stray byte silently becomes U+FFFD.
//
// It walks raw once, decoding only member names that hold escapes, and adds
// the first problem it finds (in an object of more than 16 names, a
// duplicate is found when the object closes) to errs, keyed by its path
// after prefix ("data.eventId", "[3].data.eventId",
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
	index  int // array: the current element
	name   int // object: where the current member's name starts in raw, -1 before the first
	names  int // where its names start in the walker's list (an array has none)
}

// manyNames is how many names an object may have before its duplicates are
// looked for by sorting its names when it closes rather than by comparing
// each name with those before it.
const manyNames = 16

// strictProblem returns the path (below the text) and message of the first
// problem in raw, or "" and "". It keeps 4 bytes per member name of the
// objects it is in (where the name starts in raw), in a list that doubles
// as it grows, so that a 1 MiB body of 100,000 names stays within
// TestHostileBodies' memory bound.
func strictProblem(raw []byte) (field, msg string) {
	if len(raw) > math.MaxInt32 {
		return "", "is too large to check (over 2 GiB)"
	}
	var stackBuf [16]strictFrame
	var namesBuf [manyNames * 2]int32
	var scratch [2][]byte // decoded names being compared
	stack, names := stackBuf[:0], namesBuf[:0]
	expectName := false
	for i := 0; i < len(raw); {
		switch c := raw[i]; c {
		case '{':
			stack = append(stack, strictFrame{object: true, name: -1, names: len(names)})
			expectName = true
			i++
		case '[':
			stack = append(stack, strictFrame{names: len(names)})
			expectName = false
			i++
		case '}', ']':
			if top := len(stack) - 1; top >= 0 {
				f := &stack[top]
				if own := names[f.names:]; len(own) > manyNames {
					slices.SortFunc(own, func(a, b int32) int { return compareNames(raw, int(a), int(b), &scratch) })
					for k := 1; k < len(own); k++ {
						if compareNames(raw, int(own[k-1]), int(own[k]), &scratch) == 0 {
							f.name = int(own[k])
							return strictPath(raw, stack), msgDuplicate
						}
					}
				}
				names = names[:f.names]
				stack = stack[:top]
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
				f.name = i
				if bad != "" {
					return strictPath(raw, stack), msgBadName + bad
				}
				if own := names[f.names:]; len(own) < manyNames {
					for _, n := range own {
						if compareNames(raw, int(n), i, &scratch) == 0 {
							return strictPath(raw, stack), msgDuplicate
						}
					}
				}
				if len(names) == cap(names) {
					names = slices.Grow(names, len(names)) // double: append grows large lists by 1.25
				}
				names = append(names, int32(i))
			} else if bad != "" {
				return strictPath(raw, stack), msgUnicode + bad
			}
			i = end
		default: // space, ':', a number, true, false, null
			i++
		}
	}
	return "", ""
}

// compareNames compares the member names whose literals start at raw[a]
// and raw[b] as decoded, so that "\u0068ook" and "hook" are equal; it
// decodes only a name with an escape, into scratch.
func compareNames(raw []byte, a, b int, scratch *[2][]byte) int {
	na, nb := raw[a+1:endOfString(raw, a)-1], raw[b+1:endOfString(raw, b)-1]
	if bytes.IndexByte(na, '\\') >= 0 {
		scratch[0] = appendUnquoted(scratch[0][:0], na)
		na = scratch[0]
	}
	if bytes.IndexByte(nb, '\\') >= 0 {
		scratch[1] = appendUnquoted(scratch[1][:0], nb)
		nb = scratch[1]
	}
	return bytes.Compare(na, nb)
}

// appendUnquoted appends s, the inside of a JSON string literal, decoded.
// A lone surrogate becomes U+FFFD (CheckJSON refuses it before comparing).
func appendUnquoted(dst, s []byte) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			dst = append(dst, s[i])
			continue
		}
		if i++; i == len(s) {
			break
		}
		switch s[i] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, ok := hex4(s, i+1)
			if !ok {
				return dst
			}
			i += 4
			if utf16.IsSurrogate(r) && i+2 < len(s) && s[i+1] == '\\' && s[i+2] == 'u' {
				if r2, ok := hex4(s, i+3); ok {
					if pair := utf16.DecodeRune(r, r2); pair != utf8.RuneError {
						r = pair
						i += 6
					}
				}
			}
			dst = utf8.AppendRune(dst, r)
		default: // " \ /
			dst = append(dst, s[i])
		}
	}
	return dst
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

// strictPath is the path to where the walk stopped: member names joined
// with ".", array indexes as "[i]".
func strictPath(raw []byte, stack []strictFrame) string {
	var b strings.Builder
	for _, f := range stack {
		if !f.object {
			b.WriteString("[" + strconv.Itoa(f.index) + "]")
			continue
		}
		if f.name < 0 {
			break
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(pathName(appendUnquoted(nil, raw[f.name+1:endOfString(raw, f.name)-1])))
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
