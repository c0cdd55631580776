package panel

import (
	"net/http"
	"strings"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/app"
)

type usersPage struct {
	base
	Users []hookd.User
	// The "Add user" form, re-shown with its errors.
	Username string
	Admin    bool
	Email    string
	Errors   map[string]string
}

func (h *handler) showUsers(w http.ResponseWriter, r *http.Request, v *visitor, status int, p usersPage) {
	list, ok := ofAccount(h, w, r, v, h.store.Users)
	if !ok {
		return
	}
	p.base = h.base(w, r, v, "Users", "settings")
	p.Users = list
	h.render(w, r, status, "users", p)
}

// userErrors words the field errors of the users and password pages as
// sentences ("The password needs at least 10 characters.").
func userErrors(err error) map[string]string {
	fields, _ := fieldErrors(err, map[string]string{"username": "The username", "password": "The password", "current": "This", "email": "The email address"})
	for k, msg := range fields {
		fields[k] = msg + "."
	}
	return fields
}

func (h *handler) userCreate(w http.ResponseWriter, r *http.Request, v *visitor) {
	username := strings.TrimSpace(r.PostFormValue("username"))
	admin := r.PostFormValue("admin") != ""
	email := strings.TrimSpace(r.PostFormValue("email"))
	u, err := h.app.CreateUser(r.Context(), v.User.AccountID, app.NewUser{Username: username,
		Password: r.PostFormValue("password"), Admin: admin, Email: email})
	if hookd.ErrorCode(err) == hookd.EINVALID {
		p := usersPage{Username: username, Admin: admin, Email: email}
		p.Errors = userErrors(err)
		h.showUsers(w, r, v, http.StatusUnprocessableEntity, p)
		return
	} else if err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.Info("panel: user added", "username", u.Username, "admin", admin, "by", v.User.Username)
	h.setFlash(w, r, v, "ok", "User “"+u.Username+"” added. They can sign in now.")
	redirect(w, r, "/settings/users")
}

func (h *handler) userSetPassword(w http.ResponseWriter, r *http.Request, v *visitor) {
	u, ok := h.accountUser(w, r, v)
	if !ok {
		return
	}
	// The visitor's own session stays; every other session of the user ends.
	err := h.app.SetPassword(r.Context(), v.User.AccountID, u.ID, r.PostFormValue("password"), v.Session.TokenHash)
	if h.userChanged(w, r, v, err, hookd.EINVALID,
		func(err error) string {
			return "The password of “" + u.Username + "” was not changed. " + userErrors(err)["password"]
		}, "The password of “"+u.Username+"” was changed.") {
		h.log.Info("panel: password set", "username", u.Username, "by", v.User.Username)
	}
}

// userChanged ends a change to a user on the users page: a refusal (err
// of code refused, the visitor's to fix) is flashed as refusal(err), any
// other error fails the request, and a change made is flashed as done. It
// reports whether the change was made.
func (h *handler) userChanged(w http.ResponseWriter, r *http.Request, v *visitor, err error, refused string, refusal func(error) string, done string) bool {
	switch {
	case err != nil && hookd.ErrorCode(err) == refused:
		h.setFlash(w, r, v, "error", refusal(err))
	case err != nil:
		h.fail(w, r, err)
		return false
	default:
		h.setFlash(w, r, v, "ok", done)
	}
	redirect(w, r, "/settings/users")
	return err == nil
}

// conflict is the refusal of a change that would break a rule of the
// account (its last administrator), said after what.
func conflict(what string) func(error) string {
	return func(err error) string { return what + hookd.ErrorMessage(err) + "." }
}

type userRemovePage struct {
	base
	User hookd.User
}

// accountUser loads one of the visitor's account's users, the path's {id}.
func (h *handler) accountUser(w http.ResponseWriter, r *http.Request, v *visitor) (hookd.User, bool) {
	u, err := h.store.User(r.Context(), r.PathValue("id"))
	if err != nil || u.AccountID != v.User.AccountID {
		if err != nil && hookd.ErrorCode(err) != hookd.ENOTFOUND {
			h.fail(w, r, err)
		} else {
			h.fail(w, r, hookd.Errorf(hookd.ENOTFOUND, "There is no such user. They may have been removed already."))
		}
		return u, false
	}
	return u, true
}

// userRemoveConfirm asks before a user is removed.
func (h *handler) userRemoveConfirm(w http.ResponseWriter, r *http.Request, v *visitor) {
	u, ok := h.accountUser(w, r, v)
	if !ok {
		return
	}
	h.render(w, r, http.StatusOK, "user_remove", userRemovePage{base: h.base(w, r, v, "Remove "+u.Username, "settings"), User: u})
}

// userRemove removes a user (app.Accounts.RemoveUser says which may be).
func (h *handler) userRemove(w http.ResponseWriter, r *http.Request, v *visitor) {
	u, err := h.app.RemoveUser(r.Context(), v.User.AccountID, v.User.ID, r.PathValue("id"))
	if h.userChanged(w, r, v, err, hookd.ECONFLICT, conflict("Not removed: "),
		"User “"+u.Username+"” removed. They are signed out and can no longer sign in.") {
		h.log.Info("panel: user removed", "username", u.Username, "by", v.User.Username)
	}
}

// userSetAdmin gives or takes a user's administrator rights.
func (h *handler) userSetAdmin(w http.ResponseWriter, r *http.Request, v *visitor) {
	admin := r.PostFormValue("admin") == "true"
	u, err := h.app.SetAdmin(r.Context(), v.User.AccountID, v.User.ID, r.PathValue("id"), admin)
	done := "“" + u.Username + "” is no longer an administrator."
	if admin {
		done = "“" + u.Username + "” is now an administrator: they can manage users and API keys."
	}
	if h.userChanged(w, r, v, err, hookd.ECONFLICT, conflict("Not changed: "), done) {
		h.log.Info("panel: administrator rights changed", "username", u.Username, "admin", admin, "by", v.User.Username)
	}
}
