package panel

import (
	"context"
	"net/http"

	"github.com/hookd-dev/hookd"
)

// What the actions on one webhook share: the page that asks first, doing
// the action, and what the log and the next page say after it.

// webhookConfirmPage asks before an action on one webhook (delete it,
// rotate its secret): the panel works without JavaScript, so the question
// is a page of its own, and the webhook is named as the list names it.
type webhookConfirmPage struct {
	base
	Webhook webhookRow
}

// webhookConfirm shows page for the webhook the path names, titled title
// and the webhook's name.
func (h *handler) webhookConfirm(w http.ResponseWriter, r *http.Request, v *visitor, page, title string) {
	wh, ok := byID(h, w, r, v, h.store.Webhook)
	if !ok {
		return
	}
	h.render(w, r, http.StatusOK, page, webhookConfirmPage{
		base:    h.base(w, r, v, title+wh.Name, "webhooks"),
		Webhook: webhookRow{Webhook: wh, Hooks: hookSummary(h.app.Catalogue(), wh.Hooks)},
	})
}

// webhookAct loads the webhook the path names and does act to it; when
// that worked, act's flash tells the visitor what it did on the page to.
func (h *handler) webhookAct(w http.ResponseWriter, r *http.Request, v *visitor, what string,
	act func(ctx context.Context, accountID string, wh hookd.Webhook) (flash, to string, err error)) {
	var flash, to string
	wh, ok := byID(h, w, r, v, func(ctx context.Context, accountID, id string) (wh hookd.Webhook, err error) {
		if wh, err = h.store.Webhook(ctx, accountID, id); err == nil {
			flash, to, err = act(ctx, accountID, wh)
		}
		return wh, err
	})
	if ok {
		h.webhookDone(w, r, v, wh, what, flash, to)
	}
}

// webhookDone ends an action that changed a webhook: the log says who did
// what to which webhook, the next page (to) says what it means in flash.
func (h *handler) webhookDone(w http.ResponseWriter, r *http.Request, v *visitor, wh hookd.Webhook, what, flash, to string) {
	h.log.Info("panel: "+what, "webhook", wh.ID, "user", v.User.Username)
	h.setFlash(w, r, v, "ok", flash)
	redirect(w, r, to)
}
