package hookd

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"
)

// NewAPIKey returns a fresh API key: "hk_" and 32 random bytes in
// lower-case base32.
func NewAPIKey() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return "hk_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// HashAPIKey returns the stored form of an API key: hex SHA-256. Keys are
// long random strings, so a fast hash is safe, and looking a key up by its
// hash compares no secret byte by byte.
func HashAPIKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// APIKeyPrefix returns the first characters of a key, kept to recognise it:
// "hk_" and 4 more of a generated key, not enough to guess the rest; of a
// shorter key chosen by a person (HOOKD_API_KEY), an eighth of it at most.
func APIKeyPrefix(key string) string {
	if len(key) >= 32 {
		return key[:7]
	}
	return key[:len(key)/8]
}

// ValidateKeyName checks the name of an API key (what uses it): 1 to 200
// characters.
func ValidateKeyName(name string, errs FieldErrors) {
	switch n := utf8.RuneCountInString(strings.TrimSpace(name)); {
	case n == 0:
		errs.Add("name", "is required: say what will use this key, e.g. \"Calendar server\" (1 to 200 characters)")
	case utf8.RuneCountInString(name) > 200:
		errs.Add("name", fmt.Sprintf("must be at most 200 characters (it has %d)", utf8.RuneCountInString(name)))
	}
}

// MinAPIKeyLength is the shortest API key a person may choose
// (HOOKD_API_KEY): 32 characters, so that a chosen key is as hard to guess
// as it is long, like a generated one.
const MinAPIKeyLength = 32

// APIKeyProblem says what is wrong with an API key a person chose, as the
// end of a sentence whose subject names the key ("needs at least 32
// characters"), or "" when it is fine.
func APIKeyProblem(key string) string {
	switch {
	case utf8.RuneCountInString(key) < MinAPIKeyLength:
		return fmt.Sprintf("needs at least %d characters (it has %d); a generated key has 55", MinAPIKeyLength, utf8.RuneCountInString(key))
	case strings.ContainsFunc(key, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		return "cannot contain spaces or control characters"
	}
	return ""
}
