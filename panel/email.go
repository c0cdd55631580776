package panel

import (
	"net/http"

	"github.com/hookd-dev/hookd"
)

// emailPage is where any user sets, changes or clears their own email
// address, where notifications of their account's webhooks go (an
// administrator can also set it for them on the Users page).
type emailPage struct {
	base
	Email  string
	Errors map[string]string
}

func (h *handler) emailForm(w http.ResponseWriter, r *http.Request, v *visitor) {
	h.render(w, r, http.StatusOK, "email", emailPage{base: h.base(w, r, v, "Your email address", "settings"), Email: v.User.Email})
}

// emailChange sets the visitor's own email address, by the same rule as an
// administrator's change (app.Accounts.SetEmail).
func (h *handler) emailChange(w http.ResponseWriter, r *http.Request, v *visitor) {
	email := r.PostFormValue("email")
	u, err := h.app.SetEmail(r.Context(), v.User.AccountID, v.User.ID, email)
	if hookd.ErrorCode(err) == hookd.EINVALID {
		h.render(w, r, http.StatusUnprocessableEntity, "email", emailPage{
			base: h.base(w, r, v, "Your email address", "settings"), Email: email, Errors: userErrors(err)})
		return
	} else if err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.Info("panel: own email changed", "username", u.Username)
	if u.Email == "" {
		h.setFlash(w, r, v, "ok", "You have no email address now and get no notifications.")
	} else {
		h.setFlash(w, r, v, "ok", "Notifications go to "+u.Email+" now.")
	}
	redirect(w, r, "/settings")
}
