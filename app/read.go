package app

import (
	"context"

	"github.com/hookd-dev/hookd"
)

// TriggerDeliveries returns every delivery of a trigger, to every webhook,
// newest first, read page after page: the API's and the panel's trigger
// pages list them all.
func TriggerDeliveries(ctx context.Context, s hookd.DeliveryStore, accountID, triggerID string) ([]hookd.Delivery, error) {
	var out []hookd.Delivery
	f := hookd.DeliveryFilter{AccountID: accountID, TriggerID: triggerID, Limit: 1000}
	for {
		page, next, err := s.Deliveries(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if next == "" {
			return out, nil
		}
		f.Cursor = next
	}
}
