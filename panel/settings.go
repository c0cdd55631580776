package panel

import "net/http"

type settingsPage struct {
	base
	Webhooks int
}

// settings is the settings page: the way in to webhooks, users, API keys and the
// visitor's password, as the source document's users expect it.
func (h *handler) settings(w http.ResponseWriter, r *http.Request, v *visitor) {
	hooks, err := h.store.Webhooks(r.Context(), v.User.AccountID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "settings", settingsPage{
		base:     h.base(w, r, v, "Settings", "settings"),
		Webhooks: len(hooks),
	})
}
