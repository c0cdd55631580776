package panel

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/app"
)

// webhookFormPage is the new and the edit page of a webhook.
type webhookFormPage struct {
	base
	New     bool
	Action  string
	Webhook hookd.Webhook // the stored webhook when editing
	Name    string
	URL     string
	Enabled bool
	Groups  []formGroup
	Errors  map[string]string
	Others  []string // errors that belong to no field
	// Row is the stored webhook as the list shows it, when editing: its
	// health, grey-list state, and the hooks it subscribes to that the
	// catalogue no longer has (saving the form drops them: they cannot be
	// ticked).
	Row  webhookRow
	Test *hookd.Delivery // the result of "Send test", when just sent
	// Reveal opens the secret (after a rotation); PreviousActive says the
	// previous secret still signs.
	Reveal, PreviousActive bool
}

// HasErrors reports whether the form has any error to show.
func (p webhookFormPage) HasErrors() bool { return len(p.Errors) > 0 || len(p.Others) > 0 }

// Cancel is where the form's Cancel link leads: the webhook list from the
// new page, the webhook's own page from its edit page.
func (p webhookFormPage) Cancel() string {
	if p.New {
		return "/settings/webhooks"
	}
	return "/settings/webhooks/" + p.Webhook.ID
}

type formGroup struct {
	hookGroup
	Hooks []formHook
	All   bool // every hook of the group is ticked
}

type formHook struct {
	hookd.Hook
	Title   string
	Checked bool
}

func formGroups(c *hookd.Catalogue, selected []string) []formGroup {
	has := hookSet(selected)
	var out []formGroup
	for _, g := range hookGroups(c) {
		fg := formGroup{hookGroup: g, All: true}
		for _, hk := range g.Hooks {
			fg.Hooks = append(fg.Hooks, formHook{Hook: hk, Title: hookTitle(hk.Name), Checked: has[hk.Name]})
			fg.All = fg.All && has[hk.Name]
		}
		out = append(out, fg)
	}
	return out
}

func (h *handler) webhookNew(w http.ResponseWriter, r *http.Request, v *visitor) {
	h.render(w, r, http.StatusOK, "webhook_form", webhookFormPage{
		base: h.base(w, r, v, "New webhook", "webhooks"),
		New:  true, Action: "/settings/webhooks/new", Enabled: true, Groups: formGroups(h.app.Catalogue(), nil),
	})
}

func (h *handler) webhookEdit(w http.ResponseWriter, r *http.Request, v *visitor) {
	wh, ok := byID(h, w, r, v, h.store.Webhook)
	if !ok {
		return
	}
	p := webhookFormPage{
		base:    h.base(w, r, v, wh.Name, "webhooks"),
		Action:  "/settings/webhooks/" + wh.ID,
		Webhook: wh, Name: wh.Name, URL: wh.URL, Enabled: wh.Enabled, Groups: formGroups(h.app.Catalogue(), wh.Hooks),
	}
	if err := h.fillEditExtras(r, v, &p); err != nil {
		h.serverError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "webhook_form", p)
}

// fillEditExtras loads what the edit page shows beside the form: the URL's
// grey-list state and the result of a test just sent.
func (h *handler) fillEditExtras(r *http.Request, v *visitor, p *webhookFormPage) error {
	row, err := h.rowMaker(r, v)
	if err != nil {
		return err
	}
	p.Row = row(p.Webhook)
	p.Reveal = r.URL.Query().Get("reveal") == "1"
	p.PreviousActive = p.Webhook.PreviousSecret != "" && h.now().Before(p.Webhook.PreviousUntil)
	if id := r.URL.Query().Get("test"); id != "" {
		d, err := h.store.Delivery(r.Context(), v.User.AccountID, id)
		if err == nil && d.WebhookID == p.Webhook.ID {
			p.Test = &d
		}
	}
	return nil
}

func (h *handler) webhookCreate(w http.ResponseWriter, r *http.Request, v *visitor) {
	h.webhookSubmit(w, r, v, nil)
}

func (h *handler) webhookSave(w http.ResponseWriter, r *http.Request, v *visitor) {
	wh, ok := byID(h, w, r, v, h.store.Webhook)
	if !ok {
		return
	}
	h.webhookSubmit(w, r, v, &wh)
}

// webhookSubmit handles the form's buttons: "Save", and "Select all" of a
// group, which re-shows the form with the group ticked so that it works
// without JavaScript too.
func (h *handler) webhookSubmit(w http.ResponseWriter, r *http.Request, v *visitor, existing *hookd.Webhook) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	rawURL := strings.TrimSpace(r.PostFormValue("url"))
	hooks := r.PostForm["hooks"]
	enabled := r.PostFormValue("enabled") != ""

	p := webhookFormPage{New: existing == nil, Name: name, URL: rawURL, Enabled: enabled}
	if existing == nil {
		p.base = h.base(w, r, v, "New webhook", "webhooks")
		p.Action = "/settings/webhooks/new"
	} else {
		p.base = h.base(w, r, v, existing.Name, "webhooks")
		p.Action = "/settings/webhooks/" + existing.ID
		p.Webhook = *existing
	}

	if group := r.PostFormValue("select"); group != "" {
		p.Groups = formGroups(h.app.Catalogue(), toggleGroup(h.app.Catalogue(), hooks, group))
		h.renderForm(w, r, v, http.StatusOK, p)
		return
	}

	in := app.WebhookInput{Name: &name, URL: &rawURL, Hooks: &hooks, Enabled: &enabled}
	var saved hookd.Webhook
	var err error
	if existing == nil {
		saved, err = h.app.CreateWebhook(r.Context(), v.User.AccountID, in)
	} else {
		saved, err = h.app.UpdateWebhook(r.Context(), v.User.AccountID, existing.ID, in)
	}
	if hookd.ErrorCode(err) == hookd.EINVALID {
		p.Groups = formGroups(h.app.Catalogue(), hooks)
		p.Errors, p.Others = formErrors(err, len(hooks) == 0)
		if msg, ok := p.Errors["url"]; ok && rawURL != "" && !strings.Contains(rawURL, "://") {
			// "library.example.org/hooks": most likely the https address.
			p.Errors["url"] = msg + ". Did you mean https://" + rawURL + "?"
		}
		h.renderForm(w, r, v, http.StatusUnprocessableEntity, p)
		return
	} else if err != nil {
		h.fail(w, r, err)
		return
	}
	verb := "saved"
	if existing == nil {
		verb = "created"
	}
	// The list, with the saved webhook on top of its first page: the
	// contract's "returns to the list, which shows the new webhook", at any
	// number of webhooks.
	h.webhookDone(w, r, v, saved, "webhook "+verb, "Webhook “"+saved.Name+"” "+verb+". It receives "+
		plural(len(saved.Hooks), "hook", "hooks")+" at "+saved.URL+".", "/settings/webhooks?saved="+url.QueryEscape(saved.ID))
}

func (h *handler) renderForm(w http.ResponseWriter, r *http.Request, v *visitor, status int, p webhookFormPage) {
	if !p.New {
		if err := h.fillEditExtras(r, v, &p); err != nil {
			h.serverError(w, r, err)
			return
		}
	}
	h.render(w, r, status, "webhook_form", p)
}

// formErrors turns a validation error into messages beside the form's
// fields, worded for a person at the panel rather than an API client.
func formErrors(err error, noHooks bool) (map[string]string, []string) {
	fields, others := fieldErrors(err, map[string]string{"name": "The name", "url": "The URL", "hooks": "The hooks:"})
	if _, ok := fields["hooks"]; ok && noHooks {
		fields["hooks"] = "Select at least one hook: the webhook is sent only for the hooks you tick."
	}
	return fields, others
}

// fieldErrors turns an application error into the messages shown beside
// a form's fields: each field error as a sentence that starts with its
// subject ("The URL must …"); errors of no listed field, and errors that
// are not about fields, go with the form as a whole.
func fieldErrors(err error, subjects map[string]string) (map[string]string, []string) {
	var e *hookd.Error
	fields := map[string]string{}
	var others []string
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return fields, []string{hookd.ErrorMessage(err)}
	}
	for k, msg := range e.Fields {
		if subject, ok := subjects[k]; ok {
			fields[k] = subject + " " + msg
		} else {
			others = append(others, k+" "+msg)
		}
	}
	return fields, others
}
