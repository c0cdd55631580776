package client

import (
	"context"
	"iter"
)

// AllDeliveries reads the delivery log matching q page after page, newest
// first, until the last page or the first error (yielded once, with a
// zero Delivery).
func (c *Client) AllDeliveries(ctx context.Context, q DeliveryQuery) iter.Seq2[Delivery, error] {
	return func(yield func(Delivery, error) bool) {
		for {
			page, err := c.Deliveries(ctx, q)
			if err != nil {
				yield(Delivery{}, err)
				return
			}
			for _, d := range page.Deliveries {
				if !yield(d, nil) {
					return
				}
			}
			if page.NextCursor == "" {
				return
			}
			q.Cursor = page.NextCursor
		}
	}
}

// AllTriggers reads the triggers matching q page after page, newest
// first, until the last page or the first error.
func (c *Client) AllTriggers(ctx context.Context, q TriggerQuery) iter.Seq2[FoundTrigger, error] {
	return func(yield func(FoundTrigger, error) bool) {
		for {
			page, err := c.SearchTriggers(ctx, q)
			if err != nil {
				yield(FoundTrigger{}, err)
				return
			}
			for _, t := range page.Triggers {
				if !yield(t, nil) {
					return
				}
			}
			if page.NextCursor == "" {
				return
			}
			q.Cursor = page.NextCursor
		}
	}
}
