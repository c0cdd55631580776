package app

import (
	"context"

	"github.com/hookd-dev/hookd"
)

// EachDelivery calls fn with every delivery f selects, newest first, read
// page after page (f.Limit a page), until the last page or fn's first
// error: an export of a long log is streamed rather than held.
func EachDelivery(ctx context.Context, s hookd.DeliveryStore, f hookd.DeliveryFilter, fn func(hookd.Delivery) error) error {
	for {
		page, next, err := s.Deliveries(ctx, f)
		if err != nil {
			return err
		}
		for _, d := range page {
			if err := fn(d); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		f.Cursor = next
	}
}

// TriggerDeliveries returns every delivery of a trigger, to every webhook,
// newest first: the API's and the panel's trigger pages list them all.
func TriggerDeliveries(ctx context.Context, s hookd.DeliveryStore, accountID, triggerID string) ([]hookd.Delivery, error) {
	var out []hookd.Delivery
	err := EachDelivery(ctx, s, hookd.DeliveryFilter{AccountID: accountID, TriggerID: triggerID, Limit: 1000},
		func(d hookd.Delivery) error { out = append(out, d); return nil })
	if err != nil {
		return nil, err
	}
	return out, nil
}
