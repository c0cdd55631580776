package hookd

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// Triggers are validated one by one, up to 10,000 in a POST, so the parsing
// below avoids decoding into maps: the input is checked once with
// json.Valid, then its members are found by scanning, which is safe because
// valid JSON leaves no surprises.

// objectMembers calls fn with each member of raw, a valid JSON object
// (json.Valid and raw[0] == '{'), in order. key is the member's name
// decoded (a slice of raw when it has no escape, so that a million names
// cost no copies); val is its value without surrounding space, as a
// json.RawMessage in a map would be.
func objectMembers(raw []byte, fn func(key, val []byte)) {
	i := skipSpace(raw, 1)
	for i < len(raw) && raw[i] != '}' {
		if raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
		end := endOfString(raw, i)
		key := raw[i+1 : max(i+1, end-1)]
		if bytes.IndexByte(key, '\\') >= 0 {
			key = appendUnquoted(nil, key)
		}
		i = skipSpace(raw, end)
		i = skipSpace(raw, i+1) // ':'
		vend := endOfValue(raw, i)
		fn(key, raw[i:vend])
		i = skipSpace(raw, vend)
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// endOfString returns the index after the string that starts at b[i] == '"'.
func endOfString(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(b)
}

// endOfValue returns the index after the value that starts at b[i].
func endOfValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return endOfString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				j = endOfString(b, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(b)
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
		j++
	}
	return j
}

// jsonString decodes a valid JSON string literal.
func jsonString(lit []byte) string {
	if plainString(lit) {
		return string(lit[1 : len(lit)-1])
	}
	var s string
	_ = json.Unmarshal(lit, &s)
	return s
}

// plainString reports whether a string literal holds printable ASCII only,
// with nothing json.Marshal would escape: its bytes are then its canonical
// encoding.
func plainString(lit []byte) bool {
	if len(lit) < 2 || lit[0] != '"' || lit[len(lit)-1] != '"' {
		return false
	}
	for _, c := range lit[1 : len(lit)-1] {
		if c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// splitArray returns the elements of raw, a JSON array, as sub-slices of it
// (no copy), after one json.Valid pass; ok is false when raw is not valid
// JSON or not an array. A POST of 1,000 triggers is split this way instead
// of decoding it into []json.RawMessage, which scanned it twice and copied
// every element.
func splitArray(raw []byte) (elems []json.RawMessage, ok bool) {
	i := skipSpace(raw, 0)
	if i == len(raw) || raw[i] != '[' || !json.Valid(raw) {
		return nil, false
	}
	elems = []json.RawMessage{}
	i = skipSpace(raw, i+1)
	for i < len(raw) && raw[i] != ']' {
		if raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
		end := endOfValue(raw, i)
		elems = append(elems, raw[i:end:end])
		i = skipSpace(raw, end)
	}
	return elems, true
}

// MaxUnknownFields is how many unknown members of one object an error
// names: enough to fix a typo, and a body of a million unknown names
// does not become a message of a million lines.
const MaxUnknownFields = 5

// longestName is how much of a member name a field path shows.
const longestName = 64

// pathName is a member name as a field path shows it: valid UTF-8, at most
// longestName characters, "" as `""`.
func pathName(name []byte) string {
	s := strings.ToValidUTF8(string(name[:min(len(name), 4*longestName+4)]), "\uFFFD")
	if s == "" {
		return `""`
	}
	if utf8.RuneCountInString(s) > longestName {
		s = string([]rune(s)[:longestName]) + "…"
	}
	return s
}
