package receiver

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
)

// Handler is an http.Handler that receives hookd's deliveries: it reads
// the body (at most MaxBody), verifies it (401 when it does not verify,
// before anything else is done with it), decodes it (400), drops a
// webhook-id it has already handled (200, Handle not called), and calls
// Handle. Without Background it answers 204 when Handle returns nil and
// 500 when it fails (hookd records the delivery failed; it may be
// redelivered, and the id is released so that it is handled then). With
// Background it answers 202 at once and runs Handle afterwards.
//
// hookd does not retry: a delivery answered with an error waits for a
// person to redeliver it. And hookd waits at most its delivery timeout (10
// s by default) for the answer, so keep Handle short, or use Background
// and a durable queue of your own.
type Handler struct {
	// Verifier checks signatures (required).
	Verifier *Verifier
	// Handle does the work of one delivery (required).
	Handle func(ctx context.Context, d Delivery) error
	// Seen de-duplicates by webhook-id (defaults to NewMemoryStore(0)).
	Seen Store
	// Background answers 202 before Handle runs.
	Background bool
	// MaxBody is the largest body read (defaults to 1 MiB; hookd's are
	// far smaller); a larger one is 413.
	MaxBody int64
	// Logger logs refused deliveries and failed handling (defaults to
	// slog.Default()).
	Logger *slog.Logger

	once sync.Once
	mem  *MemoryStore // the default Seen
}

// NewHandler returns a Handler of v and handle with the defaults.
func NewHandler(v *Verifier, handle func(ctx context.Context, d Delivery) error) *Handler {
	return &Handler{Verifier: v, Handle: handle}
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	log := h.Logger
	if log == nil {
		log = slog.Default()
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "webhooks are POSTed", http.StatusMethodNotAllowed)
		return
	}
	limit := h.MaxBody
	if limit <= 0 {
		limit = 1 << 20
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "could not read the body", http.StatusBadRequest)
		return
	}
	if err := h.Verifier.Verify(r.Header, body); err != nil {
		log.Warn("webhook refused", "err", err, "webhook_id", r.Header.Get(HeaderID))
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return
	}
	d, err := Decode(r.Header, body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	seen := h.Seen
	if seen == nil {
		h.once.Do(func() { h.mem = NewMemoryStore(0) })
		seen = h.mem
	}
	fresh, err := seen.Claim(r.Context(), d.ID)
	if err != nil {
		log.Error("webhook de-duplication store", "err", err)
		http.Error(w, "could not record the delivery", http.StatusServiceUnavailable)
		return
	}
	if !fresh {
		w.WriteHeader(http.StatusOK) // handled before: acknowledge, do nothing
		return
	}
	if h.Background {
		w.WriteHeader(http.StatusAccepted)
		go h.handle(context.WithoutCancel(r.Context()), seen, d, log)
		return
	}
	if err := h.handle(r.Context(), seen, d, log); err != nil {
		http.Error(w, "could not handle the delivery", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) handle(ctx context.Context, seen Store, d Delivery, log *slog.Logger) error {
	err := h.Handle(ctx, d)
	if err != nil {
		log.Error("webhook handling failed; it will be handled if redelivered", "webhook_id", d.ID, "hook", d.Hook, "err", err)
		if rerr := seen.Release(context.WithoutCancel(ctx), d.ID); rerr != nil {
			log.Error("webhook de-duplication store", "err", rerr)
		}
	}
	return err
}
