package panel

import (
	"errors"
	"net/http"
	"time"

	"github.com/hookd-dev/hookd"
)

type recoverPage struct {
	base
	Webhook hookd.Webhook
	Since   string // as typed: local time
	Until   string
	// Counted is true once the form was sent to count: Count is then how
	// many triggers the recovery would send, over From–To.
	Counted  bool
	Count    int
	From, To time.Time
	Problem  string
}

// recoverForm is "Send what was missed since …": the form; with since in
// the query (the form's Count button, a GET) it also says how many
// triggers would be sent (app.PreviewRecovery, the same rule as the
// recover itself) and offers to confirm.
func (h *handler) recoverForm(w http.ResponseWriter, r *http.Request, v *visitor) {
	wh, ok := byID(h, w, r, v, h.store.Webhook)
	if !ok {
		return
	}
	q := r.URL.Query()
	p := recoverPage{base: h.base(w, r, v, "Send what "+wh.Name+" missed", "webhooks"), Webhook: wh,
		Since: q.Get("since"), Until: q.Get("until")}
	if p.Since == "" {
		if !q.Has("since") {
			// A sensible start: the beginning of the last failure streak
			// is unknown here, so offer the last hour.
			p.Since = h.localInput(h.now().Add(-time.Hour))
		} else {
			p.Problem = "Enter the date and time from which to send what was missed."
		}
		h.render(w, r, statusFor(p.Problem), "recover", p)
		return
	}
	since, until, problem := h.recoverRange(p.Since, p.Until)
	if problem != "" {
		p.Problem = problem
		h.render(w, r, http.StatusBadRequest, "recover", p)
		return
	}
	rec, n, err := h.app.PreviewRecovery(r.Context(), v.User.AccountID, wh.ID, since, until, h.retention)
	if err != nil {
		if hookd.ErrorCode(err) == hookd.EINVALID {
			p.Problem = fieldWords(err)
			h.render(w, r, http.StatusBadRequest, "recover", p)
			return
		}
		h.fail(w, r, err)
		return
	}
	p.Counted, p.Count, p.From, p.To = true, n, rec.Since, rec.Until
	h.render(w, r, http.StatusOK, "recover", p)
}

func statusFor(problem string) int {
	if problem != "" {
		return http.StatusBadRequest
	}
	return http.StatusOK
}

// recoverRange reads the form's From and To (To empty: now).
func (h *handler) recoverRange(sinceText, untilText string) (since, until time.Time, problem string) {
	since, ok := h.readLocalTime(sinceText)
	if !ok {
		return since, until, "“Since” is not a date and time, e.g. 2026-12-03 09:00."
	}
	if until, ok = h.readLocalTime(untilText); !ok {
		return since, until, "“Until” is not a date and time, e.g. 2026-12-03 11:00."
	}
	return since, until, ""
}

// fieldWords says an EINVALID error of app.Recover in a sentence.
func fieldWords(err error) string {
	var e *hookd.Error
	if errors.As(err, &e) {
		if m, ok := e.Fields["until"]; ok {
			return "“Until” " + m + " (“Since”)."
		}
		if m, ok := e.Fields["since"]; ok {
			return "“Since” " + m + "."
		}
	}
	return hookd.ErrorMessage(err)
}

// recover queues what the webhook missed (app.Recover) and shows its
// progress.
func (h *handler) recover(w http.ResponseWriter, r *http.Request, v *visitor) {
	wh, ok := byID(h, w, r, v, h.store.Webhook)
	if !ok {
		return
	}
	since, until, problem := h.recoverRange(r.PostFormValue("since"), r.PostFormValue("until"))
	if problem == "" && r.PostFormValue("since") == "" {
		problem = "Enter the date and time from which to send what was missed."
	}
	if problem != "" {
		h.render(w, r, http.StatusBadRequest, "recover", recoverPage{base: h.base(w, r, v, "Send what "+wh.Name+" missed", "webhooks"),
			Webhook: wh, Since: r.PostFormValue("since"), Until: r.PostFormValue("until"), Problem: problem})
		return
	}
	rec, n, err := h.app.Recover(r.Context(), v.User.AccountID, wh.ID, since, until, h.retention)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.Info("panel: recovery queued", "webhook", wh.ID, "recovery", rec.ID, "queued", n, "user", v.User.Username)
	redirect(w, r, "/settings/webhooks/"+wh.ID+"/recoveries/"+rec.ID)
}

type recoveryPage struct {
	base
	Webhook  hookd.Webhook
	Progress hookd.RecoveryProgress
}

// recoveryProgress shows how far a recovery got: queued, sent (delivered
// or failed), dropped; it reloads itself every few seconds (a meta
// refresh: no script) until every send was made.
func (h *handler) recoveryProgress(w http.ResponseWriter, r *http.Request, v *visitor) {
	wh, ok := byID(h, w, r, v, h.store.Webhook)
	if !ok {
		return
	}
	p, err := h.store.Recovery(r.Context(), v.User.AccountID, r.PathValue("recovery"))
	if err == nil && p.WebhookID != wh.ID {
		err = hookd.Errorf(hookd.ENOTFOUND, "This recovery is not one of this webhook's.")
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	page := recoveryPage{base: h.base(w, r, v, "Sending what "+wh.Name+" missed", "webhooks"), Webhook: wh, Progress: p}
	if !p.Done() {
		page.Refresh = 2
	}
	h.render(w, r, http.StatusOK, "recovery", page)
}
