package panel

import (
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/clientaddr"
)

// signInAddrLimit is how many failed sign-ins one address may make in a
// minute, whatever usernames it tries, before it must wait: a bound on the
// bcrypt work one address can ask for with invented usernames.
const signInAddrLimit = 20

// loginCookie carries the sign-in form's CSRF token (double submit): there
// is no session yet to bind it to.
const loginCookie = "hookd_login"

type loginPage struct {
	base
	Username string
	Next     string
	Error    string
	Token    string
}

func (h *handler) loginPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.visitorOf(r); ok {
		redirect(w, r, safeNext(r.URL.Query().Get("next")))
		return
	}
	p := loginPage{Next: r.URL.Query().Get("next")}
	if r.URL.Query().Has("out") {
		p.Flash = &flash{Kind: "ok", Text: "You have signed out."}
	}
	h.showLogin(w, r, http.StatusOK, p)
}

func (h *handler) showLogin(w http.ResponseWriter, r *http.Request, status int, p loginPage) {
	p.Title = "Sign in"
	p.Token = hookd.NewToken()
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: p.Token, Path: "/login", MaxAge: 3600,
		HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteLaxMode})
	h.render(w, r, status, "login", p)
}

func (h *handler) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	username := strings.TrimSpace(r.PostFormValue("username"))
	password := r.PostFormValue("password")
	p := loginPage{Username: username, Next: r.PostFormValue("next")}

	c, err := r.Cookie(loginCookie)
	if err != nil || !validCSRF(r.PostFormValue("csrf"), c.Value) {
		p.Error = "The sign-in form had expired. Please sign in again."
		h.showLogin(w, r, http.StatusForbidden, p)
		return
	}
	if username == "" || password == "" {
		p.Error = "Enter your username and your password."
		h.showLogin(w, r, http.StatusBadRequest, p)
		return
	}
	addr := clientaddr.Of(r)
	key := throttleKey(username, addr)
	if d := max(h.backoff.wait(key), h.addrFails.Wait(addr)); d > 0 {
		p.Error = fmt.Sprintf("Too many failed sign-ins. Please wait %s before trying again.", roundWait(d))
		w.Header().Set("Retry-After", fmt.Sprint(int(d.Seconds()+1)))
		h.showLogin(w, r, http.StatusTooManyRequests, p)
		return
	}
	u, err := h.app.SignIn(r.Context(), username, password)
	switch hookd.ErrorCode(err) {
	case "", hookd.EUNAUTHORIZED:
	case hookd.ERATELIMITED:
		p.Error = "hookd is busy checking other sign-ins. Please try again in a moment."
		w.Header().Set("Retry-After", "1")
		h.showLogin(w, r, http.StatusTooManyRequests, p)
		return
	default:
		h.serverError(w, r, err)
		return
	}
	if err != nil {
		h.backoff.fail(key)
		h.addrFails.Fail(addr)
		// Not the username: people type their password there by mistake.
		h.log.Info("panel: failed sign-in", "ip", addr)
		p.Error = "That username and password do not match. Check them and try again."
		h.showLogin(w, r, http.StatusUnauthorized, p)
		return
	}
	h.backoff.succeed(key)
	if err := h.startSession(r.Context(), w, r, u); err != nil {
		h.serverError(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Path: "/login", MaxAge: -1, HttpOnly: true, Secure: secure(r)})
	h.log.Info("panel: signed in", "username", u.Username)
	redirect(w, r, safeNext(p.Next))
}

func (h *handler) logout(w http.ResponseWriter, r *http.Request, v *visitor) {
	if err := h.app.EndSession(r.Context(), v.Session.TokenHash); err != nil {
		h.serverError(w, r, err)
		return
	}
	clearCookie(w, r, sessionCookie)
	redirect(w, r, "/login?out=1")
}

// afterSignIn is where a sign-in leads when next cannot be used.
const afterSignIn = "/overview"

// safeNext returns the page a sign-in leads to: next rebuilt from its
// parsed path and query, or afterSignIn when next is not a path of this
// site. Browsers turn many strings that look like paths into another host
// ("//evil", "/\evil", "/\t/evil", "https:evil", "%2F%2Fevil" once
// decoded), so next is not filtered for tricks: anything with a scheme, a
// host, user info, a control character or a backslash is refused, and what
// remains is rebuilt from its cleaned path (no "//" can survive path.Clean),
// so the answer is always a path on this host.
func safeNext(next string) string {
	if next == "" || next[0] != '/' || strings.ContainsFunc(next, func(r rune) bool {
		return r < 0x20 || r == 0x7f || r == '\\' || r == utf8.RuneError
	}) {
		return afterSignIn
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return afterSignIn
	}
	p := path.Clean("/" + u.Path)
	if strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) ||
		p == "/login" || strings.HasPrefix(p, "/login/") {
		return afterSignIn
	}
	clean := url.URL{Path: p, RawQuery: u.Query().Encode()}
	return clean.String()
}

func roundWait(d time.Duration) string {
	s := int(d.Seconds() + 0.999)
	switch {
	case s <= 1:
		return "1 second"
	case s < 60:
		return fmt.Sprintf("%d seconds", s)
	default:
		m := (s + 59) / 60
		if m == 1 {
			return "1 minute"
		}
		return fmt.Sprintf("%d minutes", m)
	}
}
