package panel

import "net/http"

type settingsPage struct {
	base
	Webhooks int
}

// settings is the settings page: the way in to webhooks, users, API keys and the
// visitor's password, as the source document's users expect it.
func (h *handler) settings(w http.ResponseWriter, r *http.Request, v *visitor) {
	hooks, ok := ofAccount(h, w, r, v, h.store.Webhooks)
	if !ok {
		return
	}
	h.render(w, r, http.StatusOK, "settings", settingsPage{
		base:     h.base(w, r, v, "Settings", "settings"),
		Webhooks: len(hooks),
	})
}
