package dispatch

import (
	"encoding/json"
	"time"

	"github.com/hookd-dev/hookd"
)

// The system hooks (contract §2, Hooks): hookd itself triggers them in the
// account of a webhook whose URL is grey-listed, or recovers.
const (
	HookWebhookGreylisted = "webhookGreylisted"
	HookWebhookRecovered  = "webhookRecovered"
)

type greylistedData struct {
	WebhookID           string `json:"webhookId"`
	URL                 string `json:"url"`
	Until               string `json:"until"`
	Level               int    `json:"level"`
	ConsecutiveFailures int    `json:"consecutiveFailures"`
	LastError           string `json:"lastError"`
}

type recoveredData struct {
	WebhookID string `json:"webhookId"`
	URL       string `json:"url"`
}

// tell makes the system triggers of grey-list changes: one per enabled
// webhook of the account with the URL, about that webhook, and, with
// Config.Notify, the notices of the same webhooks' users (hookd.NoticeOf
// picks the changes that are emailed). The store calls
// it in the transaction that makes the changes (hookd.RecordParams.Tell),
// so each change is told once, whichever node's batch made it. Changes are
// rare (one per grey-list period), so the webhooks with the URL are looked
// up by walking the snapshot rather than kept in an index of their own.
func (d *Dispatcher) tell(changes []hookd.GreylistChange) ([]hookd.Trigger, []hookd.Notice) {
	snap := d.webhooks.Load()
	if snap == nil {
		return nil, nil
	}
	byURL := map[hookd.URLKey][]*webhookEntry{}
	for _, c := range changes {
		byURL[c.After.Key()] = nil
	}
	seen := map[*webhookEntry]bool{}
	for _, subs := range snap.byHook {
		for _, w := range subs {
			k := hookd.URLKey{AccountID: w.AccountID, URL: w.URL}
			if list, ok := byURL[k]; ok && !seen[w] {
				seen[w] = true
				byURL[k] = append(list, w)
			}
		}
	}
	now := d.cfg.Now().UTC().Truncate(time.Millisecond)
	var out []hookd.Trigger
	var notices []hookd.Notice
	for _, c := range changes {
		for _, w := range byURL[c.After.Key()] {
			if d.cfg.Notify {
				if n, ok := hookd.NoticeOf(c, w.ID, now); ok {
					notices = append(notices, n)
				}
			}
			hook, data := HookWebhookRecovered, any(recoveredData{WebhookID: w.ID, URL: w.URL})
			if !c.Recovered() {
				hook, data = HookWebhookGreylisted, greylistedData{WebhookID: w.ID, URL: w.URL,
					Until: hookd.FormatTime(c.After.Until), Level: c.After.Level,
					ConsecutiveFailures: c.After.ConsecutiveFailures, LastError: c.After.LastError}
			}
			b, _ := json.Marshal(data) // strings and ints: cannot fail
			out = append(out, hookd.Trigger{ID: hookd.NewID(hookd.PrefixTrigger), AccountID: w.AccountID,
				Hook: hook, Data: b, Timestamp: now, ReceivedAt: now})
		}
	}
	return out, notices
}

// aboutWebhook returns the webhook a system trigger tells of ("" for any
// other trigger): a webhook never receives system hooks about itself.
func aboutWebhook(t *hookd.Trigger) string {
	if t.Hook != HookWebhookGreylisted && t.Hook != HookWebhookRecovered {
		return ""
	}
	var d struct {
		WebhookID string `json:"webhookId"`
	}
	_ = json.Unmarshal(t.Data, &d) // hookd made it
	return d.WebhookID
}
