package panel

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
)

// newKeyCookie carries an API key just made from the POST that made it to
// the page that shows it (post/redirect/get: reloading that page does not
// make another key). The key is sealed with a key only this session has,
// lives two minutes at most, is HttpOnly, and is cleared when shown: it is
// in no URL, no log and nothing on the server.
const newKeyCookie = "hookd_new_key"

func sealKey(session string) (cipher.AEAD, error) {
	k := sha256.Sum256([]byte("hookd new API key\x00" + session))
	block, err := aes.NewCipher(k[:])
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// setNewKey stores the new key (its record's ID and the key) for the next
// page of this session.
func (h *handler) setNewKey(w http.ResponseWriter, r *http.Request, v *visitor, id, key string) error {
	aead, err := sealKey(v.Session.CSRFToken)
	if err != nil {
		return err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return err
	}
	sealed := aead.Seal(nonce, nonce, []byte(id+":"+key), nil)
	http.SetCookie(w, &http.Cookie{Name: newKeyCookie, Value: base64.RawURLEncoding.EncodeToString(sealed),
		Path: "/settings/api-keys", MaxAge: 120, HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteStrictMode})
	return nil
}

// takeNewKey returns the key setNewKey stored, once.
func (h *handler) takeNewKey(w http.ResponseWriter, r *http.Request, v *visitor) (id, key string, ok bool) {
	c, err := r.Cookie(newKeyCookie)
	if err != nil {
		return "", "", false
	}
	http.SetCookie(w, &http.Cookie{Name: newKeyCookie, Value: "", Path: "/settings/api-keys", MaxAge: -1,
		HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteStrictMode})
	sealed, err := base64.RawURLEncoding.DecodeString(c.Value)
	aead, err2 := sealKey(v.Session.CSRFToken)
	if err != nil || err2 != nil || len(sealed) < aead.NonceSize() {
		return "", "", false
	}
	plain, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], nil)
	if err != nil {
		return "", "", false
	}
	id, key, ok = strings.Cut(string(plain), ":")
	return id, key, ok
}
