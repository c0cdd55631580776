package hookd

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"hash"
	"strconv"
	"strings"
	"sync"
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
// once. It is safe for concurrent use.
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
		if len(k) > sha256.BlockSize {
			// HMAC's rule for a key longer than a block: its hash is the key.
			sum := sha256.Sum256(k)
			k = sum[:]
		}
		s.keys = append(s.keys, k)
	}
	return s, nil
}

// macState is what one signature needs, reused through macStates: HMAC-
// SHA256 (RFC 2104) written out, so that a send allocates no hash, pad or
// buffer (hmac.New costs eight allocations and ~0.5 KiB a call; a signer
// per webhook holding its own states would cost that per webhook instead).
type macState struct {
	inner, outer hash.Hash
	pad          [sha256.BlockSize]byte
	sum          [sha256.Size]byte
	head         []byte // "<id>.<timestamp>."
}

var macStates = sync.Pool{New: func() any {
	return &macState{inner: sha256.New(), outer: sha256.New(), head: make([]byte, 0, 64)}
}}

// mac writes HMAC-SHA256(key, head || body) into st.sum. len(key) is at
// most a block (NewSigner hashes a longer one).
func (st *macState) mac(key, body []byte) {
	st.pad = [sha256.BlockSize]byte{}
	copy(st.pad[:], key)
	for i := range st.pad {
		st.pad[i] ^= 0x36
	}
	st.inner.Reset()
	st.inner.Write(st.pad[:])
	st.inner.Write(st.head)
	st.inner.Write(body)
	inner := st.inner.Sum(st.sum[:0])
	for i := range st.pad {
		st.pad[i] ^= 0x36 ^ 0x5c
	}
	st.outer.Reset()
	st.outer.Write(st.pad[:])
	st.outer.Write(inner)
	st.outer.Sum(st.sum[:0])
}

// sigLen is the length of one "v1,<base64 of a SHA-256 sum>".
var sigLen = 3 + base64.StdEncoding.EncodedLen(sha256.Size)

// Sign returns the webhook-signature header value for a message: one
// "v1,<base64 HMAC-SHA256 of id.timestamp.body>" per secret, space-separated.
// It allocates the returned string only.
func (s *Signer) Sign(id string, timestamp int64, body []byte) string {
	if len(s.keys) == 0 {
		return ""
	}
	st := macStates.Get().(*macState)
	defer macStates.Put(st)
	st.head = append(st.head[:0], id...)
	st.head = append(st.head, '.')
	st.head = strconv.AppendInt(st.head, timestamp, 10)
	st.head = append(st.head, '.')
	var sb strings.Builder
	sb.Grow(len(s.keys)*(sigLen+1) - 1)
	var enc [64]byte
	for i, k := range s.keys {
		st.mac(k, body)
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString("v1,")
		base64.StdEncoding.Encode(enc[:], st.sum[:])
		sb.Write(enc[:base64.StdEncoding.EncodedLen(sha256.Size)])
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
