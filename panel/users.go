package panel

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"hookd"
)

type usersPage struct {
	base
	Users []hookd.User
	// The "Add user" form, re-shown with its errors.
	Username string
	Admin    bool
	Errors   map[string]string
}

func (h *handler) users(w http.ResponseWriter, r *http.Request, v *visitor) {
	h.showUsers(w, r, v, http.StatusOK, usersPage{})
}

func (h *handler) showUsers(w http.ResponseWriter, r *http.Request, v *visitor, status int, p usersPage) {
	list, err := h.store.Users(r.Context(), v.User.AccountID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.base = h.base(w, r, v, "Users", "settings")
	p.Users = list
	h.render(w, r, status, "users", p)
}

func (h *handler) userCreate(w http.ResponseWriter, r *http.Request, v *visitor) {
	username := strings.TrimSpace(r.PostFormValue("username"))
	password := r.PostFormValue("password")
	admin := r.PostFormValue("admin") != ""
	p := usersPage{Username: username, Admin: admin, Errors: map[string]string{}}
	if msg := checkUsername(username); msg != "" {
		p.Errors["username"] = msg
	}
	if msg := checkPassword(password); msg != "" {
		p.Errors["password"] = msg
	}
	if len(p.Errors) > 0 {
		h.showUsers(w, r, v, http.StatusUnprocessableEntity, p)
		return
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	u := hookd.User{
		ID: hookd.NewID(hookd.PrefixUser), AccountID: v.User.AccountID, Username: username,
		PasswordHash: string(hash), Admin: admin, CreatedAt: h.now().UTC(),
	}
	if err := h.store.CreateUser(r.Context(), &u); err != nil {
		if hookd.ErrorCode(err) == hookd.ECONFLICT {
			p.Errors["username"] = "The username “" + username + "” is taken. Choose another."
			h.showUsers(w, r, v, http.StatusUnprocessableEntity, p)
			return
		}
		h.fail(w, r, err)
		return
	}
	h.log.Info("panel: user added", "username", username, "admin", admin, "by", v.User.Username)
	h.setFlash(w, r, v, "ok", "User “"+username+"” added. They can sign in now.")
	redirect(w, r, "/settings/users")
}

func (h *handler) userSetPassword(w http.ResponseWriter, r *http.Request, v *visitor) {
	u, err := h.store.User(r.Context(), r.PathValue("id"))
	if err != nil || u.AccountID != v.User.AccountID {
		h.fail(w, r, hookd.Errorf(hookd.ENOTFOUND, "There is no such user."))
		return
	}
	password := r.PostFormValue("password")
	if msg := checkPassword(password); msg != "" {
		h.setFlash(w, r, v, "error", "The password of “"+u.Username+"” was not changed: "+msg)
		redirect(w, r, "/settings/users")
		return
	}
	if err := h.setPassword(r, v, u.ID, password); err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.Info("panel: password set", "username", u.Username, "by", v.User.Username)
	h.setFlash(w, r, v, "ok", "The password of “"+u.Username+"” was changed.")
	redirect(w, r, "/settings/users")
}

// setPassword sets a user's password and ends every session of theirs but
// the visitor's own (an admin setting someone else's password keeps no
// session of that user).
func (h *handler) setPassword(r *http.Request, v *visitor, userID, password string) error {
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	// The visitor's own session stays; every other session of the user ends.
	return h.store.SetPassword(r.Context(), userID, string(hash), v.Session.TokenHash)
}

func checkUsername(s string) string {
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0:
		return "Enter a username."
	case n > 64:
		return "A username can have at most 64 characters."
	case strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		return "A username cannot contain spaces."
	}
	return ""
}

// checkPassword keeps passwords long enough to resist guessing and short
// enough for bcrypt, which ignores everything after 72 bytes.
func checkPassword(s string) string {
	switch {
	case utf8.RuneCountInString(s) < 10:
		return "A password needs at least 10 characters."
	case len(s) > 72:
		return "A password can have at most 72 bytes."
	}
	return ""
}
