package panel

import (
	"net/http"

	"github.com/hookd-dev/hookd"
)

type passwordPage struct {
	base
	Errors map[string]string
}

func (h *handler) passwordPage(w http.ResponseWriter, r *http.Request, v *visitor) {
	h.render(w, r, http.StatusOK, "password", passwordPage{base: h.base(w, r, v, "Change your password", "settings")})
}

// passwordChange changes the visitor's own password; they must know the
// current one, so that a session left open is not enough to take over.
func (h *handler) passwordChange(w http.ResponseWriter, r *http.Request, v *visitor) {
	p := passwordPage{base: h.base(w, r, v, "Change your password", "settings"), Errors: map[string]string{}}
	current, next, again := r.PostFormValue("current"), r.PostFormValue("password"), r.PostFormValue("confirm")
	if next != again {
		// Nothing changes: say so before the password is checked at all.
		p.Errors["confirm"] = "The two new passwords are not the same."
		h.render(w, r, http.StatusUnprocessableEntity, "password", p)
		return
	}
	err := h.app.ChangeOwnPassword(r.Context(), v.User, current, next, v.Session.TokenHash)
	if hookd.ErrorCode(err) == hookd.EINVALID {
		p.Errors = userErrors(err)
		h.render(w, r, http.StatusUnprocessableEntity, "password", p)
		return
	} else if err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.Info("panel: password changed", "username", v.User.Username)
	h.setFlash(w, r, v, "ok", "Your password was changed. Your other sessions were signed out.")
	redirect(w, r, "/settings")
}
