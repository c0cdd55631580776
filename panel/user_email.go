package panel

import (
	"net/http"

	"github.com/hookd-dev/hookd"
)

// userSetEmail sets or clears a user's email address, where notifications
// of their account's webhooks go (grey-listed, recovered).
func (h *handler) userSetEmail(w http.ResponseWriter, r *http.Request, v *visitor) {
	u, err := h.app.SetEmail(r.Context(), v.User.AccountID, r.PathValue("id"), r.PostFormValue("email"))
	if hookd.ErrorCode(err) == hookd.ENOTFOUND {
		err = hookd.Errorf(hookd.ENOTFOUND, "There is no such user.")
	}
	what, done := "email set", "Notifications for “"+u.Username+"” go to "+u.Email+" now."
	if u.Email == "" {
		what, done = "email cleared", "“"+u.Username+"” has no email address now and gets no notifications."
	}
	if h.userChanged(w, r, v, err, hookd.EINVALID, func(err error) string {
		return "The email address was not changed. " + userErrors(err)["email"]
	}, done) {
		h.log.Info("panel: "+what, "username", u.Username, "by", v.User.Username)
	}
}
