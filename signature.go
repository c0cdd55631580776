package hookd

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
)

// SecretPrefix starts every webhook secret, as in Standard Webhooks.
const SecretPrefix = "whsec_"

// NewSecret returns a fresh webhook secret: whsec_ and 32 random bytes in
// base64.
func NewSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return SecretPrefix + base64.StdEncoding.EncodeToString(b)
}

// SecretKey returns the HMAC key of a whsec_ secret.
func SecretKey(secret string) ([]byte, error) {
	if !strings.HasPrefix(secret, SecretPrefix) {
		return nil, errors.New("secret does not start with " + SecretPrefix)
	}
	return base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, SecretPrefix))
}

// Signer signs payloads with one or more secrets whose keys are decoded
// once.
type Signer struct {
	keys [][]byte
}

// NewSigner returns a signer for the given whsec_ secrets.
func NewSigner(secrets ...string) (*Signer, error) {
	s := &Signer{}
	for _, sec := range secrets {
		k, err := SecretKey(sec)
		if err != nil {
			return nil, err
		}
		s.keys = append(s.keys, k)
	}
	return s, nil
}

// Sign returns the webhook-signature header value for a message: one
// "v1,<base64 HMAC-SHA256 of id.timestamp.body>" per secret, space-separated.
func (s *Signer) Sign(id string, timestamp int64, body []byte) string {
	var sb strings.Builder
	var ts [20]byte
	tsb := strconv.AppendInt(ts[:0], timestamp, 10)
	for i, k := range s.keys {
		m := hmac.New(sha256.New, k)
		m.Write([]byte(id))
		m.Write([]byte{'.'})
		m.Write(tsb)
		m.Write([]byte{'.'})
		m.Write(body)
		var sum [sha256.Size]byte
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString("v1,")
		sb.WriteString(base64.StdEncoding.EncodeToString(m.Sum(sum[:0])))
	}
	return sb.String()
}

// NewToken returns a fresh random token for a cookie or a form: 32 random
// bytes, base64url without padding.
func NewToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
