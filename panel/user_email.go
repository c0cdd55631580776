package panel

import (
	"net/http"

	"github.com/hookd-dev/hookd"
)

// userSetEmail sets or clears a user's email address, where notifications
// of their account's webhooks go (grey-listed, recovered).
func (h *handler) userSetEmail(w http.ResponseWriter, r *http.Request, v *visitor) {
	u, err := h.app.SetEmail(r.Context(), v.User.AccountID, r.PathValue("id"), r.PostFormValue("email"))
	switch {
	case hookd.ErrorCode(err) == hookd.EINVALID:
		h.setFlash(w, r, v, "error", "The email address was not changed. "+userErrors(err)["email"])
	case hookd.ErrorCode(err) == hookd.ENOTFOUND:
		h.fail(w, r, hookd.Errorf(hookd.ENOTFOUND, "There is no such user."))
		return
	case err != nil:
		h.fail(w, r, err)
		return
	case u.Email == "":
		h.log.Info("panel: email cleared", "username", u.Username, "by", v.User.Username)
		h.setFlash(w, r, v, "ok", "“"+u.Username+"” has no email address now and gets no notifications.")
	default:
		h.log.Info("panel: email set", "username", u.Username, "by", v.User.Username)
		h.setFlash(w, r, v, "ok", "Notifications for “"+u.Username+"” go to "+u.Email+" now.")
	}
	redirect(w, r, "/settings/users")
}
