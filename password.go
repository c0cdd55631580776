package hookd

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"strings"
	"unicode/utf8"
)

// MinPasswordLength is the shortest password of a control panel user.
const MinPasswordLength = 10

// maxPasswordBytes is bcrypt's limit: it ignores everything after 72 bytes.
const maxPasswordBytes = 72

// PasswordProblem says what is wrong with a new control panel password, as
// the end of a sentence whose subject names it ("needs at least 10
// characters"), or "" when it is fine: long enough to resist guessing, short
// enough for bcrypt. Every place that sets a password (the first start, the
// panel, `hookd password`) applies this one rule.
func PasswordProblem(password string) string {
	switch n := utf8.RuneCountInString(password); {
	case n < MinPasswordLength:
		return fmt.Sprintf("needs at least %d characters", MinPasswordLength)
	case len(password) > maxPasswordBytes:
		return fmt.Sprintf("can have at most %d bytes", maxPasswordBytes)
	}
	return ""
}

// NewPassword returns a fresh random password for the control panel: 18
// random bytes in lower-case base32 (29 characters).
func NewPassword() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// ValidateUsername checks a control panel username: 1 to 64 characters,
// no spaces or control characters. The field error is keyed "username".
func ValidateUsername(name string, errs FieldErrors) {
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		errs.Add("username", "is required")
	case n > 64:
		errs.Add("username", "can have at most 64 characters")
	case strings.ContainsFunc(name, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		errs.Add("username", "cannot contain spaces or control characters")
	}
}
