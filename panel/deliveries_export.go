package panel

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/hookd-dev/hookd"
)

// exportColumns are the columns of an export, in order: the CSV's header
// row and the members of each JSON Lines object (docs/panel.md lists
// them). Times are RFC 3339 in UTC, as in the API: an export is read by
// programs.
var exportColumns = []string{"id", "attemptedAt", "webhookId", "webhookName", "hook", "triggerId", "url",
	"status", "statusCode", "durationMs", "cause", "error", "redeliveryOf"}

// exportDeliveries streams the filtered log (the same filters as the
// Deliveries page, every page of it) as CSV (format=csv) or JSON Lines
// (format=jsonl), newest first, as a download.
func (h *handler) exportDeliveries(w http.ResponseWriter, r *http.Request, v *visitor) {
	ctx, acc := r.Context(), v.User.AccountID
	f := h.readLogFilter(r.URL.Query())
	format := r.URL.Query().Get("format")
	if format != "csv" && format != "jsonl" {
		f.Problems = append(f.Problems, "The export format must be csv or jsonl.")
	}
	if len(f.Problems) > 0 {
		h.message(w, r, http.StatusBadRequest, "That did not work", strings.Join(f.Problems, " "))
		return
	}
	hooks, err := h.store.Webhooks(ctx, acc)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	names := webhookNames(hooks)
	record := func(d hookd.Delivery) []string {
		code := ""
		if d.StatusCode != 0 {
			code = strconv.Itoa(d.StatusCode)
		}
		return []string{d.ID, hookd.FormatTime(d.AttemptedAt), d.WebhookID, names[d.WebhookID], d.Hook, d.TriggerID, d.URL,
			d.Status, code, strconv.FormatInt(d.DurationMs, 10), h.cause(d), d.Error, d.RedeliveryOf}
	}
	name := "hookd-deliveries-" + h.now().In(h.loc).Format("20060102-150405")
	hd := w.Header()
	bw := bufio.NewWriterSize(w, 32<<10)
	var write func(hookd.Delivery) error
	switch format {
	case "csv":
		hd.Set("Content-Type", "text/csv; charset=utf-8")
		hd.Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
		cw := csv.NewWriter(bw)
		if err := cw.Write(exportColumns); err != nil {
			return
		}
		write = func(d hookd.Delivery) error {
			rec := record(d)
			for i := range rec {
				rec[i] = spreadsheetSafe(rec[i])
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
			cw.Flush()
			return cw.Error()
		}
	default:
		hd.Set("Content-Type", "application/jsonl; charset=utf-8")
		hd.Set("Content-Disposition", `attachment; filename="`+name+`.jsonl"`)
		enc := json.NewEncoder(bw)
		write = func(d hookd.Delivery) error {
			rec := record(d)
			obj := make(map[string]any, len(rec))
			for i, col := range exportColumns {
				obj[col] = rec[i]
			}
			// Numbers as numbers, and null where there is none, as in
			// the API's delivery.
			obj["statusCode"], obj["redeliveryOf"] = nil, nil
			if d.StatusCode != 0 {
				obj["statusCode"] = d.StatusCode
			}
			if d.RedeliveryOf != "" {
				obj["redeliveryOf"] = d.RedeliveryOf
			}
			obj["durationMs"] = d.DurationMs
			return enc.Encode(obj)
		}
	}
	// Once the first bytes are out the status is sent: a store error
	// later can only cut the download short, and is logged.
	if err := h.eachDelivery(ctx, acc, f, write); err != nil {
		h.log.Error("panel: export cut short", "err", err)
	}
	if err := bw.Flush(); err != nil {
		h.log.Debug("panel: export not read to the end", "err", err)
	}
}

// spreadsheetSafe keeps a CSV cell from being read as a formula by a
// spreadsheet: a webhook's name, its URL and a receiver's error message are
// written by people and receivers, and "=HYPERLINK(…)" or "@SUM(…)" in
// them must open as text. A cell that starts with = + - @, a tab or a
// carriage return gets a leading apostrophe (OWASP's advice for CSV
// injection); no column hookd writes starts so otherwise.
func spreadsheetSafe(cell string) string {
	if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return "'" + cell
	}
	return cell
}
