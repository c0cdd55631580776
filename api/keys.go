package api

import (
	"net/http"

	"github.com/hookd-dev/hookd"
)

// keyJSON is an API key as the API shows it; Key is set only in the answer
// that creates it.
type keyJSON struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Prefix    string `json:"prefix"`
	CreatedAt string `json:"createdAt"`
	// LastUsedAt is when a request last came with the key (to within 30
	// s); null when never.
	LastUsedAt *string `json:"lastUsedAt"`
	Current    bool    `json:"current"` // the key this request was made with
	Key        string  `json:"key,omitempty"`
}

func toKeyJSON(k hookd.APIKey, callerHash string) keyJSON {
	j := keyJSON{ID: k.ID, Name: k.Name, Prefix: k.Prefix, CreatedAt: hookd.FormatTime(k.CreatedAt), Current: k.Hash == callerHash}
	if !k.LastUsedAt.IsZero() {
		used := hookd.FormatTime(k.LastUsedAt)
		j.LastUsedAt = &used
	}
	return j
}

func (h *Handler) listKeys(w http.ResponseWriter, r *http.Request) {
	keys, err := h.store.APIKeys(r.Context(), accountID(r.Context()))
	caller := keyHash(r.Context())
	h.reply(w, r, http.StatusOK, map[string]any{"keys": each(keys, func(k hookd.APIKey) keyJSON { return toKeyJSON(k, caller) })}, err)
}

func (h *Handler) createKey(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Name *string `json:"name"`
	}
	body, err := readBody(r)
	if err == nil {
		err = decodeObject(body, &b)
	}
	if err != nil {
		h.error(w, r, err)
		return
	}
	name := ""
	if b.Name != nil {
		name = *b.Name
	}
	k, key, err := h.app.CreateAPIKey(r.Context(), accountID(r.Context()), name)
	if err != nil {
		h.error(w, r, err)
		return
	}
	out := toKeyJSON(k, keyHash(r.Context()))
	out.Key = key
	w.Header().Set("Location", "/api/v1/keys/"+k.ID)
	writeJSON(w, http.StatusCreated, out)
}

func (h *Handler) revokeKey(w http.ResponseWriter, r *http.Request) {
	if _, err := byID(r, h.app.RevokeAPIKey); err != nil {
		h.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
