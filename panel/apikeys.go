package panel

import (
	"net/http"
	"time"

	"github.com/hookd-dev/hookd"
)

// apiKeysPage is Settings → API keys: the account's keys, the form that
// creates one, and the key just created, shown this once.
type apiKeysPage struct {
	base
	Keys []apiKeyRow
	// Created is the key just made and Key the key itself. The store keeps
	// only its hash, so this answer is the one time it can be shown.
	Created *apiKeyRow
	Key     string
	// The "Create a key" form, re-shown with its errors.
	Name   string
	Errors map[string]string
	Others []string // errors that belong to no field
}

type apiKeyRow struct{ hookd.APIKey }

// Label is the key's name, or words that say it has none (keys made before
// keys had names).
func (k apiKeyRow) Label() string {
	if k.Name == "" {
		return "Unnamed key " + k.Prefix + "…"
	}
	return k.Name
}

func (h *handler) showAPIKeys(w http.ResponseWriter, r *http.Request, v *visitor, status int, p apiKeysPage) {
	keys, ok := ofAccount(h, w, r, v, h.store.APIKeys)
	if !ok {
		return
	}
	p.base = h.base(w, r, v, "API keys", "settings")
	p.Keys = make([]apiKeyRow, len(keys))
	for i, k := range keys {
		p.Keys[i] = apiKeyRow{k}
	}
	if r.Method == http.MethodGet {
		if id, key, ok := h.takeNewKey(w, r, v); ok {
			for _, k := range p.Keys {
				if k.ID == id {
					p.Created, p.Key = &k, key
				}
			}
		}
	}
	h.render(w, r, status, "apikeys", p)
}

// apiKeyCreate makes a key and redirects to the page that shows it once
// (see newKeyCookie), so that reloading that page makes no second key.
func (h *handler) apiKeyCreate(w http.ResponseWriter, r *http.Request, v *visitor) {
	name := r.PostFormValue("name")
	k, key, err := h.app.CreateAPIKey(r.Context(), v.User.AccountID, name)
	if hookd.ErrorCode(err) == hookd.EINVALID {
		p := apiKeysPage{Name: name}
		p.Errors, p.Others = formErrors(err, false)
		h.showAPIKeys(w, r, v, http.StatusUnprocessableEntity, p)
		return
	} else if err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.Info("panel: API key created", "key", k.ID, "name", k.Name, "user", v.User.Username)
	if err := h.setNewKey(w, r, v, k.ID, key); err != nil {
		h.serverError(w, r, err)
		return
	}
	redirect(w, r, "/settings/api-keys")
}

type revokePage struct {
	base
	Key   apiKeyRow
	InUse bool // used in the last 24 hours
}

// apiKeyRevokeConfirm asks before a key is revoked, and says when it was
// last used: revoking a key in use stops the program that uses it.
func (h *handler) apiKeyRevokeConfirm(w http.ResponseWriter, r *http.Request, v *visitor) {
	keys, ok := ofAccount(h, w, r, v, h.store.APIKeys)
	if !ok {
		return
	}
	for _, k := range keys {
		if k.ID == r.PathValue("id") {
			h.render(w, r, http.StatusOK, "apikey_revoke", revokePage{
				base: h.base(w, r, v, "Revoke "+apiKeyRow{k}.Label(), "settings"), Key: apiKeyRow{k},
				InUse: !k.LastUsedAt.IsZero() && h.now().Sub(k.LastUsedAt) < 24*time.Hour,
			})
			return
		}
	}
	h.fail(w, r, hookd.Errorf(hookd.ENOTFOUND, "There is no such API key. It may have been revoked already."))
}

// apiKeyRevoke deletes a key; the API refuses it from then on. The
// account's last key stays, so that the API can always be reached.
func (h *handler) apiKeyRevoke(w http.ResponseWriter, r *http.Request, v *visitor) {
	k, err := h.app.RevokeAPIKey(r.Context(), v.User.AccountID, r.PathValue("id"))
	if err != nil {
		switch hookd.ErrorCode(err) {
		case hookd.ENOTFOUND:
			h.fail(w, r, hookd.Errorf(hookd.ENOTFOUND, "There is no such API key. It may have been revoked already."))
		case hookd.ECONFLICT:
			h.setFlash(w, r, v, "error", "“"+apiKeyRow{k}.Label()+"” is the account’s last API key, so it was not revoked. "+
				"Create another key first, then revoke this one.")
			redirect(w, r, "/settings/api-keys")
		default:
			h.fail(w, r, err)
		}
		return
	}
	h.log.Info("panel: API key revoked", "key", k.ID, "name", k.Name, "user", v.User.Username)
	h.setFlash(w, r, v, "ok", "API key “"+apiKeyRow{k}.Label()+"” revoked. Requests with it now get 401.")
	redirect(w, r, "/settings/api-keys")
}
