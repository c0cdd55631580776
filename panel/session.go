package panel

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/clientaddr"
)

const (
	sessionCookie = "hookd_session"
	flashCookie   = "hookd_flash"
)

// visitor is a signed-in person on one request.
type visitor struct {
	User    hookd.User
	Session hookd.Session
}

type visitorKey struct{}

// secure reports whether the request reached hookd over TLS, directly or
// through a trusted proxy that says so; cookies are then marked Secure.
func secure(r *http.Request) bool { return clientaddr.Secure(r) }

func (h *handler) startSession(ctx context.Context, w http.ResponseWriter, r *http.Request, u hookd.User) error {
	s, token, err := h.app.StartSession(ctx, u, h.ttl)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/", Expires: s.ExpiresAt,
		HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteLaxMode,
	})
	return nil
}

func clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteLaxMode})
}

// visitorOf returns the signed-in visitor of r, loading it from the session
// cookie once per request.
func (h *handler) visitorOf(r *http.Request) (*visitor, bool) {
	if v, ok := r.Context().Value(visitorKey{}).(*visitor); ok {
		return v, v != nil
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, false
	}
	s, u, err := h.app.Session(r.Context(), c.Value)
	if err != nil {
		if hookd.ErrorCode(err) != hookd.ENOTFOUND {
			h.log.Error("panel: loading session", "err", err)
		}
		return nil, false
	}
	return &visitor{User: u, Session: s}, true
}

// authed wraps a page that needs a signed-in visitor. It sends strangers to
// the sign-in page and checks the CSRF token of every POST.
func (h *handler) authed(fn func(http.ResponseWriter, *http.Request, *visitor)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, ok := h.visitorOf(r)
		if !ok {
			clearCookie(w, r, sessionCookie)
			next := "/overview"
			if r.Method == http.MethodGet {
				next = r.URL.RequestURI()
			}
			redirect(w, r, "/login?next="+url.QueryEscape(next))
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), visitorKey{}, v))
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
			if !validCSRF(r.PostFormValue("csrf"), v.Session.CSRFToken) {
				h.log.Warn("panel: refused a POST without a valid CSRF token", "path", r.URL.Path, "user", v.User.Username)
				h.message(w, r, http.StatusForbidden, "Request refused",
					"This form is out of date or did not come from this control panel. Go back, reload the page and try again.")
				return
			}
		}
		fn(w, r, v)
	}
}

// admin wraps a page only administrators may use.
func (h *handler) admin(fn func(http.ResponseWriter, *http.Request, *visitor)) http.HandlerFunc {
	return h.authed(func(w http.ResponseWriter, r *http.Request, v *visitor) {
		if !v.User.Admin {
			h.message(w, r, http.StatusForbidden, "Administrators only", "Only an administrator can use this page (users and API keys).")
			return
		}
		fn(w, r, v)
	})
}

func validCSRF(got, want string) bool {
	return got != "" && want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// flash is a one-time message shown on the page after a redirect.
type flash struct {
	Kind string // "ok" or "error"
	Text string
}

// setFlash stores a message for the next page in a short-lived cookie,
// signed with the session's CSRF token so that nobody else can plant one.
func (h *handler) setFlash(w http.ResponseWriter, r *http.Request, v *visitor, kind, text string) {
	msg := kind + ":" + text
	mac := hmac.New(sha256.New, []byte(v.Session.CSRFToken))
	mac.Write([]byte(msg))
	val := base64.RawURLEncoding.EncodeToString([]byte(msg)) + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: val, Path: "/", MaxAge: 120,
		HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteLaxMode})
}

func (h *handler) takeFlash(w http.ResponseWriter, r *http.Request, v *visitor) *flash {
	c, err := r.Cookie(flashCookie)
	if err != nil || v == nil {
		return nil
	}
	clearCookie(w, r, flashCookie)
	b64, sig, ok := strings.Cut(c.Value, ".")
	if !ok {
		return nil
	}
	msg, err1 := base64.RawURLEncoding.DecodeString(b64)
	got, err2 := base64.RawURLEncoding.DecodeString(sig)
	if err1 != nil || err2 != nil {
		return nil
	}
	mac := hmac.New(sha256.New, []byte(v.Session.CSRFToken))
	mac.Write(msg)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return nil
	}
	kind, text, _ := strings.Cut(string(msg), ":")
	return &flash{Kind: kind, Text: text}
}
