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
	u, err := h.store.User(r.Context(), r.PathValue("id"))
	if err != nil || u.AccountID != v.User.AccountID {
		h.fail(w, r, hookd.Errorf(hookd.ENOTFOUND, "There is no such user."))
		return
	}
	// The visitor's own session stays; every other session of the user ends.
	err = h.app.SetPassword(r.Context(), v.User.AccountID, u.ID, r.PostFormValue("password"), v.Session.TokenHash)
	if hookd.ErrorCode(err) == hookd.EINVALID {
		h.setFlash(w, r, v, "error", "The password of “"+u.Username+"” was not changed. "+userErrors(err)["password"])
		redirect(w, r, "/settings/users")
		return
	} else if err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.Info("panel: password set", "username", u.Username, "by", v.User.Username)
	h.setFlash(w, r, v, "ok", "The password of “"+u.Username+"” was changed.")
	redirect(w, r, "/settings/users")
}
