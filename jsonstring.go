package hookd

import (
	"encoding/json"
	"unicode/utf8"
)

// AppendJSONString appends s as a JSON string literal, as json.Marshal
// writes it (HTML characters escaped, invalid UTF-8 replaced by U+FFFD).
// A string with nothing to escape, as most are, costs no allocation.
func AppendJSONString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s)
			return append(dst, b...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}
